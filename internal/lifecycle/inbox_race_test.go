package lifecycle

import (
	"context"
	"database/sql"
	"errors"
	"sync"
	"testing"
	"time"

	dto "github.com/prometheus/client_model/go"

	"github.com/hule-dev/hule/internal/bus/bustest"
	"github.com/hule-dev/hule/internal/events"
	"github.com/hule-dev/hule/internal/store"
	"github.com/hule-dev/hule/internal/store/storetest"
)

// These tests interleave two transactions at a fixed point of drainInbox
// (testHookHeldRead), so they run on PostgreSQL only: SQLite's single
// connection serializes every handler, and the second transaction would wait
// for the first forever. Like the other PostgreSQL tests they are skipped by
// HULE_TEST_POSTGRES=off.

// onHeldRead makes f run once, on a connection of its own, inside the first
// drain of batchID to read its held uploads, before that drain deletes them.
// It reports whether f ran and f's error: a failure inside the hook must not
// end the test while the drain's transaction is open.
func onHeldRead(t *testing.T, batchID string, f func() error) (fired *bool, err *error) {
	t.Helper()
	fired, err = new(bool), new(error)
	testHookHeldRead = func(id string) {
		if id != batchID || *fired {
			return
		}
		*fired = true
		*err = f()
	}
	t.Cleanup(func() { testHookHeldRead = nil })
	return fired, err
}

// holdCommitted holds an upload for batchID in a transaction of its own, as a
// handler does that found the batch not registered.
func holdCommitted(h *harness, batchID, kind, key string, data any) error {
	ctx := context.Background()
	return store.InTx(ctx, h.db.DB, func(tx *sql.Tx) error {
		return h.svc.hold(ctx, tx, batchID, kind, key, data)
	})
}

// holdText holds content for textID in b1, in a transaction of its own.
func holdText(h *harness, textID string) error {
	return holdCommitted(h, "b1", inboxContent, textID, content("b1", textID))
}

// textState says where a text of b1 is: assigned to a slot, held, or neither.
func textState(t *testing.T, h *harness, textID string) (assigned, held int) {
	t.Helper()
	assigned = storetest.Count(t, h.db.DB,
		`SELECT COUNT(*) FROM lifecycle_essays WHERE batch_id = 'b1' AND text_storage_id = $1`, textID)
	held = storetest.Count(t, h.db.DB,
		`SELECT COUNT(*) FROM lifecycle_inbox WHERE batch_id = 'b1' AND item_key = $1`, textID)
	return assigned, held
}

// TestDrainKeepsUploadsHeldDuringIt holds an upload, on a second
// connection, between a drain's read of the inbox and its delete, and
// checks that the upload is neither lost by that drain nor left behind by
// the next sweep. Deleting the batch's whole inbox instead of the uploads
// read loses it (READ COMMITTED: the delete sees the new row).
func TestDrainKeepsUploadsHeldDuringIt(t *testing.T) {
	ctx := context.Background()
	tests := []struct {
		name          string
		slots         int
		registerFirst bool     // the batch is registered before the drain
		before        []string // texts held before the drain
		drive         func(h *harness) error
		driveTexts    []string // texts the drive uploads itself
		during        string   // the text held while the drain runs
	}{
		{
			name: "registration drains", slots: 2, before: []string{"t1"},
			drive:  func(h *harness) error { return h.send(registered("b1", 2)) },
			during: "t2",
		},
		{
			// The upload handler saw no batch and commits its hold after
			// the registration read an empty inbox: the sweep applies it.
			name: "registration finds nothing held", slots: 1,
			drive:  func(h *harness) error { return h.send(registered("b1", 1)) },
			during: "t1",
		},
		{
			name: "sweep drains", slots: 2, registerFirst: true, before: []string{"t1"},
			drive:  func(h *harness) error { return h.svc.Sweep(ctx) },
			during: "t2",
		},
		{
			name: "upload handler drains", slots: 3, registerFirst: true, before: []string{"t1"},
			drive:      func(h *harness) error { return h.send(content("b1", "t3")) },
			driveTexts: []string{"t3"},
			during:     "t2",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			db, _ := storetest.Postgres(t, Schema())
			h := newHarness(t, db)
			if tt.registerFirst {
				h.must(registered("b1", tt.slots))
			}
			for _, id := range tt.before {
				if err := holdText(h, id); err != nil {
					t.Fatal(err)
				}
			}
			fired, hookErr := onHeldRead(t, "b1", func() error { return holdText(h, tt.during) })

			if err := tt.drive(h); err != nil {
				t.Fatalf("drain: %v", err)
			}
			if !*fired {
				t.Fatal("the drain never read b1's inbox")
			}
			if *hookErr != nil {
				t.Fatalf("hold %s during the drain: %v", tt.during, *hookErr)
			}
			for _, id := range append(append([]string{}, tt.before...), tt.driveTexts...) {
				if a, _ := textState(t, h, id); a != 1 {
					t.Errorf("text %s assigned %d times by the drain, want 1", id, a)
				}
			}
			if a, held := textState(t, h, tt.during); a+held != 1 {
				t.Fatalf("text %s held during the drain is assigned %d times and held %d times after it, want once in all: "+
					"the drain deleted an upload it had not read", tt.during, a, held)
			}

			testHookHeldRead = nil
			if err := h.svc.Sweep(ctx); err != nil {
				t.Fatalf("sweep: %v", err)
			}
			if got := h.assigned(); len(got) != tt.slots {
				t.Errorf("after the sweep %d slots have a text (%v), want %d", len(got), got, tt.slots)
			}
			if a, _ := textState(t, h, tt.during); a != 1 {
				t.Errorf("text %s assigned %d times after the sweep, want 1", tt.during, a)
			}
			if n := storetest.Count(t, h.db.DB, `SELECT COUNT(*) FROM lifecycle_inbox`); n != 0 {
				t.Errorf("%d uploads still held after the sweep", n)
			}
			done := h.provisioned()
			if len(done) != 1 || len(done[0].EssaysForProcessing) != tt.slots {
				t.Errorf("published %d provisioning completions, want one with %d essays", len(done), tt.slots)
			}
		})
	}
}

// TestConcurrentDrainsApplyHeldUploadsOnce runs a second sweep of the
// batch from inside a first sweep's drain, between its read of the inbox
// and its delete: both find the same held content and validation failure,
// and each must still be applied once (one slot, one lowered expected
// count, one completion). The second sweep runs beside the paused first
// until it ends or waits for a lock; then the first commits. Since Sweep
// locks the batch first, as the handlers do, the second waits for that
// lock and, once the first has committed, finds nothing left to apply; a
// sweep that took the inbox rows before the batch would instead apply them
// all before the first resumed, and the first would apply nothing.
func TestConcurrentDrainsApplyHeldUploadsOnce(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	// Deferred in this order so that, if the test fails inside the hook,
	// the cancel rolls back the paused sweep's transaction and ends the
	// second sweep before the test waits for it.
	var wg sync.WaitGroup
	defer wg.Wait()
	defer cancel()
	db, dsn := storetest.Postgres(t, Schema())
	h := newHarness(t, db)
	h.must(registered("b1", 2))
	if err := holdText(h, "t1"); err != nil {
		t.Fatal(err)
	}
	if err := holdCommitted(h, "b1", inboxFailure, "u9", validationFailed("b1", "u9")); err != nil {
		t.Fatal(err)
	}
	second, pid := pinnedService(ctx, t, h.svc, dsn)
	secondDone := make(chan error, 1)
	var ended bool // the second sweep ended while the first was paused
	fired, hookErr := onHeldRead(t, "b1", func() error {
		// Not waited for here: the second sweep may need a lock the paused
		// first holds.
		wg.Go(func() { secondDone <- second.Sweep(ctx) })
		var err error
		ended, err = storetest.EndedOrLocked(ctx, t, h.db.DB, pid, secondDone)
		return err
	})

	if err := h.svc.Sweep(ctx); err != nil {
		t.Fatalf("first sweep: %v", err)
	}
	if !*fired {
		t.Fatal("the sweep never read b1's inbox")
	}
	t.Logf("the second sweep ended before the first committed: %v", ended)
	if ended {
		// Sweep locks the batch first, as handlers do; a sweep that did not
		// could deadlock with a handler.
		t.Error("the second sweep did not wait for the batch the first held")
	}
	secondErr := *hookErr
	if !ended {
		secondErr = <-secondDone
	}
	if secondErr != nil {
		t.Fatalf("second sweep: %v", secondErr)
	}
	if got := h.assigned(); len(got) != 1 || got["b1-e1"] != "t1" {
		t.Errorf("assigned %v, want t1 in b1-e1 only", got)
	}
	if n := len(bustest.Data[events.EssaySlotAssignedV1](t, h.rec, events.TopicEssaySlotAssigned)); n != 1 {
		t.Errorf("published %d EssaySlotAssigned, want 1", n)
	}
	if n := storetest.Count(t, h.db.DB, `SELECT COUNT(*) FROM lifecycle_excess`); n != 0 {
		t.Errorf("%d texts stored as excess, want 0", n)
	}
	if n := storetest.Count(t, h.db.DB, `SELECT COUNT(*) FROM lifecycle_validation_failures`); n != 1 {
		t.Errorf("%d validation failures recorded, want 1", n)
	}
	if n := storetest.Count(t, h.db.DB, `SELECT expected_count FROM lifecycle_batches WHERE batch_id = 'b1'`); n != 1 {
		t.Errorf("expected count %d, want 1 (lowered once)", n)
	}
	if n := storetest.Count(t, h.db.DB, `SELECT COUNT(*) FROM lifecycle_inbox`); n != 0 {
		t.Errorf("%d uploads still held", n)
	}
	done := h.provisioned()
	if len(done) != 1 || len(done[0].EssaysForProcessing) != 1 {
		t.Errorf("published %d provisioning completions, want one with 1 essay", len(done))
	}
	// The drain that lost the race applied nothing, rather than applying
	// again what the other had taken and having it ignored as a duplicate.
	var ignored float64
	for _, topic := range []string{events.TopicEssayContentProvisioned, events.TopicEssayValidationFailed} {
		var m dto.Metric
		if err := h.svc.m.stale.WithLabelValues(topic).Write(&m); err != nil {
			t.Fatal(err)
		}
		ignored += m.GetCounter().GetValue()
	}
	if ignored != 0 {
		t.Errorf("%v held uploads applied twice and ignored", ignored)
	}
}

// pinnedService returns a copy of svc, sharing its publisher and metrics,
// whose database is a pool of one connection to dsn, and the server process
// id of that connection. Sweep runs on its service's pool, not on one
// *sql.Conn; pinning the pool to one connection lets EndedOrLocked watch a
// whole, unchanged Sweep, as storetest.WatchedConn does for a handler.
func pinnedService(ctx context.Context, t *testing.T, svc *Service, dsn string) (*Service, int) {
	t.Helper()
	db, err := store.OpenPostgres(ctx, dsn)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = db.Close() })
	// One connection, never closed for age or idleness, so every query of
	// the copy runs on the process whose id is returned.
	db.SetMaxOpenConns(1)
	db.SetMaxIdleConns(1)
	db.SetConnMaxLifetime(0)
	db.SetConnMaxIdleTime(0)
	var pid int
	if err := db.QueryRowContext(ctx, `SELECT pg_backend_pid()`).Scan(&pid); err != nil {
		t.Fatal(err)
	}
	pinned := *svc
	pinned.db = db
	return &pinned, pid
}

// TestUploadAndFailureProvisionOnce interleaves, on one batch expecting
// three essays with one text assigned, the handler of the second text with
// the handler of a validation failure: together they complete the batch
// (two texts, two expected), each alone does not. The upload's handler
// begins first and pauses in its drain of the inbox; the failure's handler
// then runs beside it until it commits or waits for a lock; the upload's
// transaction commits; a failure's handler that failed to serialize is
// retried in a fresh transaction, as the bus does. Sweep, which would
// repair a lost completion later, is not run.
//
// Under REPEATABLE READ (the bus's level on PostgreSQL topics) the
// upload's handler must lock the batch row before it pauses: otherwise the
// failure's handler commits beside it on a snapshot without the second
// text, the upload's handler counts on a snapshot taken before the lowered
// expected count, and neither publishes. Under READ COMMITTED (each Kafka
// message's own transaction) this pause cannot show the loss, since the
// upload's handler reads the batch again after it; there the case checks
// that the failure's handler, made to wait, still completes the batch.
func TestUploadAndFailureProvisionOnce(t *testing.T) {
	tests := []struct {
		name  string
		level sql.IsolationLevel
	}{
		{"read committed", sql.LevelReadCommitted},
		{"repeatable read", sql.LevelRepeatableRead},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			db, _ := storetest.Postgres(t, Schema())
			h := newHarness(t, db)
			h.must(registered("b1", 3))
			h.must(content("b1", "t1"))

			raceUploads(t, h, tt.level, content("b1", "t2"), validationFailed("b1", "u9"))

			done := h.provisioned()
			if len(done) != 1 {
				t.Fatalf("published %d provisioning completions, want 1", len(done))
			}
			if got := done[0].EssaysForProcessing; len(got) != 2 {
				t.Errorf("the provisioning completion lists %d essays (%v), want 2", len(got), got)
			}
			if got := h.assigned(); len(got) != 2 || got["b1-e1"] != "t1" || got["b1-e2"] != "t2" {
				t.Errorf("assigned %v, want t1 in b1-e1 and t2 in b1-e2", got)
			}
			if n := storetest.Count(t, h.db.DB, `SELECT expected_count FROM lifecycle_batches WHERE batch_id = 'b1'`); n != 2 {
				t.Errorf("expected count %d, want 2 (lowered once)", n)
			}
			if n := storetest.Count(t, h.db.DB, `SELECT provisioned FROM lifecycle_batches WHERE batch_id = 'b1'`); n != 1 {
				t.Errorf("batch stored as provisioned = %d, want 1", n)
			}
		})
	}
}

// raceUploads handles first and second for b1 in two transactions of the
// given level: first begins and pauses when it drains b1's inbox; second
// then runs, on a connection of its own, until it ends or waits for a
// lock; first commits; second, if it failed to serialize, is retried in
// fresh transactions as the bus would.
func raceUploads(t *testing.T, h *harness, level sql.IsolationLevel, first, second events.Event) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	// Encoded here: the harness fails the test on a bad event, which a
	// goroutine must not do.
	firstRaw, secondRaw := h.envelope(first), h.envelope(second)

	ended, firstErr, secondErr := storetest.Interleave(ctx, t, h.db.DB, pauseAtHeldRead("b1"),
		func(ctx context.Context) error { return h.handleIn(ctx, h.db.DB, level, firstRaw) },
		func(ctx context.Context, conn *sql.Conn) error { return h.handleIn(ctx, conn, level, secondRaw) })
	t.Logf("%s ended before %s resumed: %v", second.Topic(), first.Topic(), ended)
	if firstErr != nil {
		t.Fatalf("handle %s: %v", first.Topic(), firstErr)
	}
	for attempt := 1; store.Retryable(secondErr); attempt++ {
		t.Logf("handle %s, attempt %d: %v", second.Topic(), attempt, secondErr)
		if attempt == 5 {
			break
		}
		secondErr = h.handleIn(ctx, h.db.DB, level, secondRaw)
	}
	if secondErr != nil {
		t.Fatalf("handle %s: %v", second.Topic(), secondErr)
	}
}

// pauseAtHeldRead installs pause as the hook of drainInbox's read of
// batchID's held uploads, for storetest.Interleave.
func pauseAtHeldRead(batchID string) func(pause func()) func() {
	return func(pause func()) func() {
		testHookHeldRead = func(id string) {
			if id == batchID {
				pause()
			}
		}
		return func() { testHookHeldRead = nil }
	}
}

// envelope wraps data in an envelope as it arrives from the bus.
func (h *harness) envelope(data events.Event) events.Raw {
	h.t.Helper()
	if err := data.Validate(); err != nil {
		h.t.Fatalf("test event %s is invalid: %v", data.Topic(), err)
	}
	env := events.NewEnvelope(data.Topic(), "test", h.corr, data)
	b, err := events.Marshal(&env)
	if err != nil {
		h.t.Fatalf("encode %s: %v", data.Topic(), err)
	}
	raw, err := events.DecodeRaw(b)
	if err != nil {
		h.t.Fatalf("decode %s envelope: %v", data.Topic(), err)
	}
	return raw
}

// txBeginner begins transactions: a *sql.DB or one *sql.Conn.
type txBeginner interface {
	BeginTx(ctx context.Context, opts *sql.TxOptions) (*sql.Tx, error)
}

// handleIn handles raw once, in one transaction of the given level on b,
// and commits it when the handler succeeds. Unlike send it does not retry:
// the test retries, after it has let the other transaction commit.
func (h *harness) handleIn(ctx context.Context, b txBeginner, level sql.IsolationLevel, raw events.Raw) error {
	hd, ok := h.routes[raw.EventType]
	if !ok {
		return errors.New("lifecycle has no handler for " + raw.EventType)
	}
	tx, err := b.BeginTx(ctx, &sql.TxOptions{Isolation: level})
	if err != nil {
		return err
	}
	if err := hd(ctx, tx, raw); err != nil {
		return errors.Join(err, tx.Rollback())
	}
	return tx.Commit()
}
