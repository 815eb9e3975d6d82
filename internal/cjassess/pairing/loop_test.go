package pairing_test

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/hule-dev/hule/internal/cjassess/pairing"
	"github.com/hule-dev/hule/internal/cjassess/scoring"
)

// TestBatchLoop runs whole simulated batches the way the service will:
// plan a wave, judge it with a Bradley-Terry judge that sometimes fails,
// refit, stop when the planner says so.
func TestBatchLoop(t *testing.T) {
	tests := []struct {
		name string
		opts pairing.Options
	}{
		{"adaptive", pairing.Options{Mode: pairing.Adaptive, Seed: 1}},
		{"random", pairing.Options{Mode: pairing.Random, Seed: 1}},
		{"adaptive, both orders", pairing.Options{Mode: pairing.Adaptive, BothOrders: true, Seed: 1}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			const n = 61
			rng := rand.New(rand.NewPCG(42, 43))
			items := make([]string, n)
			truth := map[string]float64{}
			for i := range items {
				items[i] = fmt.Sprintf("essay-%02d", i)
				truth[items[i]] = rng.NormFloat64() * 1.5
			}
			p, err := pairing.New(items, tt.opts)
			if err != nil {
				t.Fatalf("New: %v", err)
			}
			var comps []scoring.Comparison
			var prev, cur map[string]float64
			var failures int
			reason := pairing.Continue
			for waves := 0; reason == pairing.Continue; waves++ {
				if waves > 100 {
					t.Fatal("batch never stops")
				}
				wave := p.Next(cur)
				for _, pr := range wave {
					if rng.IntN(10) == 0 { // 10 % of judge calls fail
						failures++
						if _, err := p.Fail(pr); err != nil {
							t.Fatalf("Fail: %v", err)
						}
						continue
					}
					c := scoring.Comparison{Winner: pr.A, Loser: pr.B}
					if rng.Float64() >= 1/(1+math.Exp(truth[pr.B]-truth[pr.A])) {
						c.Winner, c.Loser = pr.B, pr.A
					}
					comps = append(comps, c)
				}
				res, err := scoring.Fit(items, comps, scoring.Options{})
				if err != nil {
					t.Fatalf("Fit: %v", err)
				}
				prev, cur = cur, res.Scores()
				reason = p.Stop(prev, cur)
			}
			if failures == 0 {
				t.Fatal("simulation produced no failures; the retry path went untested")
			}
			// Every planned comparison was judged, or failed and is
			// either abandoned or still pending (none at the end).
			if got, want := p.Total(), len(comps); got != want {
				t.Errorf("planner counts %d comparisons, %d were judged", got, want)
			}
			// An essay may end one pair over its budget (met by an
			// essay that had met every other essay with budget left).
			limit := pairing.DefaultComparisonsPerEssay + 1
			if tt.opts.BothOrders {
				limit++
			}
			for _, it := range items {
				if c := p.Count(it); c > limit {
					t.Errorf("%s: %d comparisons, budget %d, at most %d", it, c, pairing.DefaultComparisonsPerEssay, limit)
				}
			}
			res, err := scoring.Fit(items, comps, scoring.Options{})
			if err != nil {
				t.Fatalf("Fit: %v", err)
			}
			est := make([]float64, n)
			tr := make([]float64, n)
			for i, it := range res.Items {
				est[i], tr[i] = it.Score, truth[it.Name]
			}
			if r := pearson(est, tr); r < 0.8 {
				t.Errorf("correlation with the true abilities = %.3f, want >= 0.8", r)
			}
			t.Logf("stop %s after %d comparisons (%d failures, %d abandoned), SSR %.3f, r² with truth %.3f",
				reason, len(comps), failures, len(p.Abandoned()), res.SSR, math.Pow(pearson(est, tr), 2))
		})
	}
}

func pearson(x, y []float64) float64 {
	var mx, my float64
	for i := range x {
		mx += x[i]
		my += y[i]
	}
	mx /= float64(len(x))
	my /= float64(len(y))
	var sxy, sxx, syy float64
	for i := range x {
		sxy += (x[i] - mx) * (y[i] - my)
		sxx += (x[i] - mx) * (x[i] - mx)
		syy += (y[i] - my) * (y[i] - my)
	}
	return sxy / math.Sqrt(sxx*syy)
}
