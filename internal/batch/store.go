package batch

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/hule-dev/hule/internal/events"
)

// querier is what both *sql.DB and *sql.Tx offer; reads run on either.
type querier interface {
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

// Batch is a registered batch as batch sees it.
type Batch struct {
	ID                 string
	UserID             string
	CourseCode         events.CourseCode
	ExpectedEssayCount int
	Status             events.BatchStatus
	// Ready is true once every essay's text has arrived.
	Ready        bool
	OrgID        *string
	ClassID      *string
	AssignmentID *string
	PromptRef    *events.StorageReferenceMetadata
	Name         string
	EssayIDs     []string
	CreatedAt    time.Time
	// CompletedPhases are the phases later pipelines skip.
	CompletedPhases []events.PhaseName
	// Runs are the batch's pipeline requests, oldest first, refused ones
	// included (Get fills them).
	Runs []Run
}

// RunStatus is the state of a pipeline run.
type RunStatus string

// The states of a pipeline run.
const (
	RunRunning   RunStatus = "running"
	RunCompleted RunStatus = "completed"
	RunFailed    RunStatus = "failed"
	RunRefused   RunStatus = "refused"
)

// Run is one pipeline request on a batch and what became of it.
type Run struct {
	ID       string
	BatchID  string
	Pipeline string
	// Phases are the phases the run executes, in order; Skipped were done
	// before and not run again.
	Phases       []events.PhaseName
	Skipped      []events.PhaseName
	CurrentIndex int
	Status       RunStatus
	// RefusalCode and RefusalReason say why a refused request was refused.
	RefusalCode   string
	RefusalReason string
	CorrelationID uuid.UUID
	AssignmentID  *string
	// FinalStatus is the BatchStatus the run ended with.
	FinalStatus events.BatchStatus
	StartedAt   time.Time
	FinishedAt  *time.Time
}

// current returns the phase the run is executing.
func (r *Run) current() (events.PhaseName, bool) {
	if r.CurrentIndex < 0 || r.CurrentIndex >= len(r.Phases) {
		return "", false
	}
	return r.Phases[r.CurrentIndex], true
}

// essayRef is one essay and the text the next phase works on.
type essayRef struct {
	id        string
	storageID string
}

var errNoBatch = errors.New("no such batch")

func joinPhases(ps []events.PhaseName) string {
	s := make([]string, len(ps))
	for i, p := range ps {
		s[i] = string(p)
	}
	return strings.Join(s, ",")
}

func splitPhases(s string) []events.PhaseName {
	if s == "" {
		return nil
	}
	var out []events.PhaseName
	for p := range strings.SplitSeq(s, ",") {
		out = append(out, events.PhaseName(p))
	}
	return out
}

func insertBatch(ctx context.Context, q querier, b *Batch) error {
	var prompt *string
	if b.PromptRef != nil {
		j, err := json.Marshal(b.PromptRef)
		if err != nil {
			return fmt.Errorf("encode prompt ref: %w", err)
		}
		s := string(j)
		prompt = &s
	}
	if _, err := q.ExecContext(ctx,
		`INSERT INTO batch_batches (batch_id, user_id, course_code, expected_count, status, ready, org_id, class_id,
		 assignment_id, prompt_ref, name, created_at, updated_at)
		 VALUES ($1, $2, $3, $4, $5, 0, $6, $7, $8, $9, $10, $11, $12)`,
		b.ID, b.UserID, string(b.CourseCode), b.ExpectedEssayCount, string(b.Status), b.OrgID, b.ClassID,
		b.AssignmentID, prompt, b.Name, b.CreatedAt, b.CreatedAt); err != nil {
		return fmt.Errorf("insert batch %s: %w", b.ID, err)
	}
	for i, id := range b.EssayIDs {
		if _, err := q.ExecContext(ctx,
			`INSERT INTO batch_essays (batch_id, essay_id, position) VALUES ($1, $2, $3)`, b.ID, id, i); err != nil {
			return fmt.Errorf("insert essay %s: %w", id, err)
		}
	}
	return nil
}

// loadBatch reads a batch with its essay ids and completed phases; a
// missing batch is errNoBatch.
func loadBatch(ctx context.Context, q querier, id string) (*Batch, error) {
	b := &Batch{ID: id}
	var course, status string
	var ready int
	var prompt *string
	err := q.QueryRowContext(ctx,
		`SELECT user_id, course_code, expected_count, status, ready, org_id, class_id, assignment_id, prompt_ref, name, created_at
		 FROM batch_batches WHERE batch_id = $1`, id).
		Scan(&b.UserID, &course, &b.ExpectedEssayCount, &status, &ready, &b.OrgID, &b.ClassID, &b.AssignmentID,
			&prompt, &b.Name, &b.CreatedAt)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, errNoBatch
	}
	if err != nil {
		return nil, fmt.Errorf("load batch %s: %w", id, err)
	}
	b.CourseCode, b.Status, b.Ready = events.CourseCode(course), events.BatchStatus(status), ready != 0
	b.CreatedAt = b.CreatedAt.UTC()
	if prompt != nil {
		b.PromptRef = &events.StorageReferenceMetadata{}
		if err := json.Unmarshal([]byte(*prompt), b.PromptRef); err != nil {
			return nil, fmt.Errorf("decode prompt ref of %s: %w", id, err)
		}
	}
	rows, err := q.QueryContext(ctx, `SELECT essay_id FROM batch_essays WHERE batch_id = $1 ORDER BY position`, id)
	if err != nil {
		return nil, fmt.Errorf("load essays of %s: %w", id, err)
	}
	b.EssayIDs, err = scanStrings(rows)
	if err != nil {
		return nil, fmt.Errorf("load essays of %s: %w", id, err)
	}
	rows, err = q.QueryContext(ctx, `SELECT phase FROM batch_completed_phases WHERE batch_id = $1 ORDER BY completed_at, phase`, id)
	if err != nil {
		return nil, fmt.Errorf("load phases of %s: %w", id, err)
	}
	phases, err := scanStrings(rows)
	if err != nil {
		return nil, fmt.Errorf("load phases of %s: %w", id, err)
	}
	for _, p := range phases {
		b.CompletedPhases = append(b.CompletedPhases, events.PhaseName(p))
	}
	return b, nil
}

func scanStrings(rows *sql.Rows) ([]string, error) {
	defer rows.Close()
	var out []string
	for rows.Next() {
		var s string
		if err := rows.Scan(&s); err != nil {
			return nil, err
		}
		out = append(out, s)
	}
	return out, rows.Err()
}

func setBatchStatus(ctx context.Context, q querier, id string, st events.BatchStatus, at time.Time) error {
	if _, err := q.ExecContext(ctx, `UPDATE batch_batches SET status = $1, updated_at = $2 WHERE batch_id = $3`,
		string(st), at, id); err != nil {
		return fmt.Errorf("set status of %s: %w", id, err)
	}
	return nil
}

const runColumns = `run_id, batch_id, pipeline, phases, skipped, current_index, status, refusal_code, refusal_reason,
	correlation_id, assignment_id, final_status, started_at, finished_at`

func scanRun(sc interface{ Scan(...any) error }) (*Run, error) {
	r := &Run{}
	var phases, skipped, status, corr string
	var code, reason, final *string
	if err := sc.Scan(&r.ID, &r.BatchID, &r.Pipeline, &phases, &skipped, &r.CurrentIndex, &status, &code, &reason,
		&corr, &r.AssignmentID, &final, &r.StartedAt, &r.FinishedAt); err != nil {
		return nil, err
	}
	r.Phases, r.Skipped, r.Status = splitPhases(phases), splitPhases(skipped), RunStatus(status)
	if code != nil {
		r.RefusalCode = *code
	}
	if reason != nil {
		r.RefusalReason = *reason
	}
	if final != nil {
		r.FinalStatus = events.BatchStatus(*final)
	}
	r.CorrelationID, _ = uuid.Parse(corr)
	r.StartedAt = r.StartedAt.UTC()
	if r.FinishedAt != nil {
		t := r.FinishedAt.UTC()
		r.FinishedAt = &t
	}
	return r, nil
}

// runningRun returns the batch's running pipeline run, or nil.
func runningRun(ctx context.Context, q querier, batchID string) (*Run, error) {
	r, err := scanRun(q.QueryRowContext(ctx, `SELECT `+runColumns+` FROM batch_runs
		WHERE batch_id = $1 AND status = $2 ORDER BY seq DESC LIMIT 1`, batchID, string(RunRunning)))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("load running run of %s: %w", batchID, err)
	}
	return r, nil
}

func listRuns(ctx context.Context, q querier, batchID string) ([]Run, error) {
	rows, err := q.QueryContext(ctx, `SELECT `+runColumns+` FROM batch_runs WHERE batch_id = $1 ORDER BY seq`, batchID)
	if err != nil {
		return nil, fmt.Errorf("list runs of %s: %w", batchID, err)
	}
	defer rows.Close()
	var out []Run
	for rows.Next() {
		r, err := scanRun(rows)
		if err != nil {
			return nil, fmt.Errorf("list runs of %s: %w", batchID, err)
		}
		out = append(out, *r)
	}
	return out, rows.Err()
}

func insertRun(ctx context.Context, q querier, r *Run) error {
	var code, reason, final *string
	if r.RefusalCode != "" {
		code, reason = &r.RefusalCode, &r.RefusalReason
	}
	if r.FinalStatus != "" {
		s := string(r.FinalStatus)
		final = &s
	}
	if _, err := q.ExecContext(ctx, `INSERT INTO batch_runs (`+runColumns+`, seq)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14,
		(SELECT COALESCE(MAX(seq), 0) + 1 FROM batch_runs WHERE batch_id = $15))`,
		r.ID, r.BatchID, r.Pipeline, joinPhases(r.Phases), joinPhases(r.Skipped), r.CurrentIndex, string(r.Status),
		code, reason, r.CorrelationID.String(), r.AssignmentID, final, r.StartedAt, r.FinishedAt, r.BatchID); err != nil {
		return fmt.Errorf("insert run %s: %w", r.ID, err)
	}
	return nil
}

func advanceRun(ctx context.Context, q querier, runID string, idx int) error {
	if _, err := q.ExecContext(ctx, `UPDATE batch_runs SET current_index = $1 WHERE run_id = $2`, idx, runID); err != nil {
		return fmt.Errorf("advance run %s: %w", runID, err)
	}
	return nil
}

func finishRun(ctx context.Context, q querier, runID string, st RunStatus, final events.BatchStatus, at time.Time) error {
	if _, err := q.ExecContext(ctx, `UPDATE batch_runs SET status = $1, final_status = $2, finished_at = $3 WHERE run_id = $4`,
		string(st), string(final), at, runID); err != nil {
		return fmt.Errorf("finish run %s: %w", runID, err)
	}
	return nil
}

// recordResult stores an essay's result of a phase; a success also makes
// its output the essay's latest text.
func recordResult(ctx context.Context, q querier, batchID, essayID string, phase events.PhaseName, ok bool, storageID string, at time.Time) error {
	result := "failed"
	var sid *string
	if ok {
		result = "success"
		sid = &storageID
	}
	if _, err := q.ExecContext(ctx, `INSERT INTO batch_essay_phases (batch_id, essay_id, phase, result, storage_id, updated_at)
		VALUES ($1, $2, $3, $4, $5, $6)
		ON CONFLICT (batch_id, essay_id, phase) DO UPDATE SET result = excluded.result, storage_id = excluded.storage_id,
		updated_at = excluded.updated_at`, batchID, essayID, string(phase), result, sid, at); err != nil {
		return fmt.Errorf("record %s result of %s: %w", phase, essayID, err)
	}
	if ok && storageID != "" {
		if _, err := q.ExecContext(ctx, `UPDATE batch_essays SET latest_storage_id = $1 WHERE batch_id = $2 AND essay_id = $3`,
			storageID, batchID, essayID); err != nil {
			return fmt.Errorf("update text of %s: %w", essayID, err)
		}
	}
	return nil
}

func markPhaseCompleted(ctx context.Context, q querier, batchID string, p events.PhaseName, at time.Time) error {
	if _, err := q.ExecContext(ctx, `INSERT INTO batch_completed_phases (batch_id, phase, completed_at) VALUES ($1, $2, $3)
		ON CONFLICT (batch_id, phase) DO NOTHING`, batchID, string(p), at); err != nil {
		return fmt.Errorf("mark %s completed for %s: %w", p, batchID, err)
	}
	return nil
}

// inputEssays returns the essays a phase starts with: those with text that
// succeeded in every phase of before, each with its latest text.
func inputEssays(ctx context.Context, q querier, batchID string, before []events.PhaseName) ([]essayRef, error) {
	query := `SELECT e.essay_id, COALESCE(e.latest_storage_id, e.text_storage_id) FROM batch_essays e
		WHERE e.batch_id = $1 AND e.text_storage_id IS NOT NULL`
	args := []any{batchID}
	for _, p := range before {
		args = append(args, string(p))
		query += fmt.Sprintf(` AND EXISTS (SELECT 1 FROM batch_essay_phases r WHERE r.batch_id = e.batch_id
			AND r.essay_id = e.essay_id AND r.phase = $%d AND r.result = 'success')`, len(args))
	}
	rows, err := q.QueryContext(ctx, query+` ORDER BY e.position`, args...)
	if err != nil {
		return nil, fmt.Errorf("input essays of %s: %w", batchID, err)
	}
	defer rows.Close()
	var out []essayRef
	for rows.Next() {
		var r essayRef
		if err := rows.Scan(&r.id, &r.storageID); err != nil {
			return nil, fmt.Errorf("input essays of %s: %w", batchID, err)
		}
		out = append(out, r)
	}
	return out, rows.Err()
}
