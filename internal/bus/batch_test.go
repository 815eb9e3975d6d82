package bus_test

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"sync"
	"testing"

	"github.com/jackc/pgx/v5/pgconn"

	"github.com/hule-dev/hule/internal/bus"
	"github.com/hule-dev/hule/internal/events"
	"github.com/hule-dev/hule/internal/fault"
	"github.com/hule-dev/hule/internal/store"
)

// workEvents returns work events numbered from to to, in order.
func workEvents(from, to int) []bus.Outgoing {
	var evs []bus.Outgoing
	for n := from; n <= to; n++ {
		evs = append(evs, bus.Event(envelope(n)))
	}
	return evs
}

// decodeWork decodes a work event's data; an undecodable one is a
// permanent error, as for a service's handler.
func decodeWork(ev events.Raw) (work, error) {
	var w work
	if err := json.Unmarshal(ev.Data, &w); err != nil {
		return w, fault.Permanent(err)
	}
	return w, nil
}

// callCounter counts a handler's calls per work event n. Handlers of
// different keys run concurrently, hence the lock.
type callCounter struct {
	mu    sync.Mutex
	calls map[int]int
}

// add decodes ev's work and counts the call; call is its number for the
// event, 1 for the first.
func (c *callCounter) add(ev events.Raw) (w work, call int, err error) {
	if w, err = decodeWork(ev); err != nil {
		return w, 0, err
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.calls == nil {
		c.calls = map[int]int{}
	}
	c.calls[w.N]++
	return w, c.calls[w.N], nil
}

// counts returns a copy of the calls per event n.
func (c *callCounter) counts() map[int]int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return maps.Clone(c.calls)
}

// TestBatchFallback delivers five events in one subscriber transaction and
// fails the third handler at its first try. The batch, optimistic until
// then, rolls back to its savepoint, redoes events 1 and 2 (their handlers
// run again), retries event 3 under its own savepoint and handles 4 and 5
// carefully: every effect (state row, published event) commits exactly
// once.
func TestBatchFallback(t *testing.T) {
	tests := []struct {
		name string
		fail error // returned by event 3's first try
		// wantCalls is the handler calls per event n.
		wantCalls map[int]int
		wantDLQ   int
	}{
		{
			name:      "transient",
			fail:      errors.New("database hiccup"),
			wantCalls: map[int]int{1: 2, 2: 2, 3: 2, 4: 1, 5: 1},
		},
		{
			name:      "permanent",
			fail:      fault.Permanent(errors.New("bad input")),
			wantCalls: map[int]int{1: 2, 2: 2, 3: 1, 4: 1, 5: 1},
			wantDLQ:   1,
		},
	}
	for _, tt := range tests {
		for name, db := range dialects(t) {
			t.Run(tt.name+"/"+name, func(t *testing.T) {
				b, reg := newBus(t, db)
				var calls callCounter
				b.Handle("svc", topicIn, func(ctx context.Context, tx *sql.Tx, ev events.Raw) error {
					w, call, err := calls.add(ev)
					if err != nil {
						return err
					}
					if err := applyHandler(ctx, tx, ev); err != nil {
						return err
					}
					if err := b.Publish(ctx, tx, bus.Event(events.NewEnvelope(topicThin, "svc", ev.CorrelationID, w))); err != nil {
						return err
					}
					if w.N == 3 && call == 1 {
						return tt.fail // after writing: the writes must vanish
					}
					return nil
				})
				// Published before the bus runs: the subscriber reads all
				// five in one transaction.
				publish(t, b, db, workEvents(1, 5)...)
				start(t, b)

				wantApplied := 5 - tt.wantDLQ
				eventually(t, "batch committed", func() bool {
					return count(t, db, "SELECT COUNT(*) FROM applied")+topicRows(t, db, topicIn+".DLQ") == 5
				})
				if got := count(t, db, "SELECT COUNT(*) FROM applied"); got != wantApplied {
					t.Errorf("applied rows = %d, want %d", got, wantApplied)
				}
				if got := topicRows(t, db, topicThin); got != wantApplied {
					t.Errorf("published events = %d, want %d (one per applied event)", got, wantApplied)
				}
				if got := topicRows(t, db, topicIn+".DLQ"); got != tt.wantDLQ {
					t.Errorf("dead letters = %d, want %d", got, tt.wantDLQ)
				}
				if got := count(t, db, "SELECT COUNT(*) FROM bus_processed"); got != wantApplied {
					t.Errorf("idempotency records = %d, want %d", got, wantApplied)
				}
				if got := calls.counts(); !maps.Equal(got, tt.wantCalls) {
					t.Errorf("handler calls per event = %v, want %v", got, tt.wantCalls)
				}
				if got := metricSum(reg, "hule_bus_consumed_total"); got != float64(wantApplied) {
					t.Errorf("consumed metric = %v, want %d (a redo is not counted again)", got, wantApplied)
				}
			})
		}
	}
}

// TestBatchUndecodableRedo puts an undecodable message before a failing
// handler in one batch: its dead letter, written optimistically, is
// rolled back with the batch and written again, once.
func TestBatchUndecodableRedo(t *testing.T) {
	for name, db := range dialects(t) {
		t.Run(name, func(t *testing.T) {
			b, _ := newBus(t, db)
			var mu sync.Mutex
			calls := 0
			b.Handle("svc", topicIn, func(ctx context.Context, tx *sql.Tx, ev events.Raw) error {
				if err := applyHandler(ctx, tx, ev); err != nil {
					return err
				}
				mu.Lock()
				defer mu.Unlock()
				if calls++; calls == 1 {
					return fmt.Errorf("first try fails")
				}
				return nil
			})
			publishRaw(t, db, topicIn, "malformed", []byte("{not json"))
			publish(t, b, db, bus.Event(envelope(1)))
			start(t, b)
			eventually(t, "event applied", func() bool { return count(t, db, "SELECT COUNT(*) FROM applied") == 1 })
			if got := topicRows(t, db, topicIn+".DLQ"); got != 1 {
				t.Errorf("dead letters = %d, want 1", got)
			}
		})
	}
}

// TestBatchDeferredPublishOrder handles 30 events in one batch whose
// handler publishes a thin and a rich event each: the batch's deferred
// inserts keep the publish order within each topic, and every event is
// published once.
func TestBatchDeferredPublishOrder(t *testing.T) {
	for name, db := range dialects(t) {
		t.Run(name, func(t *testing.T) {
			b, _ := newBus(t, db)
			b.Handle("svc", topicIn, func(ctx context.Context, tx *sql.Tx, ev events.Raw) error {
				w, err := decodeWork(ev)
				if err != nil {
					return err
				}
				if err := applyHandler(ctx, tx, ev); err != nil {
					return err
				}
				return b.PublishCompletion(ctx, tx,
					bus.Event(events.NewEnvelope(topicThin, "svc", ev.CorrelationID, w)),
					bus.Event(events.NewEnvelope(topicRich, "svc", ev.CorrelationID, w)))
			})
			const n = 30
			publish(t, b, db, workEvents(0, n-1)...)
			start(t, b)
			eventually(t, "batch committed", func() bool { return count(t, db, "SELECT COUNT(*) FROM applied") == n })
			for _, topic := range []string{topicThin, topicRich} {
				got := publishedNs(t, db, topic)
				if len(got) != n {
					t.Fatalf("%s: %d events, want %d", topic, len(got), n)
				}
				for i, v := range got {
					if v != i {
						t.Errorf("%s: event at position %d has n=%d, want %d (publish order)", topic, i, v, i)
						break
					}
				}
			}
		})
	}
}

// publishedNs returns the n of every work event in topic, in offset order.
func publishedNs(t *testing.T, db *store.DB, topic string) []int {
	t.Helper()
	rows, err := db.Query(`SELECT payload FROM "watermill_` + topic + `" ORDER BY "offset"`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var out []int
	for rows.Next() {
		var payload []byte
		if err := rows.Scan(&payload); err != nil {
			t.Fatal(err)
		}
		raw, err := events.DecodeRaw(payload)
		if err != nil {
			t.Fatal(err)
		}
		var w work
		if err := json.Unmarshal(raw.Data, &w); err != nil {
			t.Fatal(err)
		}
		out = append(out, w.N)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

// TestConflictRereadsWithoutSpendingAttempts makes event 2's handler fail
// with PostgreSQL's serialization failure more often than MaxAttempts
// allows: a retry inside the same transaction keeps its stale snapshot, so
// the bus must roll back and read the batch again instead, without
// dead-lettering a valid event.
func TestConflictRereadsWithoutSpendingAttempts(t *testing.T) {
	for name, db := range dialects(t) {
		t.Run(name, func(t *testing.T) {
			b, _ := newBus(t, db) // MaxAttempts 3
			var calls callCounter
			b.Handle("svc", topicIn, func(ctx context.Context, tx *sql.Tx, ev events.Raw) error {
				w, call, err := calls.add(ev)
				if err != nil {
					return err
				}
				if w.N == 2 && call <= 5 {
					return fmt.Errorf("update batch: %w", &pgconn.PgError{Code: "40001", Message: "could not serialize access due to concurrent update"})
				}
				return applyHandler(ctx, tx, ev)
			})
			publish(t, b, db, workEvents(1, 3)...)
			start(t, b)
			eventually(t, "every event applied", func() bool {
				return count(t, db, "SELECT COUNT(*) FROM applied") == 3
			})
			if got := topicRows(t, db, topicIn+".DLQ"); got != 0 {
				t.Errorf("dead letters = %d, want 0: a conflict is no reason to give up", got)
			}
			if got := calls.counts()[2]; got != 6 {
				t.Errorf("event 2 handled %d times, want 6 (5 conflicts, then success)", got)
			}
		})
	}
}

// TestBatchRecordsDeferred checks the idempotency records an optimistic
// batch inserts together at its end: a batch that redelivers events
// recorded by an earlier batch, and delivers one event twice, must run the
// handler once per event. A handler run twice would show in calls even
// though the applied table's key would then fail the second run.
func TestBatchRecordsDeferred(t *testing.T) {
	for name, db := range dialects(t) {
		t.Run(name, func(t *testing.T) {
			b, reg := newBus(t, db)
			var calls callCounter
			b.Handle("svc", topicIn, func(ctx context.Context, tx *sql.Tx, ev events.Raw) error {
				if _, _, err := calls.add(ev); err != nil {
					return err
				}
				return applyHandler(ctx, tx, ev)
			})
			first := workEvents(1, 5)
			publish(t, b, db, first...)
			start(t, b)
			eventually(t, "first batch applied", func() bool { return count(t, db, "SELECT COUNT(*) FROM applied") == 5 })

			// One transaction, so one batch: a new event first (its record
			// is written at once), the five recorded ones, a new one twice.
			twice := bus.Event(envelope(7))
			second := append(append([]bus.Outgoing{bus.Event(envelope(6))}, first...), twice, twice)
			publish(t, b, db, second...)
			eventually(t, "second batch handled", func() bool {
				return metricSum(reg, "hule_bus_duplicates_total") == 6 && count(t, db, "SELECT COUNT(*) FROM applied") == 7
			})
			if got := count(t, db, "SELECT COUNT(*) FROM bus_processed"); got != 7 {
				t.Errorf("idempotency records = %d, want 7", got)
			}
			got := calls.counts()
			for n := 1; n <= 7; n++ {
				if got[n] != 1 {
					t.Errorf("event %d handled %d times, want 1", n, got[n])
				}
			}
		})
	}
}
