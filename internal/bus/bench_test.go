package bus_test

import (
	"context"
	"database/sql"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/hule-dev/hule/internal/bus"
	"github.com/hule-dev/hule/internal/events"
	"github.com/hule-dev/hule/internal/store"
	"github.com/hule-dev/hule/internal/store/storetest"
)

type benchData struct {
	BatchID string `json:"batch_id"`
	N       int    `json:"n"`
	Text    string `json:"text"`
}

// BenchmarkEndToEnd publishes b.N envelopes of about 1 KB (in transactions
// of 100) while the same bus consumes them; the handler records a row and
// publishes one event (single) or a thin+rich pair (dual) in its
// transaction. It reports handled events/s and the p50/p99 latency from
// the event's timestamp to the start of its handler.
//
//	go test -run '^$' -bench EndToEnd -benchtime 5000x ./internal/bus/
func BenchmarkEndToEnd(b *testing.B) {
	for _, transport := range []string{"sqlite", "postgres", "kafka"} {
		for _, mode := range []string{"single", "dual"} {
			b.Run(transport+"/"+mode, func(b *testing.B) { benchEndToEnd(b, transport, mode == "dual") })
		}
	}
}

func benchBus(b *testing.B, transport string) (*bus.Bus, *store.DB) {
	switch transport {
	case "sqlite", "postgres":
		var db *store.DB
		if transport == "sqlite" {
			db = storetest.SQLite(b, appMigrations)
		} else {
			db, _ = storetest.Postgres(b, appMigrations)
		}
		cfg := bus.DefaultConfig(transport)
		cfg.PollInterval = 5 * time.Millisecond
		bb, err := bus.New(cfg, bus.Deps{DB: db})
		if err != nil {
			b.Fatal(err)
		}
		return bb, db
	default:
		kcfg, pub := fakeKafka(b, 6)
		db, _ := storetest.Postgres(b, appMigrations)
		bb, err := bus.New(bus.DefaultConfig("kafka://"+kcfg.Brokers[0]), kafkaDeps(db, kcfg, pub))
		if err != nil {
			b.Fatal(err)
		}
		return bb, db
	}
}

func benchEndToEnd(b *testing.B, transport string, dual bool) {
	if transport != "sqlite" {
		storetest.PostgresURL(b)
	}
	bb, db := benchBus(b, transport)
	ctx := context.Background()
	if err := bb.Declare(ctx, topicIn, topicThin, topicRich); err != nil {
		b.Fatal(err)
	}
	var (
		handled atomic.Int64
		mu      sync.Mutex
		lats    = make([]time.Duration, 0, b.N)
		done    = make(chan struct{})
		n       = int64(b.N)
	)
	bb.Handle("svc", topicIn, func(ctx context.Context, tx *sql.Tx, ev events.Raw) error {
		lat := time.Since(ev.EventTimestamp.Time)
		if _, err := tx.ExecContext(ctx, "INSERT INTO applied (event_id, n) VALUES ($1, $2)", ev.EventID.String(), 1); err != nil {
			return err
		}
		thin := bus.Event(events.NewEnvelope(topicThin, "svc", ev.CorrelationID, work{BatchID: "b1"}))
		var err error
		if dual {
			rich := bus.Event(events.NewEnvelope(topicRich, "svc", ev.CorrelationID, benchData{BatchID: "b1", Text: "r"}))
			err = bb.PublishCompletion(ctx, tx, thin, rich)
		} else {
			err = bb.Publish(ctx, tx, thin)
		}
		if err != nil {
			return err
		}
		mu.Lock()
		lats = append(lats, lat)
		mu.Unlock()
		if handled.Add(1) == n {
			close(done)
		}
		return nil
	})
	start(b, bb)

	text := strings.Repeat("x", 950) // envelope ~1 KB
	// 64 batches in flight: the Kafka key (batch id) orders events of one
	// batch, so one batch alone would be handled strictly one at a time.
	batchIDs := make([]string, 64)
	for i := range batchIDs {
		batchIDs[i] = uuid.NewString()
	}
	b.ResetTimer()
	began, cpuBegan := time.Now(), cpuTime()
	go func() {
		for i := 0; i < b.N; i += 100 {
			err := store.InTx(ctx, db.DB, func(tx *sql.Tx) error {
				evs := make([]bus.Outgoing, 0, 100)
				for j := i; j < min(i+100, b.N); j++ {
					evs = append(evs, bus.Event(events.NewEnvelope(topicIn, "bench", uuid.New(), benchData{BatchID: batchIDs[j%len(batchIDs)], N: j, Text: text})))
				}
				return bb.Publish(ctx, tx, evs...)
			})
			if err != nil {
				b.Error(err)
				return
			}
		}
	}()
	select {
	case <-done:
	case <-time.After(5 * time.Minute):
		b.Fatalf("handled %d of %d", handled.Load(), b.N)
	}
	elapsed, cpu := time.Since(began), cpuTime()-cpuBegan
	b.StopTimer()
	mu.Lock()
	defer mu.Unlock()
	slices.Sort(lats)
	b.ReportMetric(float64(b.N)/elapsed.Seconds(), "events/s")
	b.ReportMetric(float64(lats[len(lats)/2].Microseconds())/1000, "p50_ms")
	b.ReportMetric(float64(lats[len(lats)*99/100].Microseconds())/1000, "p99_ms")
	// CPU of this process (bus, SQLite, kfake; not the PostgreSQL server)
	// per event: the figure that does not depend on how busy the machine is.
	b.ReportMetric(float64(cpu.Microseconds())/float64(b.N), "cpu_us/event")
}

// cpuTime is the user+system CPU time this process used so far.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
