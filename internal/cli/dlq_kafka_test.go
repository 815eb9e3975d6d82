package cli

import (
	"bytes"
	"context"
	"database/sql"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/ThreeDotsLabs/watermill/message"
	"github.com/twmb/franz-go/pkg/kfake"

	"github.com/hule-dev/hule/internal/bus"
	"github.com/hule-dev/hule/internal/bus/kafka"
	"github.com/hule-dev/hule/internal/events"
	"github.com/hule-dev/hule/internal/store/storetest"
)

// kafkaPoisonBus starts an in-process Kafka cluster, publishes the
// malformed messages "poison-1" and "poison-2" to dlqTestTopic (one
// partition, one key), runs a Kafka bus until it dead-lettered both, stops it and
// returns the bus URL.
func kafkaPoisonBus(t *testing.T) string {
	t.Helper()
	c, err := kfake.NewCluster(kfake.NumBrokers(1), kfake.GroupMinSessionTimeout(100*time.Millisecond))
	if err != nil {
		t.Fatalf("start kfake: %v", err)
	}
	t.Cleanup(c.Close)
	brokers := c.ListenAddrs()
	kcfg := kafka.Config{Brokers: brokers, Partitions: 1, HeartbeatInterval: 100 * time.Millisecond}
	quiet := slog.New(slog.DiscardHandler)
	pub, err := kafka.NewPublisher(kcfg, quiet)
	if err != nil {
		t.Fatal(err)
	}
	defer pub.Close()
	for _, id := range []string{"poison-1", "poison-2"} {
		// One key: the consumer handles them, and dead-letters them, in order.
		msg := message.NewMessage(id, []byte("{oops"))
		msg.Metadata.Set(kafka.PartitionKeyMetadata, "batch-1")
		if err := pub.Publish(dlqTestTopic, msg); err != nil {
			t.Fatalf("publish %s: %v", id, err)
		}
	}
	url := "kafka://" + strings.Join(brokers, ",")
	b, err := bus.New(bus.DefaultConfig(url), bus.Deps{
		DB:             storetest.SQLite(t),
		KafkaPublisher: pub,
		KafkaSubscriber: func(group string) (message.Subscriber, error) {
			c := kcfg
			c.ConsumerGroup = group
			return kafka.NewSubscriber(c, quiet)
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	b.Handle("svc", dlqTestTopic, func(context.Context, *sql.Tx, events.Raw) error { return nil })
	runUntilDeadLettered(t, b, 2, func(ctx context.Context) ([]bus.DeadLetter, error) {
		return kafka.ListDeadLetters(ctx, brokers, dlqTestTopic)
	})
	return url
}

func TestDLQKafka(t *testing.T) {
	url := kafkaPoisonBus(t)
	fromEnv := map[string]string{"HULE_BUS": url}

	tests := []struct {
		name     string
		env      map[string]string
		args     []string
		wantCode int // -1: no error
		want     []string
		dontWant []string
	}{
		{name: "list", args: []string{"list", "--bus", url},
			wantCode: -1, want: []string{"ID", "poison-1", "poison-2", dlqTestTopic, bus.ReasonUndecodable, "svc/" + dlqTestTopic}},
		{name: "list from HULE_BUS", env: fromEnv, args: []string{"list", "--topic", dlqTestTopic},
			wantCode: -1, want: []string{"poison-1", "poison-2"}},
		{name: "list other topic", args: []string{"list", "--bus", url, "--topic", "test.none.v1"},
			wantCode: -1, want: []string{"ID"}, dontWant: []string{"poison"}},
		{name: "not a bus url", args: []string{"list", "--bus", "nats://127.0.0.1:4222"}, wantCode: 2},
		{name: "replay unknown id", args: []string{"replay", "nope", "--bus", url}, wantCode: 1},
		{name: "replay the later one", args: []string{"replay", "poison-2", "--bus", url},
			wantCode: -1, want: []string{"replayed 1", "poison-2 stays listed", kafka.DLQGroup}},
		{name: "both still listed", args: []string{"list", "--bus", url},
			wantCode: -1, want: []string{"poison-1", "poison-2"}},
		{name: "replay the topic", env: fromEnv, args: []string{"replay", "--topic", dlqTestTopic},
			wantCode: -1, want: []string{"replayed 2"}, dontWant: []string{"stays listed"}},
		{name: "list after replay", args: []string{"list", "--bus", url},
			wantCode: -1, want: []string{"ID"}, dontWant: []string{"poison"}},
		{name: "nothing left to replay", args: []string{"replay", "--topic", dlqTestTopic, "--bus", url}, wantCode: 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var out bytes.Buffer
			err := Run(t.Context(), append([]string{"dlq"}, tt.args...), Env{
				Getenv: func(k string) string { return tt.env[k] },
				Stdout: &out, Stderr: &bytes.Buffer{},
			})
			if tt.wantCode == -1 {
				if err != nil {
					t.Fatalf("err = %v, want nil", err)
				}
			} else if got := ExitCode(err); err == nil || got != tt.wantCode {
				t.Fatalf("exit code = %d (err %v), want %d", got, err, tt.wantCode)
			}
			for _, w := range tt.want {
				if !strings.Contains(out.String(), w) {
					t.Errorf("output lacks %q:\n%s", w, out.String())
				}
			}
			for _, w := range tt.dontWant {
				if strings.Contains(out.String(), w) {
					t.Errorf("output has %q:\n%s", w, out.String())
				}
			}
		})
	}
}
