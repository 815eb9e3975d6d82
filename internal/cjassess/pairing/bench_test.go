package pairing

import (
	"fmt"
	"math/rand/v2"
	"testing"
)

// BenchmarkNextWave measures planning one wave in the middle of a batch
// (six comparisons per essay already planned), with and without scores.
func BenchmarkNextWave(b *testing.B) {
	for _, n := range []int{30, 300, 3000} {
		items := names(n)
		rng := rand.New(rand.NewPCG(1, 2))
		scores := make(map[string]float64, n)
		for _, it := range items {
			scores[it] = rng.NormFloat64()
		}
		for _, mode := range []Mode{Adaptive, Random} {
			b.Run(fmt.Sprintf("essays=%d/%s", n, mode), func(b *testing.B) {
				base, err := New(items, Options{Mode: mode, Seed: 1})
				if err != nil {
					b.Fatal(err)
				}
				for range 6 {
					base.Next(scores)
				}
				for b.Loop() {
					b.StopTimer()
					p := base.clone()
					b.StartTimer()
					if len(p.Next(scores)) == 0 {
						b.Fatal("empty wave")
					}
				}
			})
		}
	}
}

// clone copies a planner's state (benchmark helper).
func (p *Planner) clone() *Planner {
	q := *p
	q.counts = append([]int(nil), p.counts...)
	q.seen = append([]uint64(nil), p.seen...)
	q.retries = append([]ordered(nil), p.retries...)
	q.attempts = map[ordered]int{}
	for k, v := range p.attempts {
		q.attempts[k] = v
	}
	return &q
}
