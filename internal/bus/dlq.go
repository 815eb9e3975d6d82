package bus

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"time"

	wsql "github.com/ThreeDotsLabs/watermill-sql/v4/pkg/sql"
	"github.com/ThreeDotsLabs/watermill/message"

	"github.com/hule-dev/hule/internal/store"
)

// DeadLetter is one message in a dead-letter topic: a SQL table here, or a
// Kafka topic read by package bus/kafka.
type DeadLetter struct {
	// ID is the message id: the event id for events the bus published.
	ID string
	// Offset is the message's position in the dead-letter topic (in its
	// partition, on Kafka).
	Offset int64
	// Topic is the topic the message failed on.
	Topic    string
	Reason   string
	Error    string
	Handler  string
	Attempts int
	Time     time.Time
	// Payload is the original bytes; Metadata the original metadata plus
	// the dlq_* keys.
	Payload  []byte
	Metadata map[string]string
}

// MetaDLQPrefix starts every metadata key the bus adds to a dead letter
// (MetaDLQReason and the others); replay drops the keys that have it.
const MetaDLQPrefix = "dlq_"

// IsDLQMetadata reports whether key is one the bus added when it
// dead-lettered a message, rather than one of the original message.
func IsDLQMetadata(key string) bool { return strings.HasPrefix(key, MetaDLQPrefix) }

// NewDeadLetter builds the DeadLetter of a message read from the dead-letter
// topic of topic, filling Topic, Reason, Error, Handler, Attempts and Time
// from the dlq_* keys of meta (Topic stays topic when meta names none).
// Every transport's reader builds its dead letters with it, so they read
// alike.
func NewDeadLetter(topic, id string, offset int64, payload []byte, meta map[string]string) DeadLetter {
	dl := DeadLetter{ID: id, Offset: offset, Topic: topic, Payload: payload, Metadata: meta}
	if t := meta[MetaDLQTopic]; t != "" {
		dl.Topic = t
	}
	dl.Reason = meta[MetaDLQReason]
	dl.Error = meta[MetaDLQError]
	dl.Handler = meta[MetaDLQHandler]
	dl.Attempts, _ = strconv.Atoi(meta[MetaDLQAttempts])
	dl.Time, _ = time.Parse(time.RFC3339Nano, meta[MetaDLQTime])
	return dl
}

// DeadLetterTopics lists the topics (without the .DLQ suffix) that have a
// dead-letter table in db.
func DeadLetterTopics(ctx context.Context, db *store.DB) ([]string, error) {
	q := `SELECT name FROM sqlite_master WHERE type = 'table' AND name LIKE 'watermill\_%.DLQ' ESCAPE '\' ORDER BY name`
	if db.Dialect == store.Postgres {
		q = `SELECT table_name FROM information_schema.tables
			WHERE table_schema = current_schema() AND table_name LIKE 'watermill\_%.DLQ' ESCAPE '\' ORDER BY table_name`
	}
	rows, err := db.QueryContext(ctx, q)
	if err != nil {
		return nil, fmt.Errorf("list dead-letter tables: %w", err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var name string
		if err := rows.Scan(&name); err != nil {
			return nil, fmt.Errorf("list dead-letter tables: %w", err)
		}
		t := strings.TrimSuffix(strings.TrimPrefix(name, "watermill_"), DLQSuffix)
		if strings.HasPrefix(name, "watermill_offsets_") {
			continue
		}
		out = append(out, t)
	}
	return out, rows.Err()
}

// ListDeadLetters returns the dead letters of topic, or of every topic when
// topic is "", oldest first per topic.
func ListDeadLetters(ctx context.Context, db *store.DB, topic string) ([]DeadLetter, error) {
	topics := []string{topic}
	if topic == "" {
		var err error
		if topics, err = DeadLetterTopics(ctx, db); err != nil {
			return nil, err
		}
	}
	var out []DeadLetter
	for _, t := range topics {
		dls, err := readDeadLetters(ctx, db.DB, db.Dialect, t, "")
		if err != nil {
			return nil, err
		}
		out = append(out, dls...)
	}
	return out, nil
}

type querier interface {
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
}

func readDeadLetters(ctx context.Context, q querier, d store.Dialect, topic, id string) ([]DeadLetter, error) {
	if err := validTopic(topic); err != nil {
		return nil, err
	}
	query := `SELECT "offset", uuid, payload, metadata FROM ` + messagesTable(d, topic+DLQSuffix)
	var args []any
	if id != "" {
		query += ` WHERE uuid = $1`
		args = append(args, id)
	}
	rows, err := q.QueryContext(ctx, query+` ORDER BY "offset"`, args...)
	if err != nil {
		if isMissingTable(err) {
			return nil, nil
		}
		return nil, fmt.Errorf("read dead letters of %s: %w", topic, err)
	}
	defer rows.Close()
	var out []DeadLetter
	for rows.Next() {
		var (
			offset  int64
			id      string
			payload []byte
			rawMeta []byte
			meta    map[string]string
		)
		if err := rows.Scan(&offset, &id, &payload, &rawMeta); err != nil {
			return nil, fmt.Errorf("read dead letters of %s: %w", topic, err)
		}
		if len(rawMeta) > 0 {
			if err := json.Unmarshal(rawMeta, &meta); err != nil {
				return nil, fmt.Errorf("dead letter %s metadata: %w", id, err)
			}
		}
		out = append(out, NewDeadLetter(topic, id, offset, payload, meta))
	}
	return out, rows.Err()
}

func isMissingTable(err error) bool {
	s := err.Error()
	return strings.Contains(s, "no such table") || strings.Contains(s, "SQLSTATE 42P01")
}

func validTopic(topic string) error {
	for _, r := range topic {
		ok := r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || strings.ContainsRune("-$:._", r)
		if !ok {
			return fmt.Errorf("topic %q: invalid character %q", topic, r)
		}
	}
	if topic == "" {
		return fmt.Errorf("empty topic")
	}
	return nil
}

// Replay moves dead letters back to the topic they failed on, in one
// transaction: the original bytes and metadata (without the dlq_* keys) are
// published again and the dead letters deleted. With id set only the dead
// letters with that message id are replayed (topic "" searches every
// topic); otherwise every dead letter of topic. It returns how many were
// replayed. The events were never recorded as processed, so their handlers
// run again.
func Replay(ctx context.Context, db *store.DB, topic, id string) (int, error) {
	if topic == "" && id == "" {
		return 0, fmt.Errorf("replay: need a topic or an id")
	}
	topics := []string{topic}
	if topic == "" {
		var err error
		if topics, err = DeadLetterTopics(ctx, db); err != nil {
			return 0, err
		}
	}
	schema, _, err := SQLAdapters(db.Dialect, 0)
	if err != nil {
		return 0, err
	}
	n := 0
	err = store.InTx(ctx, db.DB, func(tx *sql.Tx) error {
		n = 0
		pub, err := wsql.NewPublisher(wsql.TxFromStdSQL(tx), wsql.PublisherConfig{SchemaAdapter: schema}, nil)
		if err != nil {
			return err
		}
		for _, t := range topics {
			dls, err := readDeadLetters(ctx, tx, db.Dialect, t, id)
			if err != nil {
				return err
			}
			for _, dl := range dls {
				msg := message.NewMessage(dl.ID, dl.Payload)
				for k, v := range dl.Metadata {
					if !IsDLQMetadata(k) {
						msg.Metadata.Set(k, v)
					}
				}
				msg.SetContext(ctx)
				if err := ensureTopic(ctx, tx, schema, dl.Topic); err != nil {
					return err
				}
				if err := pub.Publish(dl.Topic, msg); err != nil {
					return fmt.Errorf("replay %s to %s: %w", dl.ID, dl.Topic, err)
				}
				del := `DELETE FROM ` + messagesTable(db.Dialect, t+DLQSuffix) + ` WHERE "offset" = $1` //nolint:gosec // table name from a validated topic
				if _, err := tx.ExecContext(ctx, del, dl.Offset); err != nil {
					return fmt.Errorf("delete dead letter %s: %w", dl.ID, err)
				}
				n++
			}
		}
		return nil
	})
	return n, err
}

func ensureTopic(ctx context.Context, tx *sql.Tx, schema wsql.SchemaAdapter, topic string) error {
	qs, err := schema.SchemaInitializingQueries(wsql.SchemaInitializingQueriesParams{Topic: topic})
	if err != nil {
		return err
	}
	for _, q := range qs {
		if _, err := tx.ExecContext(ctx, q.Query, q.Args...); err != nil {
			return fmt.Errorf("create topic %s: %w", topic, err)
		}
	}
	return nil
}
