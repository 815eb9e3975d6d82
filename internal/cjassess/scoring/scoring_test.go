package scoring

import (
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"sort"
	"testing"

	"gonum.org/v1/gonum/stat"
)

// simulate draws n true abilities from N(0, sd²) and per comparisons per
// item under random pairing: each round shuffles the items and pairs
// neighbors, the winner drawn from the Bradley-Terry model.
func simulate(rng *rand.Rand, n, per int, sd float64) (names []string, truth []float64, comps []Comparison) {
	names = make([]string, n)
	truth = make([]float64, n)
	for i := range n {
		names[i] = fmt.Sprintf("e%04d", i)
		truth[i] = rng.NormFloat64() * sd
	}
	order := make([]int, n)
	for i := range order {
		order[i] = i
	}
	for range per {
		rng.Shuffle(n, func(i, j int) { order[i], order[j] = order[j], order[i] })
		for k := 0; k+1 < n; k += 2 {
			a, b := order[k], order[k+1]
			if rng.Float64() < sigmoid(truth[a]-truth[b]) {
				comps = append(comps, Comparison{Winner: names[a], Loser: names[b]})
			} else {
				comps = append(comps, Comparison{Winner: names[b], Loser: names[a]})
			}
		}
	}
	return names, truth, comps
}

func ranks(x []float64) []float64 {
	idx := make([]int, len(x))
	for i := range idx {
		idx[i] = i
	}
	sort.Slice(idx, func(a, b int) bool { return x[idx[a]] < x[idx[b]] })
	r := make([]float64, len(x))
	for k, i := range idx {
		r[i] = float64(k)
	}
	return r
}

func spearman(x, y []float64) float64 { return stat.Correlation(ranks(x), ranks(y), nil) }

func scoresOf(res Result) []float64 {
	s := make([]float64, len(res.Items))
	for i, it := range res.Items {
		s[i] = it.Score
	}
	return s
}

func TestFitRecoversTrueAbilities(t *testing.T) {
	tests := []struct {
		name        string
		n, per      int
		sd          float64
		minSpearman float64
	}{
		{"30 essays, 12 each", 30, 12, 1.5, 0.75},
		{"200 essays, 12 each", 200, 12, 1.5, 0.85},
		{"200 essays, 30 each", 200, 30, 1.5, 0.93},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rng := rand.New(rand.NewPCG(1, uint64(tt.n*tt.per)))
			names, truth, comps := simulate(rng, tt.n, tt.per, tt.sd)
			res, err := Fit(names, comps, Options{})
			if err != nil {
				t.Fatalf("Fit: %v", err)
			}
			if !res.Converged {
				t.Fatalf("Converged = false after %d iterations", res.Iterations)
			}
			if got := spearman(scoresOf(res), truth); got < tt.minSpearman {
				t.Errorf("Spearman with truth = %.3f, want >= %.2f", got, tt.minSpearman)
			}
			var sum float64
			for _, it := range res.Items {
				sum += it.Score
			}
			if math.Abs(sum) > 1e-9 {
				t.Errorf("sum of scores = %g, want 0", sum)
			}
		})
	}
}

// TestCoverageAndReliability checks the standard errors and the SSR against
// the truth over many simulated batches under random pairing.
func TestCoverageAndReliability(t *testing.T) {
	tests := []struct {
		name string
		sd   float64
	}{
		{"abilities with SD 1", 1},
		{"abilities with SD 2", 2},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			const reps, n, per = 20, 100, 12
			rng := rand.New(rand.NewPCG(7, 11))
			var covered, total int
			var ssrSum, relSum float64
			for range reps {
				names, truth, comps := simulate(rng, n, per, tt.sd)
				res, err := Fit(names, comps, Options{})
				if err != nil {
					t.Fatalf("Fit: %v", err)
				}
				// Compare with the centered truth: the model identifies
				// only differences.
				var mt float64
				for _, v := range truth {
					mt += v
				}
				mt /= n
				for i, it := range res.Items {
					if math.Abs(it.Score-(truth[i]-mt)) <= 1.96*it.SE {
						covered++
					}
					total++
				}
				ssrSum += res.SSR
				c := stat.Correlation(scoresOf(res), truth, nil)
				relSum += c * c
			}
			coverage := float64(covered) / float64(total)
			if coverage < 0.92 || coverage > 0.98 {
				t.Errorf("coverage of ±1.96·SE = %.3f, want within [0.92, 0.98]", coverage)
			}
			ssr, rel := ssrSum/reps, relSum/reps
			if math.Abs(ssr-rel) > 0.05 {
				t.Errorf("mean SSR = %.3f, mean squared correlation with truth = %.3f, want within 0.05", ssr, rel)
			}
			t.Logf("coverage %.3f, SSR %.3f, true reliability %.3f", coverage, ssr, rel)
		})
	}
}

func TestApproximateSEsCloseToExact(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	names, _, comps := simulate(rng, 300, 12, 1)
	exact, err := Fit(names, comps, Options{})
	if err != nil {
		t.Fatalf("Fit exact: %v", err)
	}
	approx, err := Fit(names, comps, Options{ExactSEMaxItems: 1})
	if err != nil {
		t.Fatalf("Fit approx: %v", err)
	}
	if !exact.ExactSE || approx.ExactSE {
		t.Fatalf("ExactSE = %v/%v, want true/false", exact.ExactSE, approx.ExactSE)
	}
	var worst float64
	for i := range exact.Items {
		if exact.Items[i].Score != approx.Items[i].Score {
			t.Fatalf("item %d score differs: %v vs %v", i, exact.Items[i].Score, approx.Items[i].Score)
		}
		rel := math.Abs(approx.Items[i].SE-exact.Items[i].SE) / exact.Items[i].SE
		worst = math.Max(worst, rel)
	}
	if worst > 0.05 {
		t.Errorf("largest relative SE difference approx vs exact = %.3f, want <= 0.05", worst)
	}
	t.Logf("largest relative SE difference %.4f", worst)
}

func TestFitDegenerateCases(t *testing.T) {
	tests := []struct {
		name  string
		items []string
		comps []Comparison
		check func(t *testing.T, r Result)
	}{
		{
			name:  "no items",
			items: nil,
			check: func(t *testing.T, r Result) {
				if len(r.Items) != 0 || r.SSR != 0 {
					t.Errorf("got %d items, SSR %v; want 0, 0", len(r.Items), r.SSR)
				}
			},
		},
		{
			name:  "one item",
			items: []string{"a"},
			check: func(t *testing.T, r Result) {
				it := r.Items[0]
				if it.Score != 0 || it.SE != 0 || it.Rank != 1 || r.SSR != 0 {
					t.Errorf("got %+v, SSR %v; want score 0, SE 0, rank 1, SSR 0", it, r.SSR)
				}
			},
		},
		{
			name:  "no comparisons",
			items: []string{"a", "b", "c", "d"},
			check: func(t *testing.T, r Result) {
				want := DefaultPriorSD * math.Sqrt(1-1.0/4)
				for _, it := range r.Items {
					if it.Score != 0 || math.Abs(it.SE-want) > 1e-9 {
						t.Errorf("%s: score %v SE %v, want 0 and %v (the prior, centered)", it.Name, it.Score, it.SE, want)
					}
				}
				if r.SSR != 0 {
					t.Errorf("SSR = %v, want 0", r.SSR)
				}
			},
		},
		{
			name:  "an item that won everything stays finite",
			items: []string{"top", "b", "c"},
			comps: []Comparison{
				{Winner: "top", Loser: "b"}, {Winner: "top", Loser: "c"}, {Winner: "top", Loser: "b"},
				{Winner: "b", Loser: "c"}, {Winner: "c", Loser: "b"},
			},
			check: func(t *testing.T, r Result) {
				top := r.Items[0]
				if math.IsInf(top.Score, 0) || math.IsNaN(top.Score) || top.Score > 8 {
					t.Errorf("top score = %v, want finite and moderate", top.Score)
				}
				if top.Rank != 1 || top.Wins != 3 || top.Comparisons != 3 {
					t.Errorf("top = %+v, want rank 1, 3 wins of 3", top)
				}
				if !r.Converged {
					t.Errorf("Converged = false")
				}
			},
		},
		{
			name:  "ties pull two items together",
			items: []string{"a", "b"},
			comps: []Comparison{{Winner: "a", Loser: "b", Tie: true}, {Winner: "b", Loser: "a", Tie: true}},
			check: func(t *testing.T, r Result) {
				if math.Abs(r.Items[0].Score) > 1e-9 || r.Items[0].Ties != 2 || r.Items[0].Wins != 0 {
					t.Errorf("a = %+v, want score 0, 2 ties, 0 wins", r.Items[0])
				}
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r, err := Fit(tt.items, tt.comps, Options{})
			if err != nil {
				t.Fatalf("Fit: %v", err)
			}
			tt.check(t, r)
		})
	}
}

func TestFitRejectsBadInput(t *testing.T) {
	tests := []struct {
		name    string
		items   []string
		comps   []Comparison
		wantErr error
	}{
		{"unknown winner", []string{"a", "b"}, []Comparison{{Winner: "x", Loser: "a"}}, ErrUnknownItem},
		{"unknown loser", []string{"a", "b"}, []Comparison{{Winner: "a", Loser: "y"}}, ErrUnknownItem},
		{"self comparison", []string{"a", "b"}, []Comparison{{Winner: "a", Loser: "a"}}, nil},
		{"duplicate item", []string{"a", "a"}, nil, nil},
		{"empty item name", []string{"a", ""}, nil, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Fit(tt.items, tt.comps, Options{})
			if err == nil {
				t.Fatal("Fit: got nil error, want one")
			}
			if tt.wantErr != nil && !errors.Is(err, tt.wantErr) {
				t.Errorf("Fit error = %v, want %v", err, tt.wantErr)
			}
		})
	}
}

// TestJudgeFitFlagsErraticJudge: a judge who answers at random should have a
// clearly larger outfit than judges following the model.
func TestJudgeFitFlagsErraticJudge(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	names, truth, comps := simulate(rng, 60, 20, 2)
	for c := range comps {
		comps[c].Judge = fmt.Sprintf("j%d", c%3)
		if c%3 == 2 && rng.IntN(2) == 0 { // j2 flips a coin
			comps[c].Winner, comps[c].Loser = comps[c].Loser, comps[c].Winner
		}
	}
	_ = truth
	res, err := Fit(names, comps, Options{})
	if err != nil {
		t.Fatalf("Fit: %v", err)
	}
	if len(res.Judges) != 3 {
		t.Fatalf("got %d judges, want 3", len(res.Judges))
	}
	good, bad := res.Judges[0], res.Judges[2]
	if bad.ID != "j2" || bad.Outfit <= 1.3*good.Outfit || bad.Infit <= good.Infit {
		t.Errorf("erratic judge %+v vs consistent judge %+v: want larger infit and outfit", bad, good)
	}
	var total int
	for _, j := range res.Judges {
		total += j.Comparisons
	}
	if total != len(comps) {
		t.Errorf("judge comparisons sum to %d, want %d", total, len(comps))
	}
}

func TestRanksFollowScores(t *testing.T) {
	res, err := Fit([]string{"low", "high", "mid"}, []Comparison{
		{Winner: "high", Loser: "mid"}, {Winner: "mid", Loser: "low"}, {Winner: "high", Loser: "low"},
		{Winner: "mid", Loser: "high"}, {Winner: "high", Loser: "mid"},
	}, Options{})
	if err != nil {
		t.Fatalf("Fit: %v", err)
	}
	want := map[string]int{"high": 1, "mid": 2, "low": 3}
	for _, it := range res.Items {
		if it.Rank != want[it.Name] {
			t.Errorf("%s rank = %d, want %d", it.Name, it.Rank, want[it.Name])
		}
	}
}
