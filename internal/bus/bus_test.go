package bus_test

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"sync/atomic"
	"testing"
	"time"

	"github.com/ThreeDotsLabs/watermill/message"
	"github.com/google/uuid"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/hule-dev/hule/internal/bus"
	"github.com/hule-dev/hule/internal/events"
	"github.com/hule-dev/hule/internal/fault"
	"github.com/hule-dev/hule/internal/store"
	"github.com/hule-dev/hule/internal/store/storetest"
)

const (
	topicIn   = "test.work.requested.v1"
	topicThin = "test.work.completed.v1"
	topicRich = "test.work.results.v1"
)

type work struct {
	BatchID string `json:"batch_id"`
	N       int    `json:"n"`
}

var appMigrations = store.Migrations{
	Name:     "bustest",
	SQLite:   mapFS("CREATE TABLE applied (event_id TEXT PRIMARY KEY, n INTEGER NOT NULL);"),
	Postgres: mapFS("CREATE TABLE applied (event_id TEXT PRIMARY KEY, n INTEGER NOT NULL);"),
}

// dialects returns a migrated database per dialect.
func dialects(t *testing.T) map[string]*store.DB {
	pg, _ := storetest.Postgres(t, appMigrations)
	return map[string]*store.DB{"sqlite": storetest.SQLite(t, appMigrations), "postgres": pg}
}

func newBus(t *testing.T, db *store.DB) (*bus.Bus, *prometheus.Registry) {
	t.Helper()
	cfg := bus.DefaultConfig(string(db.Dialect))
	cfg.PollInterval = 5 * time.Millisecond
	cfg.InitialBackoff = time.Millisecond
	cfg.MaxBackoff = 5 * time.Millisecond
	cfg.MaxAttempts = 3
	reg := prometheus.NewRegistry()
	b, err := bus.New(cfg, bus.Deps{DB: db, Metrics: reg})
	if err != nil {
		t.Fatal(err)
	}
	return b, reg
}

// start runs b until the test ends.
func start(t testing.TB, b *bus.Bus) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- b.Run(ctx) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("Run: %v", err)
		}
	})
	select {
	case <-b.Running():
	case err := <-done:
		t.Fatalf("Run ended early: %v", err)
	case <-time.After(30 * time.Second):
		t.Fatal("bus not running after 30s")
	}
}

func envelope(n int) events.Envelope[work] {
	return events.NewEnvelope(topicIn, "bustest", uuid.New(), work{BatchID: "b1", N: n})
}

func publish(t *testing.T, b *bus.Bus, db *store.DB, evs ...bus.Outgoing) {
	t.Helper()
	err := store.InTx(context.Background(), db.DB, func(tx *sql.Tx) error {
		return b.Publish(context.Background(), tx, evs...)
	})
	if err != nil {
		t.Fatalf("publish: %v", err)
	}
}

// publishRaw writes arbitrary bytes to topic, as a foreign producer might.
func publishRaw(t *testing.T, db *store.DB, topic, id string, payload []byte) {
	t.Helper()
	schema, _, _ := bus.SQLAdapters(db.Dialect, 0)
	ctx := context.Background()
	err := store.InTx(ctx, db.DB, func(tx *sql.Tx) error {
		qs, _ := schema.SchemaInitializingQueries(wsqlInit(topic))
		for _, q := range qs {
			if _, err := tx.ExecContext(ctx, q.Query, q.Args...); err != nil {
				return err
			}
		}
		q, err := schema.InsertQuery(wsqlInsert(topic, message.NewMessage(id, payload)))
		if err != nil {
			return err
		}
		_, err = tx.ExecContext(ctx, q.Query, q.Args...)
		return err
	})
	if err != nil {
		t.Fatalf("publish raw: %v", err)
	}
}

// eventually polls cond until it holds, failing the test after 30s.
func eventually(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func count(t *testing.T, db *store.DB, query string) int {
	t.Helper()
	return storetest.Count(t, db.DB, query)
}

func topicRows(t *testing.T, db *store.DB, topic string) int {
	t.Helper()
	var n int
	err := db.QueryRow(`SELECT COUNT(*) FROM "watermill_` + topic + `"`).Scan(&n)
	if err != nil {
		return 0 // table not created: nothing published
	}
	return n
}

// applyHandler records the event's n in the applied table.
func applyHandler(ctx context.Context, tx *sql.Tx, ev events.Raw) error {
	var w work
	if err := json.Unmarshal(ev.Data, &w); err != nil {
		return fault.Permanent(err)
	}
	_, err := tx.ExecContext(ctx, "INSERT INTO applied (event_id, n) VALUES ($1, $2)", ev.EventID.String(), w.N)
	return err
}

func TestDuplicatesApplyOnce(t *testing.T) {
	for name, db := range dialects(t) {
		t.Run(name, func(t *testing.T) {
			b, reg := newBus(t, db)
			b.Handle("svc", topicIn, applyHandler)
			start(t, b)
			const n = 20
			for i := range n {
				ev := bus.Event(envelope(i))
				publish(t, b, db, ev, ev) // every event delivered twice
			}
			eventually(t, "all events handled", func() bool {
				return metricSum(reg, "hule_bus_duplicates_total") == n
			})
			// The metrics count before the batch commits: wait for the commit.
			eventually(t, "batch committed", func() bool {
				return metricSum(reg, "hule_bus_consumed_total") == n && count(t, db, "SELECT COUNT(*) FROM applied") >= n
			})
			if got := count(t, db, "SELECT COUNT(*) FROM applied"); got != n {
				t.Errorf("applied rows = %d, want %d", got, n)
			}
			if got := count(t, db, "SELECT COALESCE(SUM(n), 0) FROM applied"); got != n*(n-1)/2 {
				t.Errorf("sum of applied n = %d, want %d", got, n*(n-1)/2)
			}
		})
	}
}

func TestAtomicCompletion(t *testing.T) {
	for name, db := range dialects(t) {
		t.Run(name, func(t *testing.T) {
			b, _ := newBus(t, db)
			// Events with even n complete; odd n publish, then fail for good
			// before the commit.
			b.Handle("svc", topicIn, func(ctx context.Context, tx *sql.Tx, ev events.Raw) error {
				var w work
				if err := json.Unmarshal(ev.Data, &w); err != nil {
					return fault.Permanent(err)
				}
				if err := applyHandler(ctx, tx, ev); err != nil {
					return err
				}
				thin := bus.Event(events.NewEnvelope(topicThin, "svc", ev.CorrelationID, w))
				rich := bus.Event(events.NewEnvelope(topicRich, "svc", ev.CorrelationID, w))
				if w.N%2 == 1 {
					if err := b.PublishFailure(ctx, tx, thin); err != nil {
						return err
					}
					return fault.Permanent(errors.New("after publishing thin"))
				}
				return b.PublishCompletion(ctx, tx, thin, rich)
			})
			start(t, b)
			const n = 10
			for i := range n {
				publish(t, b, db, bus.Event(envelope(i)))
			}
			eventually(t, "odd events dead-lettered", func() bool { return topicRows(t, db, topicIn+".DLQ") == n/2 })
			eventually(t, "even events applied", func() bool { return count(t, db, "SELECT COUNT(*) FROM applied") == n/2 })
			if got := count(t, db, "SELECT COUNT(*) FROM applied WHERE n % 2 = 1"); got != 0 {
				t.Errorf("failed handlers left %d state rows", got)
			}
			if got := topicRows(t, db, topicThin); got != n/2 {
				t.Errorf("thin events = %d, want %d (only completions)", got, n/2)
			}
			if got := topicRows(t, db, topicRich); got != n/2 {
				t.Errorf("rich events = %d, want %d", got, n/2)
			}
		})
	}
}

func TestPoisonAndReplay(t *testing.T) {
	for name, db := range dialects(t) {
		t.Run(name, func(t *testing.T) {
			b, reg := newBus(t, db)
			var broken atomic.Bool
			broken.Store(true)
			var flaky atomic.Int32
			b.Handle("svc", topicIn, func(ctx context.Context, tx *sql.Tx, ev events.Raw) error {
				var w work
				_ = json.Unmarshal(ev.Data, &w)
				if w.N == 100 && broken.Load() {
					return fault.Permanent(errors.New("bug in handler"))
				}
				if w.N == 200 && flaky.Add(1) < 3 {
					return errors.New("database hiccup") // transient, succeeds on attempt 3
				}
				if w.N == 300 {
					return errors.New("always down")
				}
				return applyHandler(ctx, tx, ev)
			})
			start(t, b)

			wrongType := envelope(1)
			wrongType.EventType = "test.other.v1"
			wrongTypeBytes, _ := events.Marshal(wrongType)
			noID, _ := json.Marshal(map[string]any{"event_type": topicIn, "data": map[string]any{}})

			publish(t, b, db, bus.Event(envelope(1)))
			publishRaw(t, db, topicIn, "malformed", []byte("{not json"))
			publish(t, b, db, bus.Event(envelope(2)))
			publishRaw(t, db, topicIn, "wrongtype", wrongTypeBytes)
			publishRaw(t, db, topicIn, "invalid", noID)
			fixable := envelope(100)
			publish(t, b, db, bus.Event(fixable), bus.Event(envelope(200)), bus.Event(envelope(300)), bus.Event(envelope(3)))

			eventually(t, "good events applied", func() bool { return count(t, db, "SELECT COUNT(*) FROM applied") == 4 })
			eventually(t, "poison dead-lettered", func() bool { return topicRows(t, db, topicIn+".DLQ") == 5 })

			dls, err := bus.ListDeadLetters(context.Background(), db, topicIn)
			if err != nil {
				t.Fatal(err)
			}
			got := map[string]string{}
			for _, dl := range dls {
				got[dl.ID] = dl.Reason
				if dl.Handler != "svc/"+topicIn || dl.Topic != topicIn || dl.Time.IsZero() {
					t.Errorf("dead letter %s: handler %q topic %q time %v", dl.ID, dl.Handler, dl.Topic, dl.Time)
				}
			}
			want := map[string]string{
				"malformed":              bus.ReasonUndecodable,
				"wrongtype":              bus.ReasonUnknownType,
				"invalid":                bus.ReasonInvalid,
				fixable.EventID.String(): bus.ReasonPermanent,
				"":                       "",
			}
			delete(want, "")
			for id, reason := range want {
				if got[id] != reason {
					t.Errorf("dead letter %s reason = %q, want %q", id, got[id], reason)
				}
			}
			var exhausted int
			for _, dl := range dls {
				if dl.Reason == bus.ReasonRetriesExhausted {
					exhausted++
					if dl.Attempts != 3 {
						t.Errorf("exhausted attempts = %d, want 3", dl.Attempts)
					}
				}
			}
			if exhausted != 1 {
				t.Errorf("retries_exhausted dead letters = %d, want 1", exhausted)
			}
			if r := metricSum(reg, "hule_bus_retried_total"); r != 4 {
				t.Errorf("retried = %v, want 4 (2 for the flaky event, 2 for the failing one)", r)
			}

			// Fix the handler, replay the dead letter: it is applied.
			broken.Store(false)
			n, err := bus.Replay(context.Background(), db, "", fixable.EventID.String())
			if err != nil || n != 1 {
				t.Fatalf("Replay = %d, %v; want 1, nil", n, err)
			}
			eventually(t, "replayed event applied", func() bool {
				return count(t, db, "SELECT COUNT(*) FROM applied WHERE n = 100") == 1
			})
			if got := topicRows(t, db, topicIn+".DLQ"); got != 4 {
				t.Errorf("dead letters after replay = %d, want 4", got)
			}
		})
	}
}

// metricSum sums every series of a counter family in reg.
func metricSum(reg *prometheus.Registry, name string) float64 {
	mfs, _ := reg.Gather()
	var sum float64
	for _, mf := range mfs {
		if mf.GetName() != name {
			continue
		}
		for _, m := range mf.GetMetric() {
			sum += m.GetCounter().GetValue()
		}
	}
	return sum
}

func TestConfigValidate(t *testing.T) {
	tests := []struct {
		name    string
		cfg     bus.Config
		wantErr bool
	}{
		{"sqlite", bus.DefaultConfig("sqlite"), false},
		{"postgres", bus.DefaultConfig("postgres"), false},
		{"kafka", bus.DefaultConfig("kafka://127.0.0.1:9092,127.0.0.2:9092"), false},
		{"kafka without brokers", bus.DefaultConfig("kafka://"), true},
		{"unknown transport", bus.DefaultConfig("nats"), true},
		{"negative batch", bus.Config{Transport: "sqlite", BatchSize: -1}, true},
		{"backoff inverted", bus.Config{Transport: "sqlite", InitialBackoff: time.Second, MaxBackoff: time.Millisecond}, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.cfg.Validate()
			if (err != nil) != tt.wantErr {
				t.Errorf("Validate() = %v, wantErr %v", err, tt.wantErr)
			}
		})
	}
	if got := bus.DefaultConfig("kafka://a:1, b:2").KafkaBrokers(); fmt.Sprint(got) != "[a:1 b:2]" {
		t.Errorf("KafkaBrokers = %v, want [a:1 b:2]", got)
	}
}
