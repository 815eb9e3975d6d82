package results

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"slices"
	"time"

	"github.com/hule-dev/hule/internal/events"
)

func (s *Service) handleAssessment(ctx context.Context, tx *sql.Tx, ev events.Raw) error {
	d, err := events.DecodeData[events.AssessmentResultV1](ev)
	if err != nil {
		return err
	}
	b, err := s.begin(ctx, tx, d.BatchID, ev)
	if err != nil {
		return err
	}
	at := d.AssessedAt.UTC()
	if d.AssessedAt.IsZero() {
		at = s.eventTime(ev)
	}
	if b.JobID != "" && b.JobID != d.CJAssessmentJobID && b.AssessedAt.Valid && b.AssessedAt.Time.After(at) {
		s.log.InfoContext(ctx, "older assessment ignored", "batch_id", d.BatchID, "job_id", d.CJAssessmentJobID, "kept", b.JobID)
		return nil
	}
	meta := parseAssessmentMeta(d.AssessmentMetadata)
	model := d.ModelUsed
	if meta.Model != "" {
		model = meta.Model
	}
	metaJSON := string(d.AssessmentMetadata)
	if metaJSON == "" {
		metaJSON = "{}"
	}
	if _, err := tx.ExecContext(ctx, `UPDATE results_batches SET cj_job_id = $1, cj_model = $2, cj_provider = $3,
		cj_comparisons = $4, ssr = $5, comparisons_storage_id = $6, assessment_meta = $7, assessed_at = $8
		WHERE batch_id = $9`,
		d.CJAssessmentJobID, model, d.ModelProvider, meta.Comparisons, meta.SSR, meta.ComparisonsID, metaJSON, at, d.BatchID); err != nil {
		return fmt.Errorf("store assessment of %s: %w", d.BatchID, err)
	}
	if err := setAssignment(ctx, tx, d.BatchID, deref(d.AssignmentID)); err != nil {
		return err
	}
	if b.JobID != d.CJAssessmentJobID {
		if _, err := tx.ExecContext(ctx, `DELETE FROM results_anchors WHERE batch_id = $1`, d.BatchID); err != nil {
			return fmt.Errorf("clear anchors of %s: %w", d.BatchID, err)
		}
	}
	phase := string(events.PhaseNameCJAssessment)
	if err := touchPhase(ctx, tx, d.BatchID, phase, b.Expected, at); err != nil {
		return err
	}
	changed := false
	for _, r := range d.EssayResults {
		var se *float64
		if v, ok := meta.SE[r.EssayID]; ok {
			se = &v
		}
		var probs *string
		if p, ok := meta.Probabilities[r.EssayID]; ok && len(p) > 0 {
			enc, err := json.Marshal(p)
			if err != nil {
				return fmt.Errorf("encode grade probabilities of %s: %w", r.EssayID, err)
			}
			str := string(enc)
			probs = &str
		}
		if r.IsAnchor {
			if _, err := tx.ExecContext(ctx, `INSERT INTO results_anchors (batch_id, essay_id, display_name, grade, confidence_label,
				confidence_score, bt_score, se, rank, normalized_score, grade_probabilities)
				VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)
				ON CONFLICT (batch_id, essay_id) DO UPDATE SET display_name = excluded.display_name, grade = excluded.grade,
					confidence_label = excluded.confidence_label, confidence_score = excluded.confidence_score,
					bt_score = excluded.bt_score, se = excluded.se, rank = excluded.rank,
					normalized_score = excluded.normalized_score, grade_probabilities = excluded.grade_probabilities`,
				d.BatchID, r.EssayID, deref(r.DisplayName), r.LetterGrade, string(r.ConfidenceLabel), r.ConfidenceScore,
				r.BTScore, se, r.Rank, r.NormalizedScore, probs); err != nil {
				return fmt.Errorf("store anchor %s: %w", r.EssayID, err)
			}
			continue
		}
		if err := ensureEssay(ctx, tx, d.BatchID, r.EssayID); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `UPDATE results_essays SET display_name = $1, grade = $2, confidence_label = $3,
			confidence_score = $4, bt_score = $5, se = $6, rank = $7, normalized_score = $8, grade_probabilities = $9
			WHERE batch_id = $10 AND essay_id = $11`,
			deref(r.DisplayName), r.LetterGrade, string(r.ConfidenceLabel), r.ConfidenceScore, r.BTScore, se, r.Rank,
			r.NormalizedScore, probs, d.BatchID, r.EssayID); err != nil {
			return fmt.Errorf("store result of essay %s: %w", r.EssayID, err)
		}
		c, err := setEssayState(ctx, tx, d.BatchID, r.EssayID, phase, stateDone, "", "", at)
		if err != nil {
			return err
		}
		changed = changed || c
	}
	if changed {
		if err := markRunsStarted(ctx, tx, d.BatchID, at); err != nil {
			return err
		}
		if err := s.phaseProgress(ctx, tx, b, ev.CorrelationID, phase, ""); err != nil {
			return err
		}
	}
	return s.finish(ctx, tx, d.BatchID, ev.CorrelationID)
}

// GradeProbability is one grade's probability for an essay.
type GradeProbability struct {
	Grade       string  `json:"grade"`
	Probability float64 `json:"probability"`
}

// assessmentMeta is what results reads from assessment_metadata. Every
// field is optional: producers differ, and an absent field is null in the
// API, never an error.
type assessmentMeta struct {
	SSR           *float64
	Comparisons   *int
	Model         string
	ComparisonsID string
	SE            map[string]float64
	Probabilities map[string][]GradeProbability
}

// parseAssessmentMeta reads assessment_metadata leniently. Per-essay
// standard errors and grade probabilities may come as maps keyed by essay
// id ("se", "grade_probabilities") or inside an "essays" list of objects
// with essay_id; probabilities may be a grade->p object (in its order), a
// list of {grade, probability}, or a list of numbers named by a "grades"
// list.
func parseAssessmentMeta(obj []byte) assessmentMeta {
	out := assessmentMeta{SE: map[string]float64{}, Probabilities: map[string][]GradeProbability{}}
	var m map[string]json.RawMessage
	if len(obj) == 0 || json.Unmarshal(obj, &m) != nil {
		return out
	}
	num := func(keys ...string) *float64 {
		for _, k := range keys {
			var f float64
			if raw, ok := m[k]; ok && json.Unmarshal(raw, &f) == nil {
				return &f
			}
		}
		return nil
	}
	str := func(keys ...string) string {
		for _, k := range keys {
			var s string
			if raw, ok := m[k]; ok && json.Unmarshal(raw, &s) == nil && s != "" {
				return s
			}
		}
		return ""
	}
	out.SSR = num("scale_separation_reliability", "ssr")
	if c := num("comparison_count", "comparisons"); c != nil {
		n := int(*c)
		out.Comparisons = &n
	}
	out.Model = str("judge_model", "model")
	out.ComparisonsID = str("comparisons_storage_id")
	var grades []string
	for _, k := range []string{"grades", "grade_names", "scale_grades"} {
		if raw, ok := m[k]; ok && json.Unmarshal(raw, &grades) == nil {
			break
		}
	}
	for _, k := range []string{"se", "standard_errors"} {
		var bySE map[string]float64
		if raw, ok := m[k]; ok && json.Unmarshal(raw, &bySE) == nil {
			for id, v := range bySE {
				out.SE[id] = v
			}
		}
	}
	if raw, ok := m["grade_probabilities"]; ok {
		var byEssay map[string]json.RawMessage
		if json.Unmarshal(raw, &byEssay) == nil {
			for id, v := range byEssay {
				if p := parseProbs(v, grades); len(p) > 0 {
					out.Probabilities[id] = p
				}
			}
		}
	}
	var list []map[string]json.RawMessage
	if raw, ok := m["essays"]; ok && json.Unmarshal(raw, &list) == nil {
		for _, e := range list {
			var id string
			if json.Unmarshal(e["essay_id"], &id) != nil || id == "" {
				continue
			}
			var se float64
			if raw, ok := e["se"]; ok && json.Unmarshal(raw, &se) == nil {
				out.SE[id] = se
			}
			if raw, ok := e["grade_probabilities"]; ok {
				if p := parseProbs(raw, grades); len(p) > 0 {
					out.Probabilities[id] = p
				}
			}
		}
	}
	return out
}

// parseProbs reads one essay's grade probabilities in any of the accepted
// forms, best grade first.
func parseProbs(raw json.RawMessage, grades []string) []GradeProbability {
	out := readProbs(raw, grades)
	slices.SortStableFunc(out, func(a, b GradeProbability) int { return compareGrades(a.Grade, b.Grade) })
	return out
}

func readProbs(raw json.RawMessage, grades []string) []GradeProbability {
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 {
		return nil
	}
	switch raw[0] {
	case '{':
		return orderedProbs(raw)
	case '[':
		var objs []GradeProbability
		if json.Unmarshal(raw, &objs) == nil && len(objs) > 0 && objs[0].Grade != "" {
			return objs
		}
		var nums []float64
		if json.Unmarshal(raw, &nums) == nil && len(nums) == len(grades) {
			out := make([]GradeProbability, len(nums))
			for i, p := range nums {
				out[i] = GradeProbability{Grade: grades[i], Probability: p}
			}
			return out
		}
	}
	return nil
}

// orderedProbs decodes a grade->probability object in key order.
func orderedProbs(raw json.RawMessage) []GradeProbability {
	dec := json.NewDecoder(bytes.NewReader(raw))
	if t, err := dec.Token(); err != nil || t != json.Delim('{') {
		return nil
	}
	var out []GradeProbability
	for dec.More() {
		t, err := dec.Token()
		if err != nil {
			return nil
		}
		k, _ := t.(string)
		var p float64
		if err := dec.Decode(&p); err != nil {
			return nil
		}
		out = append(out, GradeProbability{Grade: k, Probability: p})
	}
	return out
}

// readability finds readability figures the NLP service may put into
// processing_metadata (top level or under "readability"/"metrics").
func readability(obj events.Object) (flesch, lix *float64) {
	var m map[string]json.RawMessage
	if len(obj) == 0 || json.Unmarshal(obj, &m) != nil {
		return nil, nil
	}
	find := func(m map[string]json.RawMessage, key string) *float64 {
		var f float64
		if raw, ok := m[key]; ok && json.Unmarshal(raw, &f) == nil {
			return &f
		}
		return nil
	}
	scopes := []map[string]json.RawMessage{m}
	for _, k := range []string{"readability", "metrics", "text_metrics"} {
		var sub map[string]json.RawMessage
		if raw, ok := m[k]; ok && json.Unmarshal(raw, &sub) == nil {
			scopes = append(scopes, sub)
		}
	}
	for _, sc := range scopes {
		if flesch == nil {
			flesch = find(sc, "flesch_reading_ease")
		}
		if lix == nil {
			lix = find(sc, "lix")
		}
	}
	return flesch, lix
}

// Comparison is one judgement an essay took part in, as the essay route
// shows it: the other essay (an anchor has its grade), which side this
// essay was shown on (A or B), whether it won (null when the judge gave
// no winner), and the judge's justification and confidence (1 to 5).
type Comparison struct {
	OpponentID       string     `json:"opponent_id"`
	OpponentFileName string     `json:"opponent_file_name"`
	OpponentIsAnchor bool       `json:"opponent_is_anchor"`
	OpponentGrade    string     `json:"opponent_grade,omitempty"`
	Position         string     `json:"position"`
	Won              *bool      `json:"won"`
	WinnerID         string     `json:"winner_id"`
	Justification    string     `json:"justification"`
	Confidence       *float64   `json:"confidence"`
	Judge            string     `json:"judge,omitempty"`
	At               *time.Time `json:"at,omitempty"`
}

// parseComparisons reads the job's comparisons list (a JSON list, or an
// object holding it under "comparisons") and returns those of essayID.
// Field names are read leniently: essay_a_id/essay_a, essay_b_id/essay_b,
// winner_id/winner (an essay id or "A"/"B"/"essay_a"/"Essay A"),
// justification/reasoning, confidence, model/judge, created_at; failed
// judgements (status "failed") are left out.
func parseComparisons(raw []byte, essayID string) []Comparison {
	var list []map[string]json.RawMessage
	if json.Unmarshal(raw, &list) != nil {
		var wrap struct {
			Comparisons []map[string]json.RawMessage `json:"comparisons"`
		}
		if json.Unmarshal(raw, &wrap) != nil {
			return nil
		}
		list = wrap.Comparisons
	}
	str := func(m map[string]json.RawMessage, keys ...string) string {
		for _, k := range keys {
			var s string
			if raw, ok := m[k]; ok && json.Unmarshal(raw, &s) == nil && s != "" {
				return s
			}
		}
		return ""
	}
	out := []Comparison{}
	for _, m := range list {
		if st := str(m, "status"); st == "failed" || st == "error" {
			continue
		}
		a, b := str(m, "essay_a_id", "essay_a", "a"), str(m, "essay_b_id", "essay_b", "b")
		if a != essayID && b != essayID {
			continue
		}
		winner := str(m, "winner_id", "winner")
		switch winner {
		case "A", "a", "essay_a", "Essay A":
			winner = a
		case "B", "b", "essay_b", "Essay B":
			winner = b
		}
		c := Comparison{Position: "A", OpponentID: b, WinnerID: winner,
			Justification: str(m, "justification", "reasoning", "rationale"), Judge: str(m, "model", "judge")}
		if b == essayID {
			c.Position, c.OpponentID = "B", a
		}
		if winner != "" {
			won := winner == essayID
			c.Won = &won
		}
		var conf float64
		if raw, ok := m["confidence"]; ok && json.Unmarshal(raw, &conf) == nil {
			c.Confidence = &conf
		}
		var at time.Time
		if raw, ok := m["created_at"]; ok && json.Unmarshal(raw, &at) == nil {
			c.At = &at
		}
		out = append(out, c)
	}
	return out
}

// Segment is a piece of an essay's corrected text, for highlighting: a
// correction's replacement (Original then holds the word as written) or
// unchanged text (Original null).
type Segment struct {
	Text     string  `json:"text"`
	Original *string `json:"original"`
	Source   string  `json:"source,omitempty"`
}

// segments splits text into unchanged runs and corrections, in order. A
// correction whose byte offset does not hold its original word (or that
// overlaps the one before) is left out, so a stale list never garbles the
// text.
func segments(text string, cs []Correction) []Segment {
	sorted := slices.Clone(cs)
	slices.SortStableFunc(sorted, func(a, b Correction) int { return a.Offset - b.Offset })
	out := []Segment{}
	pos := 0
	for _, c := range sorted {
		end := c.Offset + len(c.Original)
		if c.Original == "" || c.Offset < pos || end > len(text) || text[c.Offset:end] != c.Original {
			continue
		}
		if c.Offset > pos {
			out = append(out, Segment{Text: text[pos:c.Offset]})
		}
		orig := c.Original
		out = append(out, Segment{Text: c.Replacement, Original: &orig, Source: c.Source})
		pos = end
	}
	if pos < len(text) {
		out = append(out, Segment{Text: text[pos:]})
	}
	return out
}
