package bus

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"maps"
	"strconv"
	"time"

	wsql "github.com/ThreeDotsLabs/watermill-sql/v4/pkg/sql"
	"github.com/ThreeDotsLabs/watermill/message"
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

// consume returns the router handler of one route: decode, trace, attempt
// with retries, dead-letter.
func (b *Bus) consume(group, topic string, h Handler) message.NoPublishHandlerFunc {
	handlerName := group + "/" + topic
	return func(msg *message.Message) error {
		start := time.Now()
		ctx := traceContext.Extract(msg.Context(), propagation.MapCarrier(msg.Metadata))
		ctx, span := b.tracer.Start(ctx, topic+" process",
			trace.WithSpanKind(trace.SpanKindConsumer),
			trace.WithAttributes(
				attribute.String("messaging.destination.name", topic),
				attribute.String("messaging.consumer.group.name", group),
				attribute.String("messaging.message.id", msg.UUID),
			))
		defer span.End()
		defer func() {
			b.m.duration.WithLabelValues(topic, group).Observe(time.Since(start).Seconds())
		}()

		// Loggers are built only on the paths that log.
		log := func() *slog.Logger {
			return b.log.With("event_type", topic, "event_id", msg.UUID,
				"correlation_id", msg.Metadata.Get(MetaCorrelationID), "consumer_group", group)
		}
		tx := subscriberTx(msg.Context())

		raw, err := events.DecodeRaw(msg.Payload)
		if err == nil && raw.EventType != topic {
			err = fault.Permanent(fmt.Errorf("event type %q on topic %q", raw.EventType, topic))
		}
		if err != nil {
			return b.deadLetter(ctx, tx, log, msg, group, topic, handlerName, reasonOf(err, true), err, 0)
		}
		log = func() *slog.Logger {
			return b.log.With("event_type", raw.EventType, "event_id", raw.EventID.String(),
				"correlation_id", raw.CorrelationID.String(), "consumer_group", group)
		}
		b.m.lag.WithLabelValues(topic, group).Set(time.Since(raw.EventTimestamp.Time).Seconds())

		for attempt := 1; ; attempt++ {
			err := b.attempt(ctx, tx, group, raw, h)
			switch {
			case err == nil:
				b.m.consumed.WithLabelValues(topic, group).Inc()
				return nil
			case errors.Is(err, errDuplicate):
				b.m.duplicates.WithLabelValues(topic, group).Inc()
				log().Debug("duplicate event acknowledged")
				return nil
			case fault.IsPermanent(err):
				return b.deadLetter(ctx, tx, log, msg, group, topic, handlerName, reasonOf(err, false), err, attempt)
			case attempt >= b.cfg.MaxAttempts:
				return b.deadLetter(ctx, tx, log, msg, group, topic, handlerName, ReasonRetriesExhausted, err, attempt)
			}
			if ctx.Err() != nil {
				span.SetStatus(codes.Error, err.Error())
				return fmt.Errorf("handle %s: %w", handlerName, err)
			}
			b.m.retried.WithLabelValues(topic, group).Inc()
			log().Warn("handler failed, retrying", "attempt", attempt, "err", err)
			if err := sleep(ctx, backoff(b.cfg.InitialBackoff, b.cfg.MaxBackoff, attempt)); err != nil {
				return err
			}
		}
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
func (b *Bus) deadLetter(ctx context.Context, tx *sql.Tx, log func() *slog.Logger, msg *message.Message,
	group, topic, handler, reason string, cause error, attempts int,
) error {
	dl := message.NewMessage(msg.UUID, msg.Payload)
	dl.Metadata = maps.Clone(msg.Metadata)
	if dl.Metadata == nil {
		dl.Metadata = message.Metadata{}
	}
	dl.Metadata.Set(MetaDLQReason, reason)
	dl.Metadata.Set(MetaDLQError, cause.Error())
	dl.Metadata.Set(MetaDLQHandler, handler)
	dl.Metadata.Set(MetaDLQAttempts, strconv.Itoa(attempts))
	dl.Metadata.Set(MetaDLQTime, time.Now().UTC().Format(time.RFC3339Nano))
	dl.Metadata.Set(MetaDLQTopic, topic)
	dl.SetContext(ctx)

	write := func(tx *sql.Tx) error { return b.publishMessages(ctx, tx, topic+DLQSuffix, dl) }
	var err error
	if tx != nil {
		err = write(tx)
	} else {
		err = store.InTx(ctx, b.db.DB, write)
	}
	if err != nil {
		return fmt.Errorf("dead-letter %s: %w", msg.UUID, err)
	}
	b.m.deadLettered.WithLabelValues(topic, group, reason).Inc()
	log().Warn("event dead-lettered", "reason", reason, "attempts", attempts, "err", cause)
	trace.SpanFromContext(ctx).SetStatus(codes.Error, reason)
	return nil
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

// statements holds the per-message statements prepared once (SQLite parses
// every unprepared statement again; that was a sixth of the CPU per event).
type statements struct {
	prepared [numStmts]*sql.Stmt
}

// prepare prepares every statement on db. It must run before any
// subscriber holds SQLite's single connection.
func (s *statements) prepare(ctx context.Context, db *sql.DB) error {
	for i, q := range stmtText {
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
	if st := s.prepared[i]; st != nil {
		ts := tx.StmtContext(ctx, st)
		defer ts.Close()
		return ts.ExecContext(ctx, args...)
	}
	return tx.ExecContext(ctx, stmtText[i], args...)
}
