package results

import (
	"context"
	"database/sql"
	"errors"
	"testing"
	"time"

	"github.com/hule-dev/hule/internal/bus/bustest"
	"github.com/hule-dev/hule/internal/events"
	"github.com/hule-dev/hule/internal/store"
	"github.com/hule-dev/hule/internal/store/storetest"
)

// TestReadyRaceOnPostgres interleaves, in REPEATABLE READ transactions as
// on PostgreSQL topics, the handler of a batch's last essay result with
// the handler of its pipeline's completion, each of which alone leaves the
// batch short of ready. The result handler begins first and pauses; its
// event is the older one, so its touch of the batch takes no lock (see
// touchBatch). The completion's handler then runs beside it and both
// commit on snapshots that each lack the other's write: results ready is
// not announced by either. Sweep must then announce it, exactly once, and a
// second sweep nothing more.
//
// The other order (the newer completion paused, the older result beside
// it) loses nothing: the completion's touch writes the row, and the
// result's ensureBatch (INSERT ... ON CONFLICT DO NOTHING) waits for that
// writer and then fails to serialize.
func TestReadyRaceOnPostgres(t *testing.T) {
	tests := []struct {
		name   string
		topic  string // the withheld result's topic
		result func(t *testing.T, m msg) bool
	}{
		{"last nlp result", events.TopicEssayNLPCompleted, func(t *testing.T, m msg) bool {
			d, err := events.DecodeData[events.EssayNlpCompletedV1](m.raw)
			if err != nil {
				t.Fatal(err)
			}
			return d.EssayID == "essay-c"
		}},
		{"last spellcheck result", events.TopicSpellcheckResults, func(t *testing.T, m msg) bool {
			d, err := events.DecodeData[events.SpellcheckResultV1](m.raw)
			if err != nil {
				t.Fatal(err)
			}
			return d.SystemMetadata.EntityID == "essay-c"
		}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			db, _ := storetest.Postgres(t, Schema())
			f := newFixture(t, db)
			var result, completed *msg
			for _, m := range scenario(t, f) {
				switch {
				case m.topic == tc.topic && tc.result(t, m):
					result = &m
				case m.topic == events.TopicBatchPipelineCompleted:
					completed = &m
				default:
					f.mustFeed(m)
				}
			}
			if result == nil || completed == nil {
				t.Fatal("scenario lacks the result or the pipeline completion")
			}
			if !result.raw.EventTimestamp.Before(completed.raw.EventTimestamp.Time) {
				t.Fatal("the result must be older than the pipeline completion")
			}
			if n := readyCount(t, f); n != 0 {
				t.Fatalf("results ready announced %d times before the race, want 0", n)
			}

			raceHandlers(t, f, *result, *completed)
			raced := readyCount(t, f)
			t.Logf("results ready announced by the handlers: %d", raced)

			// The sweep looks only at runs that ended in the last minutes
			// (the scenario's events are of a fixed day).
			f.svc.now = func() time.Time { return completed.raw.EventTimestamp.Add(time.Hour) }
			if err := f.svc.Sweep(context.Background()); err != nil {
				t.Fatalf("sweep: %v", err)
			}
			if n := readyCount(t, f); n != raced {
				t.Errorf("a sweep an hour after the run announced results ready (%d times)", n-raced)
			}
			f.svc.now = func() time.Time { return completed.raw.EventTimestamp.Add(time.Minute) }
			for range 2 {
				if err := f.svc.Sweep(context.Background()); err != nil {
					t.Fatalf("sweep: %v", err)
				}
			}
			if n := readyCount(t, f); n != 1 {
				t.Errorf("results ready announced %d times, want 1 (%d by the handlers)", n, raced)
			}
			if n := storetest.Count(t, f.db.DB, `SELECT COUNT(*) FROM results_runs WHERE batch_id = $1 AND ready_published = 1`,
				scBatch); n != 1 {
				t.Errorf("%d runs stored as announced, want 1", n)
			}
		})
	}
}

// readyCount counts the BatchResultsReadyV1 events f's service published.
func readyCount(t *testing.T, f *fixture) int {
	t.Helper()
	return len(bustest.Data[events.BatchResultsReadyV1](t, f.rec, events.TopicBatchResultsReady))
}

// raceHandlers handles first and second in two REPEATABLE READ
// transactions: first begins and pauses once it has touched the batch;
// second then runs until it commits or waits for a lock; first commits;
// second, if it failed to serialize, is retried in fresh transactions as
// the bus would.
func raceHandlers(t *testing.T, f *fixture, first, second msg) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()

	ended, firstErr, secondErr := storetest.Interleave(ctx, t, f.db.DB, pauseAt(&testHookBegun, scBatch),
		func(ctx context.Context) error { return f.handleRR(ctx, f.db.DB, first) },
		func(ctx context.Context, conn *sql.Conn) error { return f.handleRR(ctx, conn, second) })
	t.Logf("second handler ended before the first resumed: %v", ended)
	if firstErr != nil {
		t.Fatalf("handle %s: %v", first.topic, firstErr)
	}
	for attempt := 1; store.Retryable(secondErr); attempt++ {
		t.Logf("handle %s, attempt %d: %v", second.topic, attempt, secondErr)
		if attempt == 5 {
			break
		}
		secondErr = f.handleRR(ctx, f.db.DB, second)
	}
	if secondErr != nil {
		t.Fatalf("handle %s: %v", second.topic, secondErr)
	}
}

// pauseAt installs pause into *hook, called where it is given id, for
// storetest.Interleave; the function it returns removes it.
func pauseAt(hook *func(string), id string) func(pause func()) func() {
	return func(pause func()) func() {
		*hook = func(got string) {
			if got == id {
				pause()
			}
		}
		return func() { *hook = nil }
	}
}

// beginner begins transactions: a *sql.DB or one *sql.Conn.
type beginner interface {
	BeginTx(ctx context.Context, opts *sql.TxOptions) (*sql.Tx, error)
}

// handleRR handles m in one REPEATABLE READ transaction on b, as the bus
// does on PostgreSQL topics, and commits it when the handler succeeds.
func (f *fixture) handleRR(ctx context.Context, b beginner, m msg) error {
	tx, err := b.BeginTx(ctx, &sql.TxOptions{Isolation: sql.LevelRepeatableRead})
	if err != nil {
		return err
	}
	if err := f.handlers[m.topic](ctx, tx, m.raw); err != nil {
		return errors.Join(err, tx.Rollback())
	}
	return tx.Commit()
}
