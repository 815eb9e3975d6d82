package kafka_test

import (
	"cmp"
	"context"
	"database/sql"
	"errors"
	"maps"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/ThreeDotsLabs/watermill/message"
	"github.com/google/uuid"
	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/hule-dev/hule/internal/bus"
	"github.com/hule-dev/hule/internal/bus/kafka"
	"github.com/hule-dev/hule/internal/events"
	"github.com/hule-dev/hule/internal/fault"
	"github.com/hule-dev/hule/internal/store"
	"github.com/hule-dev/hule/internal/store/storetest"
)

const dlqTopic = "test.dlq.kafka.v1"

type dlqWork struct {
	BatchID string `json:"batch_id"`
	N       int    `json:"n"`
}

// dlqService is a bus on a Kafka cluster whose handler of dlqTopic fails
// permanently while broken is set, so its events are dead-lettered through
// the real consumer path (outbox, relay, Kafka).
type dlqService struct {
	brokers []string
	db      *store.DB
	b       *bus.Bus
	broken  atomic.Bool

	mu      sync.Mutex
	handled map[string]bool // event ids handled successfully
}

func newDLQService(t *testing.T) *dlqService {
	t.Helper()
	s := &dlqService{brokers: newCluster(t), db: storetest.SQLite(t), handled: map[string]bool{}}
	cfg := testConfig(s.brokers, "", 1) // one partition: every dead letter shares a cursor
	pub, err := kafka.NewPublisher(cfg, testLogger())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = pub.Close() })
	bcfg := bus.DefaultConfig("kafka://" + s.brokers[0])
	bcfg.InitialBackoff, bcfg.MaxBackoff = time.Millisecond, 5*time.Millisecond
	s.b, err = bus.New(bcfg, bus.Deps{
		DB:             s.db,
		Logger:         testLogger(),
		KafkaPublisher: pub,
		KafkaSubscriber: func(group string) (message.Subscriber, error) {
			c := cfg
			c.ConsumerGroup = group
			return kafka.NewSubscriber(c, testLogger())
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	s.b.Handle("svc", dlqTopic, s.handle)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- s.b.Run(ctx) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("bus Run: %v", err)
		}
	})
	select {
	case <-s.b.Running():
	case err := <-done:
		t.Fatalf("bus Run ended early: %v", err)
	case <-time.After(waitFor):
		t.Fatal("bus not running")
	}
	return s
}

func (s *dlqService) handle(_ context.Context, _ *sql.Tx, ev events.Raw) error {
	if s.broken.Load() {
		return fault.Permanent(errors.New("essay text missing"))
	}
	s.mu.Lock()
	s.handled[ev.EventID.String()] = true
	s.mu.Unlock()
	return nil
}

func (s *dlqService) wasHandled(id string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.handled[id]
}

// publish publishes one event of dlqTopic and returns its id.
func (s *dlqService) publish(t *testing.T, n int) string {
	t.Helper()
	env := events.NewEnvelope(dlqTopic, "dlqtest", uuid.New(), dlqWork{BatchID: "batch-7", N: n})
	err := store.InTx(context.Background(), s.db.DB, func(tx *sql.Tx) error {
		return s.b.Publish(context.Background(), tx, bus.Event(env))
	})
	if err != nil {
		t.Fatalf("publish: %v", err)
	}
	return env.EventID.String()
}

// list lists the pending dead letters of dlqTopic.
func (s *dlqService) list(t *testing.T) []bus.DeadLetter {
	t.Helper()
	dls, err := kafka.ListDeadLetters(t.Context(), s.brokers, dlqTopic)
	if err != nil {
		t.Fatalf("list dead letters: %v", err)
	}
	return dls
}

// waitListed waits until the pending dead letters are exactly ids, in order.
func (s *dlqService) waitListed(t *testing.T, ids ...string) []bus.DeadLetter {
	t.Helper()
	var got []string
	deadline := time.Now().Add(waitFor)
	for {
		dls := s.list(t)
		got = dlIDs(dls)
		if slices.Equal(got, ids) {
			return dls
		}
		if time.Now().After(deadline) {
			t.Fatalf("pending dead letters: got %v, want %v", got, ids)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// waitHandled waits until the handler succeeded on every event of ids.
func (s *dlqService) waitHandled(t *testing.T, ids ...string) {
	t.Helper()
	deadline := time.Now().Add(waitFor)
	for _, id := range ids {
		for !s.wasHandled(id) {
			if time.Now().After(deadline) {
				t.Fatalf("event %s not handled after replay", id)
			}
			time.Sleep(10 * time.Millisecond)
		}
	}
}

func dlIDs(dls []bus.DeadLetter) []string {
	ids := []string{}
	for _, dl := range dls {
		ids = append(ids, dl.ID)
	}
	return ids
}

// assertListed checks exactly what a listing must show: the pending ids in
// order, each with the bus's reason, handler, attempts and original topic.
func assertListed(t *testing.T, got []bus.DeadLetter, ids ...string) {
	t.Helper()
	if !slices.Equal(dlIDs(got), ids) {
		t.Fatalf("listed ids: got %v, want %v", dlIDs(got), ids)
	}
	for _, dl := range got {
		if dl.Topic != dlqTopic {
			t.Errorf("%s topic: got %q, want %q", dl.ID, dl.Topic, dlqTopic)
		}
		if dl.Reason != bus.ReasonPermanent {
			t.Errorf("%s reason: got %q, want %q", dl.ID, dl.Reason, bus.ReasonPermanent)
		}
		if want := "svc/" + dlqTopic; dl.Handler != want {
			t.Errorf("%s handler: got %q, want %q", dl.ID, dl.Handler, want)
		}
		if dl.Attempts != 1 {
			t.Errorf("%s attempts: got %d, want 1", dl.ID, dl.Attempts)
		}
		if !strings.Contains(dl.Error, "essay text missing") {
			t.Errorf("%s error: got %q, want the handler's error", dl.ID, dl.Error)
		}
		if dl.Time.IsZero() {
			t.Errorf("%s time: not set", dl.ID)
		}
		if raw, err := events.DecodeRaw(dl.Payload); err != nil || raw.EventID.String() != dl.ID {
			t.Errorf("%s payload: decodes to %v, %v; want the original event", dl.ID, raw.EventID, err)
		}
		if dl.Metadata[bus.MetaPartitionKey] != "batch-7" {
			t.Errorf("%s metadata: got %v, want the original partition key", dl.ID, dl.Metadata)
		}
	}
}

// TestDeadLettersOnKafka dead-letters events through a failing handler,
// lists them, replays them by topic and by id, and checks the replayed
// records and the cursor after each step.
func TestDeadLettersOnKafka(t *testing.T) {
	s := newDLQService(t)
	ctx := t.Context()

	s.broken.Store(true)
	e1, e2 := s.publish(t, 1), s.publish(t, 2)
	assertListed(t, s.waitListed(t, e1, e2), e1, e2)
	all, err := kafka.ListDeadLetters(ctx, s.brokers, "")
	if err != nil {
		t.Fatal(err)
	}
	assertListed(t, all, e1, e2)
	if none, err := kafka.ListDeadLetters(ctx, s.brokers, "test.none.v1"); err != nil || len(none) != 0 {
		t.Errorf("list of a topic without dead letters: got %v, %v; want none", dlIDs(none), err)
	}

	// The cause is fixed; replay the topic.
	s.broken.Store(false)
	r, err := kafka.ReplayDeadLetters(ctx, s.brokers, dlqTopic, "")
	if err != nil {
		t.Fatalf("replay topic: %v", err)
	}
	if r.N != 2 || len(r.Listed) != 0 {
		t.Errorf("replay topic: got %+v, want 2 replayed, none left listed", r)
	}
	s.waitHandled(t, e1, e2)
	if got := s.list(t); len(got) != 0 {
		t.Errorf("after replaying the topic, listed: %v, want none", dlIDs(got))
	}
	assertReplayedRecords(t, s.brokers, e1, e2)

	// A new failure after the replay is listed alone.
	s.broken.Store(true)
	e3, e4 := s.publish(t, 3), s.publish(t, 4)
	assertListed(t, s.waitListed(t, e3, e4), e3, e4)
	s.broken.Store(false)

	steps := []struct {
		name       string
		topic, id  string
		wantN      int
		wantListed []string // ids the replay reports as still listed
		wantAfter  []string // pending ids after the replay
	}{
		{name: "unknown id", id: "no-such-id", wantN: 0, wantAfter: []string{e3, e4}},
		{name: "later one: cursor stays", id: e4, wantN: 1, wantListed: []string{e4}, wantAfter: []string{e3, e4}},
		{name: "first one: cursor moves", topic: dlqTopic, id: e3, wantN: 1, wantAfter: []string{e4}},
		{name: "every topic", wantN: 1, wantAfter: []string{}},
		{name: "nothing left", wantN: 0, wantAfter: []string{}},
	}
	for _, st := range steps {
		r, err := kafka.ReplayDeadLetters(ctx, s.brokers, st.topic, st.id)
		if err != nil {
			t.Fatalf("%s: replay: %v", st.name, err)
		}
		if r.N != st.wantN || !slices.Equal(r.Listed, st.wantListed) {
			t.Errorf("%s: replay got %+v, want %d replayed, listed %v", st.name, r, st.wantN, st.wantListed)
		}
		if got := dlIDs(s.list(t)); !slices.Equal(got, st.wantAfter) {
			t.Errorf("%s: pending after: got %v, want %v", st.name, got, st.wantAfter)
		}
	}
	s.waitHandled(t, e3, e4)
	assertCursor(t, s.brokers, dlqTopic+bus.DLQSuffix, 4)
}

// assertReplayedRecords checks that each of ids is on the original topic
// twice, the replayed copy with the original's key, value and headers: the
// same UUID and no dlq_* header.
func assertReplayedRecords(t *testing.T, brokers []string, ids ...string) {
	t.Helper()
	byID := map[string][]*kgo.Record{}
	for _, r := range readTopic(t, brokers, dlqTopic) {
		id := header(r, kafka.UUIDHeader)
		byID[id] = append(byID[id], r)
	}
	for _, id := range ids {
		recs := byID[id]
		if len(recs) != 2 {
			t.Errorf("%s: %d records on %s, want the original and the replay", id, len(recs), dlqTopic)
			continue
		}
		orig, replayed := recs[0], recs[1]
		if string(replayed.Key) != string(orig.Key) || string(replayed.Key) != "batch-7" {
			t.Errorf("%s: replayed key %q, original %q, want both batch-7", id, replayed.Key, orig.Key)
		}
		if string(replayed.Value) != string(orig.Value) {
			t.Errorf("%s: replayed value differs from the original", id)
		}
		oh, rh := headers(orig), headers(replayed)
		if !maps.Equal(oh, rh) {
			t.Errorf("%s: replayed headers %v, want the original's %v", id, rh, oh)
		}
		for k := range rh {
			if strings.HasPrefix(k, "dlq_") {
				t.Errorf("%s: replayed record keeps header %s", id, k)
			}
		}
	}
}

// assertCursor checks the hule-dlq group's committed offset of partition 0.
func assertCursor(t *testing.T, brokers []string, topic string, want int64) {
	t.Helper()
	cl, err := kgo.NewClient(kgo.SeedBrokers(brokers...))
	if err != nil {
		t.Fatal(err)
	}
	defer cl.Close()
	offs, err := kadm.NewClient(cl).FetchOffsets(t.Context(), kafka.DLQGroup)
	if err != nil {
		t.Fatal(err)
	}
	o, ok := offs.Lookup(topic, 0)
	if !ok || o.At != want {
		t.Errorf("cursor of %s/0: got %d (committed %v), want %d", topic, o.At, ok, want)
	}
}

func header(r *kgo.Record, key string) string {
	for _, h := range r.Headers {
		if h.Key == key {
			return string(h.Value)
		}
	}
	return ""
}

func headers(r *kgo.Record) map[string]string {
	m := map[string]string{}
	for _, h := range r.Headers {
		m[h.Key] = string(h.Value)
	}
	return m
}

// readTopic reads topic from its start to its end offsets at the call.
func readTopic(t *testing.T, brokers []string, topic string) []*kgo.Record {
	t.Helper()
	cl, err := kgo.NewClient(kgo.SeedBrokers(brokers...), kgo.ConsumeTopics(topic),
		kgo.ConsumeResetOffset(kgo.NewOffset().AtStart()))
	if err != nil {
		t.Fatal(err)
	}
	defer cl.Close()
	ends, err := kadm.NewClient(cl).ListEndOffsets(t.Context(), topic)
	if err != nil {
		t.Fatal(err)
	}
	var want int64
	ends.Each(func(o kadm.ListedOffset) { want += o.Offset })
	ctx, cancel := context.WithTimeout(t.Context(), waitFor)
	defer cancel()
	var out []*kgo.Record
	for int64(len(out)) < want {
		fs := cl.PollFetches(ctx)
		if ctx.Err() != nil {
			t.Fatalf("read %s: %d of %d records", topic, len(out), want)
		}
		out = append(out, fs.Records()...)
	}
	slices.SortFunc(out, func(a, b *kgo.Record) int { return cmp.Compare(a.Offset, b.Offset) })
	return out
}

// TestDeadLetterWithoutUUID lists a record some other producer wrote to a
// dead-letter topic without the UUID header: its id is its position, its
// topic the dead-letter topic's name without the suffix, and replaying it
// by that id moves it back.
func TestDeadLetterWithoutUUID(t *testing.T) {
	brokers := newCluster(t)
	ctx := t.Context()
	const topic = "test.foreign.v1"
	cl, err := kgo.NewClient(kgo.SeedBrokers(brokers...), kgo.DefaultProduceTopic(topic+bus.DLQSuffix))
	if err != nil {
		t.Fatal(err)
	}
	defer cl.Close()
	// The topic the dead letter failed on exists, as it would have.
	for _, name := range []string{topic, topic + bus.DLQSuffix} {
		if _, err := kadm.NewClient(cl).CreateTopic(ctx, 1, -1, nil, name); err != nil {
			t.Fatal(err)
		}
	}
	rec := &kgo.Record{Key: []byte("k"), Value: []byte("{oops"), Headers: []kgo.RecordHeader{{Key: "origin", Value: []byte("elsewhere")}}}
	if err := cl.ProduceSync(ctx, rec).FirstErr(); err != nil {
		t.Fatal(err)
	}
	dls, err := kafka.ListDeadLetters(ctx, brokers, "")
	if err != nil {
		t.Fatal(err)
	}
	wantID := topic + bus.DLQSuffix + "/0/0"
	if len(dls) != 1 || dls[0].ID != wantID || dls[0].Topic != topic || string(dls[0].Payload) != "{oops" {
		t.Fatalf("listed %+v, want one dead letter %s of topic %s", dls, wantID, topic)
	}
	r, err := kafka.ReplayDeadLetters(ctx, brokers, "", wantID)
	if err != nil || r.N != 1 {
		t.Fatalf("replay: got %+v, %v; want 1 replayed", r, err)
	}
	got := readTopic(t, brokers, topic)
	if len(got) != 1 || string(got[0].Value) != "{oops" || string(got[0].Key) != "k" || header(got[0], "origin") != "elsewhere" {
		t.Errorf("replayed records on %s: %v, want the dead letter's key, value and headers", topic, got)
	}
	if dls, err := kafka.ListDeadLetters(ctx, brokers, topic); err != nil || len(dls) != 0 {
		t.Errorf("after replay listed %v, %v; want none", dlIDs(dls), err)
	}
}
