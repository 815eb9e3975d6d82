package spell

import (
	"bufio"
	"fmt"
	"math/rand/v2"
	"os"
	"slices"
	"strings"
	"testing"

	"github.com/hule-dev/hule/internal/text/lexicon"
)

// heldOut reads the held-out test set: misspellings from the same source as
// the learner table that the generator kept out of it, with their
// corrections (see data/SOURCES.md).
func heldOut(tb testing.TB) [][2]string {
	tb.Helper()
	f, err := os.Open("testdata/heldout_en.tsv")
	if err != nil {
		tb.Fatalf("open test set: %v", err)
	}
	defer f.Close()
	var pairs [][2]string
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if w, r, ok := strings.Cut(sc.Text(), "\t"); ok {
			pairs = append(pairs, [2]string{w, r})
		}
	}
	if err := sc.Err(); err != nil {
		tb.Fatalf("read test set: %v", err)
	}
	if len(pairs) < 1000 {
		tb.Fatalf("test set has %d pairs, want at least 1000", len(pairs))
	}
	return pairs
}

// tableSample is every 25th entry of the learner table: errors the table
// knows, for measuring what it adds over the dictionary pass. It was the
// development set for the ranking weights.
func tableSample(tb testing.TB) [][2]string {
	tb.Helper()
	tab, err := LearnerTable("en")
	if err != nil {
		tb.Fatalf("LearnerTable: %v", err)
	}
	keys := make([]string, 0, len(tab))
	for k := range tab {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	var pairs [][2]string
	for i := 0; i < len(keys); i += 25 {
		pairs = append(pairs, [2]string{keys[i], tab[keys[i]]})
	}
	return pairs
}

// topOne is the share of pairs whose correction is the expected word.
func topOne(c *Checker, pairs [][2]string) float64 {
	hits := 0
	for _, p := range pairs {
		if got, _, _ := c.Correct(p[0]); got == p[1] {
			hits++
		}
	}
	return float64(hits) / float64(len(pairs))
}

// TestAccuracy measures top-1 accuracy (go test -v -run Accuracy prints the
// figures). The held-out set never meets the learner table, so there the two
// rows with and without it agree; the table sample shows what the table adds.
func TestAccuracy(t *testing.T) {
	if raceEnabled {
		t.Skip("slow under the race detector; run without -race")
	}
	en, err := lexicon.English()
	if err != nil {
		t.Fatalf("English: %v", err)
	}
	sets := map[string][][2]string{"held-out": heldOut(t), "table sample": tableSample(t)}
	tests := []struct {
		set     string
		ranking Ranking
		noTable bool
		min     float64
	}{
		{"held-out", RankNoisyChannel, false, 0.80},
		{"held-out", RankNoisyChannel, true, 0.80},
		{"held-out", RankDistanceFrequency, true, 0.75},
		{"table sample", RankNoisyChannel, false, 0.999},
		{"table sample", RankNoisyChannel, true, 0.75},
		{"table sample", RankDistanceFrequency, true, 0.75},
	}
	for _, tt := range tests {
		name := fmt.Sprintf("%s/%s/table=%v", tt.set, rankingName(tt.ranking), !tt.noTable)
		t.Run(name, func(t *testing.T) {
			c, err := NewChecker(en, Options{NoLearnerTable: tt.noTable, Ranking: tt.ranking})
			if err != nil {
				t.Fatalf("NewChecker: %v", err)
			}
			pairs := sets[tt.set]
			acc := topOne(c, pairs)
			t.Logf("top-1 accuracy %.1f%% on %d misspellings", acc*100, len(pairs))
			if acc < tt.min {
				t.Errorf("top-1 accuracy = %.1f%%, want at least %.1f%%", acc*100, tt.min*100)
			}
		})
	}
}

func rankingName(r Ranking) string {
	if r == RankDistanceFrequency {
		return "distance-frequency"
	}
	return "noisy-channel"
}

// essays builds n essays of about words words each: sentences of common
// words from the frequency list with about one word in twenty-five replaced
// by a held-out misspelling.
func essays(tb testing.TB, n, words int) []string {
	tb.Helper()
	en, err := lexicon.English()
	if err != nil {
		tb.Fatalf("English: %v", err)
	}
	var vocab []string
	en.Words(func(w string) bool {
		if r := en.Rank(w); r > 0 && r <= 5000 && w == strings.ToLower(w) && !strings.Contains(w, "'") {
			vocab = append(vocab, w)
		}
		return true
	})
	slices.Sort(vocab)
	errs := heldOut(tb)
	rng := rand.New(rand.NewPCG(1, 2))
	out := make([]string, n)
	for i := range out {
		var b strings.Builder
		for w := 0; w < words; {
			sl := 8 + rng.IntN(13)
			for j := 0; j < sl && w < words; j, w = j+1, w+1 {
				word := vocab[rng.IntN(len(vocab))]
				if rng.IntN(25) == 0 {
					word = errs[rng.IntN(len(errs))][0]
				}
				if j == 0 {
					word = applyCase(word, caseTitle)
				} else {
					b.WriteByte(' ')
				}
				b.WriteString(word)
			}
			b.WriteString(". ")
		}
		out[i] = b.String()
	}
	return out
}

// BenchmarkCheckEssay checks 500-word essays with the English checker and
// reports essays per second (go test -run '^$' -bench CheckEssay).
func BenchmarkCheckEssay(b *testing.B) {
	en, err := lexicon.English()
	if err != nil {
		b.Fatalf("English: %v", err)
	}
	c, err := NewChecker(en, Options{})
	if err != nil {
		b.Fatalf("NewChecker: %v", err)
	}
	es := essays(b, 50, 500)
	b.ResetTimer()
	i := 0
	for b.Loop() {
		c.Check(es[i%len(es)], nil)
		i++
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "essays/s")
}

// BenchmarkCheckEssayParallel is BenchmarkCheckEssay with one checker shared
// by GOMAXPROCS goroutines, as the spellcheck service uses it.
func BenchmarkCheckEssayParallel(b *testing.B) {
	en, err := lexicon.English()
	if err != nil {
		b.Fatalf("English: %v", err)
	}
	c, err := NewChecker(en, Options{})
	if err != nil {
		b.Fatalf("NewChecker: %v", err)
	}
	es := essays(b, 50, 500)
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		i := 0
		for pb.Next() {
			c.Check(es[i%len(es)], nil)
			i++
		}
	})
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "essays/s")
}

// BenchmarkNewCheckerEnglish measures building the English candidate index
// (what the first checker of a process pays).
func BenchmarkNewCheckerEnglish(b *testing.B) {
	en, err := lexicon.English()
	if err != nil {
		b.Fatalf("English: %v", err)
	}
	for b.Loop() {
		buildIndex(en, 2)
	}
}
