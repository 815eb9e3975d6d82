package lifecycle

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"github.com/hule-dev/hule/internal/events"
	"github.com/hule-dev/hule/internal/store"
)

// Run sweeps (see Sweep) every Config.SweepInterval until ctx ends. A
// failed sweep is logged and tried again at the next tick.
func (s *Service) Run(ctx context.Context) error {
	return store.Repeat(ctx, s.sweep, s.log, "lifecycle sweep", s.Sweep)
}

// Sweep repairs, in fresh transactions, what handlers running at the same
// time can leave behind. With PostgreSQL topics the bus runs each topic's
// handler concurrently, in a REPEATABLE READ transaction whose snapshot
// predates the handler: an upload handled while its batch's registration
// commits is held and never seen by the registration; a validation failure
// and the last upload handled together each miss the other and neither
// publishes the provisioning completion. Sweep applies held uploads of
// registered batches, publishes completions that are due, and reports
// phase runs whose essays are all settled. On SQLite, where one
// connection serializes every handler, it finds nothing to do.
func (s *Service) Sweep(ctx context.Context) error {
	var errs []error
	batches, err := s.queryStrings(ctx, `SELECT b.batch_id FROM lifecycle_batches b
		WHERE EXISTS (SELECT 1 FROM lifecycle_inbox i WHERE i.batch_id = b.batch_id)
		OR (b.provisioned = 0 AND (SELECT COUNT(*) FROM lifecycle_essays e
			WHERE e.batch_id = b.batch_id AND e.text_storage_id IS NOT NULL) >= b.expected_count)`)
	if err != nil {
		return err
	}
	for _, id := range batches {
		err := store.InTx(ctx, s.db.DB, func(tx *sql.Tx) error {
			// The batch first, as the handlers take it (lockBatch), so a
			// sweep and a handler never wait for each other's locks in
			// opposite order (a deadlock PostgreSQL breaks after a second).
			if err := lockBatchRow(ctx, tx, id); err != nil {
				return err
			}
			if err := s.drainInbox(ctx, tx, id); err != nil {
				return err
			}
			return s.maybeProvisioned(ctx, tx, id)
		})
		if err != nil {
			errs = append(errs, fmt.Errorf("sweep batch %s: %w", id, err))
		}
	}
	runs, err := s.queryStrings(ctx, `SELECT r.batch_id, r.phase FROM lifecycle_phase_runs r
		WHERE r.reported = 0 AND NOT EXISTS (SELECT 1 FROM lifecycle_phase_essays e
			WHERE e.batch_id = r.batch_id AND e.phase = r.phase AND e.result = $1)`, resultPending)
	if err != nil {
		return errors.Join(append(errs, err)...)
	}
	for i := 0; i+1 < len(runs); i += 2 {
		batchID, phase := runs[i], runs[i+1]
		err := store.InTx(ctx, s.db.DB, func(tx *sql.Tx) error {
			b, err := lockBatch(ctx, tx, batchID) // the batch first, as in every sweep transaction
			if err != nil {
				return err
			}
			return s.maybeReport(ctx, tx, b, events.PhaseName(phase))
		})
		if err != nil {
			errs = append(errs, fmt.Errorf("sweep %s run of %s: %w", phase, batchID, err))
		}
	}
	return errors.Join(errs...)
}

// queryStrings runs a query of string columns and returns every row's
// values, one after the other.
func (s *Service) queryStrings(ctx context.Context, q string, args ...any) ([]string, error) {
	rows, err := s.db.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, fmt.Errorf("sweep query: %w", err)
	}
	defer rows.Close()
	cols, err := rows.Columns()
	if err != nil {
		return nil, fmt.Errorf("sweep query: %w", err)
	}
	var out []string
	for rows.Next() {
		vals := make([]string, len(cols))
		ptrs := make([]any, len(cols))
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		if err := rows.Scan(ptrs...); err != nil {
			return nil, fmt.Errorf("sweep query: %w", err)
		}
		out = append(out, vals...)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("sweep query: %w", err)
	}
	return out, nil
}
