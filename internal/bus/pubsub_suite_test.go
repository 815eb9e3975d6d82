package bus_test

import (
	"context"
	"database/sql"
	"flag"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ThreeDotsLabs/watermill"
	wsql "github.com/ThreeDotsLabs/watermill-sql/v4/pkg/sql"
	"github.com/ThreeDotsLabs/watermill/message"
	"github.com/ThreeDotsLabs/watermill/pubsub/tests"

	"github.com/hule-dev/hule/internal/bus"
	"github.com/hule-dev/hule/internal/store"
	"github.com/hule-dev/hule/internal/store/storetest"
)

// fullSuite runs Watermill's universal pub/sub tests with their full message
// counts; by default they run with the reduced counts (ForceShort).
var fullSuite = flag.Bool("full-suite", false, "run the universal pub/sub suite with full message counts")

func sqlPubSub(t *testing.T, db *store.DB, group string) (message.Publisher, message.Subscriber) {
	t.Helper()
	schema, offsets, err := bus.SQLAdapters(db.Dialect, 0)
	if err != nil {
		t.Fatal(err)
	}
	logger := watermill.NopLogger{}
	pub, err := wsql.NewPublisher(wsql.BeginnerFromStdSQL(db.DB), wsql.PublisherConfig{
		SchemaAdapter:        schema,
		AutoInitializeSchema: true,
	}, logger)
	if err != nil {
		t.Fatal(err)
	}
	sub, err := wsql.NewSubscriber(wsql.BeginnerFromStdSQL(db.DB), wsql.SubscriberConfig{
		ConsumerGroup:    group,
		PollInterval:     5 * time.Millisecond,
		ResendInterval:   5 * time.Millisecond,
		SchemaAdapter:    schema,
		OffsetsAdapter:   offsets,
		InitializeSchema: true,
	}, logger)
	if err != nil {
		t.Fatal(err)
	}
	return pub, newClosingSubscriber(sub)
}

// runSuite runs the suite with pub/subs on the database that dbFor returns
// for the calling test (the suite passes each test's own *testing.T).
func runSuite(t *testing.T, dbFor func(t *testing.T) *store.DB, features tests.Features) {
	features.ForceShort = !*fullSuite
	tests.TestPubSub(t, features,
		func(t *testing.T) (message.Publisher, message.Subscriber) { return sqlPubSub(t, dbFor(t), "test") },
		func(t *testing.T, group string) (message.Publisher, message.Subscriber) {
			return sqlPubSub(t, dbFor(t), group)
		},
	)
}

// TestSQLiteTopicsUniversal runs the suite against SQLiteSchema and
// SQLiteOffsets on a pool of several connections with deferred
// transactions: the suite keeps delivered messages unacknowledged while it
// subscribes further topics and publishes, which on the store's single
// connection (or with BEGIN IMMEDIATE) would wait behind the held
// transaction until the ack deadline. A bus router always drains its
// subscriptions, so it does not depend on that.
//
// Features, stated for this configuration: consumer groups, order and
// persistence hold; exactly-once delivery does not, because a subscriber
// whose read snapshot went stale while its consumer held a message fails
// to commit the ack (SQLITE_BUSY_SNAPSHOT) and redelivers. On the store's
// single connection there is no concurrent writer, and with the bus the
// handler's effect is exactly-once anyway: it commits in the same
// transaction as the offset and the idempotency record.
func TestSQLiteTopicsUniversal(t *testing.T) {
	var (
		mu  sync.Mutex
		dbs = map[string]*store.DB{}
	)
	dbFor := func(t *testing.T) *store.DB {
		mu.Lock()
		defer mu.Unlock()
		if db, ok := dbs[t.Name()]; ok {
			return db
		}
		path := filepath.Join(t.TempDir(), store.SQLiteFile)
		sqlDB, err := sql.Open("sqlite", store.SQLiteDSN(path, "deferred"))
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { _ = sqlDB.Close() })
		db := &store.DB{DB: sqlDB, Dialect: store.SQLite}
		dbs[t.Name()] = db
		return db
	}
	runSuite(t, dbFor, tests.Features{
		ConsumerGroups:      true,
		ExactlyOnceDelivery: false,
		GuaranteedOrder:     true,
		Persistent:          true,
	})
}

// TestPostgresTopicsUniversal runs the shipped PostgreSQL adapters with the
// features watermill-sql declares for them.
func TestPostgresTopicsUniversal(t *testing.T) {
	db, _ := storetest.Postgres(t)
	runSuite(t, func(*testing.T) *store.DB { return db }, tests.Features{
		ConsumerGroups:      true,
		ExactlyOnceDelivery: true,
		GuaranteedOrder:     true,
		Persistent:          true,
	})
}

// closingSubscriber makes Close return only after every channel its
// Subscribe calls returned is closed. watermill-sql closes them a moment
// after its own Close returns, and the suite checks for closed channels at
// once, which made the check flaky; this waits for what the suite asserts
// instead of racing it.
type closingSubscriber struct {
	message.Subscriber
	closing chan struct{}
	once    sync.Once
	wg      sync.WaitGroup
}

func newClosingSubscriber(s message.Subscriber) *closingSubscriber {
	return &closingSubscriber{Subscriber: s, closing: make(chan struct{})}
}

// Subscribe subscribes, retrying while SQLite reports the database locked:
// the suite subscribes ten pools to one topic at once, and each initializes
// the schema in a deferred transaction, whose upgrade to a write lock fails
// at once, without the busy timeout, when another connection writes (SQLite
// does not wait there, to avoid deadlock). The bus never meets this: its
// SQLite pool is one connection with BEGIN IMMEDIATE.
func (c *closingSubscriber) Subscribe(ctx context.Context, topic string) (<-chan *message.Message, error) {
	in, err := c.Subscriber.Subscribe(ctx, topic)
	for try := 1; err != nil && strings.Contains(err.Error(), "SQLITE_BUSY") && try < 20; try++ {
		time.Sleep(time.Duration(try) * 5 * time.Millisecond)
		in, err = c.Subscriber.Subscribe(ctx, topic)
	}
	if err != nil {
		return nil, err
	}
	out := make(chan *message.Message)
	c.wg.Add(1)
	go func() {
		defer c.wg.Done()
		defer close(out)
		for msg := range in {
			select {
			case out <- msg:
			case <-c.closing:
				msg.Nack() // closed while nobody read it: it comes again
			}
		}
	}()
	return out, nil
}

func (c *closingSubscriber) Close() error {
	c.once.Do(func() { close(c.closing) })
	err := c.Subscriber.Close()
	done := make(chan struct{})
	go func() { c.wg.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(10 * time.Second):
	}
	return err
}
