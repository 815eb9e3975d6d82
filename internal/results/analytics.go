package results

import (
	"cmp"
	"math"
	"slices"
	"strings"

	"gonum.org/v1/gonum/stat"

	"github.com/hule-dev/hule/internal/events"
)

// Stats summarizes a list of numbers.
type Stats struct {
	Count int     `json:"count"`
	Mean  float64 `json:"mean"`
	// SD is the sample standard deviation (0 for a single value).
	SD  float64 `json:"sd"`
	Min float64 `json:"min"`
	Max float64 `json:"max"`
}

// describe returns the statistics of xs, or nil for none.
func describe(xs []float64) *Stats {
	if len(xs) == 0 {
		return nil
	}
	mean, sd := stat.MeanStdDev(xs, nil)
	if len(xs) < 2 || math.IsNaN(sd) {
		sd = 0
	}
	return &Stats{Count: len(xs), Mean: mean, SD: sd, Min: slices.Min(xs), Max: slices.Max(xs)}
}

func meanOf(xs []float64) *float64 {
	if len(xs) == 0 {
		return nil
	}
	m := stat.Mean(xs, nil)
	return &m
}

// GradeCount is how many essays got one grade.
type GradeCount struct {
	Grade string `json:"grade"`
	Count int    `json:"count"`
}

// gradeKey orders grades best first: A+ A A- B+ ... F, then U, then
// anything else alphabetically.
func gradeKey(g string) (int, string) {
	if g == "" {
		return 1000, g
	}
	if g == "U" {
		return 900, g
	}
	letter := int(g[0])
	if letter < 'A' || letter > 'F' {
		return 950, g
	}
	mod := 1
	if strings.HasSuffix(g, "+") {
		mod = 0
	} else if strings.HasSuffix(g, "-") {
		mod = 2
	}
	return (letter-'A')*3 + mod, g
}

func compareGrades(a, b string) int {
	ka, sa := gradeKey(a)
	kb, sb := gradeKey(b)
	if c := cmp.Compare(ka, kb); c != 0 {
		return c
	}
	return cmp.Compare(sa, sb)
}

// distribution counts grades, best grade first.
func distribution(grades []string) []GradeCount {
	counts := map[string]int{}
	for _, g := range grades {
		counts[g]++
	}
	out := make([]GradeCount, 0, len(counts))
	for g, n := range counts {
		out = append(out, GradeCount{Grade: g, Count: n})
	}
	slices.SortFunc(out, func(a, b GradeCount) int { return compareGrades(a.Grade, b.Grade) })
	return out
}

func gradeDistribution(essays []essayRow) []GradeCount {
	var grades []string
	for _, e := range essays {
		if e.Grade.Valid {
			grades = append(grades, e.Grade.String)
		}
	}
	return distribution(grades)
}

// SSRReading says in plain words how far a scale separation reliability
// can be trusted.
type SSRReading struct {
	// Level is reliable (>= 0.8), fair (0.7 to 0.8) or unreliable (< 0.7).
	Level string `json:"level"`
	Text  string `json:"text"`
}

func readSSR(ssr float64) SSRReading {
	switch {
	case ssr >= 0.8:
		return SSRReading{Level: "reliable", Text: "reliable enough for grading"}
	case ssr >= 0.7:
		return SSRReading{Level: "fair", Text: "fair: use with care"}
	default:
		return SSRReading{Level: "unreliable", Text: "not reliable: add comparisons"}
	}
}

// phaseOrder is the order phases run in, for display.
var phaseOrder = []string{
	string(events.PhaseNameStudentMatching), string(events.PhaseNameSpellcheck), string(events.PhaseNameNLP),
	string(events.PhaseNameCJAssessment), string(events.PhaseNameAIFeedback),
}

func phaseRank(p string) int {
	if i := slices.Index(phaseOrder, p); i >= 0 {
		return i
	}
	return len(phaseOrder)
}

func sortPhases(ps []phaseRow) {
	slices.SortFunc(ps, func(a, b phaseRow) int {
		if c := cmp.Compare(phaseRank(a.Phase), phaseRank(b.Phase)); c != 0 {
			return c
		}
		return cmp.Compare(a.Phase, b.Phase)
	})
}

func sortRuns(rs []runRow) {
	slices.SortFunc(rs, func(a, b runRow) int {
		if c := a.runTime().Compare(b.runTime()); c != 0 {
			return c
		}
		return cmp.Compare(a.CorrelationID, b.CorrelationID)
	})
}

// rankedEssays returns the essays with a rank, best first.
func rankedEssays(essays []essayRow) []essayRow {
	var out []essayRow
	for _, e := range essays {
		if e.Rank.Valid {
			out = append(out, e)
		}
	}
	slices.SortStableFunc(out, func(a, b essayRow) int { return cmp.Compare(a.Rank.Int64, b.Rank.Int64) })
	return out
}

// Analytics summarizes one batch's results.
type Analytics struct {
	EssaysAssessed    int          `json:"essays_assessed"`
	GradeDistribution []GradeCount `json:"grade_distribution"`
	// BTScores are the Bradley-Terry scores of the students (logits).
	BTScores *Stats `json:"bt_scores"`
	// NormalizedScores are in [0, 1] and comparable across batches.
	NormalizedScores    *Stats             `json:"normalized_scores"`
	SSR                 *float64           `json:"ssr"`
	SSRReading          *SSRReading        `json:"ssr_reading"`
	Comparisons         *int               `json:"comparisons"`
	Model               string             `json:"model"`
	MeanSpellingDensity *float64           `json:"mean_spelling_density"`
	TotalCorrections    int                `json:"total_corrections"`
	MeanWordCount       *float64           `json:"mean_word_count"`
	MeanMTLD            *float64           `json:"mean_mtld"`
	PhaseDurations      map[string]float64 `json:"phase_durations_seconds"`
}

func analyze(b batchRow, essays []essayRow, phases []phaseRow) Analytics {
	a := Analytics{GradeDistribution: gradeDistribution(essays), PhaseDurations: map[string]float64{}, Model: b.Model}
	var bt, norm, density, words, mtld []float64
	for _, e := range essays {
		if e.Grade.Valid {
			a.EssaysAssessed++
		}
		if e.BT.Valid {
			bt = append(bt, e.BT.Float64)
		}
		if e.Normalized.Valid {
			norm = append(norm, e.Normalized.Float64)
		}
		if e.SpellDensity.Valid {
			density = append(density, e.SpellDensity.Float64)
		}
		if e.SpellTotal.Valid {
			a.TotalCorrections += int(e.SpellTotal.Int64)
		}
		if w := e.wordCount(); w != nil {
			words = append(words, float64(*w))
		}
		if e.MTLD.Valid {
			mtld = append(mtld, e.MTLD.Float64)
		}
	}
	a.BTScores, a.NormalizedScores = describe(bt), describe(norm)
	a.MeanSpellingDensity, a.MeanWordCount, a.MeanMTLD = meanOf(density), meanOf(words), meanOf(mtld)
	if b.SSR.Valid {
		v := b.SSR.Float64
		r := readSSR(v)
		a.SSR, a.SSRReading = &v, &r
	}
	if b.Comparisons.Valid {
		n := int(b.Comparisons.Int64)
		a.Comparisons = &n
	}
	for _, p := range phases {
		if d := p.duration(); d != nil && p.Status != phaseSkipped {
			a.PhaseDurations[p.Phase] = *d
		}
	}
	return a
}
