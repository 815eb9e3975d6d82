package kafka_test

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"maps"
	"math/rand/v2"
	"os"
	"os/exec"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ThreeDotsLabs/watermill"
	"github.com/ThreeDotsLabs/watermill/message"
	"github.com/ThreeDotsLabs/watermill/pubsub/tests"
	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kfake"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/hule-dev/hule/internal/bus/kafka"
)

// waitFor is the deadline for a message that must arrive; it only turns a
// hang into a failure and is not a performance assertion.
const waitFor = 20 * time.Second

func testLogger() *slog.Logger {
	if os.Getenv("HULE_TEST_KAFKA_LOG") != "" {
		return slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelDebug}))
	}
	return slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelError}))
}

// newCluster starts an in-process kfake broker for one test.
func newCluster(t testing.TB) []string {
	t.Helper()
	c, err := kfake.NewCluster(
		kfake.NumBrokers(1),
		kfake.GroupMinSessionTimeout(100*time.Millisecond),
	)
	if err != nil {
		t.Fatalf("start kfake: %v", err)
	}
	t.Cleanup(c.Close)
	return c.ListenAddrs()
}

func testConfig(brokers []string, group string, partitions int32) kafka.Config {
	return kafka.Config{
		Brokers:           brokers,
		ClientID:          "hule-test",
		ConsumerGroup:     group,
		Partitions:        partitions,
		MaxInFlight:       64,
		NackResendDelay:   10 * time.Millisecond,
		RevokeTimeout:     2 * time.Second,
		SessionTimeout:    10 * time.Second, // members leave explicitly; long enough for a loaded CI box
		HeartbeatInterval: 100 * time.Millisecond,
	}
}

func newPubSub(t testing.TB, cfg kafka.Config) (*kafka.Publisher, *kafka.Subscriber) {
	t.Helper()
	pub, err := kafka.NewPublisher(cfg, testLogger())
	if err != nil {
		t.Fatalf("new publisher: %v", err)
	}
	sub, err := kafka.NewSubscriber(cfg, testLogger())
	if err != nil {
		t.Fatalf("new subscriber: %v", err)
	}
	t.Cleanup(func() {
		_ = pub.Close()
		_ = sub.Close()
	})
	return pub, sub
}

// TestPubSub runs Watermill's universal suite. Declared features:
//   - ConsumerGroups: a Subscriber belongs to Config.ConsumerGroup.
//   - Persistent: records stay in the log; a reopened member continues from
//     the group's committed offset.
//   - ExactlyOnceDelivery false: delivery is at least once (acknowledged
//     records beyond an unacknowledged one are redelivered after a crash).
//   - GuaranteedOrder false: order holds per partition key only; records of
//     different keys are handed out concurrently by design, which the suite's
//     TestNoAck and TestPublishSubscribeInOrder (keyless messages) would flag.
//     Per-key order is tested in TestPerKeyOrder instead.
//   - NewSubscriberReceivesOldMessages false: a new member of an existing
//     group starts at the group's offsets; a new group does read old records
//     (TestConsumerGroups covers it).
func TestPubSub(t *testing.T) {
	brokers := newCluster(t)
	features := tests.Features{
		ConsumerGroups:      true,
		ExactlyOnceDelivery: false,
		GuaranteedOrder:     false,
		Persistent:          true,
	}
	consumerGroupConstructor := func(t *testing.T, group string) (message.Publisher, message.Subscriber) {
		cfg := testConfig(brokers, group, 4)
		pub, err := kafka.NewPublisher(cfg, testLogger())
		if err != nil {
			t.Fatalf("new publisher: %v", err)
		}
		sub, err := kafka.NewSubscriber(cfg, testLogger())
		if err != nil {
			t.Fatalf("new subscriber: %v", err)
		}
		return pub, sub
	}
	// One group per suite test: members of a test share it (the suite
	// reopens subscribers and expects them to continue), tests do not.
	constructor := func(t *testing.T) (message.Publisher, message.Subscriber) {
		return consumerGroupConstructor(t, groupName(t))
	}
	tests.TestPubSub(t, features, constructor, consumerGroupConstructor)
}

func groupName(t *testing.T) string {
	return "g-" + strings.NewReplacer("/", "-", " ", "-").Replace(t.Name())
}

// receive returns the next message or fails the test after waitFor.
func receive(t *testing.T, msgs <-chan *message.Message) *message.Message {
	t.Helper()
	select {
	case m, ok := <-msgs:
		if !ok {
			t.Fatal("message channel closed")
		}
		return m
	case <-time.After(waitFor):
		t.Fatal("no message")
		return nil
	}
}

func keyed(key, body string) *message.Message {
	m := message.NewMessage(watermill.NewUUID(), []byte(body))
	m.Metadata.Set(kafka.PartitionKeyMetadata, key)
	return m
}

func TestHeadersRoundTrip(t *testing.T) {
	brokers := newCluster(t)
	cases := []struct {
		name    string
		meta    map[string]string
		wantKey string // empty: the message UUID
	}{
		{name: "no metadata", meta: nil},
		{name: "partition key and trace context", meta: map[string]string{
			kafka.PartitionKeyMetadata: "batch-17",
			"traceparent":              "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",
			"correlation_id":           "c-1",
			"empty":                    "",
		}, wantKey: "batch-17"},
	}
	for i, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			topic := fmt.Sprintf("headers-%d", i)
			pub, sub := newPubSub(t, testConfig(brokers, "headers", 2))
			sent := message.NewMessage(watermill.NewUUID(), []byte(`{"n":1}`))
			for k, v := range tc.meta {
				sent.Metadata.Set(k, v)
			}
			if err := pub.Publish(topic, sent); err != nil {
				t.Fatalf("publish: %v", err)
			}
			msgs, err := sub.Subscribe(t.Context(), topic)
			if err != nil {
				t.Fatalf("subscribe: %v", err)
			}
			got := receive(t, msgs)
			got.Ack()
			if got.UUID != sent.UUID {
				t.Errorf("uuid: got %q, want %q", got.UUID, sent.UUID)
			}
			if string(got.Payload) != string(sent.Payload) {
				t.Errorf("payload: got %q, want %q", got.Payload, sent.Payload)
			}
			if !maps.Equal(got.Metadata, sent.Metadata) {
				t.Errorf("metadata: got %v, want %v", got.Metadata, sent.Metadata)
			}

			// The raw record: key and headers as other Kafka clients see them.
			raw := consumeOne(t, brokers, topic)
			wantKey := tc.wantKey
			if wantKey == "" {
				wantKey = sent.UUID
			}
			if string(raw.Key) != wantKey {
				t.Errorf("record key: got %q, want %q", raw.Key, wantKey)
			}
			headers := map[string]string{}
			for _, h := range raw.Headers {
				headers[h.Key] = string(h.Value)
			}
			if headers[kafka.UUIDHeader] != sent.UUID {
				t.Errorf("uuid header: got %q, want %q", headers[kafka.UUIDHeader], sent.UUID)
			}
			if len(headers) != len(tc.meta)+1 {
				t.Errorf("headers: got %v, want metadata plus uuid", headers)
			}
		})
	}
}

// consumeOne reads the first record of topic with a plain franz-go client.
func consumeOne(t *testing.T, brokers []string, topic string) *kgo.Record {
	t.Helper()
	cl, err := kgo.NewClient(kgo.SeedBrokers(brokers...), kgo.ConsumeTopics(topic),
		kgo.ConsumeResetOffset(kgo.NewOffset().AtStart()))
	if err != nil {
		t.Fatalf("new client: %v", err)
	}
	defer cl.Close()
	ctx, cancel := context.WithTimeout(t.Context(), waitFor)
	defer cancel()
	for {
		fs := cl.PollRecords(ctx, 1)
		if err := ctx.Err(); err != nil {
			t.Fatalf("poll %s: %v", topic, err)
		}
		if recs := fs.Records(); len(recs) > 0 {
			return recs[0]
		}
	}
}

// TestPerKeyOrder hands messages of several keys in one partition to
// handlers that acknowledge in random order; each key must still arrive in
// publish order, and keys must overlap in flight.
func TestPerKeyOrder(t *testing.T) {
	brokers := newCluster(t)
	cfg := testConfig(brokers, "order", 1) // one partition: keys share it
	pub, sub := newPubSub(t, cfg)
	const keys, perKey = 4, 40
	var batch []*message.Message
	for i := range perKey {
		for k := range keys {
			batch = append(batch, keyed(fmt.Sprintf("k%d", k), fmt.Sprintf("k%d/%03d", k, i)))
		}
	}
	if err := pub.Publish("order", batch...); err != nil {
		t.Fatalf("publish: %v", err)
	}
	msgs, err := sub.Subscribe(t.Context(), "order")
	if err != nil {
		t.Fatalf("subscribe: %v", err)
	}

	var (
		mu  sync.Mutex
		got = map[string][]string{}
		wg  sync.WaitGroup
	)
	record := func(m *message.Message) {
		key := m.Metadata.Get(kafka.PartitionKeyMetadata)
		mu.Lock()
		got[key] = append(got[key], string(m.Payload))
		mu.Unlock()
	}
	// Every key's head can be in flight at once: hold them all unacknowledged.
	heads := map[string]*message.Message{}
	for range keys {
		m := receive(t, msgs)
		record(m)
		heads[m.Metadata.Get(kafka.PartitionKeyMetadata)] = m
	}
	if len(heads) != keys {
		t.Fatalf("first %d deliveries cover %d keys, want %d (one head per key)", keys, len(heads), keys)
	}
	for _, m := range heads {
		m.Ack()
	}
	for range keys*perKey - keys {
		m := receive(t, msgs)
		record(m)
		wg.Add(1)
		go func() {
			defer wg.Done()
			time.Sleep(time.Duration(rand.IntN(300)) * time.Microsecond)
			m.Ack()
		}()
	}
	wg.Wait()
	for k := range keys {
		key := fmt.Sprintf("k%d", k)
		if len(got[key]) != perKey {
			t.Errorf("key %s: got %d messages, want %d", key, len(got[key]), perKey)
		}
		if !slices.IsSorted(got[key]) {
			t.Errorf("key %s: out of order: %v", key, got[key])
		}
	}
}

// TestSlowKeyDoesNotBlockOtherKeys holds one message of key A unacknowledged
// and expects every message of key B behind it in the same partition to be
// handed out; A's next message comes only after A's first is acknowledged.
func TestSlowKeyDoesNotBlockOtherKeys(t *testing.T) {
	brokers := newCluster(t)
	pub, sub := newPubSub(t, testConfig(brokers, "slow", 1))
	batch := []*message.Message{keyed("A", "A1")}
	for i := range 5 {
		batch = append(batch, keyed("B", fmt.Sprintf("B%d", i)))
	}
	batch = append(batch, keyed("A", "A2"))
	if err := pub.Publish("slow", batch...); err != nil {
		t.Fatalf("publish: %v", err)
	}
	msgs, err := sub.Subscribe(t.Context(), "slow")
	if err != nil {
		t.Fatalf("subscribe: %v", err)
	}
	var held *message.Message
	var order []string
	for len(order) < 6 {
		m := receive(t, msgs)
		order = append(order, string(m.Payload))
		if string(m.Payload) == "A1" {
			held = m
			continue
		}
		if string(m.Payload) == "A2" {
			t.Fatalf("A2 handed out while A1 unacknowledged; order %v", order)
		}
		m.Ack()
	}
	if held == nil {
		t.Fatalf("A1 not received; order %v", order)
	}
	held.Ack()
	last := receive(t, msgs)
	last.Ack()
	if string(last.Payload) != "A2" {
		t.Errorf("after acking A1: got %q, want A2", last.Payload)
	}
}

// TestNackRedeliversBeforeSuccessors nacks the first message of a key twice:
// it comes back each time, and its successor waits for the ack.
func TestNackRedeliversBeforeSuccessors(t *testing.T) {
	brokers := newCluster(t)
	pub, sub := newPubSub(t, testConfig(brokers, "nack", 1))
	if err := pub.Publish("nack", keyed("K", "first"), keyed("K", "second")); err != nil {
		t.Fatalf("publish: %v", err)
	}
	msgs, err := sub.Subscribe(t.Context(), "nack")
	if err != nil {
		t.Fatalf("subscribe: %v", err)
	}
	var got []string
	for range 2 {
		m := receive(t, msgs)
		got = append(got, string(m.Payload))
		m.Nack()
	}
	for range 2 {
		m := receive(t, msgs)
		got = append(got, string(m.Payload))
		m.Ack()
	}
	want := []string{"first", "first", "first", "second"}
	if !slices.Equal(got, want) {
		t.Errorf("deliveries: got %v, want %v", got, want)
	}
}

// TestCommitAfterAck closes a member in the middle of a stream and checks
// that the next member of the group starts exactly after the acknowledged
// prefix (one key: strict order makes the prefix exact), and that with many
// keys nothing unacknowledged is lost.
func TestCommitAfterAck(t *testing.T) {
	cases := []struct {
		name       string
		keys       int
		ackFirst   int // the first member acknowledges this many, then stops
		wantExactN bool
	}{
		{name: "one key", keys: 1, ackFirst: 10, wantExactN: true},
		{name: "many keys", keys: 7, ackFirst: 10},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			brokers := newCluster(t)
			cfg := testConfig(brokers, "commit", 2)
			pub, first := newPubSub(t, cfg)
			const total = 30
			var batch []*message.Message
			for i := range total {
				batch = append(batch, keyed(fmt.Sprintf("k%d", i%tc.keys), fmt.Sprintf("%03d", i)))
			}
			if err := pub.Publish("commit", batch...); err != nil {
				t.Fatalf("publish: %v", err)
			}
			ctx, cancel := context.WithCancel(t.Context())
			msgs, err := first.Subscribe(ctx, "commit")
			if err != nil {
				t.Fatalf("subscribe: %v", err)
			}
			acked := map[string]bool{}
			for len(acked) < tc.ackFirst {
				m := receive(t, msgs)
				acked[string(m.Payload)] = true
				m.Ack()
			}
			// One more is handed out and left unacknowledged when the member stops.
			unacked := receive(t, msgs)
			cancel()
			for range msgs { // drains until the member committed and left
			}

			second, err := kafka.NewSubscriber(cfg, testLogger())
			if err != nil {
				t.Fatalf("new subscriber: %v", err)
			}
			t.Cleanup(func() { _ = second.Close() })
			msgs2, err := second.Subscribe(t.Context(), "commit")
			if err != nil {
				t.Fatalf("subscribe again: %v", err)
			}
			redelivered := map[string]bool{}
			for !coversUnacked(redelivered, acked, total) {
				m := receive(t, msgs2)
				redelivered[string(m.Payload)] = true
				m.Ack()
			}
			if !redelivered[string(unacked.Payload)] {
				t.Errorf("unacknowledged %s not redelivered", unacked.Payload)
			}
			if tc.wantExactN {
				for p := range redelivered {
					if acked[p] {
						t.Errorf("acknowledged %s redelivered after a clean close", p)
					}
				}
			}
		})
	}
}

func coversUnacked(got, acked map[string]bool, total int) bool {
	for i := range total {
		p := fmt.Sprintf("%03d", i)
		if !acked[p] && !got[p] {
			return false
		}
	}
	return true
}

func TestClose(t *testing.T) {
	brokers := newCluster(t)
	pub, sub := newPubSub(t, testConfig(brokers, "close", 1))
	msgs, err := sub.Subscribe(t.Context(), "close")
	if err != nil {
		t.Fatalf("subscribe: %v", err)
	}
	for range 2 {
		if err := sub.Close(); err != nil {
			t.Fatalf("close subscriber: %v", err)
		}
		if err := pub.Close(); err != nil {
			t.Fatalf("close publisher: %v", err)
		}
	}
	if _, ok := <-msgs; ok {
		t.Error("message channel still open after Close")
	}
	if err := pub.Publish("close", keyed("k", "x")); !errors.Is(err, kafka.ErrClosed) {
		t.Errorf("publish after close: got %v, want ErrClosed", err)
	}
	if _, err := sub.Subscribe(t.Context(), "close"); !errors.Is(err, kafka.ErrClosed) {
		t.Errorf("subscribe after close: got %v, want ErrClosed", err)
	}
}

func TestConfigValidate(t *testing.T) {
	ok := kafka.Config{Brokers: []string{"127.0.0.1:9092"}}
	cases := []struct {
		name    string
		mutate  func(*kafka.Config)
		wantErr string
	}{
		{name: "minimal", mutate: func(*kafka.Config) {}},
		{name: "no brokers", mutate: func(c *kafka.Config) { c.Brokers = nil }, wantErr: "no brokers"},
		{name: "blank broker", mutate: func(c *kafka.Config) { c.Brokers = []string{" "} }, wantErr: "empty broker"},
		{name: "unknown topic creation", mutate: func(c *kafka.Config) { c.TopicCreation = "maybe" }, wantErr: "topic creation"},
		{name: "negative partitions", mutate: func(c *kafka.Config) { c.Partitions = -1 }, wantErr: "partitions"},
		{name: "replication below -1", mutate: func(c *kafka.Config) { c.ReplicationFactor = -2 }, wantErr: "replication"},
		{name: "negative in flight", mutate: func(c *kafka.Config) { c.MaxInFlight = -1 }, wantErr: "in flight"},
		{name: "produce timeout below franz-go's minimum", mutate: func(c *kafka.Config) { c.ProduceTimeout = time.Millisecond }, wantErr: "produce timeout"},
		{name: "negative duration", mutate: func(c *kafka.Config) { c.RevokeTimeout = -time.Second }, wantErr: "duration"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			c := ok
			tc.mutate(&c)
			err := c.Validate()
			switch {
			case tc.wantErr == "" && err != nil:
				t.Errorf("got %v, want no error", err)
			case tc.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tc.wantErr)):
				t.Errorf("got %v, want error containing %q", err, tc.wantErr)
			}
		})
	}
	if _, err := kafka.NewSubscriber(ok, nil); err == nil || !strings.Contains(err.Error(), "consumer group") {
		t.Errorf("subscriber without group: got %v, want consumer group error", err)
	}
}

func TestBrokersFromURL(t *testing.T) {
	cases := []struct {
		name    string
		url     string
		want    []string
		wantErr bool
	}{
		{name: "one", url: "kafka://127.0.0.1:9092", want: []string{"127.0.0.1:9092"}},
		{name: "several", url: "kafka://a:9092,b:9093", want: []string{"a:9092", "b:9093"}},
		{name: "wrong scheme", url: "sqlite:///tmp/x", wantErr: true},
		{name: "no host", url: "kafka://", wantErr: true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got, err := kafka.BrokersFromURL(tc.url)
			if (err != nil) != tc.wantErr {
				t.Fatalf("error: got %v, want error %v", err, tc.wantErr)
			}
			if !slices.Equal(got, tc.want) {
				t.Errorf("got %v, want %v", got, tc.want)
			}
		})
	}
}

// TestRebalanceHandsOver lets a second member join while the first holds
// messages unacknowledged: the revoked partitions move after RevokeTimeout,
// the newcomer continues from the committed offsets, and after the first
// member leaves every message not acknowledged by it reaches the newcomer.
func TestRebalanceHandsOver(t *testing.T) {
	brokers := newCluster(t)
	cfg := testConfig(brokers, "rebalance", 4)
	cfg.RevokeTimeout = 300 * time.Millisecond
	pub, first := newPubSub(t, cfg)
	const half = 100
	publish := func(from int) {
		var batch []*message.Message
		for i := from; i < from+half; i++ {
			batch = append(batch, keyed(fmt.Sprintf("k%d", i%16), fmt.Sprintf("%03d", i)))
		}
		if err := pub.Publish("rebalance", batch...); err != nil {
			t.Fatalf("publish: %v", err)
		}
	}
	publish(0)
	ctx1, stop1 := context.WithCancel(t.Context())
	msgs1, err := first.Subscribe(ctx1, "rebalance")
	if err != nil {
		t.Fatalf("subscribe first: %v", err)
	}
	acked := map[string]bool{}
	for len(acked) < half {
		m := receive(t, msgs1)
		acked[string(m.Payload)] = true
		m.Ack()
	}
	// From now on the first member holds everything it gets.
	held := make(chan string, 2*half)
	go func() {
		for m := range msgs1 {
			held <- string(m.Payload)
		}
	}()

	second, err := kafka.NewSubscriber(cfg, testLogger())
	if err != nil {
		t.Fatalf("new subscriber: %v", err)
	}
	t.Cleanup(func() { _ = second.Close() })
	msgs2, err := second.Subscribe(t.Context(), "rebalance")
	if err != nil {
		t.Fatalf("subscribe second: %v", err)
	}
	publish(half)

	got := map[string]bool{}
	m := receive(t, msgs2) // only possible once partitions moved to the newcomer
	got[string(m.Payload)] = true
	m.Ack()
	stop1() // the first member leaves; its partitions move too
	for !coversUnacked(got, acked, 2*half) {
		m := receive(t, msgs2)
		got[string(m.Payload)] = true
		m.Ack()
	}
	for {
		select {
		case p := <-held:
			if !got[p] {
				t.Errorf("message %s held by the first member never reached the second", p)
			}
		default:
			return
		}
	}
}

// TestLag acknowledges two of five records and expects a lag of three once
// the member has left (and committed).
func TestLag(t *testing.T) {
	brokers := newCluster(t)
	cfg := testConfig(brokers, "lag", 1)
	pub, sub := newPubSub(t, cfg)
	var batch []*message.Message
	for i := range 5 {
		batch = append(batch, keyed("k", strconv.Itoa(i)))
	}
	if err := pub.Publish("lag", batch...); err != nil {
		t.Fatalf("publish: %v", err)
	}
	ctx, cancel := context.WithCancel(t.Context())
	msgs, err := sub.Subscribe(ctx, "lag")
	if err != nil {
		t.Fatalf("subscribe: %v", err)
	}
	for range 2 {
		receive(t, msgs).Ack()
	}
	cancel()
	for range msgs {
	}
	got, err := sub.Lag(t.Context())
	if err != nil {
		t.Fatalf("lag: %v", err)
	}
	if got["lag"] != 3 {
		t.Errorf("lag: got %v, want lag[lag] = 3", got)
	}
}

// TestCrashRedeliversUnacked runs a consumer in a child process that
// acknowledges every even message, holds every odd one, and is killed with
// SIGKILL mid-stream: no final commit, no leave. A new member of the group
// must then receive every message the child did not acknowledge.
func TestCrashRedeliversUnacked(t *testing.T) {
	if brokers := os.Getenv("HULE_KAFKA_CRASH_BROKERS"); brokers != "" {
		crashChild(t, strings.Split(brokers, ","))
		return
	}
	brokers := newCluster(t)
	cfg := testConfig(brokers, "crash", 3)
	cfg.SessionTimeout = time.Second // the killed member is evicted quickly
	pub, sub := newPubSub(t, cfg)
	const total = 60
	var batch []*message.Message
	for i := range total {
		batch = append(batch, keyed(fmt.Sprintf("k%d", i), fmt.Sprintf("%03d", i)))
	}
	if err := pub.Publish("crash", batch...); err != nil {
		t.Fatalf("publish: %v", err)
	}

	cmd := exec.CommandContext(t.Context(), os.Args[0], "-test.run=^TestCrashRedeliversUnacked$")
	cmd.Env = append(os.Environ(), "HULE_KAFKA_CRASH_BROKERS="+strings.Join(brokers, ","))
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatalf("child stdout: %v", err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatalf("start child: %v", err)
	}
	acked := map[string]bool{}
	sc := bufio.NewScanner(stdout)
	for len(acked) < 10 && sc.Scan() {
		if p, ok := strings.CutPrefix(sc.Text(), "acked "); ok {
			acked[p] = true
		}
	}
	if err := cmd.Process.Kill(); err != nil {
		t.Fatalf("kill child: %v", err)
	}
	for sc.Scan() { // what the child printed before it died counts too
		if p, ok := strings.CutPrefix(sc.Text(), "acked "); ok {
			acked[p] = true
		}
	}
	_ = cmd.Wait()
	if len(acked) < 10 {
		t.Fatalf("child acknowledged %d messages before exiting, want 10", len(acked))
	}

	msgs, err := sub.Subscribe(t.Context(), "crash")
	if err != nil {
		t.Fatalf("subscribe: %v", err)
	}
	got := map[string]bool{}
	for !coversUnacked(got, acked, total) {
		select {
		case m := <-msgs:
			got[string(m.Payload)] = true
			m.Ack()
		case <-time.After(waitFor):
			var missing []string
			for i := range total {
				if p := fmt.Sprintf("%03d", i); !acked[p] && !got[p] {
					missing = append(missing, p)
				}
			}
			t.Fatalf("unacknowledged messages lost: %v (child acked %v)", missing, slices.Sorted(maps.Keys(acked)))
		}
	}
}

// crashChild is the consumer TestCrashRedeliversUnacked kills. It reports
// each acknowledgement on stdout before making it, so the parent's list is
// a superset of what was acknowledged.
func crashChild(t *testing.T, brokers []string) {
	cfg := testConfig(brokers, "crash", 3)
	cfg.SessionTimeout = time.Second
	sub, err := kafka.NewSubscriber(cfg, testLogger())
	if err != nil {
		t.Fatalf("child subscriber: %v", err)
	}
	msgs, err := sub.Subscribe(t.Context(), "crash")
	if err != nil {
		t.Fatalf("child subscribe: %v", err)
	}
	for m := range msgs {
		n, _ := strconv.Atoi(string(m.Payload))
		if n%2 == 0 {
			fmt.Printf("acked %s\n", m.Payload)
			m.Ack()
		}
	}
}

func TestTopicCreation(t *testing.T) {
	cases := []struct {
		name           string
		creation       kafka.TopicCreation
		wantPartitions int // 0: the topic must not exist and Publish must fail
	}{
		{name: "admin creates with configured partitions", creation: kafka.TopicsAdmin, wantPartitions: 3},
		{name: "broker auto-creates with its default", creation: kafka.TopicsBroker, wantPartitions: 2},
		{name: "existing never creates", creation: kafka.TopicsExisting},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			c, err := kfake.NewCluster(kfake.NumBrokers(1), kfake.AllowAutoTopicCreation(), kfake.DefaultNumPartitions(2))
			if err != nil {
				t.Fatalf("start kfake: %v", err)
			}
			t.Cleanup(c.Close) // after the clients, which newPubSub registers later
			cfg := testConfig(c.ListenAddrs(), "creation", 3)
			cfg.TopicCreation = tc.creation
			cfg.ProduceTimeout = time.Second
			pub, _ := newPubSub(t, cfg)
			err = pub.Publish("made", keyed("k", "x"))
			if (err == nil) != (tc.wantPartitions > 0) {
				t.Fatalf("publish: got %v, want error %v", err, tc.wantPartitions == 0)
			}
			cl, err := kgo.NewClient(kgo.SeedBrokers(c.ListenAddrs()...))
			if err != nil {
				t.Fatalf("new client: %v", err)
			}
			defer cl.Close()
			details, err := kadm.NewClient(cl).ListTopics(t.Context())
			if err != nil {
				t.Fatalf("list topics: %v", err)
			}
			if got := len(details["made"].Partitions); got != tc.wantPartitions {
				t.Errorf("partitions of topic: got %d, want %d", got, tc.wantPartitions)
			}
		})
	}
}

// TestStaticMemberTakesBackItsPartitions closes a static member, which does
// not leave the group (as after a crash), and starts a new subscriber with
// the same instance id: every record the first did not acknowledge reaches
// it, and the group has one member, under that id. Without static membership the newcomer
// would wait for a rebalance that waits out the old member's 60 s session,
// longer than receive's deadline.
func TestStaticMemberTakesBackItsPartitions(t *testing.T) {
	brokers := newCluster(t)
	cfg := testConfig(brokers, "static", 2)
	cfg.SessionTimeout = time.Minute
	cfg.InstanceID = "proc-1"
	pub, first := newPubSub(t, cfg)
	const total = 20
	var batch []*message.Message
	for i := range total {
		batch = append(batch, keyed(fmt.Sprintf("k%d", i), fmt.Sprintf("%03d", i)))
	}
	if err := pub.Publish("static", batch...); err != nil {
		t.Fatalf("publish: %v", err)
	}
	msgs1, err := first.Subscribe(t.Context(), "static")
	if err != nil {
		t.Fatalf("subscribe: %v", err)
	}
	acked := map[string]bool{}
	for len(acked) < total/2 {
		m := receive(t, msgs1)
		acked[string(m.Payload)] = true
		m.Ack()
	}
	if err := first.Close(); err != nil {
		t.Fatalf("close: %v", err)
	}

	again, err := kafka.NewSubscriber(cfg, testLogger())
	if err != nil {
		t.Fatalf("new subscriber: %v", err)
	}
	t.Cleanup(func() { _ = again.Close() })
	msgs2, err := again.Subscribe(t.Context(), "static")
	if err != nil {
		t.Fatalf("subscribe again: %v", err)
	}
	got := map[string]bool{}
	for !coversUnacked(got, acked, total) {
		m := receive(t, msgs2)
		got[string(m.Payload)] = true
		m.Ack()
	}

	adm, err := kgo.NewClient(kgo.SeedBrokers(brokers...))
	if err != nil {
		t.Fatal(err)
	}
	defer adm.Close()
	groups, err := kadm.NewClient(adm).DescribeGroups(t.Context(), "static")
	if err != nil {
		t.Fatalf("describe group: %v", err)
	}
	g := groups["static"]
	if len(g.Members) != 1 || g.Members[0].InstanceID == nil || *g.Members[0].InstanceID != "proc-1.static" {
		t.Errorf("group members after the restart: %+v, want one static member proc-1.static", g.Members)
	}
}

// TestCloseDuringJoin closes a subscriber whose group join cannot finish:
// the group waits for a static member that stopped without leaving (its
// session lasts a minute). Close must not wait for that rebalance.
func TestCloseDuringJoin(t *testing.T) {
	brokers := newCluster(t)
	cfg := testConfig(brokers, "joining", 2)
	cfg.SessionTimeout = time.Minute
	cfg.InstanceID = "gone"
	pub, gone := newPubSub(t, cfg)
	if err := pub.Publish("joining", keyed("k", "000")); err != nil {
		t.Fatalf("publish: %v", err)
	}
	msgs, err := gone.Subscribe(t.Context(), "joining")
	if err != nil {
		t.Fatalf("subscribe: %v", err)
	}
	receive(t, msgs).Ack()
	if err := gone.Close(); err != nil { // static: stays in the group
		t.Fatalf("close: %v", err)
	}

	cfg.InstanceID = "late"
	late, err := kafka.NewSubscriber(cfg, testLogger())
	if err != nil {
		t.Fatalf("new subscriber: %v", err)
	}
	if _, err := late.Subscribe(t.Context(), "joining"); err != nil {
		t.Fatalf("subscribe late: %v", err)
	}
	time.Sleep(200 * time.Millisecond) // let the join start
	closed := make(chan error, 1)
	go func() { closed <- late.Close() }()
	select {
	case err := <-closed:
		if err != nil {
			t.Errorf("close: %v", err)
		}
	case <-time.After(waitFor):
		t.Fatal("Close waited for the group's rebalance (the absent member's one-minute session)")
	}
}
