package bus_test

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/ThreeDotsLabs/watermill"
	wsql "github.com/ThreeDotsLabs/watermill-sql/v4/pkg/sql"
	"github.com/ThreeDotsLabs/watermill/message"

	"github.com/hule-dev/hule/internal/bus"
	"github.com/hule-dev/hule/internal/bus/kafka"
	"github.com/hule-dev/hule/internal/events"
	"github.com/hule-dev/hule/internal/store"
	"github.com/hule-dev/hule/internal/store/storetest"
)

// crashingPublisher passes the first allow messages to target, then hangs
// like a process that died mid-publish, until killed.
type crashingPublisher struct {
	target message.Publisher
	allow  int32
	sent   atomic.Int32
	hung   chan struct{}
	killed chan struct{}
}

func (p *crashingPublisher) Publish(topic string, msgs ...*message.Message) error {
	for _, m := range msgs {
		if p.sent.Add(1) > p.allow {
			select {
			case p.hung <- struct{}{}:
			default:
			}
			<-p.killed
			return errors.New("process killed")
		}
		if err := p.target.Publish(topic, m); err != nil {
			return err
		}
	}
	return nil
}

func (p *crashingPublisher) Close() error { return nil }

// relayTarget is where the relay delivers and how a consumer bus reads it.
type relayTarget struct {
	publisher message.Publisher
	consumer  func(t *testing.T, db *store.DB) *bus.Bus
}

func sqlTarget(t *testing.T, consumerDB *store.DB) relayTarget {
	schema, _, _ := bus.SQLAdapters(consumerDB.Dialect, 0)
	pub, err := wsql.NewPublisher(wsql.BeginnerFromStdSQL(consumerDB.DB),
		wsql.PublisherConfig{SchemaAdapter: schema, AutoInitializeSchema: true}, watermill.NopLogger{})
	if err != nil {
		t.Fatal(err)
	}
	return relayTarget{publisher: pub, consumer: func(t *testing.T, db *store.DB) *bus.Bus {
		b, _ := newBus(t, db)
		return b
	}}
}

func kafkaTarget(t *testing.T) relayTarget {
	cfg, pub := fakeKafka(t, 3)
	return relayTarget{publisher: pub, consumer: func(t *testing.T, db *store.DB) *bus.Bus {
		return kafkaBus(t, db, cfg, pub)
	}}
}

func kafkaBus(t *testing.T, db *store.DB, cfg kafka.Config, pub message.Publisher) *bus.Bus {
	t.Helper()
	bcfg := bus.DefaultConfig("kafka://" + cfg.Brokers[0])
	bcfg.InitialBackoff, bcfg.MaxBackoff = time.Millisecond, 5*time.Millisecond
	b, err := bus.New(bcfg, kafkaDeps(db, cfg, pub))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// TestRelayCrashSafety commits events to the outbox, kills the relay while
// it publishes, restarts it, and checks that the consumer applied every
// event exactly once with the producer's event ids.
func TestRelayCrashSafety(t *testing.T) {
	targets := map[string]func(t *testing.T, consumerDB *store.DB) relayTarget{
		"sql topics": sqlTarget,
		"kafka":      func(t *testing.T, _ *store.DB) relayTarget { return kafkaTarget(t) },
	}
	for name, mk := range targets {
		t.Run(name, func(t *testing.T) {
			ctx := context.Background()
			producerDB := storetest.SQLite(t)
			consumerDB := storetest.SQLite(t, appMigrations)
			target := mk(t, consumerDB)

			// The producer writes to its outbox (Kafka mode); its bus is not
			// run, so nothing is relayed yet.
			producer := kafkaBus(t, producerDB, kafka.Config{Brokers: []string{"127.0.0.1:1"}}, target.publisher)
			if err := producer.Declare(ctx); err != nil {
				t.Fatal(err)
			}
			const n = 30
			want := map[string]bool{}
			err := store.InTx(ctx, producerDB.DB, func(tx *sql.Tx) error {
				for i := range n {
					ev := bus.Event(envelope(i))
					want[ev.EventID().String()] = true
					if err := producer.Publish(ctx, tx, ev); err != nil {
						return err
					}
				}
				return nil
			})
			if err != nil {
				t.Fatal(err)
			}

			// First relay: publishes 10, hangs on the 11th, is killed.
			crash := &crashingPublisher{target: target.publisher, allow: 10, hung: make(chan struct{}, 1), killed: make(chan struct{})}
			relay1, err := bus.NewRelay(producerDB, crash, nil)
			if err != nil {
				t.Fatal(err)
			}
			rctx, kill := context.WithCancel(ctx)
			done := make(chan error, 1)
			go func() { done <- relay1.Run(rctx) }()
			select {
			case <-crash.hung:
			case <-time.After(30 * time.Second):
				t.Fatal("relay never reached the crash point")
			}
			kill()
			close(crash.killed)
			if err := <-done; err != nil && !errors.Is(err, context.Canceled) {
				t.Fatalf("killed relay: %v", err)
			}

			// Restarted relay delivers the rest (and may re-send some).
			relay2, err := bus.NewRelay(producerDB, target.publisher, nil)
			if err != nil {
				t.Fatal(err)
			}
			r2ctx, stop := context.WithCancel(ctx)
			done2 := make(chan error, 1)
			go func() { done2 <- relay2.Run(r2ctx) }()
			t.Cleanup(func() {
				stop()
				if err := <-done2; err != nil && !errors.Is(err, context.Canceled) {
					t.Errorf("relay: %v", err)
				}
			})

			consumer := target.consumer(t, consumerDB)
			consumer.Handle("svc", topicIn, applyHandler)
			start(t, consumer)
			eventually(t, "every event applied", func() bool { return count(t, consumerDB, "SELECT COUNT(*) FROM applied") == n })

			rows, err := consumerDB.Query("SELECT event_id FROM applied")
			if err != nil {
				t.Fatal(err)
			}
			defer rows.Close()
			for rows.Next() {
				var id string
				if err := rows.Scan(&id); err != nil {
					t.Fatal(err)
				}
				if !want[id] {
					t.Errorf("applied event %s was never published (event id not kept)", id)
				}
			}
			if err := rows.Err(); err != nil {
				t.Fatal(err)
			}
			if got := topicRows(t, consumerDB, topicIn+".DLQ"); got != 0 {
				t.Errorf("dead letters = %d, want 0", got)
			}
		})
	}
}

// recordingPublisher keeps the payload of every message published to it.
type recordingPublisher struct {
	mu   sync.Mutex
	msgs []string
}

func (p *recordingPublisher) Publish(_ string, msgs ...*message.Message) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	for _, m := range msgs {
		p.msgs = append(p.msgs, m.UUID)
	}
	return nil
}

func (p *recordingPublisher) Close() error { return nil }

func (p *recordingPublisher) sent() []string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return slices.Clone(p.msgs)
}

// warnCounter counts log records at warning level or above.
type warnCounter struct{ n atomic.Int32 }

func (w *warnCounter) Enabled(_ context.Context, l slog.Level) bool { return l >= slog.LevelWarn }
func (w *warnCounter) Handle(context.Context, slog.Record) error    { w.n.Add(1); return nil }
func (w *warnCounter) WithAttrs([]slog.Attr) slog.Handler           { return w }
func (w *warnCounter) WithGroup(string) slog.Handler                { return w }

// TestRelaysTakeTurns runs three relays over one PostgreSQL outbox, as
// three processes of a distributed deployment do, while a producer keeps
// committing events: every event is relayed once, in commit order, and no
// relay round fails (relays working side by side collide on the offset
// row with serialization failures).
func TestRelaysTakeTurns(t *testing.T) {
	ctx := context.Background()
	db, _ := storetest.Postgres(t)
	producer := kafkaBus(t, db, kafka.Config{Brokers: []string{"127.0.0.1:1"}}, &recordingPublisher{})
	if err := producer.Declare(ctx); err != nil {
		t.Fatal(err)
	}
	target := &recordingPublisher{}
	warns := &warnCounter{}
	rctx, stop := context.WithCancel(ctx)
	var wg sync.WaitGroup
	for range 3 {
		r, err := bus.NewRelay(db, target, slog.New(warns))
		if err != nil {
			t.Fatal(err)
		}
		wg.Go(func() {
			if err := r.Run(rctx); err != nil {
				t.Errorf("relay: %v", err)
			}
		})
	}
	defer func() { stop(); wg.Wait() }()

	var want []string
	for i := range 20 {
		err := store.InTx(ctx, db.DB, func(tx *sql.Tx) error {
			for j := range 10 {
				ev := bus.Event(envelope(i*10 + j))
				want = append(want, ev.EventID().String())
				if err := producer.Publish(ctx, tx, ev); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		time.Sleep(5 * time.Millisecond) // let the relays work between commits
	}
	eventually(t, "every event relayed", func() bool { return len(target.sent()) >= len(want) })
	stop()
	wg.Wait()

	got := target.sent()
	if !slices.Equal(got, want) {
		t.Errorf("relayed %d messages, want the %d events once each in commit order", len(got), len(want))
	}
	if n := warns.n.Load(); n != 0 {
		t.Errorf("%d relay warnings (failed rounds), want none", n)
	}
}

// TestKafkaHandlersLeaveConnectionsFree handles, on Kafka, events of many
// keys at once with handlers that use a second connection beside their
// transaction (as services read the content store), on a pool of six
// connections: every event is applied. Without a bound on the open
// handler transactions, every connection would be held by a transaction
// waiting for another connection, and nothing would move.
func TestKafkaHandlersLeaveConnectionsFree(t *testing.T) {
	db, _ := storetest.Postgres(t, appMigrations)
	db.SetMaxOpenConns(6)
	target := kafkaTarget(t)
	b := target.consumer(t, db)
	b.Handle("svc", topicIn, func(ctx context.Context, tx *sql.Tx, ev events.Raw) error {
		var one int
		if err := db.QueryRowContext(ctx, "SELECT 1").Scan(&one); err != nil {
			return err
		}
		return applyHandler(ctx, tx, ev)
	})
	start(t, b)
	const n = 40
	evs := make([]bus.Outgoing, n)
	for i := range n {
		evs[i] = bus.Event(envelope(i)).WithKey(fmt.Sprintf("key-%d", i))
	}
	publish(t, b, db, evs...)
	eventually(t, "every event applied", func() bool { return count(t, db, "SELECT COUNT(*) FROM applied") == n })
}
