package pairing

import (
	"fmt"
	"math"
	"slices"
	"testing"
)

func names(n int) []string {
	s := make([]string, n)
	for i := range s {
		s[i] = fmt.Sprintf("e%03d", i)
	}
	return s
}

func key(p Pair) [2]string {
	if p.A > p.B {
		return [2]string{p.B, p.A}
	}
	return [2]string{p.A, p.B}
}

func mustNew(t *testing.T, items []string, opts Options) *Planner {
	t.Helper()
	p, err := New(items, opts)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	return p
}

// checkWave fails if an essay appears in more than one pair of the wave
// (counting A/B and B/A of one pair once, as BothOrders plans them).
func checkWave(t *testing.T, wave []Pair) map[string]bool {
	t.Helper()
	partner := map[string]string{}
	for _, pr := range wave {
		for _, x := range [2][2]string{{pr.A, pr.B}, {pr.B, pr.A}} {
			if q, ok := partner[x[0]]; ok && q != x[1] {
				t.Fatalf("essay %s appears with %s and %s in one wave", x[0], q, x[1])
			}
			partner[x[0]] = x[1]
		}
	}
	in := map[string]bool{}
	for k := range partner {
		in[k] = true
	}
	return in
}

func TestFirstWaveCoversEveryEssayOnce(t *testing.T) {
	for _, mode := range []Mode{Adaptive, Random} {
		for _, both := range []bool{false, true} {
			t.Run(fmt.Sprintf("%s both=%v", mode, both), func(t *testing.T) {
				items := names(40)
				p := mustNew(t, items, Options{Mode: mode, BothOrders: both, Seed: 1})
				wave := p.Next(nil)
				in := checkWave(t, wave)
				if len(in) != len(items) {
					t.Errorf("wave covers %d essays, want %d", len(in), len(items))
				}
				wantPairs := len(items) / 2
				if both {
					wantPairs *= 2
				}
				if len(wave) != wantPairs {
					t.Errorf("wave has %d comparisons, want %d", len(wave), wantPairs)
				}
			})
		}
	}
}

func TestOddCountMostComparedSitsOut(t *testing.T) {
	items := names(7)
	p := mustNew(t, items, Options{Mode: Random, Seed: 3})
	// e006 has two comparisons more than anyone else.
	for _, pr := range []Pair{{"e006", "e000"}, {"e006", "e001"}} {
		if err := p.Record(pr); err != nil {
			t.Fatalf("Record: %v", err)
		}
	}
	// Now e000 and e001 have 1, e006 has 2, the rest 0: e006 sits out.
	in := checkWave(t, p.Next(nil))
	if in["e006"] {
		t.Errorf("most-compared essay e006 was paired; want it to sit out")
	}
	if len(in) != 6 {
		t.Errorf("wave covers %d essays, want 6", len(in))
	}
}

func TestNoRepeatedPairUntilAllSeen(t *testing.T) {
	tests := []struct {
		name   string
		n      int
		mode   Mode
		scores bool
	}{
		{"random, 6 essays", 6, Random, false},
		{"random, 9 essays", 9, Random, false},
		{"adaptive with scores, 8 essays", 8, Adaptive, true},
		{"adaptive with scores, 11 essays", 11, Adaptive, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			items := names(tt.n)
			all := tt.n * (tt.n - 1) / 2
			p := mustNew(t, items, Options{Mode: tt.mode, ComparisonsPerEssay: 1000, Seed: 9})
			var scores map[string]float64
			if tt.scores {
				scores = map[string]float64{}
				for i, it := range items {
					scores[it] = float64(i) * 0.3
				}
			}
			seen := map[[2]string]bool{}
			for w := 0; len(seen) < all; w++ {
				if w > 10*all {
					t.Fatalf("only %d of %d pairs seen after %d waves", len(seen), all, w)
				}
				wave := p.Next(scores)
				checkWave(t, wave)
				if len(wave) == 0 {
					t.Fatalf("empty wave with %d of %d pairs seen", len(seen), all)
				}
				for _, pr := range wave {
					if seen[key(pr)] {
						t.Fatalf("pair %v repeated after %d of %d pairs", pr, len(seen), all)
					}
					seen[key(pr)] = true
				}
			}
			// A new cycle may start now: planning goes on.
			if wave := p.Next(scores); len(wave) == 0 {
				t.Errorf("no wave after every pair was seen; want a new cycle")
			}
		})
	}
}

func TestBudgetsRespected(t *testing.T) {
	tests := []struct {
		name string
		n    int
		opts Options
	}{
		{"default budget, adaptive", 50, Options{Seed: 2}},
		{"budget 5, random", 31, Options{Mode: Random, ComparisonsPerEssay: 5, Seed: 2}},
		{"both orders", 40, Options{BothOrders: true, Seed: 2}},
		{"batch cap", 40, Options{Mode: Random, MaxComparisons: 101, Seed: 2}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			items := names(tt.n)
			p := mustNew(t, items, tt.opts)
			per := p.opts.ComparisonsPerEssay
			counts := map[string]int{}
			met := map[[2]string]bool{}
			scores := map[string]float64{}
			total := 0
			for waves := 0; ; waves++ {
				if waves > 1000 {
					t.Fatal("planning never ends")
				}
				wave := p.Next(scores)
				if len(wave) == 0 {
					break
				}
				checkWave(t, wave)
				if tt.opts.BothOrders {
					ordered := map[Pair]bool{}
					for _, pr := range wave {
						ordered[pr] = true
					}
					for _, pr := range wave {
						if !ordered[Pair{pr.B, pr.A}] {
							t.Fatalf("pair %v planned without its reverse", pr)
						}
					}
				}
				fresh := map[[2]string]bool{}
				for _, pr := range wave {
					if met[key(pr)] && !fresh[key(pr)] {
						t.Fatalf("pair %v planned twice (far fewer pairs planned than exist)", pr)
					}
					fresh[key(pr)] = true
					counts[pr.A]++
					counts[pr.B]++
					total++
					scores[pr.A] += 0.1 // any moving scores
				}
				for k := range fresh {
					met[k] = true
				}
			}
			if p.Stop(nil, nil) != BudgetSpent {
				t.Errorf("Stop after the last wave = %q, want %q", p.Stop(nil, nil), BudgetSpent)
			}
			full := 0
			for _, it := range items {
				// One pair over budget at most: met by an essay that
				// had met every other essay with budget left.
				if counts[it] > per+p.step {
					t.Errorf("%s has %d comparisons, budget %d (+%d)", it, counts[it], per, p.step)
				}
				if counts[it] != p.Count(it) {
					t.Errorf("%s: planner counts %d, waves hold %d", it, p.Count(it), counts[it])
				}
				if counts[it] >= per-p.step+1 {
					full++ // no room for another pair
				}
			}
			if total != p.Total() {
				t.Errorf("Total = %d, waves hold %d", p.Total(), total)
			}
			if tt.opts.MaxComparisons > 0 {
				if total > tt.opts.MaxComparisons || total < tt.opts.MaxComparisons-1 {
					t.Errorf("total %d, want the cap %d (or one less)", total, tt.opts.MaxComparisons)
				}
				return
			}
			if full < tt.n*9/10 {
				t.Errorf("%d of %d essays used their whole budget, want at least 90%%", full, tt.n)
			}
		})
	}
}

func TestDeterministicGivenSeed(t *testing.T) {
	run := func(seed uint64) [][]Pair {
		p := mustNew(t, names(21), Options{Seed: seed})
		scores := map[string]float64{}
		var waves [][]Pair
		for w := range 5 {
			wave := p.Next(scores)
			waves = append(waves, wave)
			for i, pr := range wave {
				scores[pr.A] += float64(i%3) - float64(w)
			}
		}
		return waves
	}
	a, b, c := run(5), run(5), run(6)
	for w := range a {
		if !slices.Equal(a[w], b[w]) {
			t.Fatalf("wave %d differs between runs with the same seed", w)
		}
	}
	if slices.Equal(a[0], c[0]) {
		t.Errorf("first waves equal for seeds 5 and 6; want the seed to matter")
	}
}

func TestRetryPool(t *testing.T) {
	p := mustNew(t, names(4), Options{Mode: Random, Seed: 4})
	wave := p.Next(nil)
	failed := wave[0]
	before := p.Count(failed.A)
	for attempt := 1; attempt <= 3; attempt++ {
		retried, err := p.Fail(failed)
		if err != nil {
			t.Fatalf("Fail: %v", err)
		}
		if want := attempt < 3; retried != want {
			t.Fatalf("attempt %d: Fail = %v, want %v", attempt, retried, want)
		}
		if !retried {
			break
		}
		next := p.Next(nil)
		if len(next) == 0 || next[0] != failed {
			t.Fatalf("attempt %d: next wave %v, want it to start with the retry %v", attempt, next, failed)
		}
		checkWave(t, next)
	}
	if got := p.Abandoned(); len(got) != 1 || got[0] != failed {
		t.Errorf("Abandoned = %v, want [%v]", got, failed)
	}
	// While retried the essay was busy with the retry only; abandoning
	// releases the comparison it held.
	if got := p.Count(failed.A); got != before-1 {
		t.Errorf("count of %s after abandon = %d, want %d", failed.A, got, before-1)
	}
	if _, err := p.Fail(Pair{"x", "e000"}); err == nil {
		t.Errorf("Fail with an unknown essay: got nil error")
	}
}

func TestAbandonReleasesBudget(t *testing.T) {
	p := mustNew(t, names(2), Options{ComparisonsPerEssay: 1, MaxAttempts: 1, Seed: 1})
	wave := p.Next(nil)
	if len(wave) != 1 {
		t.Fatalf("wave = %v, want one pair", wave)
	}
	if p.Stop(nil, nil) != BudgetSpent {
		t.Fatalf("Stop = %q before the failure, want budget spent", p.Stop(nil, nil))
	}
	if retried, _ := p.Fail(wave[0]); retried {
		t.Fatalf("Fail with MaxAttempts 1 = retried, want abandoned")
	}
	if p.Count("e000") != 0 || p.Total() != 0 {
		t.Errorf("after abandon: count %d total %d, want 0 0", p.Count("e000"), p.Total())
	}
}

func TestRecordResumesWithoutRepeats(t *testing.T) {
	items := names(6)
	p := mustNew(t, items, Options{Mode: Random, Seed: 8})
	done := []Pair{{"e000", "e001"}, {"e002", "e003"}, {"e004", "e005"}, {"e001", "e002"}}
	for _, pr := range done {
		if err := p.Record(pr); err != nil {
			t.Fatalf("Record: %v", err)
		}
	}
	if p.Count("e001") != 2 || p.Total() != 4 {
		t.Fatalf("after Record: count(e001) %d total %d, want 2 4", p.Count("e001"), p.Total())
	}
	wave := p.Next(nil)
	for _, pr := range wave {
		for _, d := range done {
			if key(pr) == key(d) {
				t.Errorf("resumed wave repeats recorded pair %v", d)
			}
		}
	}
	if err := p.Record(Pair{"e000", "nope"}); err == nil {
		t.Errorf("Record with an unknown essay: got nil error")
	}
}

func TestAdaptivePairsCloseScores(t *testing.T) {
	items := names(100)
	scores := map[string]float64{}
	for i, it := range items {
		scores[it] = float64((i*37)%100) * 0.05 // a shuffled spread of 5 logits
	}
	meanGap := func(mode Mode) float64 {
		p := mustNew(t, items, Options{Mode: mode, Seed: 3})
		var sum float64
		wave := p.Next(scores)
		for _, pr := range wave {
			sum += math.Abs(scores[pr.A] - scores[pr.B])
		}
		return sum / float64(len(wave))
	}
	adaptive, random := meanGap(Adaptive), meanGap(Random)
	if adaptive > random/4 {
		t.Errorf("mean score gap adaptive %.3f, random %.3f: want adaptive at most a quarter", adaptive, random)
	}
}

func TestStop(t *testing.T) {
	items := names(4)
	p := mustNew(t, items, Options{ComparisonsPerEssay: 4, MinComparisons: 2, StabilityThreshold: 0.1, Seed: 1})
	prev := map[string]float64{"e000": 1, "e001": 0.5, "e002": -0.5, "e003": -1}
	near := map[string]float64{"e000": 1.05, "e001": 0.5, "e002": -0.52, "e003": -1}
	far := map[string]float64{"e000": 1.5, "e001": 0.5, "e002": -0.5, "e003": -1}
	p.Next(nil)
	if got := p.Stop(prev, near); got != Continue {
		t.Errorf("after one comparison each: Stop = %q, want continue (minimum not reached)", got)
	}
	p.Next(prev)
	tests := []struct {
		name      string
		prev, cur map[string]float64
		want      StopReason
	}{
		{"stable", prev, near, Stable},
		{"a score moved", prev, far, Continue},
		{"no previous fit", nil, near, Continue},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := p.Stop(tt.prev, tt.cur); got != tt.want {
				t.Errorf("Stop = %q, want %q", got, tt.want)
			}
		})
	}
	// A comparison waiting for its retry counts in the totals but is not
	// judged: scores cannot be called stable yet.
	if _, err := p.Fail(Pair{A: "e000", B: "e001"}); err != nil {
		t.Fatal(err)
	}
	if got := p.Stop(prev, near); got != Continue {
		t.Errorf("with a retry pending: Stop = %q, want continue", got)
	}
}

func TestNewRejectsBadInput(t *testing.T) {
	tests := []struct {
		name  string
		items []string
		opts  Options
	}{
		{"unknown mode", names(2), Options{Mode: "swiss"}},
		{"negative budget", names(2), Options{ComparisonsPerEssay: -1}},
		{"duplicate essay", []string{"a", "a"}, Options{}},
		{"empty name", []string{"a", ""}, Options{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := New(tt.items, tt.opts); err == nil {
				t.Errorf("New: got nil error, want one")
			}
		})
	}
}

func TestTinyBatches(t *testing.T) {
	for _, n := range []int{0, 1} {
		p := mustNew(t, names(n), Options{})
		if wave := p.Next(nil); len(wave) != 0 {
			t.Errorf("%d essays: wave %v, want empty", n, wave)
		}
		if got := p.Stop(nil, nil); got != BudgetSpent {
			t.Errorf("%d essays: Stop = %q, want %q", n, got, BudgetSpent)
		}
	}
}
