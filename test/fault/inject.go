package fault

import (
	"context"
	"encoding/json"
	"fmt"
	"sort"
	"strings"
	"sync"
	"time"

	wsql "github.com/ThreeDotsLabs/watermill-sql/v4/pkg/sql"
	"github.com/ThreeDotsLabs/watermill/message"
	"github.com/google/uuid"
	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/hule-dev/hule/internal/bus"
	"github.com/hule-dev/hule/internal/bus/kafka"
	"github.com/hule-dev/hule/internal/events"
	"github.com/hule-dev/hule/internal/store"
)

// BadKind is a kind of bad message the bus must dead-letter rather than
// hand to a handler (or, for BadInvalidData, that the handler refuses).
type BadKind string

// The bad messages an Injector puts on every consumed topic.
const (
	// BadMalformed is not JSON at all: a truncated envelope.
	BadMalformed BadKind = "malformed"
	// BadUnknownType is a well-formed envelope whose event_type no topic has.
	BadUnknownType BadKind = "unknown_type"
	// BadInvalidEnvelope is the topic's envelope without its required
	// correlation_id.
	BadInvalidEnvelope BadKind = "invalid_envelope"
	// BadInvalidData is the topic's envelope whose data is a string, not the
	// object the topic's contract asks for.
	BadInvalidData BadKind = "invalid_data"
)

// BadKinds lists every kind, in the order an injection round uses.
var BadKinds = []BadKind{BadMalformed, BadUnknownType, BadInvalidEnvelope, BadInvalidData}

// Reason is the dead-letter reason (bus.Reason*) the bus must give a
// message of this kind.
func (k BadKind) Reason() string {
	switch k {
	case BadMalformed:
		return bus.ReasonUndecodable
	case BadUnknownType:
		return bus.ReasonUnknownType
	default:
		return bus.ReasonInvalid
	}
}

// MetaInjected marks every message an Injector publishes (bad ones with
// their kind, copies with "duplicate"), in the message metadata or Kafka
// headers, so it never copies its own messages and a reader can tell them
// from the platform's.
const MetaInjected = "fault_injected"

// RawMessage is one message as a transport carries it.
type RawMessage struct {
	Topic string
	// Key is the partition key: the batch id, else the essay id (on Kafka
	// the record key, in SQL topics the partition_key metadata).
	Key      string
	UUID     string
	Payload  []byte
	Metadata map[string]string
}

// Transport is the part of a bus an Injector needs: publishing raw bytes,
// reading what was published (to copy real events) and listing dead
// letters. SQLTransport and KafkaTransport implement it.
type Transport interface {
	// Publish puts msgs on their topics as they are, bypassing every check
	// a producer makes.
	Publish(ctx context.Context, msgs ...RawMessage) error
	// Read returns every message of topic not returned by an earlier Read.
	Read(ctx context.Context, topic string) ([]RawMessage, error)
	// ReadAll returns every message of topic, from its start.
	ReadAll(ctx context.Context, topic string) ([]RawMessage, error)
	// DeadLetters lists every dead letter of every topic.
	DeadLetters(ctx context.Context) ([]bus.DeadLetter, error)
	// Subscriptions maps every topic some consumer group subscribes to
	// onto those groups.
	Subscriptions(ctx context.Context) (map[string][]string, error)
	// Close releases the transport's clients.
	Close()
}

// SQLTransport is a Transport over topics kept as tables in a PostgreSQL
// (or SQLite) database, the way package bus keeps them.
type SQLTransport struct {
	db   *store.DB
	pub  *wsql.Publisher
	mu   sync.Mutex
	seen map[string]int64 // topic -> highest offset returned by Read
}

// NewSQLTransport returns the transport of db's SQL topics.
func NewSQLTransport(db *store.DB) (*SQLTransport, error) {
	schema, _, err := bus.SQLAdapters(db.Dialect, 0)
	if err != nil {
		return nil, err
	}
	pub, err := wsql.NewPublisher(wsql.BeginnerFromStdSQL(db.DB), wsql.PublisherConfig{SchemaAdapter: schema}, nil)
	if err != nil {
		return nil, err
	}
	return &SQLTransport{db: db, pub: pub, seen: map[string]int64{}}, nil
}

// Publish inserts the messages into their topics' tables.
func (s *SQLTransport) Publish(ctx context.Context, msgs ...RawMessage) error {
	for _, m := range msgs {
		wm := message.NewMessage(m.UUID, m.Payload)
		for k, v := range m.Metadata {
			wm.Metadata.Set(k, v)
		}
		wm.SetContext(ctx)
		if err := s.pub.Publish(m.Topic, wm); err != nil {
			return fmt.Errorf("publish %s on %s: %w", m.UUID, m.Topic, err)
		}
	}
	return nil
}

// Read returns the rows of topic above the highest offset returned before.
// A row committed late with a lower offset is missed: copying every real
// event is not needed, copying many is.
func (s *SQLTransport) Read(ctx context.Context, topic string) ([]RawMessage, error) {
	s.mu.Lock()
	from := s.seen[topic]
	s.mu.Unlock()
	out, last, err := s.read(ctx, topic, from)
	if err != nil {
		return nil, err
	}
	s.mu.Lock()
	s.seen[topic] = max(s.seen[topic], last)
	s.mu.Unlock()
	return out, nil
}

// ReadAll returns every row of topic.
func (s *SQLTransport) ReadAll(ctx context.Context, topic string) ([]RawMessage, error) {
	out, _, err := s.read(ctx, topic, 0)
	return out, err
}

// read returns the rows of topic above offset from, and the highest
// offset read.
func (s *SQLTransport) read(ctx context.Context, topic string, from int64) ([]RawMessage, int64, error) {
	table := wsql.DefaultPostgreSQLSchema{}.MessagesTable(topic)
	if s.db.Dialect == store.SQLite {
		table = bus.SQLiteSchema{}.MessagesTable(topic)
	}
	q := `SELECT "offset", uuid, payload, metadata FROM ` + table + ` WHERE "offset" > $1 ORDER BY "offset"` //nolint:gosec // table name from the schema adapter
	rows, err := s.db.QueryContext(ctx, q, from)
	if err != nil {
		if strings.Contains(err.Error(), "SQLSTATE 42P01") || strings.Contains(err.Error(), "no such table") {
			return nil, from, nil
		}
		return nil, from, fmt.Errorf("read topic %s: %w", topic, err)
	}
	defer rows.Close()
	var out []RawMessage
	for rows.Next() {
		var (
			off  int64
			m    = RawMessage{Topic: topic}
			meta []byte
		)
		if err := rows.Scan(&off, &m.UUID, &m.Payload, &meta); err != nil {
			return nil, from, fmt.Errorf("read topic %s: %w", topic, err)
		}
		if len(meta) > 0 {
			if err := json.Unmarshal(meta, &m.Metadata); err != nil {
				return nil, from, fmt.Errorf("read topic %s: metadata of %s: %w", topic, m.UUID, err)
			}
		}
		m.Key = m.Metadata[bus.MetaPartitionKey]
		from = max(from, off)
		out = append(out, m)
	}
	return out, from, rows.Err()
}

// DeadLetters reads every dead-letter table, as `hule dlq list` does.
func (s *SQLTransport) DeadLetters(ctx context.Context) ([]bus.DeadLetter, error) {
	return bus.ListDeadLetters(ctx, s.db, "")
}

// Subscriptions lists the topics with a dead-letter table (the bus
// declares one for every topic a route subscribes to when it starts) and
// the groups in each topic's offsets table (a subscriber enters its group
// there before it reads).
func (s *SQLTransport) Subscriptions(ctx context.Context) (map[string][]string, error) {
	topics, err := bus.DeadLetterTopics(ctx, s.db)
	if err != nil {
		return nil, err
	}
	out := make(map[string][]string, len(topics))
	for _, t := range topics {
		table := wsql.DefaultPostgreSQLOffsetsAdapter{}.MessagesOffsetsTable(t)
		if s.db.Dialect == store.SQLite {
			table = bus.SQLiteOffsets{}.OffsetsTable(t)
		}
		rows, err := s.db.QueryContext(ctx, `SELECT consumer_group FROM `+table+` ORDER BY consumer_group`) //nolint:gosec // table name from the offsets adapter
		if err != nil {
			return nil, fmt.Errorf("groups of %s: %w", t, err)
		}
		out[t] = []string{}
		for rows.Next() {
			var g string
			if err := rows.Scan(&g); err != nil {
				_ = rows.Close()
				return nil, err
			}
			out[t] = append(out[t], g)
		}
		_ = rows.Close()
		if err := rows.Err(); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// Close is a no-op: the database belongs to the caller.
func (s *SQLTransport) Close() {}

// KafkaTransport is a Transport over a Kafka cluster, with records laid out
// as package bus/kafka writes them (key, UUID header, metadata headers).
type KafkaTransport struct {
	brokers []string
	prod    *kgo.Client
	mu      sync.Mutex
	reader  *kgo.Client             // every topic from its start, for Read
	pending map[string][]RawMessage // records polled, by topic, not yet read
}

// NewKafkaTransport returns the transport of the cluster at brokers.
func NewKafkaTransport(brokers []string) (*KafkaTransport, error) {
	prod, err := kgo.NewClient(kgo.SeedBrokers(brokers...), kgo.AllowAutoTopicCreation())
	if err != nil {
		return nil, err
	}
	return &KafkaTransport{brokers: brokers, prod: prod, pending: map[string][]RawMessage{}}, nil
}

// Publish produces the messages synchronously, keyed by their partition
// key (the batch id) as the platform's producer keys them.
func (k *KafkaTransport) Publish(ctx context.Context, msgs ...RawMessage) error {
	recs := make([]*kgo.Record, len(msgs))
	for i, m := range msgs {
		key := m.Key
		if key == "" {
			key = m.UUID
		}
		hs := []kgo.RecordHeader{{Key: kafka.UUIDHeader, Value: []byte(m.UUID)}}
		for hk, v := range m.Metadata {
			hs = append(hs, kgo.RecordHeader{Key: hk, Value: []byte(v)})
		}
		recs[i] = &kgo.Record{Topic: m.Topic, Key: []byte(key), Value: m.Payload, Headers: hs}
	}
	return k.prod.ProduceSync(ctx, recs...).FirstErr()
}

// Read returns topic's records produced since the last Read. One client
// follows every topic; each Read polls it once, waiting at most a fifth of
// a second, and keeps the other topics' records for their Reads.
func (k *KafkaTransport) Read(ctx context.Context, topic string) ([]RawMessage, error) {
	k.mu.Lock()
	defer k.mu.Unlock()
	if k.reader == nil {
		cl, err := kgo.NewClient(kgo.SeedBrokers(k.brokers...), kgo.ConsumeRegex(), kgo.ConsumeTopics(".*"),
			kgo.ConsumeResetOffset(kgo.NewOffset().AtStart()), kgo.MetadataMinAge(time.Second))
		if err != nil {
			return nil, err
		}
		k.reader = cl
	}
	pctx, cancel := context.WithTimeout(ctx, 200*time.Millisecond)
	defer cancel()
	fs := k.reader.PollFetches(pctx)
	fs.EachRecord(func(r *kgo.Record) {
		if !strings.HasSuffix(r.Topic, bus.DLQSuffix) {
			k.pending[r.Topic] = append(k.pending[r.Topic], fromRecord(r))
		}
	})
	out := k.pending[topic]
	delete(k.pending, topic)
	return out, ctx.Err()
}

func fromRecord(r *kgo.Record) RawMessage {
	m := RawMessage{Topic: r.Topic, Key: string(r.Key), Payload: r.Value, Metadata: map[string]string{}}
	for _, h := range r.Headers {
		if h.Key == kafka.UUIDHeader {
			m.UUID = string(h.Value)
			continue
		}
		m.Metadata[h.Key] = string(h.Value)
	}
	return m
}

// DeadLetters reads every <topic>.DLQ topic, as `hule dlq list --bus
// kafka://...` does (the tests never replay, so that is from its start).
func (k *KafkaTransport) DeadLetters(ctx context.Context) ([]bus.DeadLetter, error) {
	return kafka.ListDeadLetters(ctx, k.brokers, "")
}

// ReadAll reads topic from the start to its end offsets at the call.
func (k *KafkaTransport) ReadAll(ctx context.Context, topic string) ([]RawMessage, error) {
	ends, err := kadm.NewClient(k.prod).ListEndOffsets(ctx, topic)
	if err != nil {
		return nil, fmt.Errorf("end offsets of %s: %w", topic, err)
	}
	want := int64(0)
	ends.Each(func(o kadm.ListedOffset) {
		if o.Err == nil {
			want += o.Offset
		}
	})
	if want == 0 {
		return nil, nil
	}
	cl, err := kgo.NewClient(kgo.SeedBrokers(k.brokers...), kgo.ConsumeTopics(topic),
		kgo.ConsumeResetOffset(kgo.NewOffset().AtStart()))
	if err != nil {
		return nil, err
	}
	defer cl.Close()
	var out []RawMessage
	for int64(len(out)) < want {
		fs := cl.PollFetches(ctx)
		if err := ctx.Err(); err != nil {
			return out, fmt.Errorf("read topic %s: %d of %d records: %w", topic, len(out), want, err)
		}
		fs.EachRecord(func(r *kgo.Record) { out = append(out, fromRecord(r)) })
	}
	return out, nil
}

// Subscriptions lists, per topic, the consumer groups whose members asked
// to consume it when they joined.
func (k *KafkaTransport) Subscriptions(ctx context.Context) (map[string][]string, error) {
	adm := kadm.NewClient(k.prod)
	groups, err := adm.ListGroups(ctx)
	if err != nil {
		return nil, fmt.Errorf("list groups: %w", err)
	}
	described, err := adm.DescribeGroups(ctx, groups.Groups()...)
	if err != nil {
		return nil, fmt.Errorf("describe groups: %w", err)
	}
	out := map[string][]string{}
	for _, g := range described.Sorted() {
		topics := map[string]bool{}
		for _, m := range g.Members {
			if md, ok := m.Join.AsConsumer(); ok {
				for _, t := range md.Topics {
					topics[t] = true
				}
			}
		}
		for t := range topics {
			out[t] = append(out[t], g.Group)
		}
	}
	for _, gs := range out {
		sort.Strings(gs)
	}
	return out, nil
}

// Close closes the transport's clients.
func (k *KafkaTransport) Close() {
	k.mu.Lock()
	defer k.mu.Unlock()
	if k.reader != nil {
		k.reader.Close()
	}
	k.prod.Close()
}

// Injected is one bad message an Injector published.
type Injected struct {
	Topic string
	UUID  string
	Kind  BadKind
}

// Injector puts bad messages and copies of real events on topics while a
// pipeline runs. Each Round publishes one message of every BadKind on every
// topic and a copy of every real event published since the last round.
type Injector struct {
	T      Transport
	Topics []string
	// Key is the partition key of the bad messages (the batch id), so on
	// Kafka they share the batch's partition and its order.
	Key string

	mu         sync.Mutex
	injected   []Injected
	duplicated map[string]int // topic -> copies published
}

// Injected returns the bad messages published so far.
func (in *Injector) Injected() []Injected {
	in.mu.Lock()
	defer in.mu.Unlock()
	return append([]Injected(nil), in.injected...)
}

// Duplicated returns, per topic, how many real events were published twice.
func (in *Injector) Duplicated() map[string]int {
	in.mu.Lock()
	defer in.mu.Unlock()
	out := make(map[string]int, len(in.duplicated))
	for k, v := range in.duplicated {
		out[k] = v
	}
	return out
}

// Run injects a round at once and then every interval until ctx ends. A
// round runs to its end whatever ctx does, so that Injected names every
// message published.
func (in *Injector) Run(ctx context.Context, every time.Duration) error {
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		rctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), time.Minute)
		err := in.Round(rctx)
		cancel()
		if err != nil {
			return err
		}
		select {
		case <-ctx.Done():
			return nil
		case <-t.C:
		}
	}
}

// Round publishes one bad message of each kind on every topic and copies
// of the real events published on them since the previous round.
func (in *Injector) Round(ctx context.Context) error {
	var msgs []RawMessage
	var bad []Injected
	dups := map[string]int{}
	for _, topic := range in.Topics {
		real, err := in.T.Read(ctx, topic)
		if err != nil {
			return err
		}
		for _, m := range real {
			if m.Metadata[MetaInjected] != "" {
				continue // never copy what was injected
			}
			c := m
			c.Metadata = make(map[string]string, len(m.Metadata)+1)
			for k, v := range m.Metadata {
				c.Metadata[k] = v
			}
			c.Metadata[MetaInjected] = "duplicate"
			msgs = append(msgs, c)
			dups[topic]++
		}
		for _, kind := range BadKinds {
			m, err := BadMessage(topic, kind, in.Key)
			if err != nil {
				return err
			}
			msgs = append(msgs, m)
			bad = append(bad, Injected{Topic: topic, UUID: m.UUID, Kind: kind})
		}
	}
	if err := in.T.Publish(ctx, msgs...); err != nil {
		return err
	}
	in.mu.Lock()
	defer in.mu.Unlock()
	in.injected = append(in.injected, bad...)
	if in.duplicated == nil {
		in.duplicated = map[string]int{}
	}
	for t, n := range dups {
		in.duplicated[t] += n
	}
	return nil
}

// BadMessage builds a message of kind for topic, with a fresh id, keyed by
// key. It starts from the topic's example envelope (events.Example) when
// the topic has one, so that only the flaw the kind names is wrong.
func BadMessage(topic string, kind BadKind, key string) (RawMessage, error) {
	id := uuid.New()
	env, ok := events.Example(topic)
	var obj map[string]any
	if ok {
		env.EventID, env.CorrelationID, env.EventTimestamp = id, uuid.New(), events.Now()
		b, err := events.Marshal(&env)
		if err != nil {
			return RawMessage{}, fmt.Errorf("example of %s: %w", topic, err)
		}
		if err := json.Unmarshal(b, &obj); err != nil {
			return RawMessage{}, err
		}
	} else {
		obj = map[string]any{
			"event_id": id.String(), "event_type": topic, "event_timestamp": time.Now().UTC().Format(time.RFC3339Nano),
			"source_service": "fault-injector", "schema_version": 1, "correlation_id": uuid.NewString(),
			"data_schema_uri": nil, "data": map[string]any{}, "metadata": map[string]any{},
		}
	}
	switch kind {
	case BadMalformed:
	case BadUnknownType:
		obj["event_type"] = "huleedu.fault.no_such_event.v1"
	case BadInvalidEnvelope:
		delete(obj, "correlation_id")
	case BadInvalidData:
		obj["data"] = "not an object"
	default:
		return RawMessage{}, fmt.Errorf("bad message kind %q", kind)
	}
	payload, err := json.Marshal(obj)
	if err != nil {
		return RawMessage{}, err
	}
	if kind == BadMalformed {
		payload = payload[:len(payload)/2] // cut mid-envelope: not JSON
	}
	return RawMessage{Topic: topic, Key: key, UUID: id.String(), Payload: payload, Metadata: map[string]string{
		bus.MetaEventType: topic, kafka.PartitionKeyMetadata: key, MetaInjected: string(kind),
	}}, nil
}

// CheckDeadLetters compares the dead letters with what was injected: every
// injected message must be dead-lettered exactly once by every group
// subscribed to its topic (subs, from Transport.Subscriptions), on its
// topic, with its kind's reason and an error; any other dead letter (a real
// event refused) is a violation too.
func CheckDeadLetters(injected []Injected, subs map[string][]string, dls []bus.DeadLetter) []string {
	want := make(map[string]Injected, len(injected))
	for _, in := range injected {
		want[in.UUID] = in
	}
	got := map[string]int{} // uuid + " " + handler
	var out []string
	for _, dl := range dls {
		in, ok := want[dl.ID]
		if !ok {
			out = append(out, fmt.Sprintf("dead letter %s on %s (%s) was not injected: %s", dl.ID, dl.Topic, dl.Reason, dl.Error))
			continue
		}
		got[dl.ID+" "+dl.Handler]++
		if dl.Topic != in.Topic {
			out = append(out, fmt.Sprintf("%s %s injected on %s, dead-lettered on %s", in.Kind, in.UUID, in.Topic, dl.Topic))
		}
		if dl.Reason != in.Kind.Reason() {
			out = append(out, fmt.Sprintf("%s on %s: reason %q, want %q (%s)", in.Kind, in.Topic, dl.Reason, in.Kind.Reason(), dl.Error))
		}
		if dl.Error == "" {
			out = append(out, fmt.Sprintf("%s on %s: dead letter without an error", in.Kind, in.Topic))
		}
	}
	missing := map[string]int{}
	for _, in := range injected {
		groups := subs[in.Topic]
		if len(groups) == 0 {
			out = append(out, fmt.Sprintf("%s injected on %s, which no group consumes", in.Kind, in.Topic))
			continue
		}
		for _, g := range groups {
			switch n := got[in.UUID+" "+g+"/"+in.Topic]; n {
			case 0:
				missing[g+"/"+in.Topic+" "+string(in.Kind)]++
			case 1:
			default:
				out = append(out, fmt.Sprintf("%s %s dead-lettered %d times by %s/%s", in.Kind, in.UUID, n, g, in.Topic))
			}
		}
	}
	keys := make([]string, 0, len(missing))
	for k := range missing {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		out = append(out, fmt.Sprintf("not in the DLQ: %d injected messages handled by %s", missing[k], k))
	}
	return out
}
