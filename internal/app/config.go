package app

import (
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"time"

	"github.com/hule-dev/hule/internal/gateway"
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
	GatewayGroup    string        `flag:"gateway-group" env:"HULE_GATEWAY_GROUP" usage:"consumer group of this gateway's live notifications (unique per gateway process when several run)"`

	Gateway gateway.Config
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
		GatewayGroup:    gateway.Group,
		Gateway:         gateway.DefaultConfig(),
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
	if c.KafkaPartitions <= 0 {
		errs = append(errs, errors.New("--kafka-partitions must be positive"))
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
