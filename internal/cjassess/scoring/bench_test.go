package scoring

import (
	"fmt"
	"math/rand/v2"
	"testing"
)

// BenchmarkFit measures a whole fit (Newton + SEs + fit statistics) at 12
// comparisons per essay under random pairing.
func BenchmarkFit(b *testing.B) {
	for _, n := range []int{30, 300, 3000} {
		rng := rand.New(rand.NewPCG(1, 2))
		names, _, comps := simulate(rng, n, 12, 1)
		b.Run(fmt.Sprintf("essays=%d", n), func(b *testing.B) {
			for b.Loop() {
				if _, err := Fit(names, comps, Options{}); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkFitSE compares the exact dense SEs with the belief-propagation
// approximation at 300 and 500 essays (500 is the default switch-over).
func BenchmarkFitSE(b *testing.B) {
	for _, n := range []int{300, 500} {
		rng := rand.New(rand.NewPCG(1, 2))
		names, _, comps := simulate(rng, n, 12, 1)
		for _, tc := range []struct {
			name string
			max  int
		}{{"exact", n}, {"approx", 1}} {
			b.Run(fmt.Sprintf("essays=%d/%s", n, tc.name), func(b *testing.B) {
				for b.Loop() {
					if _, err := Fit(names, comps, Options{ExactSEMaxItems: tc.max}); err != nil {
						b.Fatal(err)
					}
				}
			})
		}
	}
}
