package results

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"time"
)

// essayRow is one results_essays row.
type essayRow struct {
	EssayID                                 string
	Position                                int
	FileName, UploadID, TextID, CorrectedID string
	CorrectionsID                           string
	SpellTotal, SpellL2, SpellDict, SpellW  sql.NullInt64
	SpellDensity                            sql.NullFloat64
	NLPWords, NLPSentences                  sql.NullInt64
	NLPAvgSentence, MTLD, HDD, Flesch, LIX  sql.NullFloat64
	NLPMetrics, NLPExtra                    sql.NullString
	GrammarCount                            sql.NullInt64
	Grammar                                 sql.NullString
	DisplayName                             string
	Grade, ConfLabel                        sql.NullString
	ConfScore, BT, SE                       sql.NullFloat64
	Rank                                    sql.NullInt64
	Normalized                              sql.NullFloat64
	Probs                                   sql.NullString
}

const essayCols = `essay_id, position, file_name, file_upload_id, text_storage_id, corrected_storage_id, corrections_storage_id,
	spell_total, spell_l2, spell_dictionary, spell_words, spell_density, nlp_words, nlp_sentences, nlp_avg_sentence,
	nlp_mtld, nlp_hdd, nlp_flesch, nlp_lix, nlp_metrics, nlp_extra, grammar_count, grammar, display_name, grade, confidence_label,
	confidence_score, bt_score, se, rank, normalized_score, grade_probabilities`

func scanEssay(sc interface{ Scan(...any) error }) (essayRow, error) {
	var e essayRow
	err := sc.Scan(&e.EssayID, &e.Position, &e.FileName, &e.UploadID, &e.TextID, &e.CorrectedID, &e.CorrectionsID,
		&e.SpellTotal, &e.SpellL2, &e.SpellDict, &e.SpellW, &e.SpellDensity, &e.NLPWords, &e.NLPSentences, &e.NLPAvgSentence,
		&e.MTLD, &e.HDD, &e.Flesch, &e.LIX, &e.NLPMetrics, &e.NLPExtra, &e.GrammarCount, &e.Grammar, &e.DisplayName, &e.Grade, &e.ConfLabel,
		&e.ConfScore, &e.BT, &e.SE, &e.Rank, &e.Normalized, &e.Probs)
	return e, err
}

// wordCount is the essay's word count from text analysis, else from
// spellcheck.
func (e essayRow) wordCount() *int {
	switch {
	case e.NLPWords.Valid:
		n := int(e.NLPWords.Int64)
		return &n
	case e.SpellW.Valid:
		n := int(e.SpellW.Int64)
		return &n
	}
	return nil
}

func loadEssays(ctx context.Context, q queryer, batchID string) ([]essayRow, error) {
	rows, err := q.QueryContext(ctx, `SELECT `+essayCols+` FROM results_essays WHERE batch_id = $1 ORDER BY position, essay_id`, batchID)
	if err != nil {
		return nil, fmt.Errorf("load essays of %s: %w", batchID, err)
	}
	defer rows.Close()
	var out []essayRow
	for rows.Next() {
		e, err := scanEssay(rows)
		if err != nil {
			return nil, fmt.Errorf("scan essay: %w", err)
		}
		out = append(out, e)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("load essays of %s: %w", batchID, err)
	}
	return out, nil
}

// anchorRow is one results_anchors row.
type anchorRow struct {
	EssayID, DisplayName, Grade, ConfLabel string
	ConfScore, BT                          float64
	SE                                     sql.NullFloat64
	Rank                                   int
	Normalized                             float64
	Probs                                  sql.NullString
}

func loadAnchors(ctx context.Context, q queryer, batchID string) ([]anchorRow, error) {
	rows, err := q.QueryContext(ctx, `SELECT essay_id, display_name, grade, confidence_label, confidence_score, bt_score, se,
		rank, normalized_score, grade_probabilities FROM results_anchors WHERE batch_id = $1 ORDER BY bt_score DESC, essay_id`, batchID)
	if err != nil {
		return nil, fmt.Errorf("load anchors of %s: %w", batchID, err)
	}
	defer rows.Close()
	var out []anchorRow
	for rows.Next() {
		var a anchorRow
		if err := rows.Scan(&a.EssayID, &a.DisplayName, &a.Grade, &a.ConfLabel, &a.ConfScore, &a.BT, &a.SE, &a.Rank,
			&a.Normalized, &a.Probs); err != nil {
			return nil, fmt.Errorf("scan anchor: %w", err)
		}
		out = append(out, a)
	}
	return out, rows.Err()
}

// Failure is one thing that went wrong in a batch: a refused file (phase
// "upload", no essay id), an essay that failed in a phase, or a whole
// phase that failed (no essay id).
type Failure struct {
	EssayID   *string   `json:"essay_id"`
	FileName  string    `json:"file_name"`
	Phase     string    `json:"phase"`
	ErrorCode string    `json:"error_code"`
	Reason    string    `json:"reason"`
	At        time.Time `json:"at"`
}

func loadFailures(ctx context.Context, q queryer, batchID string, phases []phaseRow) ([]Failure, error) {
	out, err := fileFailures(ctx, q, batchID)
	if err != nil {
		return nil, err
	}
	for _, p := range phases {
		if p.Status == phaseFailed && p.Error != "" && p.Finished.Valid {
			out = append(out, Failure{Phase: p.Phase, Reason: p.Error, At: p.Finished.Time.UTC()})
		}
	}
	essays, err := essayFailures(ctx, q, batchID)
	if err != nil {
		return nil, err
	}
	return append(out, essays...), nil
}

func fileFailures(ctx context.Context, q queryer, batchID string) ([]Failure, error) {
	out := []Failure{}
	rows, err := q.QueryContext(ctx, `SELECT file_name, error_code, reason, failed_at FROM results_file_failures
		WHERE batch_id = $1 ORDER BY failed_at, file_upload_id`, batchID)
	if err != nil {
		return nil, fmt.Errorf("load file failures of %s: %w", batchID, err)
	}
	defer rows.Close()
	for rows.Next() {
		f := Failure{Phase: phaseUpload}
		if err := rows.Scan(&f.FileName, &f.ErrorCode, &f.Reason, &f.At); err != nil {
			return nil, fmt.Errorf("scan file failure: %w", err)
		}
		f.At = f.At.UTC()
		out = append(out, f)
	}
	return out, rows.Err()
}

func essayFailures(ctx context.Context, q queryer, batchID string) ([]Failure, error) {
	rows, err := q.QueryContext(ctx, `SELECT p.essay_id, e.file_name, p.phase, p.error_code, p.reason, p.updated_at
		FROM results_essay_phases p LEFT JOIN results_essays e ON e.batch_id = p.batch_id AND e.essay_id = p.essay_id
		WHERE p.batch_id = $1 AND p.status = 'failed' ORDER BY p.updated_at, p.essay_id`, batchID)
	if err != nil {
		return nil, fmt.Errorf("load essay failures of %s: %w", batchID, err)
	}
	defer rows.Close()
	var out []Failure
	for rows.Next() {
		var f Failure
		var id string
		var file sql.NullString
		if err := rows.Scan(&id, &file, &f.Phase, &f.ErrorCode, &f.Reason, &f.At); err != nil {
			return nil, fmt.Errorf("scan essay failure: %w", err)
		}
		f.EssayID, f.FileName, f.At = &id, file.String, f.At.UTC()
		out = append(out, f)
	}
	return out, rows.Err()
}

// listBatches returns a page of the user's batches, newest first, from the
// position after (createdUS, batchID) when after is set.
func listBatches(ctx context.Context, q queryer, userID string, statuses []string, after *cursor, limit int) ([]batchRow, error) {
	query := `SELECT ` + batchCols + ` FROM results_batches WHERE user_id = $1`
	args := []any{userID}
	if after != nil {
		query += fmt.Sprintf(` AND (created_us < $%d OR (created_us = $%d AND batch_id < $%d))`, len(args)+1, len(args)+2, len(args)+3)
		args = append(args, after.CreatedUS, after.CreatedUS, after.BatchID)
	}
	if len(statuses) > 0 {
		query += ` AND status IN (`
		for i, st := range statuses {
			if i > 0 {
				query += `, `
			}
			args = append(args, st)
			query += fmt.Sprintf(`$%d`, len(args))
		}
		query += `)`
	}
	args = append(args, limit)
	query += fmt.Sprintf(` ORDER BY created_us DESC, batch_id DESC LIMIT $%d`, len(args))
	rows, err := q.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, fmt.Errorf("list batches of %s: %w", userID, err)
	}
	defer rows.Close()
	var out []batchRow
	for rows.Next() {
		b, err := scanBatch(rows)
		if err != nil {
			return nil, fmt.Errorf("scan batch: %w", err)
		}
		out = append(out, b)
	}
	return out, rows.Err()
}

// cursor is the position of the last batch of a page.
type cursor struct {
	CreatedUS int64  `json:"c"`
	BatchID   string `json:"b"`
}

func assignmentBatches(ctx context.Context, q queryer, userID, assignment string) ([]batchRow, error) {
	rows, err := q.QueryContext(ctx, `SELECT `+batchCols+` FROM results_batches WHERE user_id = $1 AND assignment_id = $2
		ORDER BY created_us, batch_id`, userID, assignment)
	if err != nil {
		return nil, fmt.Errorf("batches of assignment %s: %w", assignment, err)
	}
	defer rows.Close()
	var out []batchRow
	for rows.Next() {
		b, err := scanBatch(rows)
		if err != nil {
			return nil, fmt.Errorf("scan batch: %w", err)
		}
		out = append(out, b)
	}
	return out, rows.Err()
}

func decodeProbs(s sql.NullString) []GradeProbability {
	out := []GradeProbability{}
	if s.Valid {
		_ = json.Unmarshal([]byte(s.String), &out) // written by results; a bad row shows no probabilities
	}
	return out
}
