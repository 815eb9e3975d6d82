package bus

import (
	"errors"
	"fmt"
	"strings"
	"time"
)

// Config selects the transport and tunes delivery. Zero fields take the
// defaults of DefaultConfig when passed to New.
type Config struct {
	// Transport is "sqlite" (topics as tables in the SQLite database),
	// "postgres" (topics as tables in the PostgreSQL database) or
	// "kafka://host:port[,host:port...]" (Kafka, fed from an outbox table in
	// the service database).
	Transport string
	// PollInterval is how often an idle SQL-topic subscriber looks for new
	// rows.
	PollInterval time.Duration
	// BatchSize is how many messages one SQL-topic subscriber transaction
	// reads; their handlers and offsets commit together.
	BatchSize int
	// AckDeadline bounds one message's handling (all attempts included)
	// before the subscriber gives up and redelivers it.
	AckDeadline time.Duration
	// MaxAttempts is how often a transient failure is tried before the
	// message is dead-lettered.
	MaxAttempts int
	// InitialBackoff is the pause after the first failed attempt; it doubles
	// per attempt up to MaxBackoff.
	InitialBackoff time.Duration
	MaxBackoff     time.Duration
	// CloseTimeout bounds the wait for in-flight handlers at shutdown.
	CloseTimeout time.Duration
}

// DefaultConfig returns the defaults for transport.
func DefaultConfig(transport string) Config {
	return Config{
		Transport:      transport,
		PollInterval:   50 * time.Millisecond,
		BatchSize:      100,
		AckDeadline:    2 * time.Minute,
		MaxAttempts:    5,
		InitialBackoff: 100 * time.Millisecond,
		MaxBackoff:     2 * time.Second,
		CloseTimeout:   30 * time.Second,
	}
}

// Transport kinds, as returned by Config.Kind.
const (
	KindSQLite   = "sqlite"
	KindPostgres = "postgres"
	KindKafka    = "kafka"
)

// Kind returns the transport kind: KindSQLite, KindPostgres or KindKafka.
func (c Config) Kind() string {
	if strings.HasPrefix(c.Transport, "kafka://") {
		return KindKafka
	}
	return c.Transport
}

// KafkaBrokers returns the broker addresses of a kafka:// transport.
func (c Config) KafkaBrokers() []string {
	rest, ok := strings.CutPrefix(c.Transport, "kafka://")
	if !ok {
		return nil
	}
	var out []string
	for _, b := range strings.Split(rest, ",") {
		if b = strings.TrimSpace(b); b != "" {
			out = append(out, b)
		}
	}
	return out
}

// withDefaults fills zero fields from DefaultConfig.
func (c Config) withDefaults() Config {
	d := DefaultConfig(c.Transport)
	if c.PollInterval == 0 {
		c.PollInterval = d.PollInterval
	}
	if c.BatchSize == 0 {
		c.BatchSize = d.BatchSize
	}
	if c.AckDeadline == 0 {
		c.AckDeadline = d.AckDeadline
	}
	if c.MaxAttempts == 0 {
		c.MaxAttempts = d.MaxAttempts
	}
	if c.InitialBackoff == 0 {
		c.InitialBackoff = d.InitialBackoff
	}
	if c.MaxBackoff == 0 {
		c.MaxBackoff = d.MaxBackoff
	}
	if c.CloseTimeout == 0 {
		c.CloseTimeout = d.CloseTimeout
	}
	return c
}

// Validate reports every problem of the configuration at once.
func (c Config) Validate() error {
	var errs []error
	switch c.Kind() {
	case KindSQLite, KindPostgres:
	case KindKafka:
		if len(c.KafkaBrokers()) == 0 {
			errs = append(errs, errors.New("transport kafka:// names no broker"))
		}
	default:
		errs = append(errs, fmt.Errorf("transport %q: want sqlite, postgres or kafka://brokers", c.Transport))
	}
	if c.PollInterval < 0 || c.AckDeadline < 0 || c.InitialBackoff < 0 || c.MaxBackoff < 0 || c.CloseTimeout < 0 {
		errs = append(errs, errors.New("durations must not be negative"))
	}
	if c.BatchSize < 0 {
		errs = append(errs, fmt.Errorf("batch size %d must not be negative", c.BatchSize))
	}
	if c.MaxAttempts < 0 {
		errs = append(errs, fmt.Errorf("max attempts %d must not be negative", c.MaxAttempts))
	}
	if c.MaxBackoff != 0 && c.InitialBackoff > c.MaxBackoff {
		errs = append(errs, fmt.Errorf("initial backoff %s exceeds max backoff %s", c.InitialBackoff, c.MaxBackoff))
	}
	return errors.Join(errs...)
}
