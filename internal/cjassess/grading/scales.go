// Package grading projects Bradley-Terry scores onto a grade scale using
// anchor essays whose grades are known: it calibrates one center per grade
// from the anchors' scores, kept monotonic by isotonic regression, and gives
// every essay a probability per grade from a normal model of its score and
// standard error. docs/grading.md describes the method and the scales.
package grading

import (
	"errors"
	"fmt"
	"slices"
)

// Scale is an ordered grade scale. Grades run from lowest to highest and
// are the complete set of letters a projection can produce: a "+" or "-"
// modifier appears only where the scale lists it as a step of its own.
type Scale struct {
	ID          string
	DisplayName string
	Grades      []string
}

// DefaultScale is the scale used when a request names none.
const DefaultScale = "swedish_8_anchor"

// Ungraded is the letter grade given when no anchors are available.
const Ungraded = "U"

// ErrUnknownScale is returned for a scale id that is not defined.
var ErrUnknownScale = errors.New("unknown grade scale")

// The scales. Why these steps (see docs/grading.md):
//   - swedish_8_anchor: the Swedish upper-secondary grades F–A with two
//     in-between anchor steps, D+ and C+, where teachers' anchor sets for
//     national tests usually hold essays between the official grades.
//   - eng5_np_legacy_9_step: the English 5 national test's older nine-step
//     marking, F+ to A (E, D and C each split into a low and a high half),
//     plus F below the lowest step for essays that do not reach F+.
//   - eng5_np_national_9_step: the national test's nine reporting points
//     1–9, written as letters because the wire format only carries letters
//     A–F with an optional +/- (1 = F, 2 = E, 3 = E+, 4 = D, 5 = D+, 6 = C,
//     7 = C+, 8 = B, 9 = A).
var scales = []Scale{
	{
		ID:          "swedish_8_anchor",
		DisplayName: "Swedish grades with anchor steps (F–A, 8 steps)",
		Grades:      []string{"F", "E", "D", "D+", "C", "C+", "B", "A"},
	},
	{
		ID:          "eng5_np_legacy_9_step",
		DisplayName: "English 5 national test, legacy 9-step marking",
		Grades:      []string{"F", "F+", "E-", "E+", "D-", "D+", "C-", "C+", "B", "A"},
	},
	{
		ID:          "eng5_np_national_9_step",
		DisplayName: "English 5 national test, national 9-point scale",
		Grades:      []string{"F", "E", "E+", "D", "D+", "C", "C+", "B", "A"},
	},
}

// LookupScale returns the scale with the given id; "" means DefaultScale.
func LookupScale(id string) (Scale, error) {
	if id == "" {
		id = DefaultScale
	}
	for _, s := range scales {
		if s.ID == id {
			return cloneScale(s), nil
		}
	}
	return Scale{}, fmt.Errorf("grade scale %q: %w", id, ErrUnknownScale)
}

// Scales lists every defined scale.
func Scales() []Scale {
	out := make([]Scale, len(scales))
	for i, s := range scales {
		out[i] = cloneScale(s)
	}
	return out
}

func cloneScale(s Scale) Scale {
	s.Grades = slices.Clone(s.Grades)
	return s
}

// index returns the position of grade in the scale, or -1.
func (s Scale) index(grade string) int { return slices.Index(s.Grades, grade) }
