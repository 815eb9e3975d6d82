package cjassess

import (
	"context"
	"database/sql"
	"embed"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"time"

	"github.com/hule-dev/hule/internal/events"
	"github.com/hule-dev/hule/internal/store"
)

//go:embed migrations
var migrations embed.FS

// Schema returns the cjassess migrations (jobs, essays, comparisons,
// planned waves, anchors), for store.Migrate.
func Schema() store.Migrations {
	sqliteFS, _ := fs.Sub(migrations, "migrations/sqlite")
	pgFS, _ := fs.Sub(migrations, "migrations/postgres")
	return store.Migrations{Name: "cjassess", SQLite: sqliteFS, Postgres: pgFS}
}

// SQLStore is the Store on SQLite or PostgreSQL; the SQL is the same for
// both dialects.
type SQLStore struct {
	db *sql.DB
}

var _ Store = (*SQLStore)(nil)

// NewSQLStore returns a store on db, which must be migrated with Schema.
func NewSQLStore(db *sql.DB) *SQLStore { return &SQLStore{db: db} }

func now() time.Time { return time.Now().UTC().Truncate(time.Microsecond) }

func nullString(s string) sql.NullString { return sql.NullString{String: s, Valid: s != ""} }

// CreateJob implements Store.
func (s *SQLStore) CreateJob(ctx context.Context, job JobRecord) (JobRecord, bool, error) {
	settings, err := json.Marshal(job.Settings)
	if err != nil {
		return JobRecord{}, false, fmt.Errorf("encode settings of job %s: %w", job.ID, err)
	}
	if job.State == "" {
		job.State = events.CJBatchStateInitializing
	}
	t := now()
	created := false
	err = store.InTx(ctx, s.db, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx,
			`INSERT INTO cj_jobs (job_id, batch_id, assignment_id, state, settings, seed, created_at, updated_at)
			 VALUES ($1, $2, $3, $4, $5, $6, $7, $8) ON CONFLICT (job_id) DO NOTHING`,
			job.ID, job.BatchID, nullString(job.AssignmentID), string(job.State), string(settings),
			int64(job.Seed), t, t) //nolint:gosec // the seed's bits are stored as they are
		if err != nil {
			return fmt.Errorf("insert job %s: %w", job.ID, err)
		}
		n, err := res.RowsAffected()
		if err != nil {
			return fmt.Errorf("insert job %s: %w", job.ID, err)
		}
		created = n == 1
		if !created {
			return nil
		}
		for i, e := range job.Essays {
			_, err := tx.ExecContext(ctx,
				`INSERT INTO cj_essays (job_id, essay_id, position, is_anchor, known_grade, display_name, storage_id, failed_reason)
				 VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`,
				job.ID, e.ID, i, e.Anchor, nullString(e.KnownGrade), nullString(e.DisplayName),
				nullString(e.StorageID), nullString(e.FailedReason))
			if err != nil {
				return fmt.Errorf("insert essay %s of job %s: %w", e.ID, job.ID, err)
			}
		}
		return nil
	})
	if err != nil {
		return JobRecord{}, false, err
	}
	stored, err := s.Job(ctx, job.ID)
	return stored, created, err
}

// Job implements Store.
func (s *SQLStore) Job(ctx context.Context, id string) (JobRecord, error) {
	var (
		j                     = JobRecord{ID: id}
		assignment, code, msg sql.NullString
		state, settings       string
		seed                  int64
		ssr                   sql.NullFloat64
	)
	err := s.db.QueryRowContext(ctx,
		`SELECT batch_id, assignment_id, state, settings, seed, ssr, error_code, error_message, created_at, updated_at
		 FROM cj_jobs WHERE job_id = $1`, id).
		Scan(&j.BatchID, &assignment, &state, &settings, &seed, &ssr, &code, &msg, &j.Created, &j.Updated)
	if errors.Is(err, sql.ErrNoRows) {
		return JobRecord{}, fmt.Errorf("%w: %s", ErrJobNotFound, id)
	}
	if err != nil {
		return JobRecord{}, fmt.Errorf("select job %s: %w", id, err)
	}
	j.AssignmentID, j.State, j.Seed = assignment.String, events.CJBatchState(state), uint64(seed) //nolint:gosec // stored bits
	j.ErrorCode, j.ErrorMessage = code.String, msg.String
	j.Created, j.Updated = j.Created.UTC(), j.Updated.UTC()
	if ssr.Valid {
		j.SSR = &ssr.Float64
	}
	if err := json.Unmarshal([]byte(settings), &j.Settings); err != nil {
		return JobRecord{}, fmt.Errorf("decode settings of job %s: %w", id, err)
	}
	rows, err := s.db.QueryContext(ctx,
		`SELECT essay_id, is_anchor, known_grade, display_name, storage_id, failed_reason
		 FROM cj_essays WHERE job_id = $1 ORDER BY position`, id)
	if err != nil {
		return JobRecord{}, fmt.Errorf("select essays of job %s: %w", id, err)
	}
	defer rows.Close()
	for rows.Next() {
		var (
			e                            EssayRecord
			grade, name, storage, reason sql.NullString
		)
		if err := rows.Scan(&e.ID, &e.Anchor, &grade, &name, &storage, &reason); err != nil {
			return JobRecord{}, fmt.Errorf("scan essay of job %s: %w", id, err)
		}
		e.KnownGrade, e.DisplayName, e.StorageID, e.FailedReason = grade.String, name.String, storage.String, reason.String
		j.Essays = append(j.Essays, e)
	}
	if err := rows.Err(); err != nil {
		return JobRecord{}, fmt.Errorf("select essays of job %s: %w", id, err)
	}
	return j, nil
}

// SetJobState implements Store.
func (s *SQLStore) SetJobState(ctx context.Context, id string, state events.CJBatchState, errCode, errMsg string) error {
	res, err := s.db.ExecContext(ctx,
		`UPDATE cj_jobs SET state = $1, error_code = $2, error_message = $3, updated_at = $4 WHERE job_id = $5`,
		string(state), nullString(errCode), nullString(errMsg), now(), id)
	if err != nil {
		return fmt.Errorf("update state of job %s: %w", id, err)
	}
	if n, err := res.RowsAffected(); err == nil && n == 0 {
		return fmt.Errorf("%w: %s", ErrJobNotFound, id)
	}
	return nil
}

// SaveComparisons implements Store.
func (s *SQLStore) SaveComparisons(ctx context.Context, jobID string, comps []ComparisonRecord) error {
	if len(comps) == 0 {
		return nil
	}
	return store.InTx(ctx, s.db, func(tx *sql.Tx) error {
		stmt, err := tx.PrepareContext(ctx,
			`INSERT INTO cj_comparisons (job_id, essay_a, essay_b, attempt, status, winner, justification, confidence,
			   raw_response, model, provider, input_tokens, output_tokens, cost_usd, latency_ms, error, created_at)
			 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17)`)
		if err != nil {
			return fmt.Errorf("prepare comparison insert: %w", err)
		}
		defer stmt.Close()
		for _, c := range comps {
			created := c.Created
			if created.IsZero() {
				created = now()
			}
			conf := sql.NullInt64{Int64: int64(c.Confidence), Valid: c.Status == StatusSucceeded}
			_, err := stmt.ExecContext(ctx, jobID, c.EssayA, c.EssayB, c.Attempt, c.Status, nullString(c.Winner),
				nullString(c.Justification), conf, nullString(c.Raw), nullString(c.Model), nullString(c.Provider),
				c.InputTokens, c.OutputTokens, c.CostUSD, float64(c.Latency)/float64(time.Millisecond),
				nullString(c.Error), created.UTC())
			if err != nil {
				return fmt.Errorf("insert comparison %s/%s attempt %d of job %s: %w", c.EssayA, c.EssayB, c.Attempt, jobID, err)
			}
		}
		return nil
	})
}

// Comparisons implements Store.
func (s *SQLStore) Comparisons(ctx context.Context, jobID string) ([]ComparisonRecord, error) {
	rows, err := s.db.QueryContext(ctx,
		`SELECT essay_a, essay_b, attempt, status, winner, justification, confidence, raw_response, model, provider,
		   input_tokens, output_tokens, cost_usd, latency_ms, error, created_at
		 FROM cj_comparisons WHERE job_id = $1 ORDER BY id`, jobID)
	if err != nil {
		return nil, fmt.Errorf("select comparisons of job %s: %w", jobID, err)
	}
	defer rows.Close()
	var out []ComparisonRecord
	for rows.Next() {
		var (
			c                                      ComparisonRecord
			winner, just, raw, model, prov, errMsg sql.NullString
			conf                                   sql.NullInt64
			latency                                float64
		)
		if err := rows.Scan(&c.EssayA, &c.EssayB, &c.Attempt, &c.Status, &winner, &just, &conf, &raw, &model, &prov,
			&c.InputTokens, &c.OutputTokens, &c.CostUSD, &latency, &errMsg, &c.Created); err != nil {
			return nil, fmt.Errorf("scan comparison of job %s: %w", jobID, err)
		}
		c.Winner, c.Justification, c.Raw = winner.String, just.String, raw.String
		c.Model, c.Provider, c.Error = model.String, prov.String, errMsg.String
		c.Confidence = int(conf.Int64)
		c.Latency = time.Duration(latency * float64(time.Millisecond))
		c.Created = c.Created.UTC()
		out = append(out, c)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("select comparisons of job %s: %w", jobID, err)
	}
	return out, nil
}

// SaveWave implements Store.
func (s *SQLStore) SaveWave(ctx context.Context, jobID string, wave int, pairs []PlannedPair) error {
	if len(pairs) == 0 {
		return nil
	}
	return store.InTx(ctx, s.db, func(tx *sql.Tx) error {
		stmt, err := tx.PrepareContext(ctx,
			`INSERT INTO cj_planned (job_id, wave, position, essay_a, essay_b, attempt) VALUES ($1, $2, $3, $4, $5, $6)`)
		if err != nil {
			return fmt.Errorf("prepare planned pair insert: %w", err)
		}
		defer stmt.Close()
		for i, p := range pairs {
			if _, err := stmt.ExecContext(ctx, jobID, wave, i, p.EssayA, p.EssayB, p.Attempt); err != nil {
				return fmt.Errorf("insert planned pair %s/%s of wave %d of job %s: %w", p.EssayA, p.EssayB, wave, jobID, err)
			}
		}
		return nil
	})
}

// Planned implements Store.
func (s *SQLStore) Planned(ctx context.Context, jobID string) ([]PlannedPair, error) {
	rows, err := s.db.QueryContext(ctx,
		`SELECT wave, essay_a, essay_b, attempt FROM cj_planned WHERE job_id = $1 ORDER BY wave, position`, jobID)
	if err != nil {
		return nil, fmt.Errorf("select planned pairs of job %s: %w", jobID, err)
	}
	defer rows.Close()
	var out []PlannedPair
	for rows.Next() {
		var p PlannedPair
		if err := rows.Scan(&p.Wave, &p.EssayA, &p.EssayB, &p.Attempt); err != nil {
			return nil, fmt.Errorf("scan planned pair of job %s: %w", jobID, err)
		}
		out = append(out, p)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("select planned pairs of job %s: %w", jobID, err)
	}
	return out, nil
}

// SaveResults implements Store.
func (s *SQLStore) SaveResults(ctx context.Context, jobID string, ssr float64, results []EssayResult) error {
	return store.InTx(ctx, s.db, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, `UPDATE cj_jobs SET ssr = $1, updated_at = $2 WHERE job_id = $3`,
			ssr, now(), jobID); err != nil {
			return fmt.Errorf("update ssr of job %s: %w", jobID, err)
		}
		for _, r := range results {
			_, err := tx.ExecContext(ctx,
				`UPDATE cj_essays SET bt_score = $1, se = $2, rank = $3, infit = $4, outfit = $5, letter_grade = $6,
				   normalized_score = $7, confidence_score = $8, confidence_label = $9
				 WHERE job_id = $10 AND essay_id = $11`,
				r.Score, r.SE, r.Rank, r.Infit, r.Outfit, r.Grade, r.NormalizedScore, r.ConfidenceScore,
				r.ConfidenceLabel, jobID, r.ID)
			if err != nil {
				return fmt.Errorf("update result of essay %s in job %s: %w", r.ID, jobID, err)
			}
		}
		return nil
	})
}

// AddAnchor implements Store.
func (s *SQLStore) AddAnchor(ctx context.Context, a AnchorRecord) error {
	created := a.Created
	if created.IsZero() {
		created = now()
	}
	_, err := s.db.ExecContext(ctx,
		`INSERT INTO cj_anchors (anchor_id, assignment_id, grade, display_name, text_content, content_storage_id, text_hash, created_at, owner_id)
		 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`,
		a.ID, a.AssignmentID, a.Grade, a.DisplayName, nullString(a.Text), nullString(a.StorageID), a.TextHash, created.UTC(), a.Owner)
	if store.IsUniqueViolation(err) {
		return fmt.Errorf("%w: %s (assignment %s)", ErrDuplicateAnchor, a.DisplayName, a.AssignmentID)
	}
	if err != nil {
		return fmt.Errorf("insert anchor %s: %w", a.ID, err)
	}
	return nil
}

// Anchors implements Store.
func (s *SQLStore) Anchors(ctx context.Context, assignmentID string) ([]AnchorRecord, error) {
	rows, err := s.db.QueryContext(ctx,
		`SELECT anchor_id, assignment_id, grade, display_name, text_content, content_storage_id, text_hash, created_at, owner_id
		 FROM cj_anchors WHERE assignment_id = $1 ORDER BY created_at, anchor_id`, assignmentID)
	if err != nil {
		return nil, fmt.Errorf("select anchors of %s: %w", assignmentID, err)
	}
	defer rows.Close()
	var out []AnchorRecord
	for rows.Next() {
		var (
			a             AnchorRecord
			text, storage sql.NullString
		)
		if err := rows.Scan(&a.ID, &a.AssignmentID, &a.Grade, &a.DisplayName, &text, &storage, &a.TextHash, &a.Created, &a.Owner); err != nil {
			return nil, fmt.Errorf("scan anchor of %s: %w", assignmentID, err)
		}
		a.Text, a.StorageID, a.Created = text.String, storage.String, a.Created.UTC()
		out = append(out, a)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("select anchors of %s: %w", assignmentID, err)
	}
	return out, nil
}

// DeleteAnchor implements Store.
func (s *SQLStore) DeleteAnchor(ctx context.Context, id string) error {
	res, err := s.db.ExecContext(ctx, `DELETE FROM cj_anchors WHERE anchor_id = $1`, id)
	if err != nil {
		return fmt.Errorf("delete anchor %s: %w", id, err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return fmt.Errorf("delete anchor %s: %w", id, err)
	}
	if n == 0 {
		return fmt.Errorf("%w: %s", ErrAnchorNotFound, id)
	}
	return nil
}
