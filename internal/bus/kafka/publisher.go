package kafka

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"sync/atomic"

	"github.com/ThreeDotsLabs/watermill/message"
	"github.com/twmb/franz-go/pkg/kgo"
)

// ErrClosed is returned by Publish and Subscribe after Close.
var ErrClosed = errors.New("kafka: closed")

// Publisher produces Watermill messages to Kafka. Publish returns only after
// every broker in the in-sync replica set acknowledged every record (acks=all
// on an idempotent producer), which is what lets the outbox relay mark a row
// sent as soon as Publish returns nil.
type Publisher struct {
	cfg    Config
	log    *slog.Logger
	cl     *kgo.Client
	topics *topicMaker

	closed    atomic.Bool
	closeOnce sync.Once
}

var _ message.Publisher = (*Publisher)(nil)

// NewPublisher connects a producer client; no broker round trip happens until
// the first Publish.
func NewPublisher(cfg Config, logger *slog.Logger) (*Publisher, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	cfg = cfg.withDefaults()
	opts := append(cfg.clientOpts(logger),
		kgo.RequiredAcks(kgo.AllISRAcks()), // idempotence is franz-go's default; it needs acks=all
		kgo.RecordDeliveryTimeout(cfg.ProduceTimeout),
		// Publish waits for its records, so lingering for more only adds
		// latency; records still batch while a request is in flight.
		kgo.ProducerLinger(0),
	)
	cl, err := kgo.NewClient(opts...)
	if err != nil {
		return nil, fmt.Errorf("new kafka producer: %w", err)
	}
	return &Publisher{cfg: cfg, log: logger, cl: cl, topics: newTopicMaker(cfg, cl)}, nil
}

// Publish produces msgs to topic and waits for Kafka's acknowledgement of all
// of them. Messages with the same partition key keep their relative order. A
// message's context cancels its own delivery only while it is still buffered.
func (p *Publisher) Publish(topic string, msgs ...*message.Message) error {
	if p.closed.Load() {
		return ErrClosed
	}
	if len(msgs) == 0 {
		return nil
	}
	ctx := msgs[0].Context()
	if err := p.topics.ensure(ctx, topic); err != nil {
		return err
	}
	errs := make([]error, len(msgs))
	var wg sync.WaitGroup
	wg.Add(len(msgs))
	for i, msg := range msgs {
		p.cl.Produce(msg.Context(), toRecord(topic, msg), func(_ *kgo.Record, err error) {
			if err != nil {
				errs[i] = fmt.Errorf("produce message %s to %s: %w", msg.UUID, topic, err)
			}
			wg.Done()
		})
	}
	wg.Wait()
	return errors.Join(errs...)
}

// Close stops the producer. Publish calls already waiting finish with an
// error if their records were not yet acknowledged. Close is idempotent.
func (p *Publisher) Close() error {
	p.closeOnce.Do(func() {
		p.closed.Store(true)
		p.cl.Close()
	})
	return nil
}

// toRecord maps a message onto a record: key from the partition-key metadata
// (the UUID when absent), UUID and every metadata entry as headers.
func toRecord(topic string, msg *message.Message) *kgo.Record {
	key := msg.Metadata.Get(PartitionKeyMetadata)
	if key == "" {
		key = msg.UUID
	}
	headers := make([]kgo.RecordHeader, 0, len(msg.Metadata)+1)
	headers = append(headers, kgo.RecordHeader{Key: UUIDHeader, Value: []byte(msg.UUID)})
	for k, v := range msg.Metadata {
		headers = append(headers, kgo.RecordHeader{Key: k, Value: []byte(v)})
	}
	return &kgo.Record{Topic: topic, Key: []byte(key), Value: msg.Payload, Headers: headers}
}

// toMessage rebuilds the Watermill message a record was made from.
func toMessage(ctx context.Context, rec *kgo.Record) *message.Message {
	var id string
	md := make(message.Metadata, len(rec.Headers))
	for _, h := range rec.Headers {
		if h.Key == UUIDHeader {
			id = string(h.Value)
			continue
		}
		md[h.Key] = string(h.Value)
	}
	msg := message.NewMessage(id, rec.Value)
	msg.Metadata = md
	msg.SetContext(ctx)
	return msg
}
