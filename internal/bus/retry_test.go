package bus_test

import (
	"context"
	"database/sql"
	"errors"
	"testing"
	"testing/synctest"
	"time"

	"github.com/ThreeDotsLabs/watermill"
	"github.com/ThreeDotsLabs/watermill/message"
	"github.com/ThreeDotsLabs/watermill/pubsub/gochannel"

	"github.com/hule-dev/hule/internal/bus"
	"github.com/hule-dev/hule/internal/events"
	"github.com/hule-dev/hule/internal/store"
	"github.com/hule-dev/hule/internal/store/storetest"
)

// TestRetryBackoff runs the bus on fake time: a handler that fails
// transiently twice is retried after 100ms and 200ms (the default backoff)
// and then applied once; one that keeps failing is dead-lettered after
// MaxAttempts, having waited 100+200+400+800ms. The transport is an
// in-memory pub/sub standing in for Kafka (no subscriber transaction, so
// each attempt is a transaction of its own on SQLite).
func TestRetryBackoff(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		db := storetest.SQLite(t, appMigrations)
		ps := gochannel.NewGoChannel(gochannel.Config{OutputChannelBuffer: 16}, watermill.NopLogger{})
		b, err := bus.New(bus.DefaultConfig("kafka://in-memory:0"), bus.Deps{
			DB:              db,
			KafkaPublisher:  ps,
			KafkaSubscriber: func(string) (message.Subscriber, error) { return ps, nil },
		})
		if err != nil {
			t.Fatal(err)
		}
		type result struct {
			n   int
			at  time.Duration
			err bool
		}
		began := time.Now()
		calls := make(chan result, 16)
		attempts := map[int]int{} // handler calls run one at a time
		b.Handle("svc", topicIn, func(ctx context.Context, tx *sql.Tx, ev events.Raw) error {
			var w work
			_ = jsonUnmarshal(ev.Data, &w)
			at := time.Since(began)
			attempt := attempts[w.N]
			attempts[w.N]++
			switch {
			case w.N == 1 && attempt < 2, w.N == 2:
				calls <- result{w.N, at, true}
				return errors.New("transient")
			}
			calls <- result{w.N, at, false}
			return applyHandler(ctx, tx, ev)
		})
		ctx, cancel := context.WithCancel(context.Background())
		done := make(chan error, 1)
		go func() { done <- b.Run(ctx) }()
		<-b.Running()

		for _, n := range []int{1, 2} {
			began = time.Now()
			if err := store.InTx(ctx, db.DB, func(tx *sql.Tx) error {
				return b.Publish(ctx, tx, bus.Event(envelope(n)))
			}); err != nil {
				t.Fatal(err)
			}
			var got []time.Duration
			want := []time.Duration{0, 100 * time.Millisecond, 300 * time.Millisecond}
			if n == 2 {
				want = []time.Duration{0, 100 * time.Millisecond, 300 * time.Millisecond, 700 * time.Millisecond, 1500 * time.Millisecond}
			}
			for len(got) < len(want) {
				r := <-calls
				got = append(got, r.at.Round(time.Millisecond)-want[0])
			}
			// Attempt times, relative to the first attempt.
			for i := range want {
				if got[i]-got[0] != want[i] {
					t.Errorf("event %d attempt %d at +%s, want +%s", n, i+1, got[i]-got[0], want[i])
				}
			}
		}
		synctest.Wait()
		if got := attempts[1] + attempts[2]; got != 3+5 {
			t.Errorf("handler calls = %d, want 8", got)
		}
		if got := count(t, db, "SELECT COUNT(*) FROM applied"); got != 1 {
			t.Errorf("applied = %d, want 1 (the event that recovered)", got)
		}
		cancel()
		if err := <-done; err != nil {
			t.Errorf("Run: %v", err)
		}
		_ = ps.Close()
	})
}
