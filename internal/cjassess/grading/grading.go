package grading

import (
	"fmt"
	"math"
)

// Method names the calibration method, for the rich event's
// assessment_metadata.
const Method = "anchor_isotonic_normal"

// Calibration constants (see docs/grading.md for the reasoning):
const (
	// AnchorPseudoCount is how many anchors' worth of weight a grade's
	// expected position (from its neighbors) gets when blended with the
	// mean score of the grade's own anchors: with one anchor the expected
	// position counts twice as much as the anchor, with ten anchors the
	// anchors dominate.
	AnchorPseudoCount = 2.0
	// DefaultGradeSpacing (logits) spaces grades when the anchors cannot
	// tell: fewer than two graded steps, or anchors that run backwards.
	// It is about the distance between adjacent steps when eight grades
	// span the usual ±3 logits of a CJ scale.
	DefaultGradeSpacing = 0.75
)

// Confidence thresholds: the confidence score is the probability of the
// primary grade, scaled down linearly from 1 at an SE of SEFull to 0 at an
// SE of SENone (an essay with hardly any comparisons has an SE near the
// prior's). The label is HIGH from HighConfidence, MID from MidConfidence,
// LOW below.
const (
	SEFull         = 0.75
	SENone         = 1.5
	HighConfidence = 0.70
	MidConfidence  = 0.45
)

// The confidence labels of the wire format.
const (
	High = "HIGH"
	Mid  = "MID"
	Low  = "LOW"
)

// Anchor is an essay with a known grade and its fitted score.
type Anchor struct {
	ID    string
	Grade string
	Score float64
}

// Calibration maps scores to grades on one scale.
type Calibration struct {
	Scale Scale
	// Anchored is false when no anchors were given: every projection is
	// then Ungraded.
	Anchored bool
	// Centers holds one score per grade (same order as Scale.Grades),
	// non-decreasing.
	Centers []float64
	// Boundaries holds the len(Grades)−1 cut points between adjacent
	// grades: grade k covers scores from Boundaries[k−1] to Boundaries[k].
	Boundaries []float64
	// AnchorCounts holds the number of anchors per grade.
	AnchorCounts []int
}

// Calibrate builds a calibration from anchors on scale. Anchor ids must be
// unique and grades must belong to the scale. No anchors is not an error: it
// yields an unanchored calibration.
func Calibrate(scale Scale, anchors []Anchor) (Calibration, error) {
	k := len(scale.Grades)
	c := Calibration{Scale: cloneScale(scale), AnchorCounts: make([]int, k)}
	if k == 0 {
		return c, fmt.Errorf("grade scale %q: no grades", scale.ID)
	}
	sums := make([]float64, k)
	ids := make(map[string]bool, len(anchors))
	for _, a := range anchors {
		if a.ID == "" {
			return c, fmt.Errorf("anchor with grade %q: empty id", a.Grade)
		}
		if ids[a.ID] {
			return c, fmt.Errorf("anchor %q: duplicate id", a.ID)
		}
		ids[a.ID] = true
		g := scale.index(a.Grade)
		if g < 0 {
			return c, fmt.Errorf("anchor %q: grade %q not in scale %s", a.ID, a.Grade, scale.ID)
		}
		if math.IsNaN(a.Score) || math.IsInf(a.Score, 0) {
			return c, fmt.Errorf("anchor %q: score %v not finite", a.ID, a.Score)
		}
		c.AnchorCounts[g]++
		sums[g] += a.Score
	}
	if len(anchors) == 0 {
		return c, nil
	}
	c.Anchored = true

	means := make([]float64, k)
	var graded []int
	for g := range k {
		if n := c.AnchorCounts[g]; n > 0 {
			means[g] = sums[g] / float64(n)
			graded = append(graded, g)
		}
	}
	slope := spacing(graded, means, c.AnchorCounts)

	raw := make([]float64, k)
	weights := make([]float64, k)
	for g := range k {
		e, ok := expected(g, graded, means, slope)
		n := float64(c.AnchorCounts[g])
		switch {
		case n == 0:
			raw[g] = e // ok is always true here: some grade has anchors
		case !ok:
			raw[g] = means[g]
		default:
			w := n / (n + AnchorPseudoCount)
			raw[g] = w*means[g] + (1-w)*e
		}
		weights[g] = n + 1
	}
	c.Centers = isotonic(raw, weights)
	c.Boundaries = make([]float64, k-1)
	for g := range k - 1 {
		c.Boundaries[g] = (c.Centers[g] + c.Centers[g+1]) / 2
	}
	return c, nil
}

// spacing is the weighted least-squares slope of the anchor means against
// the grade index, or DefaultGradeSpacing when it is undefined or not
// positive.
func spacing(graded []int, means []float64, counts []int) float64 {
	if len(graded) < 2 {
		return DefaultGradeSpacing
	}
	var sw, sx, sy float64
	for _, g := range graded {
		w := float64(counts[g])
		sw += w
		sx += w * float64(g)
		sy += w * means[g]
	}
	mx, my := sx/sw, sy/sw
	var sxx, sxy float64
	for _, g := range graded {
		w := float64(counts[g])
		dx := float64(g) - mx
		sxx += w * dx * dx
		sxy += w * dx * (means[g] - my)
	}
	if s := sxy / sxx; s > 0 {
		return s
	}
	return DefaultGradeSpacing
}

// expected is the position grade g would have judging by the other graded
// steps only: linear interpolation between the nearest graded steps below
// and above, or extrapolation with slope from the nearest one on one side.
// ok is false when no other grade has anchors.
func expected(g int, graded []int, means []float64, slope float64) (float64, bool) {
	lo, hi := -1, -1
	for _, h := range graded {
		if h < g {
			lo = h
		}
		if h > g && hi < 0 {
			hi = h
		}
	}
	switch {
	case lo >= 0 && hi >= 0:
		t := float64(g-lo) / float64(hi-lo)
		return means[lo] + t*(means[hi]-means[lo]), true
	case lo >= 0:
		return means[lo] + slope*float64(g-lo), true
	case hi >= 0:
		return means[hi] - slope*float64(hi-g), true
	}
	return 0, false
}

// isotonic returns the weighted least-squares non-decreasing fit to y
// (pool-adjacent-violators).
func isotonic(y, w []float64) []float64 {
	type block struct {
		sum, weight float64
		size        int
	}
	stack := make([]block, 0, len(y))
	for i := range y {
		stack = append(stack, block{sum: y[i] * w[i], weight: w[i], size: 1})
		for len(stack) > 1 {
			a, b := stack[len(stack)-2], stack[len(stack)-1]
			if a.sum/a.weight <= b.sum/b.weight {
				break
			}
			stack = stack[:len(stack)-1]
			stack[len(stack)-1] = block{sum: a.sum + b.sum, weight: a.weight + b.weight, size: a.size + b.size}
		}
	}
	out := make([]float64, 0, len(y))
	for _, b := range stack {
		for range b.size {
			out = append(out, b.sum/b.weight)
		}
	}
	return out
}

// Essay is a fitted essay to project.
type Essay struct {
	ID    string
	Score float64
	SE    float64
}

// Projection is one essay's grade.
type Projection struct {
	EssayID string `json:"essay_id"`
	// Grade is the most probable grade, or Ungraded without anchors.
	Grade string `json:"letter_grade"`
	// Probabilities holds P(grade) per grade of the scale, in scale order
	// (nil without anchors).
	Probabilities []float64 `json:"grade_probabilities,omitempty"`
	// NormalizedScore in [0, 1]: the expected grade position (0 = lowest
	// grade, 1 = highest) with anchors; the min–max scaled score within
	// the batch without.
	NormalizedScore float64 `json:"normalized_score"`
	// ConfidenceScore in [0, 1] and ConfidenceLabel HIGH/MID/LOW.
	ConfidenceScore float64 `json:"confidence_score"`
	ConfidenceLabel string  `json:"confidence_label"`
}

// Project grades a batch of essays. Without anchors every essay gets
// Ungraded, confidence 0 and LOW, and a normalized score scaled to the
// batch's score range (0.5 when all scores are equal).
func (c Calibration) Project(essays []Essay) []Projection {
	out := make([]Projection, len(essays))
	if !c.Anchored {
		lo, hi := math.Inf(1), math.Inf(-1)
		for _, e := range essays {
			lo, hi = math.Min(lo, e.Score), math.Max(hi, e.Score)
		}
		for i, e := range essays {
			norm := 0.5
			if hi > lo {
				norm = (e.Score - lo) / (hi - lo)
			}
			out[i] = Projection{EssayID: e.ID, Grade: Ungraded, NormalizedScore: norm, ConfidenceLabel: Low}
		}
		return out
	}
	for i, e := range essays {
		out[i] = c.project(e)
	}
	return out
}

func (c Calibration) project(e Essay) Projection {
	k := len(c.Scale.Grades)
	probs := make([]float64, k)
	prevCDF := 0.0
	for g := range k {
		cdf := 1.0
		if g < k-1 {
			cdf = normalCDF(c.Boundaries[g], e.Score, e.SE)
		}
		probs[g] = math.Max(0, cdf-prevCDF)
		prevCDF = cdf
	}
	best := 0
	var expectedPos float64
	for g, p := range probs {
		if p > probs[best] {
			best = g
		}
		expectedPos += p * float64(g)
	}
	norm := 0.5
	if k > 1 {
		norm = clamp01(expectedPos / float64(k-1))
	}
	conf := clamp01(probs[best] * clamp01((SENone-e.SE)/(SENone-SEFull)))
	return Projection{
		EssayID:         e.ID,
		Grade:           c.Scale.Grades[best],
		Probabilities:   probs,
		NormalizedScore: norm,
		ConfidenceScore: conf,
		ConfidenceLabel: Label(conf),
	}
}

// Label maps a confidence score to HIGH, MID or LOW.
func Label(confidence float64) string {
	switch {
	case confidence >= HighConfidence:
		return High
	case confidence >= MidConfidence:
		return Mid
	}
	return Low
}

// normalCDF is P(X ≤ x) for X ~ N(mean, sd²); sd 0 is a point mass (a score
// exactly on a boundary belongs to the upper grade).
func normalCDF(x, mean, sd float64) float64 {
	if sd <= 0 {
		if mean < x {
			return 1
		}
		return 0
	}
	return 0.5 * math.Erfc(-(x-mean)/(sd*math.Sqrt2))
}

func clamp01(x float64) float64 { return math.Max(0, math.Min(1, x)) }
