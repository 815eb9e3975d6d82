// Package kafka is hule's Kafka transport: a Watermill message.Publisher and
// message.Subscriber written on franz-go.
//
// It exists instead of watermill-kafka because that adapter keeps one message
// per partition in flight, so one slow essay stalls every batch that hashes to
// its partition. Here a partition is split into per-key queues: records with
// the same key (the batch id, or the essay id where there is no batch) are
// handled strictly in order, records with different keys concurrently, and
// the committed offset only ever moves over a contiguous run of acknowledged
// records. Delivery is at least once; the bus above makes handlers idempotent.
//
// It also holds the operator's dead-letter tools for Kafka (dlq.go), which
// `hule dlq` calls: a Kafka log cannot delete records, so they keep a
// replay cursor instead.
package kafka

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kgo"
)

// PartitionKeyMetadata is the Watermill metadata key whose value becomes the
// Kafka record key. The bus sets it to the batch id (the essay id when there
// is no batch) so that all events of one batch share a partition and an order.
const PartitionKeyMetadata = "partition_key"

// UUIDHeader is the Kafka header that carries the Watermill message UUID. The
// name matches watermill-kafka's, so either adapter can read the other's topics.
const UUIDHeader = "_watermill_message_uuid"

// TopicCreation says who creates a topic that does not exist yet.
type TopicCreation string

// The ways a topic can come into existence.
const (
	// TopicsAdmin creates missing topics through the admin API with the
	// configured partitions and replication factor (the default).
	TopicsAdmin TopicCreation = "admin"
	// TopicsBroker leaves creation to the broker's auto.create.topics.enable
	// (with the broker's default partition count).
	TopicsBroker TopicCreation = "broker"
	// TopicsExisting never creates topics: they must be provisioned beforehand.
	TopicsExisting TopicCreation = "existing"
)

// Defaults applied to zero-valued Config fields.
const (
	DefaultClientID        = "hule"
	DefaultPartitions      = 6
	DefaultMaxInFlight     = 256
	DefaultNackResendDelay = 100 * time.Millisecond
	DefaultRevokeTimeout   = 10 * time.Second
	DefaultProduceTimeout  = 30 * time.Second
	DefaultFetchMaxWait    = 500 * time.Millisecond
)

// Config configures a Publisher or a Subscriber. Zero values take the
// documented defaults; Validate rejects values that cannot work.
type Config struct {
	// Brokers are the seed brokers, host:port.
	Brokers []string
	// ClientID names the client in broker logs and quotas (default "hule").
	ClientID string
	// ConsumerGroup is the group a Subscriber joins, normally the service
	// name: copies of one service share its partitions. Required for
	// NewSubscriber, ignored by NewPublisher.
	ConsumerGroup string
	// TopicCreation says how missing topics are created (default TopicsAdmin).
	TopicCreation TopicCreation
	// Partitions is the partition count of topics created with TopicsAdmin
	// (default 6).
	Partitions int32
	// ReplicationFactor of topics created with TopicsAdmin; 0 or -1 means the
	// broker's default.replication.factor.
	ReplicationFactor int16
	// MaxInFlight bounds the records one subscription holds between fetch and
	// acknowledgement, queued or handed out (default 256).
	MaxInFlight int
	// NackResendDelay is the pause before a nacked message is offered again
	// (default 100ms). The router's retry middleware does the real backoff.
	NackResendDelay time.Duration
	// RevokeTimeout is how long a rebalance waits for handed-out messages of
	// revoked partitions to be acknowledged before giving them up to the new
	// owner (default 10s). It must stay below the group's rebalance timeout.
	RevokeTimeout time.Duration
	// ProduceTimeout bounds how long Publish waits for Kafka to acknowledge a
	// record before failing it (default 30s, at least 1s).
	ProduceTimeout time.Duration
	// FetchMaxWait is how long the broker may hold a fetch open waiting for
	// data (default 500ms, Kafka's own default; franz-go's 5s would delay
	// partitions gained in a rebalance until the open fetch returns).
	FetchMaxWait time.Duration
	// SessionTimeout and HeartbeatInterval tune group liveness; zero keeps
	// franz-go's defaults (45s and 3s). Tests shorten them for quick rebalances.
	SessionTimeout    time.Duration
	HeartbeatInterval time.Duration
	// InstanceID, when set, makes the subscriber a static group member
	// (KIP-345): a process restarted with the same id (after a crash or a
	// deploy) takes back its partitions at once, without a rebalance and
	// without the group waiting out the dead member's session. It must be
	// unique per process within the group; each subscription appends its
	// topic, since every topic has a client of its own. A static member
	// does not leave the group on Close, so its partitions wait for the
	// restart or for SessionTimeout: keep that short enough for the
	// scale-down case.
	InstanceID string
}

// Validate reports the first configuration error.
func (c Config) Validate() error {
	if len(c.Brokers) == 0 {
		return errors.New("kafka config: no brokers")
	}
	for _, b := range c.Brokers {
		if strings.TrimSpace(b) == "" {
			return errors.New("kafka config: empty broker address")
		}
	}
	switch c.TopicCreation {
	case "", TopicsAdmin, TopicsBroker, TopicsExisting:
	default:
		return fmt.Errorf("kafka config: topic creation %q is not admin, broker or existing", c.TopicCreation)
	}
	switch {
	case c.Partitions < 0:
		return fmt.Errorf("kafka config: partitions %d < 0", c.Partitions)
	case c.ReplicationFactor < -1:
		return fmt.Errorf("kafka config: replication factor %d < -1", c.ReplicationFactor)
	case c.MaxInFlight < 0:
		return fmt.Errorf("kafka config: max in flight %d < 0", c.MaxInFlight)
	case c.ProduceTimeout > 0 && c.ProduceTimeout < time.Second:
		return fmt.Errorf("kafka config: produce timeout %s < 1s (franz-go's minimum)", c.ProduceTimeout)
	case strings.ContainsAny(c.InstanceID, " \t\n"):
		return fmt.Errorf("kafka config: instance id %q contains white space", c.InstanceID)
	case c.NackResendDelay < 0, c.RevokeTimeout < 0, c.ProduceTimeout < 0,
		c.FetchMaxWait < 0, c.SessionTimeout < 0, c.HeartbeatInterval < 0:
		return errors.New("kafka config: negative duration")
	}
	return nil
}

// withDefaults fills zero-valued fields.
func (c Config) withDefaults() Config {
	if c.ClientID == "" {
		c.ClientID = DefaultClientID
	}
	if c.TopicCreation == "" {
		c.TopicCreation = TopicsAdmin
	}
	if c.Partitions == 0 {
		c.Partitions = DefaultPartitions
	}
	if c.ReplicationFactor == 0 {
		c.ReplicationFactor = -1
	}
	if c.MaxInFlight == 0 {
		c.MaxInFlight = DefaultMaxInFlight
	}
	if c.NackResendDelay == 0 {
		c.NackResendDelay = DefaultNackResendDelay
	}
	if c.RevokeTimeout == 0 {
		c.RevokeTimeout = DefaultRevokeTimeout
	}
	if c.ProduceTimeout == 0 {
		c.ProduceTimeout = DefaultProduceTimeout
	}
	if c.FetchMaxWait == 0 {
		c.FetchMaxWait = DefaultFetchMaxWait
	}
	return c
}

// clientOpts are the options every client of this package shares.
func (c Config) clientOpts(logger *slog.Logger) []kgo.Opt {
	opts := []kgo.Opt{
		kgo.SeedBrokers(c.Brokers...),
		kgo.ClientID(c.ClientID),
		kgo.WithLogger(kgoLogger{logger}),
	}
	if c.TopicCreation == TopicsBroker {
		opts = append(opts, kgo.AllowAutoTopicCreation())
	}
	return opts
}

// BrokersFromURL turns a bus URL such as "kafka://host1:9092,host2:9092" into
// the broker list of a Config.
func BrokersFromURL(raw string) ([]string, error) {
	u, err := url.Parse(raw)
	if err != nil {
		return nil, fmt.Errorf("parse bus url: %w", err)
	}
	if u.Scheme != "kafka" {
		return nil, fmt.Errorf("bus url %q: scheme is not kafka", raw)
	}
	var brokers []string
	for b := range strings.SplitSeq(u.Host, ",") {
		if b = strings.TrimSpace(b); b != "" {
			brokers = append(brokers, b)
		}
	}
	if len(brokers) == 0 {
		return nil, fmt.Errorf("bus url %q: no brokers", raw)
	}
	return brokers, nil
}

// topicMaker creates missing topics once per topic name, as configured.
type topicMaker struct {
	cfg   Config
	adm   *kadm.Client
	mu    sync.Mutex
	known map[string]bool
}

func newTopicMaker(cfg Config, cl *kgo.Client) *topicMaker {
	return &topicMaker{cfg: cfg, adm: kadm.NewClient(cl), known: map[string]bool{}}
}

// ensure creates topic when the config asks for admin creation and this
// process has not already made sure it exists.
func (m *topicMaker) ensure(ctx context.Context, topic string) error {
	if m.cfg.TopicCreation != TopicsAdmin {
		return nil
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.known[topic] {
		return nil
	}
	resp, err := m.adm.CreateTopic(ctx, m.cfg.Partitions, m.cfg.ReplicationFactor, nil, topic)
	if err == nil {
		err = resp.Err
	}
	if err != nil && !errors.Is(err, kerr.TopicAlreadyExists) {
		return fmt.Errorf("create topic %s: %w", topic, err)
	}
	m.known[topic] = true
	return nil
}

// kgoLogger routes franz-go's logs into slog. franz-go's info level is chatty
// (every connection and group step), so it maps to slog's debug.
type kgoLogger struct{ l *slog.Logger }

func (k kgoLogger) slogLevel(level kgo.LogLevel) slog.Level {
	switch level {
	case kgo.LogLevelError:
		return slog.LevelError
	case kgo.LogLevelWarn:
		return slog.LevelWarn
	case kgo.LogLevelInfo:
		return slog.LevelDebug
	default:
		return slog.LevelDebug - 4
	}
}

func (k kgoLogger) Level() kgo.LogLevel {
	for _, lvl := range []kgo.LogLevel{kgo.LogLevelDebug, kgo.LogLevelInfo, kgo.LogLevelWarn, kgo.LogLevelError} {
		if k.l.Enabled(context.Background(), k.slogLevel(lvl)) {
			return lvl
		}
	}
	return kgo.LogLevelNone
}

func (k kgoLogger) Log(level kgo.LogLevel, msg string, keyvals ...any) {
	k.l.Log(context.Background(), k.slogLevel(level), msg, append([]any{"component", "franz-go"}, keyvals...)...)
}
