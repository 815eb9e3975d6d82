package app

import (
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"time"

	"github.com/hule-dev/hule/internal/gateway"
	"github.com/hule-dev/hule/internal/results"
)

// Config is the platform's configuration, bound to flags and HULE_*
// variables by the config package. Service settings nest in it.
type Config struct {
	DataDir         string        `flag:"data" env:"HULE_DATA" usage:"data directory of the embedded mode: the SQLite file and the content store"`
	DB              string        `flag:"db" env:"HULE_DB" usage:"database: empty for SQLite in the data directory, or a postgres:// URL"`
	Bus             string        `flag:"bus" env:"HULE_BUS" usage:"bus: empty for topics as tables in the database, or kafka://host:port[,host:port]"`
	Addr            string        `flag:"addr" env:"HULE_ADDR" usage:"HTTP listen address (API, dashboard, health, metrics)"`
	LogLevel        string        `flag:"log-level" env:"HULE_LOG_LEVEL" usage:"log level: debug, info, warn, error"`
	LogFormat       string        `flag:"log-format" env:"HULE_LOG_FORMAT" usage:"log format: text or json"`
	ContentMaxBytes int64         `flag:"content-max-bytes" env:"HULE_CONTENT_MAX_BYTES" usage:"largest blob the content store accepts"`
	ShutdownTimeout time.Duration `flag:"shutdown-timeout" env:"HULE_SHUTDOWN_TIMEOUT" usage:"how long a stopping process waits for in-flight work"`
	KafkaPartitions int           `flag:"kafka-partitions" env:"HULE_KAFKA_PARTITIONS" usage:"partitions of Kafka topics hule creates"`
	KafkaInstanceID string        `flag:"kafka-instance-id" env:"HULE_KAFKA_INSTANCE_ID" usage:"static consumer-group member id, unique per process: a restart with the same id keeps its partitions without a rebalance (empty: dynamic membership)"`
	KafkaSession    time.Duration `flag:"kafka-session-timeout" env:"HULE_KAFKA_SESSION_TIMEOUT" usage:"how long a consumer group waits for a silent member before moving its partitions"`
	GatewayGroup    string        `flag:"gateway-group" env:"HULE_GATEWAY_GROUP" usage:"consumer group of this gateway's live notifications (unique per gateway process when several run)"`

	Gateway gateway.Config
	CJ      CJConfig
	Results results.Config

	// Getenv reads provider API keys (named by the judge settings). The
	// command line passes the process environment; nil reads nothing.
	Getenv func(string) string
}

// CJConfig holds the comparative-judgement settings.
type CJConfig struct {
	Judge           string        `flag:"judge" env:"HULE_JUDGE" usage:"judge: offline, openai (any OpenAI-compatible server) or anthropic"`
	JudgeModel      string        `flag:"judge-model" env:"HULE_JUDGE_MODEL" usage:"model of an LLM judge (empty: the provider's default in hule)"`
	JudgeBaseURL    string        `flag:"judge-base-url" env:"HULE_JUDGE_BASE_URL" usage:"base URL of an OpenAI-compatible or Anthropic server (empty: the provider's public API)"`
	JudgeAPIKeyEnv  string        `flag:"judge-api-key-env" env:"HULE_JUDGE_API_KEY_ENV" usage:"environment variable holding the judge's API key (default OPENAI_API_KEY / ANTHROPIC_API_KEY)"`
	Comparisons     int           `flag:"cj-comparisons" env:"HULE_CJ_COMPARISONS" usage:"comparisons per essay"`
	Scale           string        `flag:"cj-scale" env:"HULE_CJ_SCALE" usage:"grade scale: swedish_8_anchor, eng5_np_legacy_9_step or eng5_np_national_9_step"`
	Concurrency     int           `flag:"cj-concurrency" env:"HULE_CJ_CONCURRENCY" usage:"judge calls of one wave run at once"`
	MinSuccessRate  float64       `flag:"cj-min-success" env:"HULE_CJ_MIN_SUCCESS" usage:"share of comparisons that must succeed for a batch to be assessed"`
	Lease           time.Duration `flag:"cj-lease" env:"HULE_CJ_LEASE" usage:"claim on a running CJ job, renewed while it runs: how soon another process resumes the job of a crashed one"`
	SpellDictionary string        `flag:"spell-dict-dir" env:"HULE_SPELL_DICT_DIR" usage:"directory of hunspell dictionaries (Swedish)"`
}

// DefaultConfig is the embedded default a new user gets.
func DefaultConfig() Config {
	return Config{
		DataDir:         "hule-data",
		Addr:            "127.0.0.1:8080",
		LogLevel:        "info",
		LogFormat:       "text",
		ContentMaxBytes: 5 << 20,
		ShutdownTimeout: 30 * time.Second,
		KafkaPartitions: 6,
		KafkaSession:    45 * time.Second,
		GatewayGroup:    gateway.Group,
		Gateway:         gateway.DefaultConfig(),
		Results:         results.DefaultConfig(),
		CJ: CJConfig{
			Judge:          "offline",
			Comparisons:    12,
			Scale:          "swedish_8_anchor",
			Concurrency:    8,
			MinSuccessRate: 0.8,
			Lease:          30 * time.Second,
		},
	}
}

// Validate reports every problem at once.
func (c *Config) Validate() error {
	var errs []error
	if c.DB == "" && c.DataDir == "" {
		errs = append(errs, errors.New("--data: a data directory is needed when --db is empty"))
	}
	if c.DB != "" && !strings.HasPrefix(c.DB, "postgres://") && !strings.HasPrefix(c.DB, "postgresql://") {
		errs = append(errs, fmt.Errorf("--db %q: want a postgres:// URL (or empty for SQLite)", c.DB))
	}
	if c.Bus != "" && c.Bus != "sql" && !strings.HasPrefix(c.Bus, "kafka://") {
		errs = append(errs, fmt.Errorf("--bus %q: want empty, sql, or kafka://host:port", c.Bus))
	}
	if _, err := parseLevel(c.LogLevel); err != nil {
		errs = append(errs, err)
	}
	if c.LogFormat != "text" && c.LogFormat != "json" {
		errs = append(errs, fmt.Errorf("--log-format %q: want text or json", c.LogFormat))
	}
	if c.ContentMaxBytes <= 0 {
		errs = append(errs, errors.New("--content-max-bytes must be positive"))
	}
	if err := c.Gateway.Validate(); err != nil {
		errs = append(errs, err)
	}
	if c.CJ.Comparisons < 1 {
		errs = append(errs, errors.New("--cj-comparisons must be at least 1"))
	}
	if c.CJ.Lease < time.Second {
		errs = append(errs, errors.New("--cj-lease must be at least 1s"))
	}
	if c.CJ.MinSuccessRate < 0 || c.CJ.MinSuccessRate > 1 {
		errs = append(errs, errors.New("--cj-min-success must be between 0 and 1"))
	}
	if c.KafkaPartitions <= 0 {
		errs = append(errs, errors.New("--kafka-partitions must be positive"))
	}
	if c.KafkaSession < 6*time.Second || c.KafkaSession > 30*time.Minute {
		// Kafka brokers refuse sessions outside group.min/max.session.timeout.ms
		// (6 s and 30 min by default).
		errs = append(errs, errors.New("--kafka-session-timeout must be between 6s and 30m"))
	}
	return errors.Join(errs...)
}

func parseLevel(s string) (slog.Level, error) {
	var l slog.Level
	if err := l.UnmarshalText([]byte(s)); err != nil {
		return 0, fmt.Errorf("--log-level %q: want debug, info, warn or error", s)
	}
	return l, nil
}

// busTransport maps the configuration to the bus package's transport.
func (c *Config) busTransport() string {
	if strings.HasPrefix(c.Bus, "kafka://") {
		return c.Bus
	}
	if c.DB != "" {
		return "postgres"
	}
	return "sqlite"
}
