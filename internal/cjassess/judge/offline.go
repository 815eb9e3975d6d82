package judge

import (
	"cmp"
	"context"
	"encoding/json"
	"fmt"
	"hash/fnv"
	"math"
	"slices"
	"strings"
	"time"
)

// OfflineModel names the feature model in verdicts; bump the suffix when
// features or weights change so stored judgements stay attributable.
const OfflineModel = "offline-features-v1"

// ProviderOffline is the provider name of the offline judge.
const ProviderOffline = "offline"

// Offline is the default judge: deterministic, free and without network. It
// scores each essay from text features that correlate with human grades and
// prefers the higher score. It cannot read content or argument; it is a
// reasonable stand-in for development, tests and air-gapped use, not a
// replacement for a human or an LLM assessor.
type Offline struct {
	speller Speller
}

var _ Judge = (*Offline)(nil)

// NewOffline returns the offline judge. sp may be nil, which selects the
// built-in heuristic error count (see Extract).
func NewOffline(sp Speller) *Offline { return &Offline{speller: sp} }

// Name returns "offline".
func (o *Offline) Name() string { return ProviderOffline }

// feature is one scored term: how to read its value from Features, where a
// typical school essay sits (center) and how far a clearly different essay
// sits (scale), and its weight in the score.
type feature struct {
	key    string
	value  func(Features) float64
	center float64
	scale  float64
	weight float64
	// better says, in a justification, why the winner is better on this
	// feature, given both essays' features.
	better func(w, l Features) string
}

// zClip bounds each standardized feature so one extreme value (a 3,000-word
// essay, a text of nothing but errors) cannot outvote all others.
const zClip = 3

// features are the offline judge's terms. Weights and reference points are
// set by hand from the ordering of feature–grade correlations reported in
// automated essay scoring research (length strongest, then errors and
// vocabulary, then sentence structure and cohesion) and checked against the
// graded essays in testdata; docs/offline-judge.md explains each.
var features = []feature{
	{"length", func(f Features) float64 { return math.Log(1 + float64(f.Words)) }, math.Log(250), 0.6, 1.0,
		func(w, l Features) string { return fmt.Sprintf("longer (%d vs %d words)", w.Words, l.Words) }},
	{"errors", func(f Features) float64 { return f.ErrorsPer100 }, 2, 2, -0.6,
		func(w, l Features) string {
			return fmt.Sprintf("fewer spelling and mechanics errors (%.1f vs %.1f per 100 words)", w.ErrorsPer100, l.ErrorsPer100)
		}},
	{"diversity", func(f Features) float64 { return f.MTLD }, 60, 20, 0.5,
		func(w, l Features) string {
			return fmt.Sprintf("more varied vocabulary (MTLD %.0f vs %.0f)", w.MTLD, l.MTLD)
		}},
	{"word_length", func(f Features) float64 { return f.MeanWordLength }, 4.4, 0.35, 0.35,
		func(w, l Features) string {
			return fmt.Sprintf("longer words (%.1f vs %.1f letters)", w.MeanWordLength, l.MeanWordLength)
		}},
	{"long_words", func(f Features) float64 { return f.LongWordShare }, 0.15, 0.06, 0.25,
		func(w, l Features) string {
			return fmt.Sprintf("more long words (%.0f%% vs %.0f%%)", 100*w.LongWordShare, 100*l.LongWordShare)
		}},
	{"sentence_length", sentenceBalance, -0.3, 0.3, 0.3,
		func(w, l Features) string {
			return fmt.Sprintf("better-sized sentences (%.0f vs %.0f words on average)", w.MeanSentenceLen, l.MeanSentenceLen)
		}},
	{"sentence_variation", func(f Features) float64 { return f.SentenceLenCV }, 0.45, 0.2, 0.15,
		func(Features, Features) string { return "more varied sentence lengths" }},
	{"paragraphs", func(f Features) float64 { return math.Log(1 + math.Min(float64(f.Paragraphs), 6)) }, math.Log(4), 0.5, 0.25,
		func(w, l Features) string {
			return fmt.Sprintf("paragraphed (%d vs %d paragraphs)", w.Paragraphs, l.Paragraphs)
		}},
	{"punctuation", func(f Features) float64 { return float64(f.PunctVariety) }, 3, 1.5, 0.15,
		func(w, l Features) string {
			return fmt.Sprintf("wider range of punctuation (%d vs %d kinds)", w.PunctVariety, l.PunctVariety)
		}},
	{"connectives", func(f Features) float64 { return f.ConnectivesPer100 }, 2, 1.2, 0.2,
		func(w, l Features) string {
			return fmt.Sprintf("more linking words (%.1f vs %.1f per 100 words)", w.ConnectivesPer100, l.ConnectivesPer100)
		}},
}

// idealSentence is the mean sentence length, in words, that scores best;
// shorter reads as choppy, much longer as run-on.
const idealSentence = 17

// sentenceBalance is minus the log-distance of the mean sentence length from
// idealSentence: 0 at the ideal, negative either side.
func sentenceBalance(f Features) float64 {
	if f.MeanSentenceLen <= 0 {
		return -zClip
	}
	return -math.Abs(math.Log(f.MeanSentenceLen / idealSentence))
}

// Score is an essay's offline quality score with each feature's
// contribution (weight × clipped z-score), keyed by feature name.
type Score struct {
	Total         float64            `json:"total"`
	Contributions map[string]float64 `json:"contributions"`
	Features      Features           `json:"features"`
}

// ScoreText computes the offline score of one text.
func (o *Offline) ScoreText(text string) Score {
	f := Extract(text, o.speller)
	s := Score{Features: f, Contributions: make(map[string]float64, len(features))}
	if f.Words == 0 {
		s.Total = math.Inf(-1)
		return s
	}
	for _, ft := range features {
		z := (ft.value(f) - ft.center) / ft.scale
		z = math.Max(-zClip, math.Min(zClip, z))
		c := ft.weight * z
		s.Contributions[ft.key] = c
		s.Total += c
	}
	return s
}

// Judge compares the two essays by their offline scores. The overrides and
// the prompt do not apply and are ignored. It fails only on an invalid
// request (missing text), permanently.
func (o *Offline) Judge(ctx context.Context, r Request) (Verdict, error) {
	start := time.Now()
	if err := ctx.Err(); err != nil {
		return Verdict{}, err
	}
	if err := r.Validate(); err != nil {
		return Verdict{}, permanent(fmt.Errorf("offline judge: %w", err))
	}
	sa, sb := o.ScoreText(r.A.Text), o.ScoreText(r.B.Text)
	gap := sa.Total - sb.Total
	winner := SideA
	switch {
	case gap < -tieEpsilon:
		winner = SideB
	case math.Abs(gap) <= tieEpsilon:
		winner = tieBreak(r.A.ID, r.B.ID)
	}
	w, l := sa, sb
	if winner == SideB {
		w, l = sb, sa
	}
	raw, err := json.Marshal(struct {
		Model  string `json:"model"`
		Winner Side   `json:"winner"`
		A      Score  `json:"essay_a"`
		B      Score  `json:"essay_b"`
	}{OfflineModel, winner, sa, sb})
	if err != nil {
		return Verdict{}, fmt.Errorf("offline judge: encode record: %w", err)
	}
	return Verdict{
		Winner:        winner,
		Justification: offlineJustification(winner, w, l),
		Confidence:    confidenceFromGap(math.Abs(gap)),
		Model:         OfflineModel,
		Provider:      ProviderOffline,
		Raw:           string(raw),
		Latency:       time.Since(start),
	}, nil
}

// tieEpsilon is the score gap below which two essays count as equal.
const tieEpsilon = 1e-9

// tieBreak picks a winner for equal scores from a hash of the two ids, so the
// same pair always gets the same winner whichever side each essay is on,
// and no essay is favored by where its id sorts.
func tieBreak(idA, idB string) Side {
	lo, hi := min(idA, idB), max(idA, idB)
	h := fnv.New64a()
	_, _ = h.Write([]byte(lo + "\x00" + hi))
	winnerID := lo
	if h.Sum64()&1 == 1 {
		winnerID = hi
	}
	if winnerID == idA {
		return SideA
	}
	return SideB
}

// confidenceFromGap maps the score gap to the 1–5 scale: a gap of about one
// standard deviation of a single strong feature is a clear call.
func confidenceFromGap(gap float64) int {
	switch {
	case gap < 0.25:
		return 1
	case gap < 0.6:
		return 2
	case gap < 1.2:
		return 3
	case gap < 2:
		return 4
	default:
		return 5
	}
}

// offlineJustification names up to three features on which the winner gained
// most, within the word limit.
func offlineJustification(winner Side, w, l Score) string {
	type gain struct {
		ft feature
		d  float64
	}
	var gains []gain
	for _, ft := range features {
		if d := w.Contributions[ft.key] - l.Contributions[ft.key]; d > 0.05 {
			gains = append(gains, gain{ft, d})
		}
	}
	slices.SortStableFunc(gains, func(a, b gain) int { return cmp.Compare(b.d, a.d) })
	if len(gains) > 3 {
		gains = gains[:3]
	}
	if len(gains) == 0 {
		return fmt.Sprintf("%s wins narrowly; the two essays have almost the same text features.", winner)
	}
	parts := make([]string, len(gains))
	for i, g := range gains {
		parts[i] = g.ft.better(w.Features, l.Features)
	}
	return truncateWords(fmt.Sprintf("%s is stronger on text features: %s.", winner, strings.Join(parts, "; ")), MaxJustificationWords)
}

// truncateWords keeps the first n words of s.
func truncateWords(s string, n int) string {
	fs := strings.Fields(s)
	if len(fs) <= n {
		return s
	}
	return strings.Join(fs[:n], " ") + "…"
}
