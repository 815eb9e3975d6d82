package results

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"
)

// queryer is what store functions need: a *sql.Tx in handlers and routes.
type queryer interface {
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

// Essay states in one phase.
const (
	statePending = "pending"
	stateDone    = "done"
	stateFailed  = "failed"
)

// Phase states.
const (
	phaseRequested             = "requested"
	phaseRunning               = "running"
	phaseCompleted             = "completed"
	phaseCompletedWithFailures = "completed_with_failures"
	phaseFailed                = "failed"
	phaseSkipped               = "skipped"
)

func phaseTerminal(status string) bool {
	switch status {
	case phaseCompleted, phaseCompletedWithFailures, phaseFailed, phaseSkipped:
		return true
	}
	return false
}

// errNoBatch is returned for a batch results has never heard of.
var errNoBatch = errors.New("batch not found")

// batchRow is one results_batches row.
type batchRow struct {
	ID, UserID              string
	Registered              bool
	Name, Course, Assign    string
	Expected, Provisioned   int
	ProvisionedAt           sql.NullTime
	Status                  string
	CreatedAt, UpdatedAt    time.Time
	CreatedUS               int64
	JobID, Model, Provider  string
	Comparisons             sql.NullInt64
	SSR                     sql.NullFloat64
	ComparisonsID, MetaJSON string
	AssessedAt              sql.NullTime
	AnnouncedJob            string
	ReadyAt                 sql.NullTime
}

const batchCols = `batch_id, user_id, registered, name, course_code, assignment_id, expected_count,
	provisioned_count, provisioned_at, status, created_at, updated_at, cj_job_id, cj_model, cj_provider,
	cj_comparisons, ssr, comparisons_storage_id, assessment_meta, assessed_at, announced_job_id, results_ready_at, created_us`

func scanBatch(sc interface{ Scan(...any) error }) (batchRow, error) {
	var b batchRow
	var reg int
	err := sc.Scan(&b.ID, &b.UserID, &reg, &b.Name, &b.Course, &b.Assign, &b.Expected, &b.Provisioned,
		&b.ProvisionedAt, &b.Status, &b.CreatedAt, &b.UpdatedAt, &b.JobID, &b.Model, &b.Provider,
		&b.Comparisons, &b.SSR, &b.ComparisonsID, &b.MetaJSON, &b.AssessedAt, &b.AnnouncedJob, &b.ReadyAt, &b.CreatedUS)
	b.Registered = reg != 0
	return b, err
}

func loadBatch(ctx context.Context, q queryer, id string) (batchRow, error) {
	b, err := scanBatch(q.QueryRowContext(ctx, `SELECT `+batchCols+` FROM results_batches WHERE batch_id = $1`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return b, errNoBatch
	}
	if err != nil {
		return b, fmt.Errorf("load batch %s: %w", id, err)
	}
	return b, nil
}

// ensureBatch creates a placeholder row for a batch first heard of through
// an event other than its registration, and fills in its owner when the
// event names one.
func ensureBatch(ctx context.Context, q queryer, id, userID string, at time.Time) error {
	_, err := q.ExecContext(ctx, `INSERT INTO results_batches (batch_id, user_id, status, created_at, created_us, updated_at)
		VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (batch_id) DO NOTHING`,
		id, userID, statusAwaitingContent, at, at.UnixMicro(), at)
	if err != nil {
		return fmt.Errorf("insert batch %s: %w", id, err)
	}
	if userID != "" {
		if _, err := q.ExecContext(ctx, `UPDATE results_batches SET user_id = $1 WHERE batch_id = $2 AND user_id = ''`,
			userID, id); err != nil {
			return fmt.Errorf("set owner of batch %s: %w", id, err)
		}
	}
	return nil
}

// touchBatch moves the batch's updated_at forward to at. Only an event
// newer than the batch's last writes the row, and with it takes the row's
// lock, which orders the handlers of one batch that arrive in order.
// Writing it for every event would lock every out-of-order one too, but on
// PostgreSQL topics a subscriber transaction handles events of several
// batches, and more batch locks meant twice the cross-batch deadlocks and
// retries with four batches at once (hule bench pipeline --batches 4). So
// a handler of an older event takes no lock; what two handlers can then
// miss together (the last result and the pipeline's completion, each
// seeing the other's part missing) Sweep finishes: it announces every
// finished run whose results ready is due.
func touchBatch(ctx context.Context, q queryer, id string, at time.Time) error {
	if _, err := q.ExecContext(ctx, `UPDATE results_batches SET updated_at = $1 WHERE batch_id = $2 AND updated_at < $3`,
		at, id, at); err != nil {
		return fmt.Errorf("touch batch %s: %w", id, err)
	}
	return nil
}

// lockBatch writes the batch's row without changing it, which takes the
// row's lock: a sweep's transaction takes it first, so that no handler
// decides on the batch at the same time.
func lockBatch(ctx context.Context, q queryer, id string) error {
	if _, err := q.ExecContext(ctx, `UPDATE results_batches SET updated_at = updated_at WHERE batch_id = $1`, id); err != nil {
		return fmt.Errorf("lock batch %s: %w", id, err)
	}
	return nil
}

// ensureEssay creates an essay row when missing, at the end of the batch's
// essays.
func ensureEssay(ctx context.Context, q queryer, batchID, essayID string) error {
	// Nearly every call finds the row: look it up by primary key first,
	// since the insert computes the batch's highest position, a scan of
	// the batch's rows, even when it then does nothing. Done for every
	// essay event, that scan made a 1,000-essay batch quadratic (a third
	// of the platform's CPU in `hule bench pipeline`).
	var one int
	err := q.QueryRowContext(ctx, `SELECT 1 FROM results_essays WHERE batch_id = $1 AND essay_id = $2`,
		batchID, essayID).Scan(&one)
	if err == nil {
		return nil
	}
	if !errors.Is(err, sql.ErrNoRows) {
		return fmt.Errorf("look up essay %s: %w", essayID, err)
	}
	_, err = q.ExecContext(ctx, `INSERT INTO results_essays (batch_id, essay_id, position)
		SELECT $1, $2, COALESCE(MAX(position), -1) + 1 FROM results_essays WHERE batch_id = $3
		ON CONFLICT (batch_id, essay_id) DO NOTHING`, batchID, essayID, batchID)
	if err != nil {
		return fmt.Errorf("insert essay %s: %w", essayID, err)
	}
	return nil
}

// batchOfEssay finds the batch of an essay id.
func batchOfEssay(ctx context.Context, q queryer, essayID string) (string, error) {
	var id string
	err := q.QueryRowContext(ctx, `SELECT batch_id FROM results_essays WHERE essay_id = $1`, essayID).Scan(&id)
	if errors.Is(err, sql.ErrNoRows) {
		return "", errNoBatch
	}
	if err != nil {
		return "", fmt.Errorf("find batch of essay %s: %w", essayID, err)
	}
	return id, nil
}

// setEssayState moves an essay's state in a phase and reports whether it
// changed. done is final; failed only replaces pending; pending only
// creates.
func setEssayState(ctx context.Context, q queryer, batchID, essayID, phase, state, code, reason string, at time.Time) (bool, error) {
	var cond string
	switch state {
	case stateDone:
		cond = `DO UPDATE SET status = excluded.status, error_code = '', reason = '', updated_at = excluded.updated_at
			WHERE results_essay_phases.status <> 'done'`
	case stateFailed:
		cond = `DO UPDATE SET status = excluded.status, error_code = excluded.error_code, reason = excluded.reason,
			updated_at = excluded.updated_at WHERE results_essay_phases.status = 'pending'`
	default:
		cond = `DO NOTHING`
	}
	res, err := q.ExecContext(ctx, `INSERT INTO results_essay_phases (batch_id, essay_id, phase, status, error_code, reason, updated_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (batch_id, essay_id, phase) `+cond,
		batchID, essayID, phase, state, code, reason, at)
	if err != nil {
		return false, fmt.Errorf("set %s state of essay %s: %w", phase, essayID, err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return false, fmt.Errorf("set %s state of essay %s: %w", phase, essayID, err)
	}
	return n > 0, nil
}

// phaseRow is one results_phases row with its essay counts.
type phaseRow struct {
	Phase, Status       string
	Total               int
	StartedAt, Finished sql.NullTime
	SkipReason, Error   string
	Done, Failed, Rows  int
}

func (p phaseRow) total() int { return max(p.Total, p.Rows, p.Done+p.Failed) }

func (p phaseRow) duration() *float64 {
	if !p.StartedAt.Valid || !p.Finished.Valid {
		return nil
	}
	d := max(p.Finished.Time.Sub(p.StartedAt.Time).Seconds(), 0)
	return &d
}

func loadPhases(ctx context.Context, q queryer, batchID string) ([]phaseRow, error) {
	rows, err := q.QueryContext(ctx, `SELECT p.phase, p.status, p.total, p.started_at, p.finished_at, p.skip_reason, p.error,
		(SELECT COUNT(*) FROM results_essay_phases e WHERE e.batch_id = p.batch_id AND e.phase = p.phase AND e.status = 'done'),
		(SELECT COUNT(*) FROM results_essay_phases e WHERE e.batch_id = p.batch_id AND e.phase = p.phase AND e.status = 'failed'),
		(SELECT COUNT(*) FROM results_essay_phases e WHERE e.batch_id = p.batch_id AND e.phase = p.phase)
		FROM results_phases p WHERE p.batch_id = $1`, batchID)
	if err != nil {
		return nil, fmt.Errorf("load phases of %s: %w", batchID, err)
	}
	defer rows.Close()
	var out []phaseRow
	for rows.Next() {
		var p phaseRow
		if err := rows.Scan(&p.Phase, &p.Status, &p.Total, &p.StartedAt, &p.Finished, &p.SkipReason, &p.Error,
			&p.Done, &p.Failed, &p.Rows); err != nil {
			return nil, fmt.Errorf("scan phase: %w", err)
		}
		out = append(out, p)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("load phases of %s: %w", batchID, err)
	}
	sortPhases(out)
	return out, nil
}

func loadPhase(ctx context.Context, q queryer, batchID, phase string) (phaseRow, error) {
	ps, err := loadPhases(ctx, q, batchID)
	if err != nil {
		return phaseRow{}, err
	}
	for _, p := range ps {
		if p.Phase == phase {
			return p, nil
		}
	}
	return phaseRow{Phase: phase}, nil
}

// startPhase records that phase began at at with total essays and
// reports whether it (re)started. A phase that ended before at is a new
// run of it and starts again, its essays' earlier states forgotten; a
// phase that is known from later events only gets its earlier start time
// and its size.
func startPhase(ctx context.Context, q queryer, batchID, phase string, total int, at time.Time) (bool, error) {
	if _, err := q.ExecContext(ctx, `UPDATE results_essay_phases SET status = 'pending', error_code = '', reason = '', updated_at = $1
		WHERE batch_id = $2 AND phase = $3 AND updated_at < $4 AND EXISTS (SELECT 1 FROM results_phases p
			WHERE p.batch_id = $5 AND p.phase = $6 AND p.finished_at IS NOT NULL AND p.finished_at < $7)`,
		at, batchID, phase, at, batchID, phase, at); err != nil {
		return false, fmt.Errorf("restart phase %s of %s: %w", phase, batchID, err)
	}
	res, err := q.ExecContext(ctx, `INSERT INTO results_phases (batch_id, phase, status, total, started_at)
		VALUES ($1, $2, $3, $4, $5)
		ON CONFLICT (batch_id, phase) DO UPDATE SET status = excluded.status, total = excluded.total,
			started_at = excluded.started_at, finished_at = NULL, error = '', skip_reason = ''
		WHERE results_phases.status = 'requested'
			OR (results_phases.finished_at IS NOT NULL AND results_phases.finished_at < excluded.started_at)`,
		batchID, phase, phaseRunning, total, at)
	if err != nil {
		return false, fmt.Errorf("start phase %s of %s: %w", phase, batchID, err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return false, fmt.Errorf("start phase %s of %s: %w", phase, batchID, err)
	}
	if n > 0 {
		return true, nil
	}
	if _, err := q.ExecContext(ctx, `UPDATE results_phases SET total = $1, started_at = $2
		WHERE batch_id = $3 AND phase = $4 AND (started_at IS NULL OR started_at > $5)
			AND (finished_at IS NULL OR finished_at >= $6)`, total, at, batchID, phase, at, at); err != nil {
		return false, fmt.Errorf("start phase %s of %s: %w", phase, batchID, err)
	}
	return false, nil
}

// touchPhase makes sure a phase that reports progress is known as running
// (its start command may arrive later or never).
func touchPhase(ctx context.Context, q queryer, batchID, phase string, total int, at time.Time) error {
	if _, err := q.ExecContext(ctx, `INSERT INTO results_phases (batch_id, phase, status, total, started_at)
		VALUES ($1, $2, $3, $4, $5) ON CONFLICT (batch_id, phase) DO UPDATE SET status = excluded.status,
			started_at = COALESCE(results_phases.started_at, excluded.started_at)
		WHERE results_phases.status = 'requested'`, batchID, phase, phaseRunning, total, at); err != nil {
		return fmt.Errorf("touch phase %s of %s: %w", phase, batchID, err)
	}
	return nil
}

// finishPhase records how a phase ended.
func finishPhase(ctx context.Context, q queryer, batchID, phase, status, errText string, at time.Time) (bool, error) {
	res, err := q.ExecContext(ctx, `INSERT INTO results_phases (batch_id, phase, status, started_at, finished_at, error)
		VALUES ($1, $2, $3, $4, $5, $6)
		ON CONFLICT (batch_id, phase) DO UPDATE SET status = excluded.status, finished_at = excluded.finished_at,
			error = CASE WHEN excluded.error = '' THEN results_phases.error ELSE excluded.error END
		WHERE results_phases.finished_at IS NULL OR results_phases.finished_at < excluded.finished_at
			OR (results_phases.finished_at = excluded.finished_at AND results_phases.status <> excluded.status)`,
		batchID, phase, status, at, at, errText)
	if err != nil {
		return false, fmt.Errorf("finish phase %s of %s: %w", phase, batchID, err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return false, fmt.Errorf("finish phase %s of %s: %w", phase, batchID, err)
	}
	return n > 0, nil
}

// phaseEssays lists the essays of a phase in a state.
func phaseEssays(ctx context.Context, q queryer, batchID, phase, state string) ([]string, error) {
	rows, err := q.QueryContext(ctx, `SELECT essay_id FROM results_essay_phases WHERE batch_id = $1 AND phase = $2 AND status = $3
		ORDER BY essay_id`, batchID, phase, state)
	if err != nil {
		return nil, fmt.Errorf("list %s essays of %s: %w", phase, batchID, err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			return nil, fmt.Errorf("scan essay id: %w", err)
		}
		out = append(out, id)
	}
	return out, rows.Err()
}

// runRow is one results_runs row.
type runRow struct {
	CorrelationID, Pipeline, Assign string
	Retry                           bool
	RequestedAt, StartedAt, Done    sql.NullTime
	FinalStatus                     string
	Phases                          []string
	Duration                        sql.NullFloat64
	Successful, Failed              sql.NullInt64
	ReadyPublished                  bool
}

func loadRuns(ctx context.Context, q queryer, batchID string) ([]runRow, error) {
	rows, err := q.QueryContext(ctx, `SELECT correlation_id, pipeline, assignment_id, is_retry, requested_at, started_at,
		completed_at, final_status, completed_phases, duration_seconds, successful_count, failed_count, ready_published
		FROM results_runs WHERE batch_id = $1`, batchID)
	if err != nil {
		return nil, fmt.Errorf("load runs of %s: %w", batchID, err)
	}
	defer rows.Close()
	var out []runRow
	for rows.Next() {
		var r runRow
		var retry, ready int
		var phases string
		if err := rows.Scan(&r.CorrelationID, &r.Pipeline, &r.Assign, &retry, &r.RequestedAt, &r.StartedAt, &r.Done,
			&r.FinalStatus, &phases, &r.Duration, &r.Successful, &r.Failed, &ready); err != nil {
			return nil, fmt.Errorf("scan run: %w", err)
		}
		r.Retry, r.ReadyPublished = retry != 0, ready != 0
		if phases != "" {
			r.Phases = strings.Split(phases, ",")
		}
		out = append(out, r)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("load runs of %s: %w", batchID, err)
	}
	sortRuns(out)
	return out, nil
}

// runTime is when a run entered the history: requested, else finished.
func (r runRow) runTime() time.Time {
	if r.RequestedAt.Valid {
		return r.RequestedAt.Time
	}
	if r.StartedAt.Valid {
		return r.StartedAt.Time
	}
	return r.Done.Time
}

// Batch statuses, the events.BatchStatus wire values results derives for
// the batch list.
const (
	statusAwaitingContent = "awaiting_content_validation"
	statusReady           = "ready_for_pipeline_execution"
	statusProcessing      = "processing_pipelines"
)

// refreshStatus derives the batch's status from what is stored, so that
// any order of arrival gives the same answer: a run that started and has
// not finished means processing; else the latest finished run's final
// status; else ready once content arrived.
func refreshStatus(ctx context.Context, q queryer, batchID string) error {
	b, err := loadBatch(ctx, q, batchID)
	if err != nil {
		return err
	}
	runs, err := loadRuns(ctx, q, batchID)
	if err != nil {
		return err
	}
	status := statusAwaitingContent
	if b.ProvisionedAt.Valid {
		status = statusReady
	}
	var latest *runRow
	processing := false
	for i := range runs {
		r := &runs[i]
		if r.FinalStatus == "" && r.StartedAt.Valid {
			processing = true
		}
		if r.FinalStatus != "" && (latest == nil || r.Done.Time.After(latest.Done.Time)) {
			latest = r
		}
	}
	switch {
	case processing:
		status = statusProcessing
	case latest != nil:
		status = latest.FinalStatus
	}
	if status != b.Status {
		if _, err := q.ExecContext(ctx, `UPDATE results_batches SET status = $1 WHERE batch_id = $2`, status, batchID); err != nil {
			return fmt.Errorf("set status of %s: %w", batchID, err)
		}
	}
	return nil
}

// markRunsStarted notes that work began at at for every unfinished run
// requested before it.
func markRunsStarted(ctx context.Context, q queryer, batchID string, at time.Time) error {
	if _, err := q.ExecContext(ctx, `UPDATE results_runs SET started_at = $1
		WHERE batch_id = $2 AND final_status = '' AND started_at IS NULL AND (requested_at IS NULL OR requested_at <= $3)`,
		at, batchID, at); err != nil {
		return fmt.Errorf("mark runs of %s started: %w", batchID, err)
	}
	return nil
}
