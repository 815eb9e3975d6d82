package metrics

import (
	"math"
	"math/rand/v2"
	"strings"
	"testing"
)

func near(got, want, tol float64) bool { return math.Abs(got-want) <= tol }

func TestTypeTokenRatio(t *testing.T) {
	tests := []struct {
		name   string
		tokens string
		want   float64
	}{
		{"empty", "", 0},
		{"one", "a", 1},
		{"half", "a a b b", 0.5},
		{"three of four", "the cat the dog", 0.75},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := TypeTokenRatio(strings.Fields(tt.tokens)); !near(got, tt.want, 1e-12) {
				t.Errorf("TTR(%q) = %v, want %v", tt.tokens, got, tt.want)
			}
		})
	}
}

// The MTLD values below are worked by hand from the definition in McCarthy &
// Jarvis (2010), threshold 0.72:
//
// "the cat sat on the mat the end", forward: the running TTR is 1, 1, 1, 1,
// 4/5, 5/6, then 5/7 = 0.714 <= 0.72 at the 7th token: one factor, reset.
// "end" leaves TTR 1, a partial factor of (1-1)/(1-0.72) = 0. Forward =
// 8/1 = 8. Backward ("end the mat the on sat cat the"): TTR 1, 1, 1, 3/4,
// 4/5, 5/6, 6/7, 6/8 — never at or below 0.72, so the partial factor is
// (1-0.75)/0.28 = 0.892857 and backward = 8/0.892857 = 8.96. MTLD =
// (8 + 8.96)/2 = 8.48.
//
// "a a a a": TTR 1, then 1/2 <= 0.72 (factor), 1, 1/2 (factor); 4/2 = 2 in
// both directions.
//
// "a b a": TTR 1, 1, 2/3 = 0.667 (factor), nothing left: 3/1 = 3 both ways.
func TestMTLD(t *testing.T) {
	tests := []struct {
		name   string
		tokens string
		want   float64
	}{
		{"empty is undefined", "", 0},
		{"all distinct is undefined", "a b c d", 0},
		{"one token is undefined", "word", 0},
		{"worked example", "the cat sat on the mat the end", 8.48},
		{"one repeated type", "a a a a", 2},
		{"aba", "a b a", 3},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := MTLD(strings.Fields(tt.tokens)); !near(got, tt.want, 1e-9) {
				t.Errorf("MTLD(%q) = %v, want %v", tt.tokens, got, tt.want)
			}
		})
	}
}

func TestMTLDDirectionsDiffer(t *testing.T) {
	tokens := strings.Fields("the cat sat on the mat the end")
	ids, types := intern(tokens)
	if f, b := mtldPass(ids, make([]int, types), false), mtldPass(ids, make([]int, types), true); !near(f, 8, 1e-9) || !near(b, 8.96, 1e-9) {
		t.Errorf("forward, backward = %v, %v, want 8, 8.96", f, b)
	}
}

func distinctTokens(n int) []string {
	out := make([]string, n)
	for i := range out {
		out[i] = "w" + strings.Repeat("x", i)
	}
	return out
}

// hddReference computes HD-D with log-gamma binomial coefficients, an
// implementation independent of the product form in HDD.
func hddReference(tokens []string) float64 {
	counts := map[string]int{}
	for _, t := range tokens {
		counts[t]++
	}
	lchoose := func(n, k int) float64 {
		a, _ := math.Lgamma(float64(n + 1))
		b, _ := math.Lgamma(float64(k + 1))
		c, _ := math.Lgamma(float64(n - k + 1))
		return a - b - c
	}
	n := len(tokens)
	sum := 0.0
	for _, c := range counts {
		p0 := 0.0
		if n-c >= 42 {
			p0 = math.Exp(lchoose(n-c, 42) - lchoose(n, 42))
		}
		sum += (1 - p0) / 42
	}
	return sum
}

// With exactly 42 tokens the sample is the whole text, so every type is drawn
// and HD-D equals the TTR. With 43 tokens (41 types once, one type twice) a
// once-only type is missing from a 42-sample with probability
// C(42,42)/C(43,42) = 1/43, the doubled type never: HD-D =
// (41·42/43 + 1)/42 = 0.977298...
func TestHDD(t *testing.T) {
	doubled := append(distinctTokens(41), "z", "z")
	half := make([]string, 0, 42)
	for i := range 21 {
		half = append(half, "t"+strings.Repeat("y", i), "t"+strings.Repeat("y", i))
	}
	tests := []struct {
		name   string
		tokens []string
		want   float64
	}{
		{"too short", distinctTokens(41), 0},
		{"empty", nil, 0},
		{"42 distinct", distinctTokens(42), 1},
		{"42 tokens, 21 types", half, 0.5},
		{"43 tokens, 42 types", doubled, (41.0*42/43 + 1) / 42},
		{"one type", strings.Fields(strings.Repeat("a ", 100)), 1.0 / 42},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := HDD(tt.tokens); !near(got, tt.want, 1e-12) {
				t.Errorf("HDD = %v, want %v", got, tt.want)
			}
		})
	}
}

func TestHDDMatchesLogGammaReference(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	vocab := strings.Fields("the a of and to in is was it he she they we you that this for on with as at by from or but not all some many one two")
	for n := 42; n < 600; n += 37 {
		tokens := make([]string, n)
		for i := range tokens {
			// A skewed draw, so counts vary from 1 to many.
			tokens[i] = vocab[int(float64(len(vocab))*rng.Float64()*rng.Float64())]
		}
		if got, want := HDD(tokens), hddReference(tokens); !near(got, want, 1e-9) {
			t.Errorf("n=%d: HDD = %v, reference = %v", n, got, want)
		}
	}
}
