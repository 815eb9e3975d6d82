package kafka_test

import (
	"cmp"
	"context"
	"database/sql"
	"errors"
	"maps"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/ThreeDotsLabs/watermill/message"
	"github.com/google/uuid"
	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kfake"
	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/twmb/franz-go/pkg/kmsg"

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
	return newDLQServiceOn(t, newCluster(t))
}

// newDLQServiceOn is newDLQService on the cluster of brokers.
func newDLQServiceOn(t *testing.T, brokers []string) *dlqService {
	t.Helper()
	s := &dlqService{brokers: brokers, db: storetest.SQLite(t), handled: map[string]bool{}}
	// Topics the bus makes get one partition, so every dead letter shares a
	// cursor unless the cluster was seeded with a wider dead-letter topic.
	cfg := testConfig(s.brokers, "", 1)
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

// publish publishes one event of dlqTopic with key batch-7 and returns its id.
func (s *dlqService) publish(t *testing.T, n int) string {
	t.Helper()
	return s.publishKey(t, "batch-7", n)
}

// publishKey publishes one event of dlqTopic whose batch id, and so whose
// Kafka key, is key, and returns its id.
func (s *dlqService) publishKey(t *testing.T, key string, n int) string {
	t.Helper()
	env := events.NewEnvelope(dlqTopic, "dlqtest", uuid.New(), dlqWork{BatchID: key, N: n})
	err := store.InTx(context.Background(), s.db.DB, func(tx *sql.Tx) error {
		return s.b.Publish(context.Background(), tx, bus.Event(env))
	})
	if err != nil {
		t.Fatalf("publish: %v", err)
	}
	return env.EventID.String()
}

// dlqCallTimeout bounds each ListDeadLetters and ReplayDeadLetters call of
// these tests, so a read that never reaches its end offsets fails the test
// at once instead of hanging it until go test's timeout.
const dlqCallTimeout = 30 * time.Second

// listDeadLetters is kafka.ListDeadLetters with a deadline.
func listDeadLetters(t *testing.T, brokers []string, topic string) ([]bus.DeadLetter, error) {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), dlqCallTimeout)
	defer cancel()
	return kafka.ListDeadLetters(ctx, brokers, topic)
}

// replayDeadLetters is kafka.ReplayDeadLetters with a deadline.
func replayDeadLetters(t *testing.T, brokers []string, topic, id string) (kafka.Replayed, error) {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), dlqCallTimeout)
	defer cancel()
	return kafka.ReplayDeadLetters(ctx, brokers, topic, id)
}

// list lists the pending dead letters of dlqTopic.
func (s *dlqService) list(t *testing.T) []bus.DeadLetter {
	t.Helper()
	dls, err := listDeadLetters(t, s.brokers, dlqTopic)
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

	s.broken.Store(true)
	e1, e2 := s.publish(t, 1), s.publish(t, 2)
	assertListed(t, s.waitListed(t, e1, e2), e1, e2)
	all, err := listDeadLetters(t, s.brokers, "")
	if err != nil {
		t.Fatal(err)
	}
	assertListed(t, all, e1, e2)
	if none, err := listDeadLetters(t, s.brokers, "test.none.v1"); err != nil || len(none) != 0 {
		t.Errorf("list of a topic without dead letters: got %v, %v; want none", dlIDs(none), err)
	}

	// The cause is fixed; replay the topic.
	s.broken.Store(false)
	r, err := replayDeadLetters(t, s.brokers, dlqTopic, "")
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
		r, err := replayDeadLetters(t, s.brokers, st.topic, st.id)
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
	dls, err := listDeadLetters(t, brokers, "")
	if err != nil {
		t.Fatal(err)
	}
	wantID := topic + bus.DLQSuffix + "/0/0"
	if len(dls) != 1 || dls[0].ID != wantID || dls[0].Topic != topic || string(dls[0].Payload) != "{oops" {
		t.Fatalf("listed %+v, want one dead letter %s of topic %s", dls, wantID, topic)
	}
	r, err := replayDeadLetters(t, brokers, "", wantID)
	if err != nil || r.N != 1 {
		t.Fatalf("replay: got %+v, %v; want 1 replayed", r, err)
	}
	got := readTopic(t, brokers, topic)
	if len(got) != 1 || string(got[0].Value) != "{oops" || string(got[0].Key) != "k" || header(got[0], "origin") != "elsewhere" {
		t.Errorf("replayed records on %s: %v, want the dead letter's key, value and headers", topic, got)
	}
	if dls, err := listDeadLetters(t, brokers, topic); err != nil || len(dls) != 0 {
		t.Errorf("after replay listed %v, %v; want none", dlIDs(dls), err)
	}
}

// dlqPartitions is the partition count of the dead-letter topic of
// TestDeadLettersOnKafkaPartitions.
const dlqPartitions = 3

// newPartitionedCluster starts a kfake broker as newCluster does, with the
// dead-letter topic of dlqTopic made with dlqPartitions partitions before
// the bus would make it with one. Every fetch request's MaxBytes is cut to
// 1, so each response carries a single record batch (a broker returns at
// least one): the partitions of a dead-letter read arrive in separate
// polls, and each must be found done on its own.
func newPartitionedCluster(t *testing.T) []string {
	t.Helper()
	c, err := kfake.NewCluster(
		kfake.NumBrokers(1),
		kfake.GroupMinSessionTimeout(100*time.Millisecond),
		kfake.SeedTopics(dlqPartitions, dlqTopic+bus.DLQSuffix),
	)
	if err != nil {
		t.Fatalf("start kfake: %v", err)
	}
	t.Cleanup(c.Close)
	c.ControlKey(int16(kmsg.Fetch), func(req kmsg.Request) (kmsg.Response, error, bool) {
		if f, ok := req.(*kmsg.FetchRequest); ok {
			f.MaxBytes = 1
		}
		return nil, nil, false // the broker answers the changed request
	})
	return c.ListenAddrs()
}

// keysOn returns n keys "batch-<i>" that a producer's key hashing (murmur2,
// the default partitioner's) puts on partition p of a dead-letter topic of
// dlqPartitions partitions.
func keysOn(t *testing.T, p, n int) []string {
	t.Helper()
	part := kgo.StickyKeyPartitioner(nil).ForTopic(dlqTopic + bus.DLQSuffix)
	var keys []string
	for i := 0; len(keys) < n; i++ {
		if i == 1000 {
			t.Fatalf("no %d keys on partition %d among batch-0..batch-999", n, p)
		}
		k := "batch-" + strconv.Itoa(i)
		if part.Partition(&kgo.Record{Key: []byte(k)}, dlqPartitions) == p {
			keys = append(keys, k)
		}
	}
	return keys
}

// committedCursor returns the DLQGroup offsets committed for topic's partitions.
func committedCursor(t *testing.T, brokers []string, topic string) map[int32]int64 {
	t.Helper()
	cl, err := kgo.NewClient(kgo.SeedBrokers(brokers...))
	if err != nil {
		t.Fatal(err)
	}
	defer cl.Close()
	ctx, cancel := context.WithTimeout(t.Context(), dlqCallTimeout)
	defer cancel()
	offs, err := kadm.NewClient(cl).FetchOffsets(ctx, kafka.DLQGroup)
	if err != nil {
		t.Fatalf("offsets of %s: %v", kafka.DLQGroup, err)
	}
	out := map[int32]int64{}
	for p, o := range offs[topic] {
		if o.Err == nil && o.At >= 0 {
			out[p] = o.At
		}
	}
	return out
}

// endOffsets returns the end offset of each partition of topic.
func endOffsets(t *testing.T, brokers []string, topic string) map[int32]int64 {
	t.Helper()
	cl, err := kgo.NewClient(kgo.SeedBrokers(brokers...))
	if err != nil {
		t.Fatal(err)
	}
	defer cl.Close()
	ctx, cancel := context.WithTimeout(t.Context(), dlqCallTimeout)
	defer cancel()
	ends, err := kadm.NewClient(cl).ListEndOffsets(ctx, topic)
	if err != nil {
		t.Fatalf("end offsets of %s: %v", topic, err)
	}
	out := map[int32]int64{}
	ends.Each(func(o kadm.ListedOffset) {
		if o.Err != nil {
			t.Errorf("end offset of %s/%d: %v", o.Topic, o.Partition, o.Err)
		}
		out[o.Partition] = o.Offset
	})
	return out
}

// copiesOnTopic counts the records of dlqTopic by UUID: the original event
// plus one per replay.
func copiesOnTopic(t *testing.T, brokers []string) map[string]int {
	t.Helper()
	n := map[string]int{}
	for _, r := range readTopic(t, brokers, dlqTopic) {
		n[header(r, kafka.UUIDHeader)]++
	}
	return n
}

// TestDeadLettersOnKafkaPartitions dead-letters events on several keys into
// a dead-letter topic of three partitions and checks that the read and the
// cursor work per partition: the listing is ordered by partition and
// offset, a replay by id moves only the cursor of the partition it leads, a
// replayed letter behind a pending one of its own partition stays listed,
// and a replay of the topic leaves every partition's cursor at its end.
func TestDeadLettersOnKafkaPartitions(t *testing.T) {
	s := newDLQServiceOn(t, newPartitionedCluster(t))
	dlqName := dlqTopic + bus.DLQSuffix
	if ends := endOffsets(t, s.brokers, dlqName); len(ends) != dlqPartitions {
		t.Fatalf("%s has partitions %v, want %d", dlqName, slices.Sorted(maps.Keys(ends)), dlqPartitions)
	}

	// Partition 0 gets one letter on each of two keys, partition 1 two
	// letters on one key and one on another, partition 2 one letter.
	k0, k1, k2 := keysOn(t, 0, 2), keysOn(t, 1, 2), keysOn(t, 2, 1)
	plan := []string{k0[0], k1[0], k2[0], k1[1], k0[1], k1[0]}
	wantPerPartition := map[int32]int{0: 2, 1: 3, 2: 1}
	s.broken.Store(true)
	keyOf := map[string]string{}
	var ids []string
	for i, k := range plan {
		id := s.publishKey(t, k, i)
		keyOf[id] = k
		ids = append(ids, id)
	}
	slices.Sort(ids)
	deadline := time.Now().Add(waitFor)
	for {
		got := dlIDs(s.list(t))
		slices.Sort(got)
		if slices.Equal(got, ids) {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("pending dead letters (sorted): got %v, want %v", got, ids)
		}
		time.Sleep(10 * time.Millisecond)
	}

	// The order the listing must have: the dead-letter topic's records by
	// partition and offset, each event once.
	recs := readTopic(t, s.brokers, dlqName)
	slices.SortFunc(recs, func(a, b *kgo.Record) int {
		return cmp.Or(cmp.Compare(a.Partition, b.Partition), cmp.Compare(a.Offset, b.Offset))
	})
	byPartition := map[int32][]string{}
	var want []string
	for _, r := range recs {
		id := header(r, kafka.UUIDHeader)
		byPartition[r.Partition] = append(byPartition[r.Partition], id)
		want = append(want, id)
	}
	if sorted := slices.Sorted(slices.Values(want)); !slices.Equal(sorted, ids) {
		t.Fatalf("records on %s (sorted): %v, want each published event once: %v", dlqName, sorted, ids)
	}
	for p, n := range wantPerPartition {
		if len(byPartition[p]) != n {
			t.Fatalf("%s/%d holds %v, want %d dead letters (keys hash as the producer does)", dlqName, p, byPartition[p], n)
		}
	}
	got := s.list(t)
	if !slices.Equal(dlIDs(got), want) {
		t.Fatalf("listed: got %v, want by partition and offset %v", dlIDs(got), want)
	}
	for i, dl := range got {
		if dl.Offset != recs[i].Offset {
			t.Errorf("%s offset: got %d, want %d", dl.ID, dl.Offset, recs[i].Offset)
		}
		if k := dl.Metadata[bus.MetaPartitionKey]; k != keyOf[dl.ID] {
			t.Errorf("%s partition key: got %q, want %q", dl.ID, k, keyOf[dl.ID])
		}
	}

	s.broken.Store(false)
	a, b := byPartition[0], byPartition[1]
	without := func(ids []string, drop string) []string {
		return slices.DeleteFunc(slices.Clone(ids), func(id string) bool { return id == drop })
	}
	steps := []struct {
		name       string
		topic, id  string
		wantN      int
		wantListed []string        // ids the replay reports as still listed
		wantAfter  []string        // pending ids after the replay
		wantCursor map[int32]int64 // committed DLQGroup offsets after the replay
		wantCopies map[string]int  // records on dlqTopic of some ids after the replay
	}{
		{
			name: "first of partition 0: its cursor moves", topic: dlqTopic, id: a[0], wantN: 1,
			wantAfter:  without(want, a[0]),
			wantCursor: map[int32]int64{0: 1},
			wantCopies: map[string]int{a[0]: 2, a[1]: 1},
		},
		{
			name: "second of partition 1, any topic: replayed, still listed", id: b[1], wantN: 1, wantListed: []string{b[1]},
			wantAfter:  without(want, a[0]),
			wantCursor: map[int32]int64{0: 1},
			wantCopies: map[string]int{b[0]: 1, b[1]: 2, b[2]: 1},
		},
		{
			name: "topic: the rest", topic: dlqTopic, wantN: len(want) - 1,
			wantAfter:  []string{},
			wantCursor: endOffsets(t, s.brokers, dlqName),
			wantCopies: map[string]int{a[0]: 2, a[1]: 2, b[0]: 2, b[1]: 3, b[2]: 2, byPartition[2][0]: 2},
		},
	}
	for _, st := range steps {
		r, err := replayDeadLetters(t, s.brokers, st.topic, st.id)
		if err != nil {
			t.Fatalf("%s: replay: %v", st.name, err)
		}
		if r.N != st.wantN || !slices.Equal(r.Listed, st.wantListed) {
			t.Errorf("%s: replay got %+v, want %d replayed, listed %v", st.name, r, st.wantN, st.wantListed)
		}
		if got := dlIDs(s.list(t)); !slices.Equal(got, st.wantAfter) {
			t.Errorf("%s: pending after: got %v, want %v", st.name, got, st.wantAfter)
		}
		if got := committedCursor(t, s.brokers, dlqName); !maps.Equal(got, st.wantCursor) {
			t.Errorf("%s: cursor of %s: got %v, want %v", st.name, dlqName, got, st.wantCursor)
		}
		copies := copiesOnTopic(t, s.brokers)
		for id, n := range st.wantCopies {
			if copies[id] != n {
				t.Errorf("%s: %s has %d record(s) on %s, want %d", st.name, id, copies[id], dlqTopic, n)
			}
		}
	}
	if ends := endOffsets(t, s.brokers, dlqName); !maps.Equal(ends, map[int32]int64{0: 2, 1: 3, 2: 1}) {
		t.Errorf("end offsets of %s: got %v, want the 2, 3 and 1 dead letters", dlqName, ends)
	}
	s.waitHandled(t, ids...)
}
