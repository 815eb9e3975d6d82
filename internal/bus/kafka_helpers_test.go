package bus_test

import (
	"log/slog"
	"testing"
	"time"

	"github.com/ThreeDotsLabs/watermill/message"
	"github.com/twmb/franz-go/pkg/kfake"

	"github.com/hule-dev/hule/internal/bus"
	"github.com/hule-dev/hule/internal/bus/kafka"
	"github.com/hule-dev/hule/internal/store"
)

// fakeKafka starts an in-memory Kafka cluster (kfake) of one broker for the
// test and returns its client config, with partitions partitions per topic,
// and a publisher to it. Both end with the test. The short session and
// heartbeat let consumer groups settle in a fraction of a second.
func fakeKafka(tb testing.TB, partitions int32) (kafka.Config, message.Publisher) {
	tb.Helper()
	c, err := kfake.NewCluster(kfake.NumBrokers(1), kfake.GroupMinSessionTimeout(100*time.Millisecond))
	if err != nil {
		tb.Fatalf("start kfake: %v", err)
	}
	tb.Cleanup(c.Close)
	cfg := kafka.Config{Brokers: c.ListenAddrs(), Partitions: partitions, HeartbeatInterval: 100 * time.Millisecond}
	pub, err := kafka.NewPublisher(cfg, slog.New(slog.DiscardHandler))
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { _ = pub.Close() })
	return cfg, pub
}

// kafkaDeps are the dependencies of a bus on the Kafka of cfg with database
// db: its outbox relay publishes through pub, and each consumer group gets
// a subscriber of its own.
func kafkaDeps(db *store.DB, cfg kafka.Config, pub message.Publisher) bus.Deps {
	return bus.Deps{
		DB:             db,
		KafkaPublisher: pub,
		KafkaSubscriber: func(group string) (message.Subscriber, error) {
			c := cfg
			c.ConsumerGroup = group
			return kafka.NewSubscriber(c, slog.New(slog.DiscardHandler))
		},
	}
}
