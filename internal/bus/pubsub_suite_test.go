package bus_test

import (
	"flag"
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
	return pub, sub
}

func runSuite(t *testing.T, db *store.DB, features tests.Features) {
	features.ForceShort = !*fullSuite
	tests.TestPubSub(t, features,
		func(t *testing.T) (message.Publisher, message.Subscriber) { return sqlPubSub(t, db, "test") },
		func(t *testing.T, group string) (message.Publisher, message.Subscriber) {
			return sqlPubSub(t, db, group)
		},
	)
}

// TestSQLiteTopicsUniversal: offsets and handler effects commit in the
// subscriber's transaction, one writer at a time, so delivery to a consumer
// group is ordered and, once acked and committed, never repeated.
func TestSQLiteTopicsUniversal(t *testing.T) {
	runSuite(t, storetest.SQLite(t), tests.Features{
		ConsumerGroups:                   true,
		ExactlyOnceDelivery:              true,
		GuaranteedOrder:                  true,
		Persistent:                       true,
		NewSubscriberReceivesOldMessages: true,
	})
}

// TestPostgresTopicsUniversal runs the shipped PostgreSQL adapters with the
// features watermill-sql declares for them.
func TestPostgresTopicsUniversal(t *testing.T) {
	db, _ := storetest.Postgres(t)
	runSuite(t, db, tests.Features{
		ConsumerGroups:      true,
		ExactlyOnceDelivery: true,
		GuaranteedOrder:     true,
		Persistent:          true,
	})
}
