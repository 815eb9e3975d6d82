package grading

import (
	"encoding/json"
	"errors"
	"math"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"testing"

	"github.com/hule-dev/hule/internal/repotest"
)

func mustScale(t *testing.T, id string) Scale {
	t.Helper()
	s, err := LookupScale(id)
	if err != nil {
		t.Fatalf("LookupScale(%q): %v", id, err)
	}
	return s
}

func mustCalibrate(t *testing.T, s Scale, anchors []Anchor) Calibration {
	t.Helper()
	c, err := Calibrate(s, anchors)
	if err != nil {
		t.Fatalf("Calibrate: %v", err)
	}
	return c
}

func near(a, b, tol float64) bool { return math.Abs(a-b) <= tol }

func TestLookupScale(t *testing.T) {
	tests := []struct {
		id         string
		wantGrades []string
		wantErr    bool
	}{
		{"", []string{"F", "E", "D", "D+", "C", "C+", "B", "A"}, false},
		{"swedish_8_anchor", []string{"F", "E", "D", "D+", "C", "C+", "B", "A"}, false},
		{"eng5_np_legacy_9_step", []string{"F", "F+", "E-", "E+", "D-", "D+", "C-", "C+", "B", "A"}, false},
		{"eng5_np_national_9_step", []string{"F", "E", "E+", "D", "D+", "C", "C+", "B", "A"}, false},
		{"us_letter", nil, true},
	}
	for _, tt := range tests {
		t.Run(tt.id, func(t *testing.T) {
			s, err := LookupScale(tt.id)
			if tt.wantErr {
				if !errors.Is(err, ErrUnknownScale) {
					t.Fatalf("error = %v, want ErrUnknownScale", err)
				}
				return
			}
			if err != nil {
				t.Fatalf("LookupScale: %v", err)
			}
			if !slices.Equal(s.Grades, tt.wantGrades) {
				t.Errorf("grades = %v, want %v", s.Grades, tt.wantGrades)
			}
		})
	}
	// The returned scale is a copy.
	s := mustScale(t, DefaultScale)
	s.Grades[0] = "Z"
	if mustScale(t, DefaultScale).Grades[0] != "F" {
		t.Errorf("modifying a looked-up scale changed the registry")
	}
}

// TestGradesMatchContract checks every letter a projection can produce, and
// the confidence labels, against the original EssayResultV1 schema.
func TestGradesMatchContract(t *testing.T) {
	raw, err := os.ReadFile(filepath.Join(repotest.ReferenceDir(t), "EssayResultV1.schema.json"))
	if err != nil {
		t.Fatal(err)
	}
	var schema struct {
		Properties struct {
			LetterGrade struct {
				Pattern string `json:"pattern"`
			} `json:"letter_grade"`
			ConfidenceLabel struct {
				Enum []string `json:"enum"`
			} `json:"confidence_label"`
		} `json:"properties"`
	}
	if err := json.Unmarshal(raw, &schema); err != nil {
		t.Fatal(err)
	}
	re, err := regexp.Compile(schema.Properties.LetterGrade.Pattern)
	if err != nil || schema.Properties.LetterGrade.Pattern == "" {
		t.Fatalf("letter_grade pattern %q: %v", schema.Properties.LetterGrade.Pattern, err)
	}
	for _, s := range Scales() {
		for _, g := range append(slices.Clone(s.Grades), Ungraded) {
			if !re.MatchString(g) {
				t.Errorf("scale %s grade %q does not match %s", s.ID, g, re)
			}
		}
	}
	for _, l := range []string{High, Mid, Low} {
		if !slices.Contains(schema.Properties.ConfidenceLabel.Enum, l) {
			t.Errorf("label %q not in %v", l, schema.Properties.ConfidenceLabel.Enum)
		}
	}
}

func TestCalibrateCenters(t *testing.T) {
	swedish := mustScale(t, "swedish_8_anchor")
	// F E D D+ C C+ B A at 0..7 → scores -3.5 .. 3.5 in steps of 1.
	line := func(g int) float64 { return float64(g) - 3.5 }
	tests := []struct {
		name    string
		anchors []Anchor
		check   func(t *testing.T, c Calibration)
	}{
		{
			name: "anchors on a line give their means",
			anchors: func() []Anchor {
				var a []Anchor
				for g, grade := range swedish.Grades {
					a = append(a, Anchor{ID: grade + "1", Grade: grade, Score: line(g) - 0.1},
						Anchor{ID: grade + "2", Grade: grade, Score: line(g) + 0.1})
				}
				return a
			}(),
			check: func(t *testing.T, c Calibration) {
				for g, got := range c.Centers {
					if !near(got, line(g), 1e-9) {
						t.Errorf("center of %s = %v, want %v", swedish.Grades[g], got, line(g))
					}
				}
				if !near(c.Boundaries[3], 0, 1e-9) {
					t.Errorf("boundary D+/C = %v, want 0", c.Boundaries[3])
				}
			},
		},
		{
			name: "a single stray anchor is pulled towards its neighbors",
			anchors: []Anchor{
				{ID: "e", Grade: "E", Score: line(1)}, {ID: "e2", Grade: "E", Score: line(1)},
				{ID: "d", Grade: "D", Score: line(2) + 1.2}, // far above where D belongs
				{ID: "dp", Grade: "D+", Score: line(3)}, {ID: "dp2", Grade: "D+", Score: line(3)},
			},
			check: func(t *testing.T, c Calibration) {
				// Expected position of D: midway between E and D+ = line(2).
				// Blend with 1 anchor and pseudo-count 2: line(2) + 1.2/3.
				want := line(2) + 1.2/3
				if !near(c.Centers[2], want, 1e-9) {
					t.Errorf("center of D = %v, want %v", c.Centers[2], want)
				}
			},
		},
		{
			name:    "grades without anchors are extrapolated",
			anchors: []Anchor{{ID: "d", Grade: "D", Score: -1}, {ID: "c", Grade: "C", Score: 1}},
			check: func(t *testing.T, c Calibration) {
				// D (2) at -1 and C (4) at +1 → slope 1 per step, D+ at 0.
				for g, got := range c.Centers {
					want := float64(g) - 3
					if g == 2 || g == 4 {
						continue // blended with their own anchors; equal here anyway
					}
					if !near(got, want, 1e-9) {
						t.Errorf("center of %s = %v, want %v", swedish.Grades[g], got, want)
					}
				}
			},
		},
		{
			name:    "one graded step uses the default spacing",
			anchors: []Anchor{{ID: "c", Grade: "C", Score: 0.4}},
			check: func(t *testing.T, c Calibration) {
				if !near(c.Centers[4], 0.4, 1e-9) {
					t.Errorf("center of C = %v, want 0.4", c.Centers[4])
				}
				if d := c.Centers[5] - c.Centers[4]; !near(d, DefaultGradeSpacing, 1e-9) {
					t.Errorf("C to C+ spacing = %v, want %v", d, DefaultGradeSpacing)
				}
			},
		},
		{
			name: "anchors out of order are made monotonic",
			anchors: []Anchor{
				{ID: "e", Grade: "E", Score: 1}, {ID: "e2", Grade: "E", Score: 1.2},
				{ID: "d", Grade: "D", Score: -1}, {ID: "d2", Grade: "D", Score: -0.8},
				{ID: "b", Grade: "B", Score: 2},
			},
			check: func(t *testing.T, c Calibration) {
				for g := 1; g < len(c.Centers); g++ {
					if c.Centers[g] < c.Centers[g-1] {
						t.Errorf("centers not monotonic: %v", c.Centers)
						break
					}
				}
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := mustCalibrate(t, swedish, tt.anchors)
			if !c.Anchored || len(c.Centers) != len(swedish.Grades) || len(c.Boundaries) != len(swedish.Grades)-1 {
				t.Fatalf("calibration %+v: want anchored with %d centers", c, len(swedish.Grades))
			}
			tt.check(t, c)
		})
	}
}

func TestCalibrateRejectsBadAnchors(t *testing.T) {
	s := mustScale(t, DefaultScale)
	tests := []struct {
		name    string
		anchors []Anchor
	}{
		{"duplicate anchor id", []Anchor{{ID: "a", Grade: "C", Score: 0}, {ID: "a", Grade: "B", Score: 1}}},
		{"grade not in scale", []Anchor{{ID: "a", Grade: "E-", Score: 0}}},
		{"empty id", []Anchor{{ID: "", Grade: "C", Score: 0}}},
		{"score not finite", []Anchor{{ID: "a", Grade: "C", Score: math.NaN()}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := Calibrate(s, tt.anchors); err == nil {
				t.Errorf("Calibrate: got nil error, want one")
			}
		})
	}
}

func TestProject(t *testing.T) {
	s := mustScale(t, DefaultScale)
	var anchors []Anchor
	for g, grade := range s.Grades {
		for k := range 3 {
			anchors = append(anchors, Anchor{ID: grade + string(rune('a'+k)), Grade: grade, Score: float64(g) - 3.5})
		}
	}
	c := mustCalibrate(t, s, anchors)
	tests := []struct {
		name      string
		essay     Essay
		wantGrade string
		wantLabel string
		check     func(t *testing.T, p Projection)
	}{
		{"center of C, small SE", Essay{"x", 0.5, 0.2}, "C", High, func(t *testing.T, p Projection) {
			if p.Probabilities[4] < 0.98 {
				t.Errorf("P(C) = %v, want > 0.98", p.Probabilities[4])
			}
		}},
		{"top of the scale", Essay{"x", 6, 0.3}, "A", High, func(t *testing.T, p Projection) {
			if p.NormalizedScore < 0.99 {
				t.Errorf("normalized = %v, want ~1", p.NormalizedScore)
			}
		}},
		{"bottom of the scale", Essay{"x", -6, 0.3}, "F", High, func(t *testing.T, p Projection) {
			if p.NormalizedScore > 0.01 {
				t.Errorf("normalized = %v, want ~0", p.NormalizedScore)
			}
		}},
		{"between B and A", Essay{"x", 3.01, 0.3}, "A", Mid, func(t *testing.T, p Projection) {
			if !near(p.Probabilities[6], p.Probabilities[7], 0.05) {
				t.Errorf("P(B) %v and P(A) %v, want about equal", p.Probabilities[6], p.Probabilities[7])
			}
		}},
		{"between B and A with a large SE", Essay{"x", 3.01, 1.0}, "A", Low, nil},
		{"center of D with a moderate SE", Essay{"x", -1.5, 0.5}, "D", Mid, nil},
		{"huge SE", Essay{"x", 0.5, 1.7}, "C", Low, func(t *testing.T, p Projection) {
			if p.ConfidenceScore != 0 {
				t.Errorf("confidence = %v, want 0 at SE above %v", p.ConfidenceScore, SENone)
			}
		}},
		{"zero SE on a center", Essay{"x", -0.5, 0}, "D+", High, func(t *testing.T, p Projection) {
			if p.Probabilities[3] != 1 || p.ConfidenceScore != 1 {
				t.Errorf("P(D+) %v confidence %v, want 1 1", p.Probabilities[3], p.ConfidenceScore)
			}
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := c.Project([]Essay{tt.essay})[0]
			if p.Grade != tt.wantGrade || p.ConfidenceLabel != tt.wantLabel {
				t.Errorf("grade %s label %s (confidence %.3f), want %s %s", p.Grade, p.ConfidenceLabel, p.ConfidenceScore, tt.wantGrade, tt.wantLabel)
			}
			var sum float64
			for _, q := range p.Probabilities {
				sum += q
			}
			if !near(sum, 1, 1e-9) {
				t.Errorf("probabilities sum to %v, want 1", sum)
			}
			if p.NormalizedScore < 0 || p.NormalizedScore > 1 || p.ConfidenceScore < 0 || p.ConfidenceScore > 1 {
				t.Errorf("normalized %v confidence %v, want both in [0,1]", p.NormalizedScore, p.ConfidenceScore)
			}
			if p.EssayID != "x" {
				t.Errorf("essay id = %q, want x", p.EssayID)
			}
			if tt.check != nil {
				tt.check(t, p)
			}
		})
	}
}

func TestProjectWithoutAnchors(t *testing.T) {
	c := mustCalibrate(t, mustScale(t, DefaultScale), nil)
	if c.Anchored {
		t.Fatal("Anchored = true without anchors")
	}
	got := c.Project([]Essay{{"a", -1, 0.5}, {"b", 0, 0.5}, {"c", 3, 0.5}})
	wantNorm := []float64{0, 0.25, 1}
	for i, p := range got {
		if p.Grade != Ungraded || p.ConfidenceScore != 0 || p.ConfidenceLabel != Low || p.Probabilities != nil {
			t.Errorf("%s: %+v, want U, confidence 0, LOW, no probabilities", p.EssayID, p)
		}
		if !near(p.NormalizedScore, wantNorm[i], 1e-12) {
			t.Errorf("%s: normalized %v, want %v", p.EssayID, p.NormalizedScore, wantNorm[i])
		}
	}
	one := c.Project([]Essay{{"solo", 0, 2}})
	if one[0].NormalizedScore != 0.5 {
		t.Errorf("single essay normalized = %v, want 0.5", one[0].NormalizedScore)
	}
}

func TestIsotonic(t *testing.T) {
	tests := []struct {
		name string
		y, w []float64
		want []float64
	}{
		{"already increasing", []float64{1, 2, 3}, []float64{1, 1, 1}, []float64{1, 2, 3}},
		{"one violation", []float64{1, 3, 2}, []float64{1, 1, 1}, []float64{1, 2.5, 2.5}},
		{"weighted pool", []float64{3, 1}, []float64{3, 1}, []float64{2.5, 2.5}},
		{"cascade", []float64{4, 3, 2, 1}, []float64{1, 1, 1, 1}, []float64{2.5, 2.5, 2.5, 2.5}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := isotonic(tt.y, tt.w)
			for i := range got {
				if !near(got[i], tt.want[i], 1e-12) {
					t.Fatalf("isotonic(%v) = %v, want %v", tt.y, got, tt.want)
				}
			}
		})
	}
}

func TestEveryScaleProjects(t *testing.T) {
	for _, s := range Scales() {
		t.Run(s.ID, func(t *testing.T) {
			var anchors []Anchor
			for g, grade := range s.Grades {
				anchors = append(anchors, Anchor{ID: grade, Grade: grade, Score: float64(g)})
			}
			c := mustCalibrate(t, s, anchors)
			for g, grade := range s.Grades {
				if p := c.Project([]Essay{{"x", float64(g), 0.1}})[0]; p.Grade != grade {
					t.Errorf("essay at the center of %s graded %s", grade, p.Grade)
				}
			}
		})
	}
}
