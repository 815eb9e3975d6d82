package bus

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"maps"
	"reflect"
	"strings"
	"sync"

	wsql "github.com/ThreeDotsLabs/watermill-sql/v4/pkg/sql"
	"github.com/ThreeDotsLabs/watermill/components/forwarder"
	"github.com/ThreeDotsLabs/watermill/message"
	"github.com/google/uuid"
	"go.opentelemetry.io/otel/propagation"

	"github.com/hule-dev/hule/internal/events"
	"github.com/hule-dev/hule/internal/store"
)

// Watermill message metadata keys the bus writes next to the payload, so a
// transport can route and trace without decoding the envelope.
const (
	MetaEventType     = "event_type"
	MetaCorrelationID = "correlation_id"
	// MetaPartitionKey is the Kafka record key: the batch id, else the essay
	// id, so events of one batch keep their order. Per-essay work requests
	// that need no order (spellcheck) are keyed by essay (WithKey), so a
	// batch spreads over partitions and consumer copies.
	MetaPartitionKey = "partition_key"
)

// metaEnvelope is what every *events.Envelope[T] offers.
type metaEnvelope interface {
	MetaString(k string) string
	SetMeta(k string, v any)
}

// cloneEnvelope copies the *events.Envelope[T] behind env, giving the copy
// its own metadata map, so that Outgoing values stay independent.
func cloneEnvelope(env metaEnvelope) metaEnvelope {
	v := reflect.ValueOf(env).Elem()
	c := reflect.New(v.Type())
	c.Elem().Set(v)
	if m := c.Elem().FieldByName("Metadata"); m.IsValid() {
		if mm, ok := m.Interface().(map[string]any); ok {
			m.Set(reflect.ValueOf(maps.Clone(mm)))
		}
	}
	return c.Interface().(metaEnvelope)
}

// Outgoing is an envelope ready to publish. Make one with Event.
type Outgoing struct {
	topic         string
	key           string
	eventID       uuid.UUID
	correlationID uuid.UUID
	env           metaEnvelope
}

// Event prepares env for publishing on its event type's topic. The
// envelope is copied; the caller's value is not changed.
func Event[T any](env events.Envelope[T]) Outgoing {
	e := env
	e.Metadata = maps.Clone(env.Metadata)
	if e.Metadata == nil {
		e.Metadata = map[string]any{}
	}
	return Outgoing{topic: env.EventType, eventID: env.EventID, correlationID: env.CorrelationID,
		key: keyOf(reflect.ValueOf(env.Data)), env: &e}
}

// WithMeta returns o with envelope metadata key k set to v (such as
// events.MetaUserID); o itself is not changed.
func (o Outgoing) WithMeta(k string, v any) Outgoing {
	if o.env == nil {
		return o
	}
	env := cloneEnvelope(o.env)
	env.SetMeta(k, v)
	o.env = env
	return o
}

// EventWithMeta is o.WithMeta(k, v).
func EventWithMeta(o Outgoing, k string, v any) Outgoing { return o.WithMeta(k, v) }

// WithKey sets the partition key (batch id, else essay id), replacing the
// one Event took from the data's string fields tagged batch_id, essay_id or
// entity_id (the first non-empty in that order).
func (o Outgoing) WithKey(key string) Outgoing {
	o.key = key
	return o
}

// Topic returns the topic the event goes to.
func (o Outgoing) Topic() string { return o.topic }

// Key returns the partition key the event is published with.
func (o Outgoing) Key() string { return o.key }

// EventID returns the envelope's event id.
func (o Outgoing) EventID() uuid.UUID { return o.eventID }

var traceContext = propagation.TraceContext{}

// encode turns o into a Watermill message: the trace context of ctx goes
// into the envelope metadata unless the producer set one, the envelope is
// encoded with events.Marshal, and ids, type, trace context and key are
// copied into the message metadata.
func (o Outgoing) encode(ctx context.Context) (*message.Message, error) {
	if o.env == nil || o.topic == "" {
		return nil, errors.New("publish: empty event (use bus.Event)")
	}
	if o.env.MetaString(events.MetaTraceparent) == "" {
		carrier := propagation.MapCarrier{}
		traceContext.Inject(ctx, carrier)
		for k, v := range carrier {
			o.env.SetMeta(k, v)
		}
	}
	payload, err := events.Marshal(o.env)
	if err != nil {
		return nil, fmt.Errorf("encode %s %s: %w", o.topic, o.eventID, err)
	}
	msg := message.NewMessage(o.eventID.String(), payload)
	msg.Metadata.Set(MetaEventType, o.topic)
	msg.Metadata.Set(MetaCorrelationID, o.correlationID.String())
	for _, k := range []string{events.MetaTraceparent, events.MetaTracestate} {
		if v := o.env.MetaString(k); v != "" {
			msg.Metadata.Set(k, v)
		}
	}
	if o.key != "" {
		msg.Metadata.Set(MetaPartitionKey, o.key)
	}
	msg.SetContext(ctx)
	return msg, nil
}

// keyFields caches, per data type, the index paths of its key fields.
var keyFields sync.Map // reflect.Type -> [][]int

var keyTags = []string{"batch_id", "essay_id", "entity_id"}

// keyOf finds the partition key in event data: the first non-empty string
// field tagged batch_id, essay_id or entity_id (embedded structs included).
func keyOf(v reflect.Value) string {
	for v.Kind() == reflect.Pointer || v.Kind() == reflect.Interface {
		if v.IsNil() {
			return ""
		}
		v = v.Elem()
	}
	if v.Kind() != reflect.Struct {
		return ""
	}
	t := v.Type()
	paths, ok := keyFields.Load(t)
	if !ok {
		var found [][]int
		fields := reflect.VisibleFields(t)
		for _, tag := range keyTags {
			for _, f := range fields {
				name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
				if name == tag && f.IsExported() && (f.Type.Kind() == reflect.String ||
					f.Type.Kind() == reflect.Pointer && f.Type.Elem().Kind() == reflect.String) {
					found = append(found, f.Index)
					break
				}
			}
		}
		paths, _ = keyFields.LoadOrStore(t, found)
	}
	for _, idx := range paths.([][]int) {
		f, err := v.FieldByIndexErr(idx)
		if err != nil {
			continue
		}
		if f.Kind() == reflect.Pointer {
			if f.IsNil() {
				continue
			}
			f = f.Elem()
		}
		if s := f.String(); s != "" {
			return s
		}
	}
	return ""
}

// Publish writes events through tx, in order: with SQL topics into the
// topic tables, with Kafka into the outbox that the relay forwards. They
// become visible when tx commits, and vanish with it on rollback. In an
// optimistic batch (see batch.go) the rows are written with the batch's
// other outgoing events just before its offsets, in one insert per topic.
func (b *Bus) Publish(ctx context.Context, tx *sql.Tx, evs ...Outgoing) error {
	msgs := make([]*message.Message, len(evs))
	for i, o := range evs {
		m, err := o.encode(ctx)
		if err != nil {
			return err
		}
		msgs[i] = m
	}
	if c := bufferingConsumer(ctx, tx); c != nil {
		c.batch.hold(evs, msgs)
		return nil
	}
	// One insert per run of events with the same topic.
	for start := 0; start < len(evs); {
		end := start + 1
		for end < len(evs) && evs[end].topic == evs[start].topic {
			end++
		}
		if err := b.publishMessages(ctx, tx, evs[start].topic, msgs[start:end]...); err != nil {
			return err
		}
		start = end
	}
	return nil
}

// PublishCompletion publishes the two events of a finished unit of work,
// the thin one for orchestrators and the rich one for aggregators, in tx:
// both become visible or neither.
func (b *Bus) PublishCompletion(ctx context.Context, tx *sql.Tx, thin, rich Outgoing) error {
	if thin.env == nil || rich.env == nil {
		return errors.New("publish completion: thin and rich events are both required")
	}
	if thin.topic == rich.topic {
		return fmt.Errorf("publish completion: thin and rich events share topic %s", thin.topic)
	}
	return b.Publish(ctx, tx, thin, rich)
}

// PublishFailure publishes the thin event of a failed unit of work (status
// failed, error info filled). A failure has no rich event.
func (b *Bus) PublishFailure(ctx context.Context, tx *sql.Tx, thin Outgoing) error {
	if thin.env == nil {
		return errors.New("publish failure: thin event required")
	}
	return b.Publish(ctx, tx, thin)
}

// publishMessages writes messages of one topic through tx.
func (b *Bus) publishMessages(ctx context.Context, tx *sql.Tx, topic string, msgs ...*message.Message) error {
	table := topic
	if !b.sqlTopics() {
		table = OutboxTopic
	}
	if _, ok := b.declared.Load(table); !ok {
		// Not declared: create it inside tx (both dialects have
		// transactional DDL), without caching, as tx may roll back.
		if err := b.createTopic(ctx, tx, table); err != nil {
			return fmt.Errorf("create topic %s: %w", table, err)
		}
	}
	if b.sqlTopics() && len(msgs) == 1 {
		if st, ok := b.inserts.Load(topic); ok {
			// Fast path: the single-row insert prepared by Declare.
			q, err := b.schema.InsertQuery(wsql.InsertQueryParams{Topic: topic, Msgs: msgs})
			if err != nil {
				return fmt.Errorf("publish %s: %w", topic, err)
			}
			sctx := ctx
			if b.db.Dialect == store.SQLite {
				sctx = context.WithoutCancel(ctx) // see statements.context
			}
			ts := tx.StmtContext(sctx, st.(*sql.Stmt))
			defer ts.Close()
			if _, err := ts.ExecContext(sctx, q.Args...); err != nil {
				return fmt.Errorf("publish %s: %w", topic, err)
			}
			b.m.published.WithLabelValues(topic).Inc()
			return nil
		}
	}
	var pub message.Publisher
	pub, err := wsql.NewPublisher(wsql.TxFromStdSQL(tx), wsql.PublisherConfig{SchemaAdapter: b.schema}, b.wlog)
	if err != nil {
		return fmt.Errorf("tx publisher: %w", err)
	}
	if !b.sqlTopics() {
		pub = forwarder.NewPublisher(pub, forwarder.PublisherConfig{ForwarderTopic: OutboxTopic})
	}
	if err := pub.Publish(topic, msgs...); err != nil {
		return fmt.Errorf("publish %s: %w", topic, err)
	}
	b.m.published.WithLabelValues(topic).Add(float64(len(msgs)))
	return nil
}
