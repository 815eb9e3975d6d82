package cjassess_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/hule-dev/hule/internal/cjassess"
	"github.com/hule-dev/hule/internal/cjassess/judge"
	"github.com/hule-dev/hule/internal/cjassess/pairing"
)

// perturbedEssays makes n essays of varied quality from the example essays:
// each copies one example, drops some of its sentences and misspells some
// of its words, at rates drawn per essay.
func perturbedEssays(tb testing.TB, n int, seed uint64) []cjassess.Essay {
	tb.Helper()
	students, anchors := exampleEssays(tb)
	var sources []string
	for _, e := range append(students, anchors...) {
		sources = append(sources, e.Text)
	}
	rng := rand.New(rand.NewPCG(seed, seed+1))
	out := make([]cjassess.Essay, n)
	for i := range out {
		src := sources[rng.IntN(len(sources))]
		drop, typo := rng.Float64()*0.4, rng.Float64()*0.15
		var b strings.Builder
		for _, sentence := range strings.SplitAfter(src, ". ") {
			if rng.Float64() < drop {
				continue
			}
			words := strings.Fields(sentence)
			for k, w := range words {
				if len(w) > 3 && rng.Float64() < typo {
					j := 1 + rng.IntN(len(w)-2)
					w = w[:j] + w[j+1:j+2] + w[j:j+1] + w[j+2:] // swap two letters
				}
				words[k] = w
			}
			b.WriteString(strings.Join(words, " "))
			b.WriteString(" ")
		}
		out[i] = cjassess.Essay{ID: fmt.Sprintf("essay-%04d", i), Text: b.String()}
	}
	return out
}

// BenchmarkRun1000 runs a whole 1,000-essay job with the offline judge on
// SQLite (12 comparisons per essay, default settings): planning, judging,
// persisting every comparison, refitting after each wave and grading.
//
//	go test -run '^$' -bench BenchmarkRun1000 -benchtime 1x ./internal/cjassess/
func BenchmarkRun1000(b *testing.B) {
	essays := perturbedEssays(b, 1000, 1)
	_, anchors := exampleEssays(b)
	essays = append(essays, anchors...)
	for i := 0; b.Loop(); i++ {
		eng := cjassess.NewEngine(sqliteStore(b), judge.NewOffline(nil), cjassess.EngineOptions{})
		out, err := eng.Run(context.Background(), cjassess.Job{
			ID: fmt.Sprintf("bench-%d", i), BatchID: "bench", Essays: essays,
			Settings: cjassess.Settings{Pairing: pairing.Options{Seed: 1}},
		})
		if err != nil {
			b.Fatal(err)
		}
		b.ReportMetric(float64(out.Comparisons), "comparisons/op")
		b.ReportMetric(out.SSR, "ssr")
	}
}
