package bus

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"time"

	wsql "github.com/ThreeDotsLabs/watermill-sql/v4/pkg/sql"
	"github.com/ThreeDotsLabs/watermill/message"

	"github.com/hule-dev/hule/internal/store"
)

// Relay forwards the outbox (Kafka mode) to a publisher. Each round reads
// up to a batch of outbox rows after the relay's offset, in commit order,
// hands them to the publisher (one Publish call per run of rows with the
// same destination topic, so the target may send them concurrently while
// keeping per-key order), and advances the offset in the same transaction
// only after the publisher acknowledged all of them. A crash between
// publish and commit re-sends that batch on restart; consumers are
// idempotent. The producer's event id and timestamp travel inside the
// payload unchanged.
//
// Rows are the envelopes of Watermill's forwarder component (written by
// forwarder.Publisher in Publish), read here in batches rather than one
// message per round trip as forwarder.Forwarder does.
//
// On PostgreSQL every process of a distributed deployment runs a relay
// over the one shared outbox, but only one of them works at a time: the
// one holding a session advisory lock on a dedicated connection. The
// others try again every LeaderPoll. Relays working side by side would
// only collide on the offset row (serialization failures) and could
// reorder a key's events; the lock goes with the connection, so a killed
// leader's place is taken within a poll.
type Relay struct {
	db      *store.DB
	target  message.Publisher
	log     *slog.Logger
	schema  wsql.SchemaAdapter
	offsets wsql.OffsetsAdapter
	poll    time.Duration
	running chan struct{}
	lockKey int64 // PostgreSQL: the advisory lock of this schema's relay
}

// LeaderPoll is how often a PostgreSQL relay that is not the leader tries
// to become it.
const LeaderPoll = time.Second

// relayBatch is how many outbox rows one relay transaction forwards.
const relayBatch = 500

// NewRelay builds a relay from db's outbox to target.
func NewRelay(db *store.DB, target message.Publisher, logger *slog.Logger) (*Relay, error) {
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	schema, offsets, err := SQLAdapters(db.Dialect, relayBatch)
	if err != nil {
		return nil, err
	}
	return &Relay{db: db, target: target, log: logger, schema: schema, offsets: offsets,
		poll: 10 * time.Millisecond, running: make(chan struct{})}, nil
}

// Running is closed once the relay has initialized its tables.
func (r *Relay) Running() <-chan struct{} { return r.running }

// Run relays until ctx ends.
func (r *Relay) Run(ctx context.Context) error {
	if err := r.init(ctx); err != nil {
		return err
	}
	close(r.running)
	if r.db.Dialect != store.Postgres {
		return r.relay(ctx, r.db.DB)
	}
	for {
		conn, err := r.lead(ctx)
		if ctx.Err() != nil {
			return nil
		}
		if err != nil {
			r.log.Warn("outbox relay election failed", "err", err)
		}
		if conn == nil {
			if err := sleep(ctx, LeaderPoll); err != nil {
				return nil //nolint:nilerr // cancellation is the normal end
			}
			continue
		}
		r.log.Debug("outbox relay leads")
		err = r.relay(ctx, conn)
		_ = conn.Close() // ends the session, and with it the lock
		if err != nil {
			r.log.Warn("outbox relay lost its connection", "err", err)
		}
		if ctx.Err() != nil {
			return nil
		}
	}
}

// lead returns a connection holding the relay's advisory lock, or nil
// when another relay holds it.
func (r *Relay) lead(ctx context.Context) (*sql.Conn, error) {
	conn, err := r.db.Conn(ctx)
	if err != nil {
		return nil, err
	}
	var got bool
	if err := conn.QueryRowContext(ctx, `SELECT pg_try_advisory_lock($1)`, r.lockKey).Scan(&got); err != nil || !got {
		_ = conn.Close()
		return nil, err
	}
	return conn, nil
}

// txBeginner is what a relay round runs its transaction on: the pool
// (SQLite) or the leader's connection (PostgreSQL).
type txBeginner interface {
	BeginTx(ctx context.Context, opts *sql.TxOptions) (*sql.Tx, error)
	PingContext(ctx context.Context) error
}

// relay runs rounds on db until ctx ends (nil) or, on the leader's
// connection, the connection fails (its error).
func (r *Relay) relay(ctx context.Context, db txBeginner) error {
	pause := time.Duration(0)
	for {
		if err := sleep(ctx, pause); err != nil {
			return nil //nolint:nilerr // cancellation is the normal end
		}
		n, err := r.round(ctx, db)
		switch {
		case ctx.Err() != nil:
			return nil
		case err != nil:
			r.log.Warn("outbox relay round failed", "err", err)
			if perr := db.PingContext(ctx); perr != nil && ctx.Err() == nil {
				return perr
			}
			pause = time.Second
		case n == 0:
			pause = r.poll
		default:
			pause = 0
		}
	}
}

func (r *Relay) init(ctx context.Context) error {
	if r.db.Dialect == store.Postgres {
		var schema string
		if err := r.db.QueryRowContext(ctx, `SELECT current_schema()`).Scan(&schema); err != nil {
			return fmt.Errorf("relay: current schema: %w", err)
		}
		// One lock per schema: deployments sharing a server do not wait
		// for each other.
		r.lockKey = store.LockKey("hule outbox relay", schema)
	}
	return store.InTx(ctx, r.db.DB, func(tx *sql.Tx) error {
		qs, err := r.schema.SchemaInitializingQueries(wsql.SchemaInitializingQueriesParams{Topic: OutboxTopic})
		if err != nil {
			return err
		}
		oq, err := r.offsets.SchemaInitializingQueries(wsql.OffsetsSchemaInitializingQueriesParams{Topic: OutboxTopic})
		if err != nil {
			return err
		}
		bq, err := r.offsets.BeforeSubscribingQueries(wsql.BeforeSubscribingQueriesParams{Topic: OutboxTopic, ConsumerGroup: relayGroup})
		if err != nil {
			return err
		}
		for _, q := range append(append(qs, oq...), bq...) {
			if _, err := tx.ExecContext(ctx, q.Query, q.Args...); err != nil {
				return fmt.Errorf("init outbox: %w", err)
			}
		}
		return nil
	})
}

// outboxEnvelope is the JSON that forwarder.Publisher writes per message.
type outboxEnvelope struct {
	DestinationTopic string            `json:"destination_topic"`
	UUID             string            `json:"uuid"`
	Payload          []byte            `json:"payload"`
	Metadata         map[string]string `json:"metadata"`
}

// round forwards one batch and reports how many rows it forwarded.
func (r *Relay) round(ctx context.Context, db txBeginner) (n int, err error) {
	tx, err := db.BeginTx(ctx, &sql.TxOptions{Isolation: r.schema.SubscribeIsolationLevel()})
	if err != nil {
		return 0, fmt.Errorf("begin relay tx: %w", err)
	}
	defer func() {
		if err != nil || n == 0 {
			_ = tx.Rollback()
			return
		}
		if cErr := tx.Commit(); cErr != nil {
			err = fmt.Errorf("commit relay offset: %w", cErr)
		}
	}()
	rows, err := r.readBatch(ctx, tx)
	if err != nil || len(rows) == 0 {
		return 0, err
	}
	msgs := make([]*message.Message, len(rows))
	topics := make([]string, len(rows))
	for i, row := range rows {
		var env outboxEnvelope
		if err := json.Unmarshal(row.Payload, &env); err != nil || env.DestinationTopic == "" {
			// Only Publish writes the outbox; a row that is not an envelope
			// cannot be delivered anywhere, so it is skipped, loudly.
			r.log.Error("outbox row is not a forwarder envelope; skipped", "offset", row.Offset, "err", err)
			continue
		}
		m := message.NewMessage(env.UUID, env.Payload)
		m.Metadata = env.Metadata
		if m.Metadata == nil {
			m.Metadata = message.Metadata{}
		}
		m.SetContext(ctx)
		msgs[i], topics[i] = m, env.DestinationTopic
	}
	for start := 0; start < len(msgs); {
		if msgs[start] == nil {
			start++
			continue
		}
		end := start + 1
		for end < len(msgs) && msgs[end] != nil && topics[end] == topics[start] {
			end++
		}
		if err := r.target.Publish(topics[start], msgs[start:end]...); err != nil {
			return 0, fmt.Errorf("relay to %s: %w", topics[start], err)
		}
		start = end
	}
	ack, err := r.offsets.AckMessageQuery(wsql.AckMessageQueryParams{
		Topic: OutboxTopic, LastRow: rows[len(rows)-1], Rows: rows, ConsumerGroup: relayGroup,
	})
	if err != nil {
		return 0, err
	}
	if _, err := tx.ExecContext(ctx, ack.Query, ack.Args...); err != nil {
		return 0, fmt.Errorf("advance relay offset: %w", err)
	}
	return len(rows), nil
}

func (r *Relay) readBatch(ctx context.Context, tx *sql.Tx) ([]wsql.Row, error) {
	sel, err := r.schema.SelectQuery(wsql.SelectQueryParams{Topic: OutboxTopic, ConsumerGroup: relayGroup, OffsetsAdapter: r.offsets})
	if err != nil {
		return nil, err
	}
	rs, err := tx.QueryContext(ctx, sel.Query, sel.Args...)
	if err != nil {
		return nil, fmt.Errorf("read outbox: %w", err)
	}
	defer rs.Close()
	var rows []wsql.Row
	for rs.Next() {
		row, err := r.schema.UnmarshalMessage(wsql.UnmarshalMessageParams{Row: rs})
		if err != nil {
			if errors.Is(err, sql.ErrNoRows) {
				break
			}
			return nil, fmt.Errorf("read outbox: %w", err)
		}
		rows = append(rows, row)
	}
	return rows, rs.Err()
}
