package results

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/hule-dev/hule/internal/store"
)

// Run sweeps (see Sweep) every Config.SweepInterval until ctx ends. A
// failed sweep is logged and tried again at the next tick.
func (s *Service) Run(ctx context.Context) error {
	t := time.NewTicker(s.sweep)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return nil
		case <-t.C:
			if err := s.Sweep(ctx); err != nil && ctx.Err() == nil {
				s.log.WarnContext(ctx, "results sweep", "err", err)
			}
		}
	}
}

// Sweep applies, in a fresh transaction per batch, the parked results
// whose essays are known, and finishes each batch it applied one to (so
// results ready is announced when it is due). Handlers adopt parked
// results too, but only those their transaction can see: with PostgreSQL
// topics a handler that parks a result (its snapshot predates the essay)
// may commit after the handler that made the essay known has looked for
// parked results, and the result would wait for the batch's next event,
// which may never come. On SQLite, where one connection serializes every
// handler, it finds nothing to do.
func (s *Service) Sweep(ctx context.Context) error {
	batches, err := s.adoptableBatches(ctx)
	if err != nil {
		return err
	}
	var errs []error
	for _, id := range batches {
		err := store.InTx(ctx, s.db.DB, func(tx *sql.Tx) error { return s.sweepBatch(ctx, tx, id) })
		if err != nil {
			errs = append(errs, fmt.Errorf("sweep batch %s: %w", id, err))
		}
	}
	return errors.Join(errs...)
}

// sweepBatch is Sweep's work on one batch, in tx. It locks the batch
// first, as the handlers that adopt parked results do (begin), so a sweep
// and a handler never wait for each other's locks in opposite order (a
// deadlock PostgreSQL breaks after a second); the zero time leaves the
// batch's updated_at, which tells of events, not of sweeps. adoptParked
// finishes the batch for every result it applies.
func (s *Service) sweepBatch(ctx context.Context, tx *sql.Tx, batchID string) error {
	if err := touchBatch(ctx, tx, batchID, time.Time{}); err != nil {
		return err
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
