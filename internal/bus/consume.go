package bus

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"maps"
	"math/rand/v2"
	"strconv"
	"sync"
	"time"

	wsql "github.com/ThreeDotsLabs/watermill-sql/v4/pkg/sql"
	"github.com/ThreeDotsLabs/watermill/message"
	"github.com/prometheus/client_golang/prometheus"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/propagation"
	"go.opentelemetry.io/otel/trace"

	"github.com/hule-dev/hule/internal/events"
	"github.com/hule-dev/hule/internal/fault"
	"github.com/hule-dev/hule/internal/store"
)

// Dead-letter reasons, stored in the MetaDLQReason metadata.
const (
	// ReasonUndecodable: the bytes are not a well-formed envelope.
	ReasonUndecodable = "undecodable"
	// ReasonUnknownType: the event type is not the topic's, or no Go type
	// is registered for it.
	ReasonUnknownType = "unknown_type"
	// ReasonInvalid: the envelope or its data breaks the contract.
	ReasonInvalid = "invalid"
	// ReasonPermanent: the handler returned a permanent error.
	ReasonPermanent = "permanent"
	// ReasonRetriesExhausted: every attempt failed transiently.
	ReasonRetriesExhausted = "retries_exhausted"
)

// Metadata keys of a dead letter; the payload is the original bytes and the
// original metadata is kept beside these.
const (
	MetaDLQReason   = "dlq_reason"
	MetaDLQError    = "dlq_error"
	MetaDLQHandler  = "dlq_handler"
	MetaDLQAttempts = "dlq_attempts"
	MetaDLQTime     = "dlq_time"
	MetaDLQTopic    = "dlq_topic"
)

// errDuplicate reports an event this consumer group already processed.
var errDuplicate = errors.New("duplicate event")

// newConsumer returns the consumer of one route, whose handle method is
// the router handler: decode, trace, attempt with retries, dead-letter.
// Messages of SQL topics are handled on one long-lived goroutine per route
// (see consumer.run), in an optimistic batch (see batch.go).
func (b *Bus) newConsumer(group, topic string, h Handler, quit <-chan struct{}) *consumer {
	return &consumer{
		b: b, group: group, topic: topic, name: group + "/" + topic, h: h,
		consumed:   b.m.consumed.WithLabelValues(topic, group),
		duplicates: b.m.duplicates.WithLabelValues(topic, group),
		retried:    b.m.retried.WithLabelValues(topic, group),
		duration:   b.m.duration.WithLabelValues(topic, group),
		lag:        b.m.lag.WithLabelValues(topic, group),
		work:       make(chan job),
		quit:       quit,
	}
}

// consumer handles the messages of one route. Its metric series are looked
// up once, not per message.
type consumer struct {
	b                    *Bus
	group, topic, name   string
	h                    Handler
	consumed, duplicates prometheus.Counter
	retried              prometheus.Counter
	duration             prometheus.Observer
	lag                  prometheus.Gauge

	// batch is the state of the subscriber transaction being handled. The
	// worker goroutine uses it while handling a message and the ack query
	// (flush) while the worker waits; batchMu makes that hand-over explicit,
	// because the subscriber runs the ack query without waiting for the
	// worker when it is closing or an ack deadline passed.
	batchMu sync.Mutex
	batch   batchState
	// canDefer: the route's outgoing events and idempotency records may
	// wait for the batch's ack query (see batch.go); set before the router
	// runs, as is schema, the route's subscriber's schema adapter (nil for
	// Kafka).
	canDefer bool
	schema   *routeSchema

	startWorker sync.Once
	work        chan job
	quit        <-chan struct{}

	// conflicts counts, per message, the transactions rolled back because
	// the database refused them for a concurrent update (serialization
	// failure, deadlock): see conflict. Only the worker goroutine uses it.
	conflicts map[string]int
}

// maxConflicts bounds how often one message's transaction is rolled back
// and read again for a concurrent-update conflict before the conflict is
// treated like any transient failure (retried, then dead-lettered).
const maxConflicts = 50

// conflict handles a handler error that says the database refused the
// transaction for a concurrent update (PostgreSQL's serialization failure
// or deadlock, SQLite's busy). Retrying inside the same transaction cannot
// succeed: its snapshot stays stale. So the whole subscriber transaction is
// rolled back after a short jittered pause and the batch is read again in
// a fresh one, without spending the message's attempts. It reports whether
// it took the message.
func (c *consumer) conflict(ctx context.Context, tx *sql.Tx, msg *message.Message, err error) bool {
	if tx == nil || !store.Retryable(err) {
		return false
	}
	if c.conflicts == nil {
		c.conflicts = map[string]int{}
	}
	n := c.conflicts[msg.UUID]
	if n >= maxConflicts {
		return false
	}
	c.conflicts[msg.UUID] = n + 1
	c.retried.Inc()
	pause := time.Duration(rand.Int64N(int64(5*time.Millisecond)*int64(min(n+1, 20)) + 1))
	_ = sleep(ctx, pause)
	_ = c.abort(ctx, tx, msg, nil)
	return true
}

// job is one message of a SQL topic handed to the worker goroutine.
type job struct {
	msg   *message.Message
	tx    *sql.Tx
	reply chan<- error
}

// handle is the router handler. The Watermill router runs every message on
// a goroutine of its own; SQLite's deep call stacks made each of them grow
// its stack several times (a tenth of the CPU per event), so messages in a
// subscriber transaction, which arrive one at a time anyway, are passed to
// one long-lived worker whose stack stays grown. Kafka messages, which may
// be handled concurrently, run on the router's goroutine.
func (c *consumer) handle(msg *message.Message) error {
	tx := subscriberTx(msg.Context())
	if tx == nil {
		return c.process(msg, nil)
	}
	c.startWorker.Do(func() { go c.run() })
	reply := make(chan error, 1)
	select {
	case c.work <- job{msg: msg, tx: tx, reply: reply}:
	case <-c.quit:
		return errors.New("bus stopped")
	}
	return <-reply
}

// run is the worker goroutine of the route's SQL-topic messages.
func (c *consumer) run() {
	for {
		select {
		case j := <-c.work:
			j.reply <- c.process(j.msg, j.tx)
		case <-c.quit:
			return
		}
	}
}

// process handles one message: in tx (the subscriber's transaction) when
// the transport has one, else in a transaction per attempt.
func (c *consumer) process(msg *message.Message, tx *sql.Tx) error {
	start := time.Now()
	ctx := traceContext.Extract(msg.Context(), propagation.MapCarrier(msg.Metadata))
	ctx, span := c.b.tracer.Start(ctx, c.topic+" process",
		trace.WithSpanKind(trace.SpanKindConsumer),
		trace.WithAttributes(
			attribute.String("messaging.destination.name", c.topic),
			attribute.String("messaging.consumer.group.name", c.group),
			attribute.String("messaging.message.id", msg.UUID),
		))
	defer span.End()
	defer func() { c.duration.Observe(time.Since(start).Seconds()) }()

	raw, err := events.DecodeRaw(msg.Payload)
	if err == nil && raw.EventType != c.topic {
		err = fault.Permanent(fmt.Errorf("event type %q on topic %q", raw.EventType, c.topic))
	}
	if err == nil {
		c.lag.Set(time.Since(raw.EventTimestamp.Time).Seconds())
	}
	if tx != nil {
		c.batchMu.Lock()
		defer c.batchMu.Unlock()
		return c.inBatch(ctx, tx, msg, raw, err)
	}
	return c.careful(ctx, nil, msg, raw, err, nil, false)
}

// logger returns the message's logger; it is built only on the paths that
// log.
func (c *consumer) logger(msg *message.Message, raw events.Raw, decoded bool) *slog.Logger {
	if !decoded {
		return c.b.log.With("event_type", c.topic, "event_id", msg.UUID,
			"correlation_id", msg.Metadata.Get(MetaCorrelationID), "consumer_group", c.group)
	}
	return c.b.log.With("event_type", raw.EventType, "event_id", raw.EventID.String(),
		"correlation_id", raw.CorrelationID.String(), "consumer_group", c.group)
}

// careful handles one message with a savepoint around every attempt (in
// tx), or a transaction per attempt (tx nil): decodeErr dead-letters at
// once; otherwise the handler is attempted with retries. firstErr, when
// set, is the result of an attempt already made (and undone), which counts
// as attempt 1. replay marks a message handled again after its batch was
// rolled back, which the metrics counted already.
func (c *consumer) careful(ctx context.Context, tx *sql.Tx, msg *message.Message, raw events.Raw,
	decodeErr, firstErr error, replay bool,
) error {
	if decodeErr != nil {
		return c.deadLetter(ctx, tx, msg, raw, false, reasonOf(decodeErr, true), decodeErr, 0, replay)
	}
	err := firstErr
	if err == nil {
		err = c.b.attempt(ctx, tx, c.group, raw, c.h)
	}
	for attempt := 1; ; attempt++ {
		switch {
		case err == nil:
			if !replay {
				c.consumed.Inc()
			}
			delete(c.conflicts, msg.UUID)
			return nil
		case errors.Is(err, errDuplicate):
			if !replay {
				c.duplicates.Inc()
			}
			c.debug(msg, raw, "duplicate event acknowledged")
			return nil
		case c.conflict(ctx, tx, msg, err):
			return nil // rolled back: the batch comes again in a new transaction
		case fault.IsPermanent(err):
			return c.deadLetter(ctx, tx, msg, raw, true, reasonOf(err, false), err, attempt, replay)
		case attempt >= c.b.cfg.MaxAttempts:
			return c.deadLetter(ctx, tx, msg, raw, true, ReasonRetriesExhausted, err, attempt, replay)
		}
		if ctx.Err() != nil {
			trace.SpanFromContext(ctx).SetStatus(codes.Error, err.Error())
			return fmt.Errorf("handle %s: %w", c.name, err)
		}
		c.retried.Inc()
		c.logger(msg, raw, true).Warn("handler failed, retrying", "attempt", attempt, "err", err)
		if err := sleep(ctx, backoff(c.b.cfg.InitialBackoff, c.b.cfg.MaxBackoff, attempt)); err != nil {
			return err
		}
		err = c.b.attempt(ctx, tx, c.group, raw, c.h)
	}
}

// debug logs at debug level, building the logger only when it is enabled.
func (c *consumer) debug(msg *message.Message, raw events.Raw, text string) {
	if c.b.log.Enabled(context.Background(), slog.LevelDebug) {
		c.logger(msg, raw, true).Debug(text)
	}
}

// reasonOf classifies a permanent error. decoding says whether it came from
// decoding the envelope (rather than from the handler).
func reasonOf(err error, decoding bool) string {
	var de *events.DecodeError
	var ve *events.ValidationError
	switch {
	case errors.As(err, &de):
		switch de.Kind {
		case events.KindUnknownEventType, events.KindTypeMismatch:
			return ReasonUnknownType
		default:
			return ReasonUndecodable
		}
	case errors.As(err, &ve):
		return ReasonInvalid
	case decoding:
		return ReasonUnknownType
	default:
		return ReasonPermanent
	}
}

// backoff is the pause after failed attempt n: initial doubled n-1 times,
// capped at max.
func backoff(initial, max time.Duration, n int) time.Duration {
	d := initial
	for i := 1; i < n && d < max; i++ {
		d *= 2
	}
	return min(d, max)
}

func sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

// subscriberTx returns the transaction of the SQL-topic subscriber that
// delivered the message (its offset commits with it), or nil.
func subscriberTx(ctx context.Context) *sql.Tx {
	t, ok := wsql.TxFromContext(ctx)
	if !ok {
		return nil
	}
	if st, ok := t.(*wsql.StdSQLTx); ok {
		return st.Tx
	}
	return nil
}

// attempt runs the handler once. In the subscriber's transaction a
// savepoint undoes a failed attempt; otherwise (Kafka) each attempt is a
// transaction of its own.
func (b *Bus) attempt(ctx context.Context, tx *sql.Tx, group string, raw events.Raw, h Handler) error {
	if tx == nil {
		select {
		case b.txSlots <- struct{}{}:
		case <-ctx.Done():
			return ctx.Err()
		}
		defer func() { <-b.txSlots }()
		return store.InTx(ctx, b.db.DB, func(tx *sql.Tx) error { return b.apply(ctx, tx, group, raw, h) })
	}
	if _, err := b.stmts.exec(ctx, tx, stmtSavepoint); err != nil {
		return fmt.Errorf("savepoint: %w", err)
	}
	err := b.apply(ctx, tx, group, raw, h)
	if err != nil {
		if _, rbErr := b.stmts.exec(ctx, tx, stmtRollbackTo); rbErr != nil {
			// The transaction is unusable: no dead letter can be written in
			// it. Fail transiently so the message is redelivered.
			return fmt.Errorf("rollback to savepoint: %w", errors.Join(rbErr, unmark(err)))
		}
	}
	if _, relErr := b.stmts.exec(ctx, tx, stmtRelease); relErr != nil && err == nil {
		return fmt.Errorf("release savepoint: %w", relErr)
	}
	return err
}

// unmark hides an error's permanent mark, for when it must not dead-letter.
func unmark(err error) error { return errors.New(err.Error()) }

// apply records the event for the group, then runs the handler. A recorded
// event yields errDuplicate.
func (b *Bus) apply(ctx context.Context, tx *sql.Tx, group string, raw events.Raw, h Handler) (err error) {
	res, err := b.stmts.exec(ctx, tx, stmtRecord, group, raw.EventID.String(), time.Now().UTC())
	if err != nil {
		return fmt.Errorf("record event: %w", err)
	}
	if err := recorded(res); err != nil {
		return err
	}
	return runHandler(ctx, tx, raw, h)
}

// recorded turns the result of the idempotency insert into errDuplicate
// when the event was recorded before.
func recorded(res sql.Result) error {
	n, err := res.RowsAffected()
	if err != nil {
		return fmt.Errorf("record event: %w", err)
	}
	if n == 0 {
		return errDuplicate
	}
	return nil
}

// runHandler calls h, turning a panic into a (transient) error.
func runHandler(ctx context.Context, tx *sql.Tx, raw events.Raw, h Handler) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("handler panic: %v", r)
		}
	}()
	return h(ctx, tx, raw)
}

// deadLetter writes msg to topic.DLQ with the reason and acknowledges it.
// With SQL topics the dead letter is written in the subscriber's
// transaction, so it commits together with the consumed offset.
func (c *consumer) deadLetter(ctx context.Context, tx *sql.Tx, msg *message.Message, raw events.Raw, decoded bool,
	reason string, cause error, attempts int, replay bool,
) error {
	dl := c.deadLetterMessage(ctx, msg, reason, cause, attempts)
	write := func(tx *sql.Tx) error { return c.b.publishMessages(ctx, tx, c.topic+DLQSuffix, dl) }
	var err error
	if tx != nil {
		err = write(tx)
	} else {
		err = store.InTx(ctx, c.b.db.DB, write)
	}
	if err != nil {
		return fmt.Errorf("dead-letter %s: %w", msg.UUID, err)
	}
	if !replay {
		c.b.m.deadLettered.WithLabelValues(c.topic, c.group, reason).Inc()
	}
	c.logger(msg, raw, decoded).Warn("event dead-lettered", "reason", reason, "attempts", attempts, "err", cause)
	trace.SpanFromContext(ctx).SetStatus(codes.Error, reason)
	return nil
}

// deadLetterMessage builds the dead letter of msg: its bytes and metadata
// plus the dlq_* keys.
func (c *consumer) deadLetterMessage(ctx context.Context, msg *message.Message, reason string, cause error, attempts int) *message.Message {
	dl := message.NewMessage(msg.UUID, msg.Payload)
	dl.Metadata = maps.Clone(msg.Metadata)
	if dl.Metadata == nil {
		dl.Metadata = message.Metadata{}
	}
	dl.Metadata.Set(MetaDLQReason, reason)
	dl.Metadata.Set(MetaDLQError, cause.Error())
	dl.Metadata.Set(MetaDLQHandler, c.name)
	dl.Metadata.Set(MetaDLQAttempts, strconv.Itoa(attempts))
	dl.Metadata.Set(MetaDLQTime, time.Now().UTC().Format(time.RFC3339Nano))
	dl.Metadata.Set(MetaDLQTopic, c.topic)
	dl.SetContext(ctx)
	return dl
}

// The statements the bus runs for every handled message.
const (
	stmtSavepoint = iota
	stmtRollbackTo
	stmtRelease
	stmtRecord
	numStmts
)

var stmtText = [numStmts]string{
	stmtSavepoint:  "SAVEPOINT bus_handler",
	stmtRollbackTo: "ROLLBACK TO SAVEPOINT bus_handler",
	stmtRelease:    "RELEASE SAVEPOINT bus_handler",
	stmtRecord:     "INSERT INTO bus_processed (consumer_group, event_id, processed_at) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING",
}

// sqliteRecord is stmtRecord in SQLite: INSERT OR IGNORE needs no
// statement journal (ON CONFLICT DO NOTHING makes SQLite copy the pages it
// touches into one, as the NOT NULL checks could abort the statement).
const sqliteRecord = "INSERT OR IGNORE INTO bus_processed (consumer_group, event_id, processed_at) VALUES ($1, $2, $3)"

// statements holds the per-message statements prepared once (SQLite parses
// every unprepared statement again; that was a sixth of the CPU per event).
type statements struct {
	prepared [numStmts]*sql.Stmt
	// local: the database is SQLite, in-process, whose short statements
	// run without watching the context (see exec).
	local bool
}

// prepare prepares every statement on db. It must run before any
// subscriber holds SQLite's single connection.
func (s *statements) prepare(ctx context.Context, db *store.DB) error {
	s.local = db.Dialect == store.SQLite
	for i, q := range stmtText {
		if i == stmtRecord && s.local {
			q = sqliteRecord
		}
		st, err := db.PrepareContext(ctx, q) //nolint:sqlclosecheck // closed by statements.close
		if err != nil {
			return fmt.Errorf("prepare %q (migrations applied?): %w", q, err)
		}
		s.prepared[i] = st
	}
	return nil
}

func (s *statements) close() {
	for _, st := range s.prepared {
		if st != nil {
			_ = st.Close()
		}
	}
}

// exec runs statement i in tx, prepared when possible.
func (s *statements) exec(ctx context.Context, tx *sql.Tx, i int, args ...any) (sql.Result, error) {
	ctx = s.context(ctx)
	if st := s.prepared[i]; st != nil {
		ts := tx.StmtContext(ctx, st)
		defer ts.Close()
		return ts.ExecContext(ctx, args...)
	}
	return tx.ExecContext(ctx, stmtText[i], args...)
}

// context is the context for one of the bus's own short statements. The
// SQLite driver starts a goroutine per statement to watch a cancellable
// context; for a statement that runs in microseconds on the connection the
// transaction already holds, that watch costs more than the statement.
func (s *statements) context(ctx context.Context) context.Context {
	if s.local {
		return context.WithoutCancel(ctx)
	}
	return ctx
}
