package lifecycle

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/google/uuid"

	"github.com/hule-dev/hule/internal/events"
)

// lbatch is what lifecycle keeps of a registered batch.
type lbatch struct {
	id            string
	userID        string
	courseCode    events.CourseCode
	orgID         *string
	promptRef     *events.StorageReferenceMetadata
	expected      int
	provisioned   bool
	correlationID uuid.UUID
}

var errNoBatch = errors.New("no such batch")

// lockBatch is loadBatch after a write to the batch's row, which on
// PostgreSQL takes the row's lock: the handlers that decide on a batch's
// uploads as a whole (assigning a text, recording a validation failure
// that lowers the expected count) then decide one after the other, never
// each on a snapshot without the other's write, which left the batch
// unprovisioned until Sweep. Under REPEATABLE READ (PostgreSQL topics) the
// later one fails with a serialization error and the bus runs it again.
// The sweeps lock the batch first too, so a sweep and a handler never wait
// for each other in opposite order; a subscriber transaction that handles
// uploads of several batches can still meet another in opposite order,
// which PostgreSQL detects and the bus retries. It returns errNoBatch like
// loadBatch.
func lockBatch(ctx context.Context, tx *sql.Tx, id string) (*lbatch, error) {
	if err := lockBatchRow(ctx, tx, id); err != nil {
		return nil, err
	}
	return loadBatch(ctx, tx, id)
}

// lockBatchRow takes the batch row's lock (see lockBatch) without reading
// the batch, for a caller that reads it later anyway.
func lockBatchRow(ctx context.Context, tx *sql.Tx, id string) error {
	if _, err := tx.ExecContext(ctx, `UPDATE lifecycle_batches SET provisioned = provisioned WHERE batch_id = $1`, id); err != nil {
		return fmt.Errorf("lock batch %s: %w", id, err)
	}
	return nil
}

func loadBatch(ctx context.Context, tx *sql.Tx, id string) (*lbatch, error) {
	b := &lbatch{id: id}
	var course, corr string
	var prompt *string
	var provisioned int
	err := tx.QueryRowContext(ctx, `SELECT user_id, course_code, org_id, prompt_ref, expected_count, provisioned, correlation_id
		FROM lifecycle_batches WHERE batch_id = $1`, id).
		Scan(&b.userID, &course, &b.orgID, &prompt, &b.expected, &provisioned, &corr)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, errNoBatch
	}
	if err != nil {
		return nil, fmt.Errorf("load batch %s: %w", id, err)
	}
	b.courseCode, b.provisioned = events.CourseCode(course), provisioned != 0
	b.correlationID, _ = uuid.Parse(corr)
	if prompt != nil {
		b.promptRef = &events.StorageReferenceMetadata{}
		if err := json.Unmarshal([]byte(*prompt), b.promptRef); err != nil {
			return nil, fmt.Errorf("decode prompt ref of %s: %w", id, err)
		}
	}
	return b, nil
}

// essayRow is one essay slot.
type essayRow struct {
	id     string
	status events.EssayStatus
}

func loadEssay(ctx context.Context, tx *sql.Tx, batchID, essayID string) (*essayRow, error) {
	var st string
	err := tx.QueryRowContext(ctx, `SELECT status FROM lifecycle_essays WHERE batch_id = $1 AND essay_id = $2`,
		batchID, essayID).Scan(&st)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("load essay %s: %w", essayID, err)
	}
	return &essayRow{id: essayID, status: events.EssayStatus(st)}, nil
}

func setEssayStatus(ctx context.Context, tx *sql.Tx, essayID string, st events.EssayStatus, at time.Time) error {
	if _, err := tx.ExecContext(ctx, `UPDATE lifecycle_essays SET status = $1, updated_at = $2 WHERE essay_id = $3`,
		string(st), at, essayID); err != nil {
		return fmt.Errorf("set status of %s: %w", essayID, err)
	}
	return nil
}

func countAssigned(ctx context.Context, tx *sql.Tx, batchID string) (int, error) {
	var n int
	if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM lifecycle_essays WHERE batch_id = $1 AND text_storage_id IS NOT NULL`,
		batchID).Scan(&n); err != nil {
		return 0, fmt.Errorf("count assigned essays of %s: %w", batchID, err)
	}
	return n, nil
}

// phaseRun is the latest run of a phase for a batch.
type phaseRun struct {
	correlationID uuid.UUID
	reported      bool
}

func loadRun(ctx context.Context, tx *sql.Tx, batchID string, p events.PhaseName) (*phaseRun, error) {
	var corr string
	var reported int
	err := tx.QueryRowContext(ctx, `SELECT correlation_id, reported FROM lifecycle_phase_runs WHERE batch_id = $1 AND phase = $2`,
		batchID, string(p)).Scan(&corr, &reported)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("load %s run of %s: %w", p, batchID, err)
	}
	r := &phaseRun{reported: reported != 0}
	r.correlationID, _ = uuid.Parse(corr)
	return r, nil
}

// Results of an essay in a phase run.
const (
	resultPending = "pending"
	resultSuccess = "success"
	resultFailed  = "failed"
)

// runEssay is one essay of a phase run.
type runEssay struct {
	id      string
	input   string
	result  string
	output  *string
	ordinal int
}

func loadRunEssays(ctx context.Context, tx *sql.Tx, batchID string, p events.PhaseName) ([]runEssay, error) {
	rows, err := tx.QueryContext(ctx, `SELECT essay_id, input_storage_id, result, output_storage_id, position
		FROM lifecycle_phase_essays WHERE batch_id = $1 AND phase = $2 ORDER BY position`, batchID, string(p))
	if err != nil {
		return nil, fmt.Errorf("load %s essays of %s: %w", p, batchID, err)
	}
	defer rows.Close()
	var out []runEssay
	for rows.Next() {
		var e runEssay
		if err := rows.Scan(&e.id, &e.input, &e.result, &e.output, &e.ordinal); err != nil {
			return nil, fmt.Errorf("load %s essays of %s: %w", p, batchID, err)
		}
		out = append(out, e)
	}
	return out, rows.Err()
}

// loadRunEssaysByID returns the essays of the run named in ids (those in
// the run; others are left out).
func loadRunEssaysByID(ctx context.Context, tx *sql.Tx, batchID string, p events.PhaseName, ids map[string]essayOutcome) ([]runEssay, error) {
	var out []runEssay
	for id := range ids {
		var e runEssay
		err := tx.QueryRowContext(ctx, `SELECT essay_id, input_storage_id, result, output_storage_id, position
			FROM lifecycle_phase_essays WHERE batch_id = $1 AND phase = $2 AND essay_id = $3`, batchID, string(p), id).
			Scan(&e.id, &e.input, &e.result, &e.output, &e.ordinal)
		if errors.Is(err, sql.ErrNoRows) {
			continue
		}
		if err != nil {
			return nil, fmt.Errorf("load %s essay %s of %s: %w", p, id, batchID, err)
		}
		out = append(out, e)
	}
	return out, nil
}

func setRunResult(ctx context.Context, tx *sql.Tx, batchID string, p events.PhaseName, essayID, result string, output *string) error {
	if _, err := tx.ExecContext(ctx, `UPDATE lifecycle_phase_essays SET result = $1, output_storage_id = $2
		WHERE batch_id = $3 AND phase = $4 AND essay_id = $5`, result, output, batchID, string(p), essayID); err != nil {
		return fmt.Errorf("record %s result of %s: %w", p, essayID, err)
	}
	return nil
}
