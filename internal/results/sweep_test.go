package results

import (
	"bytes"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/hule-dev/hule/internal/events"
	"github.com/hule-dev/hule/internal/store"
	"github.com/hule-dev/hule/internal/store/storetest"
)

// lastNLP reports whether m is the scenario's NLP result of essay-c, which
// carries no parent id.
func lastNLP(t *testing.T, m msg) bool {
	t.Helper()
	if m.topic != events.TopicEssayNLPCompleted {
		return false
	}
	d, err := events.DecodeData[events.EssayNlpCompletedV1](m.raw)
	if err != nil {
		t.Fatal(err)
	}
	if d.EssayID != "essay-c" {
		return false
	}
	if deref(d.ParentID) != "" {
		t.Fatal("the nlp result of essay-c must have no parent id: only then is it parked")
	}
	return true
}

// feedAllBut feeds the scenario without essay-c's NLP result and returns
// that result.
func feedAllBut(t *testing.T, f *fixture) msg {
	t.Helper()
	var last *msg
	for _, m := range scenario(t, f) {
		if lastNLP(t, m) {
			last = &m
			continue
		}
		f.mustFeed(m)
	}
	if last == nil {
		t.Fatal("scenario lacks the nlp result of essay-c")
	}
	return *last
}

// parkedButKnown leaves the state a handler that parked on a snapshot
// older than the essay leaves: every event of the scenario handled but
// essay-c's NLP result, which is parked although its essay is known.
func parkedButKnown(t *testing.T, f *fixture) {
	t.Helper()
	last := feedAllBut(t, f)
	ctx := context.Background()
	if err := store.InTx(ctx, f.db.DB, func(tx *sql.Tx) error { return f.svc.park(ctx, tx, "essay-c", last.raw) }); err != nil {
		t.Fatal(err)
	}
	checkStranded(t, f)
}

// checkStranded checks that essay-c's result is parked and the batch not
// announced.
func checkStranded(t *testing.T, f *fixture) {
	t.Helper()
	if n := storetest.Count(t, f.db.DB, `SELECT COUNT(*) FROM results_parked WHERE essay_id = 'essay-c'`); n != 1 {
		t.Fatalf("%d parked results of essay-c before the sweep, want 1", n)
	}
	if n := readyCount(t, f); n != 0 {
		t.Fatalf("results ready announced %d times before the sweep, want 0", n)
	}
}

// checkAdopted checks that essay-c's result was applied and the batch
// announced once.
func checkAdopted(t *testing.T, f *fixture) {
	t.Helper()
	if n := storetest.Count(t, f.db.DB, `SELECT COUNT(*) FROM results_parked WHERE essay_id = 'essay-c'`); n != 0 {
		t.Errorf("%d parked results of essay-c after the sweep, want 0", n)
	}
	if n := storetest.Count(t, f.db.DB, `SELECT COUNT(*) FROM results_essays WHERE essay_id = 'essay-c' AND nlp_words = 7`); n != 1 {
		t.Error("parked nlp result of essay-c not applied")
	}
	if n := readyCount(t, f); n != 1 {
		t.Errorf("results ready announced %d times, want 1", n)
	}
}

// TestSweepAdoptsParked: a parked result whose essay is known and no
// further event is applied by Sweep, and the batch then announces results
// ready; a result whose essay is still unknown stays parked.
func TestSweepAdoptsParked(t *testing.T) {
	eachDB(t, func(t *testing.T, f *fixture) {
		parkedButKnown(t, f)
		ctx := context.Background()
		stranger := example(t, events.TopicEssayNLPCompleted) // essay e-4a1f9c, in no batch
		if err := store.InTx(ctx, f.db.DB, func(tx *sql.Tx) error { return f.svc.park(ctx, tx, "e-4a1f9c", stranger.raw) }); err != nil {
			t.Fatal(err)
		}

		if err := f.svc.Sweep(ctx); err != nil {
			t.Fatalf("sweep: %v", err)
		}
		checkAdopted(t, f)
		checkScenario(t, f, true)
		if n := storetest.Count(t, f.db.DB, `SELECT COUNT(*) FROM results_parked WHERE essay_id = 'e-4a1f9c'`); n != 1 {
			t.Errorf("%d parked results of an unknown essay after the sweep, want 1", n)
		}

		published := len(f.rec.All())
		if err := f.svc.Sweep(ctx); err != nil {
			t.Fatalf("second sweep: %v", err)
		}
		if n := len(f.rec.All()) - published; n != 0 {
			t.Errorf("second sweep published %d events, want 0", n)
		}
	})
}

// TestParkRaceOnPostgres builds the race that strands a parked result:
// essay-c's NLP result (no parent id) is handled in a REPEATABLE READ
// transaction whose snapshot predates the essay; while it pauses before
// parking, every other event of the batch is handled and committed, so
// none of their handlers sees the parked row. No event follows: only
// Sweep applies the result and announces results ready.
func TestParkRaceOnPostgres(t *testing.T) {
	db, _ := storetest.Postgres(t, Schema())
	f := newFixture(t, db)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()

	var last *msg
	var rest []msg
	for _, m := range scenario(t, f) {
		if lastNLP(t, m) {
			last = &m
		} else {
			rest = append(rest, m)
		}
	}
	if last == nil {
		t.Fatal("scenario lacks the nlp result of essay-c")
	}

	// The other events are handled on the pool, not on the watched
	// connection: Interleave waits for them to end.
	_, firstErr, restErr := storetest.Interleave(ctx, t, f.db.DB, pauseAt(&testHookParking, "essay-c"),
		func(ctx context.Context) error { return f.handleRR(ctx, f.db.DB, *last) },
		func(context.Context, *sql.Conn) error {
			for _, m := range rest {
				if err := f.feed(m); err != nil {
					return fmt.Errorf("handle %s: %w", m.topic, err)
				}
			}
			return nil
		})
	if restErr != nil {
		t.Fatal(restErr)
	}
	if firstErr != nil {
		t.Fatalf("handle nlp result of essay-c: %v", firstErr)
	}
	checkStranded(t, f)

	if err := f.svc.Sweep(ctx); err != nil {
		t.Fatalf("sweep: %v", err)
	}
	checkAdopted(t, f)
}

// syncBuffer is a bytes.Buffer safe for the logs of two goroutines.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.String()
}

// sweepOn runs Sweep's transaction for one batch (sweepBatch) on b, at
// the level store.InTx uses. Sweep runs on the pool; a test that must watch
// the transaction's server process runs it on one connection with this.
func sweepOn(ctx context.Context, s *Service, b beginner, batchID string) error {
	tx, err := b.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	if err := s.sweepBatch(ctx, tx, batchID, uuid.Nil, false); err != nil {
		return errors.Join(err, tx.Rollback())
	}
	return tx.Commit()
}

// TestConcurrentAdoptersOnPostgres runs two adopters of one parked result
// in READ COMMITTED: a sweep reads it and pauses; a second sweep of the
// batch, on a watched connection, then waits for the batch the first holds
// (or, were the batch not locked first, adopts the result and commits);
// the first resumes and commits; the result is applied exactly once.
func TestConcurrentAdoptersOnPostgres(t *testing.T) {
	db, _ := storetest.Postgres(t, Schema())
	f := newFixture(t, db)
	var firstLogs, secondLogs syncBuffer
	f.svc.log = slog.New(slog.NewTextHandler(&firstLogs, nil))
	// The second adopter is the same service with logs of its own, to
	// tell which adopter applied the result.
	secondSvc := *f.svc
	secondSvc.log = slog.New(slog.NewTextHandler(&secondLogs, nil))
	parkedButKnown(t, f)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()

	ended, firstErr, secondErr := storetest.Interleave(ctx, t, f.db.DB, pauseAt(&testHookParkedRead, scBatch),
		f.svc.Sweep,
		func(ctx context.Context, conn *sql.Conn) error { return sweepOn(ctx, &secondSvc, conn, scBatch) })
	if ended {
		t.Errorf("second sweep ended (err %v) while the first held the batch, want it to wait for the batch", secondErr)
	}
	if firstErr != nil {
		t.Fatalf("first sweep: %v", firstErr)
	}
	if secondErr != nil {
		t.Fatalf("second sweep: %v", secondErr)
	}

	checkAdopted(t, f)
	const applied = `msg="parked result applied"`
	firstN, secondN := strings.Count(firstLogs.String(), applied), strings.Count(secondLogs.String(), applied)
	if n := firstN + secondN; n != 1 {
		t.Errorf("parked result applied %d times, want 1\nfirst:\n%s\nsecond:\n%s", n, firstLogs.String(), secondLogs.String())
	}
	if !ended && secondN != 0 {
		t.Errorf("second sweep, which waited for the first, applied %d results, want 0\n%s", secondN, secondLogs.String())
	}
}

// TestRunSweeps: Run sweeps on its own, without an event, until its
// context ends.
func TestRunSweeps(t *testing.T) {
	f := sqliteFixture(t)
	parkedButKnown(t, f)
	cfg := DefaultConfig()
	cfg.SweepInterval = time.Millisecond
	svc, err := New(Deps{DB: f.db, Bus: f.rec, Content: f.content}, cfg)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	runCtx, stop := context.WithCancel(ctx)
	ran := make(chan error, 1)
	go func() { ran <- svc.Run(runCtx) }()
	for storetest.Count(t, f.db.DB, `SELECT COUNT(*) FROM results_parked`) != 0 {
		select {
		case <-ctx.Done():
			t.Fatal("Run never adopted the parked result")
		case <-time.After(time.Millisecond):
		}
	}
	stop()
	if err := <-ran; err != nil {
		t.Errorf("Run: %v, want nil once its context ends", err)
	}
	checkAdopted(t, f)
}
