// Package scoring turns comparative-judgement outcomes ("A beat B") into
// scores on a logit scale by fitting the Bradley-Terry model, with standard
// errors, scale separation reliability and infit/outfit fit statistics.
//
// The model is P(i beats j) = 1 / (1 + exp(-(θi - θj))). It is fitted by
// maximum a-posteriori (MAP) with an independent Gaussian prior N(0, PriorSD²)
// on every θ: at the comparison counts used in comparative judgement (about
// ten per essay) the pure maximum-likelihood estimate often does not exist (an
// essay that won or lost every comparison has an infinite ML score), and a
// weak prior keeps every score finite while barely moving the others. The
// fit is Newton's method with a backtracking line search; each Newton system
// (a weighted graph Laplacian plus the prior's diagonal) is solved by
// preconditioned conjugate gradients, so a 3,000-essay batch costs a few
// sparse matrix-vector products per iteration. docs/grading.md gives the
// formulas.
package scoring

import (
	"errors"
	"fmt"
	"math"
	"slices"
	"sort"

	"gonum.org/v1/gonum/mat"
)

// Default option values. The prior SD of 3 logits was chosen by simulation
// (docs/grading.md): it keeps the score of an essay that won everything to a
// few logits instead of infinity and shrinks well-measured essays by only a
// few per cent, while a tighter prior (2 logits) biased wide scales enough to
// drop the coverage of the ±1.96·SE intervals to 77 % when the true abilities
// spread with an SD of 3 logits (3 logits: 91 %; at SDs of 0.5–2: 96 %).
const (
	DefaultPriorSD         = 3.0
	DefaultMaxIterations   = 100
	DefaultTolerance       = 1e-8
	DefaultExactSEMaxItems = 500
)

// Comparison is one judgement: Winner was preferred over Loser. A tie (Tie
// true) counts as half a win for each side; Judge, when set, names who made
// the judgement so that per-judge fit statistics can be reported.
type Comparison struct {
	Winner string
	Loser  string
	Tie    bool
	Judge  string
}

// Options tunes the fit; the zero value means the defaults above.
type Options struct {
	// PriorSD is the standard deviation (logits) of the Gaussian prior on
	// each ability.
	PriorSD float64
	// MaxIterations bounds the Newton iterations.
	MaxIterations int
	// Tolerance stops Newton once the largest score change is below it.
	Tolerance float64
	// ExactSEMaxItems is the largest item count for which standard errors
	// come from the exact dense inverse of the posterior Hessian (cubic
	// cost); above it a sparse approximation is used (see docs/grading.md).
	ExactSEMaxItems int
}

func (o Options) withDefaults() Options {
	if o.PriorSD <= 0 {
		o.PriorSD = DefaultPriorSD
	}
	if o.MaxIterations <= 0 {
		o.MaxIterations = DefaultMaxIterations
	}
	if o.Tolerance <= 0 {
		o.Tolerance = DefaultTolerance
	}
	if o.ExactSEMaxItems <= 0 {
		o.ExactSEMaxItems = DefaultExactSEMaxItems
	}
	return o
}

// Item is the fitted result for one item (essay).
type Item struct {
	Name string `json:"name"`
	// Score is the centered ability in logits (scores sum to zero).
	Score float64 `json:"score"`
	// SE is the posterior standard deviation of the centered score.
	SE float64 `json:"se"`
	// Rank is 1 for the highest score; equal scores keep input order.
	Rank int `json:"rank"`
	// Infit and Outfit are the information-weighted and unweighted mean
	// squares of the item's residuals (expected value 1; 0 when the item has
	// no comparisons).
	Infit  float64 `json:"infit"`
	Outfit float64 `json:"outfit"`
	// Comparisons, Wins and Ties count the item's judgements.
	Comparisons int `json:"comparisons"`
	Wins        int `json:"wins"`
	Ties        int `json:"ties"`
}

// Judge holds the fit statistics of one judge's comparisons.
type Judge struct {
	ID          string  `json:"id"`
	Comparisons int     `json:"comparisons"`
	Infit       float64 `json:"infit"`
	Outfit      float64 `json:"outfit"`
}

// Result is a fitted Bradley-Terry model.
type Result struct {
	// Items are in the order of the items passed to Fit.
	Items []Item `json:"items"`
	// Judges are sorted by ID; empty when no comparison carries a judge.
	Judges []Judge `json:"judges,omitempty"`
	// SSR is the scale separation reliability, in [0, 1].
	SSR float64 `json:"ssr"`
	// Iterations is the number of Newton iterations run.
	Iterations int `json:"iterations"`
	// Converged reports whether the largest score change fell below the
	// tolerance within MaxIterations.
	Converged bool `json:"converged"`
	// PriorSD is the prior standard deviation actually used.
	PriorSD float64 `json:"prior_sd"`
	// ExactSE reports whether SEs came from the exact inverse.
	ExactSE bool `json:"exact_se"`
}

// Scores returns the items' scores by name, the form pairing and grading take.
func (r Result) Scores() map[string]float64 {
	m := make(map[string]float64, len(r.Items))
	for _, it := range r.Items {
		m[it.Name] = it.Score
	}
	return m
}

// ErrUnknownItem is returned when a comparison names an item not in the list.
var ErrUnknownItem = errors.New("unknown item")

// model holds the data in index form for the solver.
type model struct {
	n        int
	win, los []int     // per comparison
	y        []float64 // outcome for win[c]: 1, or 0.5 for a tie
	prec     float64   // prior precision 1/PriorSD²
}

// Fit fits the Bradley-Terry model to comparisons between items. Item names
// must be unique and non-empty; every comparison must name two different
// known items.
func Fit(items []string, comparisons []Comparison, opts Options) (Result, error) {
	opts = opts.withDefaults()
	idx := make(map[string]int, len(items))
	for i, name := range items {
		if name == "" {
			return Result{}, fmt.Errorf("item %d: empty name", i)
		}
		if _, dup := idx[name]; dup {
			return Result{}, fmt.Errorf("item %q: duplicate name", name)
		}
		idx[name] = i
	}
	m := model{
		n:    len(items),
		win:  make([]int, len(comparisons)),
		los:  make([]int, len(comparisons)),
		y:    make([]float64, len(comparisons)),
		prec: 1 / (opts.PriorSD * opts.PriorSD),
	}
	for c, cmp := range comparisons {
		w, ok := idx[cmp.Winner]
		if !ok {
			return Result{}, fmt.Errorf("comparison %d winner %q: %w", c, cmp.Winner, ErrUnknownItem)
		}
		l, ok := idx[cmp.Loser]
		if !ok {
			return Result{}, fmt.Errorf("comparison %d loser %q: %w", c, cmp.Loser, ErrUnknownItem)
		}
		if w == l {
			return Result{}, fmt.Errorf("comparison %d: item %q compared with itself", c, cmp.Winner)
		}
		m.win[c], m.los[c], m.y[c] = w, l, 1
		if cmp.Tie {
			m.y[c] = 0.5
		}
	}

	theta, iters, converged := m.newton(opts)
	// The MAP estimate already sums to zero (the prior's gradient is the
	// only part not invariant to a common shift); remove rounding residue.
	center(theta)

	res := Result{
		Items:      make([]Item, m.n),
		Iterations: iters,
		Converged:  converged,
		PriorSD:    opts.PriorSD,
	}
	var se []float64
	se, res.ExactSE = m.standardErrors(theta, m.n <= opts.ExactSEMaxItems)
	for i, name := range items {
		res.Items[i] = Item{Name: name, Score: theta[i], SE: se[i]}
	}
	m.fitStatistics(theta, comparisons, &res)
	rank(res.Items)
	res.SSR = SSR(res.Items)
	return res, nil
}

// SSR computes the scale separation reliability of fitted items:
// (observed variance − mean squared SE) / observed variance, with the
// observed variance the sample variance (n−1) of the scores, clamped to
// [0, 1]. Fewer than two items, or no spread, give 0.
func SSR(items []Item) float64 {
	n := len(items)
	if n < 2 {
		return 0
	}
	var mean float64
	for _, it := range items {
		mean += it.Score
	}
	mean /= float64(n)
	var ss, mse float64
	for _, it := range items {
		d := it.Score - mean
		ss += d * d
		mse += it.SE * it.SE
	}
	obs := ss / float64(n-1)
	mse /= float64(n)
	if obs <= 0 {
		return 0
	}
	return math.Max(0, math.Min(1, (obs-mse)/obs))
}

func center(x []float64) {
	if len(x) == 0 {
		return
	}
	var s float64
	for _, v := range x {
		s += v
	}
	s /= float64(len(x))
	for i := range x {
		x[i] -= s
	}
}

func sigmoid(x float64) float64 {
	if x >= 0 {
		return 1 / (1 + math.Exp(-x))
	}
	e := math.Exp(x)
	return e / (1 + e)
}

// logPosterior is the log posterior density up to a constant.
func (m *model) logPosterior(theta []float64) float64 {
	var lp float64
	for c := range m.win {
		d := theta[m.win[c]] - theta[m.los[c]]
		// log σ(d) = -log(1+e^{-d}), log(1-σ(d)) = -log(1+e^{d}).
		lp -= m.y[c]*softplus(-d) + (1-m.y[c])*softplus(d)
	}
	for _, t := range theta {
		lp -= 0.5 * m.prec * t * t
	}
	return lp
}

func softplus(x float64) float64 {
	if x > 0 {
		return x + math.Log1p(math.Exp(-x))
	}
	return math.Log1p(math.Exp(x))
}

// weights fills the per-comparison Fisher weights p(1-p) and, if grad is
// not nil, the gradient of the log posterior.
func (m *model) weights(theta, w, grad []float64) {
	for i := range grad { // no-op when grad is nil
		grad[i] = -m.prec * theta[i]
	}
	for c := range m.win {
		p := sigmoid(theta[m.win[c]] - theta[m.los[c]])
		w[c] = p * (1 - p)
		if grad != nil {
			r := m.y[c] - p
			grad[m.win[c]] += r
			grad[m.los[c]] -= r
		}
	}
}

// hessVec computes dst = H v with H = prior precision·I + Σ_c w_c (e_w − e_l)(e_w − e_l)ᵀ,
// the negative Hessian of the log posterior (a weighted graph Laplacian plus
// a diagonal).
func (m *model) hessVec(dst, v, w []float64) {
	for i := range dst {
		dst[i] = m.prec * v[i]
	}
	for c := range m.win {
		a, b := m.win[c], m.los[c]
		t := w[c] * (v[a] - v[b])
		dst[a] += t
		dst[b] -= t
	}
}

// diag returns the diagonal of H.
func (m *model) diag(w []float64) []float64 {
	d := make([]float64, m.n)
	for i := range d {
		d[i] = m.prec
	}
	for c := range m.win {
		d[m.win[c]] += w[c]
		d[m.los[c]] += w[c]
	}
	return d
}

// newton maximizes the log posterior from θ = 0.
func (m *model) newton(opts Options) (theta []float64, iters int, converged bool) {
	n := m.n
	theta = make([]float64, n)
	if n == 0 || len(m.win) == 0 {
		return theta, 0, true
	}
	w := make([]float64, len(m.win))
	grad := make([]float64, n)
	step := make([]float64, n)
	trial := make([]float64, n)
	ws := newCGWork(n)
	lp := m.logPosterior(theta)
	for iters < opts.MaxIterations {
		iters++
		m.weights(theta, w, grad)
		d := m.diag(w)
		// Inexact Newton: solve loosely while far from the optimum
		// (relative residual at most √‖g‖), tightly near it.
		var g2 float64
		for _, g := range grad {
			g2 += g * g
		}
		m.solve(step, grad, w, d, ws, math.Min(1e-2, math.Max(1e-10, math.Sqrt(math.Sqrt(g2)))))
		// Backtracking: the log posterior is strictly concave, so a
		// Newton direction is an ascent direction and halving the step
		// eventually increases it.
		t := 1.0
		var newLP float64
		for range 30 {
			for i := range trial {
				trial[i] = theta[i] + t*step[i]
			}
			newLP = m.logPosterior(trial)
			if newLP >= lp-1e-12*math.Abs(lp) {
				break
			}
			t /= 2
		}
		var maxChange float64
		for i := range theta {
			maxChange = math.Max(maxChange, math.Abs(trial[i]-theta[i]))
		}
		copy(theta, trial)
		lp = newLP
		if maxChange < opts.Tolerance {
			return theta, iters, true
		}
	}
	return theta, iters, false
}

// cgWork holds the conjugate-gradient buffers so Newton iterations reuse them.
type cgWork struct{ r, z, p, hp []float64 }

func newCGWork(n int) *cgWork {
	return &cgWork{r: make([]float64, n), z: make([]float64, n), p: make([]float64, n), hp: make([]float64, n)}
}

// solve solves H x = b by conjugate gradients with a Jacobi (diagonal)
// preconditioner to a relative residual of rel. H is symmetric positive
// definite thanks to the prior.
func (m *model) solve(x, b, w, d []float64, ws *cgWork, rel float64) {
	r, z, p, hp := ws.r, ws.z, ws.p, ws.hp
	for i := range x {
		x[i] = 0
	}
	copy(r, b)
	var bnorm, rz float64
	for i := range r {
		bnorm += b[i] * b[i]
		z[i] = r[i] / d[i]
		rz += r[i] * z[i]
	}
	if bnorm == 0 {
		return
	}
	copy(p, z)
	tol := rel * rel * bnorm
	for range 10 * m.n {
		m.hessVec(hp, p, w)
		var php float64
		for i := range p {
			php += p[i] * hp[i]
		}
		alpha := rz / php
		var rr float64
		for i := range x {
			x[i] += alpha * p[i]
			r[i] -= alpha * hp[i]
			rr += r[i] * r[i]
		}
		if rr <= tol {
			return
		}
		var rzNew float64
		for i := range r {
			z[i] = r[i] / d[i]
			rzNew += r[i] * z[i]
		}
		beta := rzNew / rz
		rz = rzNew
		for i := range p {
			p[i] = z[i] + beta*p[i]
		}
	}
}

// standardErrors returns the posterior SDs of the centered scores Pθ with
// P = I − 11ᵀ/n: the square roots of diag(P H⁻¹ P). Because every row of
// the Laplacian part of H sums to zero, H1 = 1/PriorSD² · 1, so H⁻¹1 =
// PriorSD² · 1 and diag(P H⁻¹ P) = diag(H⁻¹) − PriorSD²/n exactly: only
// the diagonal of H⁻¹ is needed. It reports whether the exact method was
// used.
func (m *model) standardErrors(theta []float64, exact bool) ([]float64, bool) {
	n := m.n
	se := make([]float64, n)
	if n <= 1 {
		return se, true // a lone item's centered score is exactly 0
	}
	w := make([]float64, len(m.win))
	m.weights(theta, w, nil)
	d := m.diag(w)

	var variance []float64
	if exact {
		variance = m.exactVariances(w, d)
	}
	if variance == nil {
		exact = false
		variance = m.approxVariances(w, d)
	}
	for i := range se {
		se[i] = math.Sqrt(math.Max(variance[i], 0))
	}
	return se, exact
}

// exactVariances returns diag(H⁻¹) − PriorSD²/n from a dense Cholesky
// factorization (nil if it fails, which H's positive definiteness rules
// out short of overflow).
func (m *model) exactVariances(w, d []float64) []float64 {
	n := m.n
	h := mat.NewSymDense(n, nil)
	for i := range n {
		h.SetSym(i, i, d[i])
	}
	for c := range m.win {
		a, b := m.win[c], m.los[c]
		h.SetSym(a, b, h.At(a, b)-w[c])
	}
	var chol mat.Cholesky
	if !chol.Factorize(h) {
		return nil
	}
	var inv mat.SymDense
	if err := chol.InverseTo(&inv); err != nil {
		return nil
	}
	shift := 1 / (m.prec * float64(n))
	out := make([]float64, n)
	for i := range n {
		out[i] = inv.At(i, i) - shift
	}
	return out
}

// approxVariances approximates the centered variances for large problems
// by Gaussian belief propagation on the comparison graph: each item's
// variance is 1/(Hᵢᵢ + Σⱼ mⱼ→ᵢ), with messages mⱼ→ᵢ = −Aᵢⱼ² / (Hⱼⱼ +
// Σₖ≠ᵢ mₖ→ⱼ) iterated to a fixed point (A the aggregated comparison
// weights). This is exact on a tree and converges here because H is
// diagonally dominant. On the sparse, random-looking graphs of CJ it misses
// only walks around long cycles, chiefly the near-constant mode that the
// centering removes anyway, so the result is compared with the centered
// variance directly (docs/grading.md has the measured error).
func (m *model) approxVariances(w, d []float64) []float64 {
	n := m.n
	// Aggregate repeated pairs into one undirected edge each, then lay
	// the directed edges out by source (CSR) with a reverse index.
	type edge struct{ a, b int }
	agg := make(map[edge]float64, len(m.win))
	for c := range m.win {
		a, b := m.win[c], m.los[c]
		if a > b {
			a, b = b, a
		}
		agg[edge{a, b}] += w[c]
	}
	start := make([]int, n+1)
	for e := range agg {
		start[e.a+1]++
		start[e.b+1]++
	}
	for i := range n {
		start[i+1] += start[i]
	}
	fill := slices.Clone(start[:n])
	dst := make([]int, start[n])
	a2 := make([]float64, start[n])
	rev := make([]int, start[n])
	for e, a := range agg {
		x, y := fill[e.a], fill[e.b]
		dst[x], a2[x], rev[x] = e.b, a*a, y
		dst[y], a2[y], rev[y] = e.a, a*a, x
		fill[e.a]++
		fill[e.b]++
	}
	// msg[k] for directed edge k = (i → dst[k]) is the message from i to
	// dst[k]; in[i] = Σ messages into i.
	msg := make([]float64, len(dst))
	in := make([]float64, n)
	next := make([]float64, len(dst))
	for range 200 {
		var change float64
		for i := range n {
			for k := start[i]; k < start[i+1]; k++ {
				// message from i to j excludes j's message to i
				v := -a2[k] / (d[i] + in[i] - msg[rev[k]])
				change = math.Max(change, math.Abs(v-msg[k]))
				next[k] = v
			}
		}
		msg, next = next, msg
		clear(in)
		for i := range n {
			for k := start[i]; k < start[i+1]; k++ {
				in[dst[k]] += msg[k]
			}
		}
		if change < 1e-12 {
			break
		}
	}
	out := make([]float64, n)
	for i := range out {
		out[i] = 1 / (d[i] + in[i])
	}
	return out
}

// fitStatistics fills counts, infit and outfit for items and judges. For a
// comparison with probability p that the recorded winner wins and outcome
// y, the squared residual is (y−p)² and its variance p(1−p); outfit is the
// mean of (y−p)²/(p(1−p)), infit Σ(y−p)² / Σ p(1−p).
func (m *model) fitStatistics(theta []float64, comps []Comparison, res *Result) {
	type acc struct{ sq, vr, z2 float64 }
	items := make([]acc, m.n)
	judges := map[string]*acc{}
	counts := map[string]int{}
	for c := range m.win {
		a, b := m.win[c], m.los[c]
		p := sigmoid(theta[a] - theta[b])
		r := m.y[c] - p
		v := p * (1 - p)
		sq := r * r
		z2 := sq / math.Max(v, 1e-300)
		for _, i := range [2]int{a, b} {
			items[i].sq += sq
			items[i].vr += v
			items[i].z2 += z2
			res.Items[i].Comparisons++
		}
		if comps[c].Tie {
			res.Items[a].Ties++
			res.Items[b].Ties++
		} else {
			res.Items[a].Wins++
		}
		if j := comps[c].Judge; j != "" {
			if judges[j] == nil {
				judges[j] = &acc{}
			}
			judges[j].sq += sq
			judges[j].vr += v
			judges[j].z2 += z2
			counts[j]++
		}
	}
	for i := range res.Items {
		if k := res.Items[i].Comparisons; k > 0 {
			res.Items[i].Outfit = items[i].z2 / float64(k)
			res.Items[i].Infit = items[i].sq / math.Max(items[i].vr, 1e-300)
		}
	}
	ids := make([]string, 0, len(judges))
	for id := range judges {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	for _, id := range ids {
		a := judges[id]
		res.Judges = append(res.Judges, Judge{
			ID:          id,
			Comparisons: counts[id],
			Infit:       a.sq / math.Max(a.vr, 1e-300),
			Outfit:      a.z2 / float64(counts[id]),
		})
	}
}

// rank assigns ranks 1..n by descending score, equal scores in input order.
func rank(items []Item) {
	order := make([]int, len(items))
	for i := range order {
		order[i] = i
	}
	sort.SliceStable(order, func(x, y int) bool { return items[order[x]].Score > items[order[y]].Score })
	for r, i := range order {
		items[i].Rank = r + 1
	}
}
