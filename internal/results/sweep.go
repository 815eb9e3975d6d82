package results

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/google/uuid"

	"github.com/hule-dev/hule/internal/store"
)

// Run sweeps (see Sweep) every Config.SweepInterval until ctx ends. A
// failed sweep is logged and tried again at the next tick.
func (s *Service) Run(ctx context.Context) error {
	return store.Repeat(ctx, s.sweep, s.log, "results sweep", s.Sweep)
}

// Sweep finishes, in a fresh transaction per batch, what handlers running
// at the same time on PostgreSQL topics can leave undone. It applies the
// parked results whose essays are known: a handler that parks a result
// (its snapshot predates the essay) may commit after the handler that made
// the essay known looked for parked results, and the result would wait for
// the batch's next event, which may never come. And it announces results
// ready for finished runs that are due: the handlers of a batch's last
// result and of its pipeline's completion may each have seen the other's
// part missing (see touchBatch). On SQLite, where one connection
// serializes every handler, it finds nothing to do.
func (s *Service) Sweep(ctx context.Context) error {
	batches, err := s.adoptableBatches(ctx)
	if err != nil {
		return err
	}
	runs, err := s.unannouncedRuns(ctx)
	if err != nil {
		return err
	}
	// One transaction per batch, whichever of the two it needs: finish
	// adopts the parked results before it announces.
	due := make(map[string]uuid.UUID, len(runs))
	for _, r := range runs {
		due[r.batchID] = r.corr
	}
	for _, id := range batches {
		if _, ok := due[id]; !ok {
			runs = append(runs, dueRun{batchID: id})
		}
	}
	var errs []error
	for _, r := range runs {
		_, isDue := due[r.batchID]
		err := store.InTx(ctx, s.db.DB, func(tx *sql.Tx) error { return s.sweepBatch(ctx, tx, r.batchID, r.corr, isDue) })
		if err != nil {
			errs = append(errs, fmt.Errorf("sweep batch %s: %w", r.batchID, err))
		}
	}
	return errors.Join(errs...)
}

// unannouncedWindow is how long after a run finished Sweep keeps checking
// whether its results ready is due: the last rich events arrive within
// seconds of the run's end, and a run whose results never all arrive must
// not be checked forever.
const unannouncedWindow = 10 * time.Minute

// dueRun is a finished run without its results-ready announcement.
type dueRun struct {
	batchID string
	corr    uuid.UUID
}

// unannouncedRuns lists the batches with a run that finished within
// unannouncedWindow and has not announced results ready, one per batch.
func (s *Service) unannouncedRuns(ctx context.Context) ([]dueRun, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT batch_id, correlation_id, completed_at FROM results_runs
		WHERE final_status <> '' AND ready_published = 0 ORDER BY batch_id`)
	if err != nil {
		return nil, fmt.Errorf("find unannounced runs: %w", err)
	}
	defer rows.Close()
	cutoff := s.now().Add(-unannouncedWindow)
	var out []dueRun
	for rows.Next() {
		var id, corr string
		var done sql.NullTime
		if err := rows.Scan(&id, &corr, &done); err != nil {
			return nil, fmt.Errorf("scan unannounced run: %w", err)
		}
		if !done.Valid || done.Time.Before(cutoff) || (len(out) > 0 && out[len(out)-1].batchID == id) {
			continue
		}
		c, _ := uuid.Parse(corr) // a malformed id only costs the notification's correlation
		out = append(out, dueRun{batchID: id, corr: c})
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("find unannounced runs: %w", err)
	}
	return out, nil
}

// sweepBatch is Sweep's work on one batch, in tx: announce its due run
// (corr) when due, adopting its parked results first, else adopt them
// alone. It locks the batch first, as in-order handlers do (begin), so that
// a sweep and such a handler never wait for each other's locks in opposite
// order. (A handler of an out-of-order event takes no batch lock; if it
// meets a sweep over the same batch's parked results, PostgreSQL detects
// the deadlock and one of them runs again.) adoptParked finishes the batch
// for every result it applies.
func (s *Service) sweepBatch(ctx context.Context, tx *sql.Tx, batchID string, corr uuid.UUID, due bool) error {
	if err := lockBatch(ctx, tx, batchID); err != nil {
		return err
	}
	if due {
		return s.finish(ctx, tx, batchID, corr)
	}
	return s.adoptParked(ctx, tx, batchID)
}

// adoptableBatches lists the batches that know the essay of a parked
// result.
func (s *Service) adoptableBatches(ctx context.Context) ([]string, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT DISTINCT e.batch_id FROM results_parked p
		JOIN results_essays e ON e.essay_id = p.essay_id ORDER BY e.batch_id`)
	if err != nil {
		return nil, fmt.Errorf("find batches of parked results: %w", err)
	}
	defer rows.Close()
	var ids []string
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			return nil, fmt.Errorf("scan batch of parked results: %w", err)
		}
		ids = append(ids, id)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("find batches of parked results: %w", err)
	}
	return ids, nil
}
