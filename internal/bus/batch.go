package bus

// Optimistic batches. The SQL-topic subscriber reads up to BatchSize
// messages in one transaction and hands them to the route one at a time;
// their handlers, idempotency records, outgoing events and the consumed
// offset all commit together. A failed handler must undo only its own
// effects, which a savepoint around each message does — but a savepoint per
// message costs three statements (three round trips on PostgreSQL) and, on
// SQLite, a copy of every page the message touches into the statement
// journal: together the largest cost per event after the handler itself.
//
// So a batch starts optimistic, without savepoints. While every handler
// succeeds at its first try (the common case) nothing is rolled back. At
// the first failure the route rolls the whole subscriber transaction back:
// the failing handler's writes and those of every message before it in the
// batch vanish together, the subscriber's ack and commit then fail on the
// finished transaction (sqlTxDone tells its backoff that this is expected),
// and it reads the same messages again from the last committed offset. That
// next batch runs careful, a savepoint around each message as before; the
// failing message's try counts as its attempt 1, so its retry keeps the
// backoff and the attempt limit. Handlers already have to be safe to run
// again: every transient failure and every redelivery reruns them.
//
// Outgoing events of an optimistic batch are not inserted one by one:
// Publish keeps them in the batch (deferred) and the offsets adapter
// (flushingOffsets) inserts them, one multi-row insert per topic, when the
// subscriber asks it for the batch's ack query, in the same transaction
// just before the offsets and the commit; so are the idempotency records
// (processed.go). A failed insert fails the ack, and the subscriber rolls
// the batch back. The first message of a transaction publishes and records
// at once: the subscriber asks for the ack query only when at least one
// message was acknowledged, and that a later message arrived in the same
// transaction proves the earlier one was, so deferred rows always meet an
// ack query, or a rollback. A message of the transaction that reaches the
// route after its ack query (the subscriber stopped waiting for it) has no
// effect and comes again.

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/ThreeDotsLabs/watermill"
	wsql "github.com/ThreeDotsLabs/watermill-sql/v4/pkg/sql"
	"github.com/ThreeDotsLabs/watermill/message"

	"github.com/hule-dev/hule/internal/events"
)

// batchState follows the subscriber transaction a route is in.
type batchState struct {
	tx *sql.Tx
	// careful: every message gets its own savepoint.
	careful bool
	// aborted: the route rolled tx back; its remaining messages are
	// acknowledged without effect and come again.
	aborted bool
	// carefulNext starts the next transaction careful.
	carefulNext bool
	// failedID and failedErr are the message whose failure aborted the
	// last transaction and the error of that try.
	failedID  string
	failedErr error
	// handled lists the messages this transaction handled (metrics counted
	// them); after an abort, counted keeps them for the next transaction
	// so that handling them again is not counted twice.
	handled []string
	counted map[string]bool
	// deferred are outgoing events waiting for the ack query, in publish
	// order, with their topics.
	deferred       []*message.Message
	deferredTopics []string
	// known is what the subscriber's select answered, per message, to
	// "was its event recorded?"; claimed holds the event ids recorded in
	// this transaction, and records those of them still to insert (see
	// processed.go).
	known   map[*message.Message]bool
	claimed map[string]struct{}
	records []string
	// flushed: the ack query was built; a message of the transaction
	// arriving later (the subscriber stopped waiting for it) must have no
	// effect, as its writes would miss the flush.
	flushed bool
}

// publishBufferKey marks the context of a handler whose Publish calls the
// batch may defer.
type publishBufferKey struct{}

// bufferingConsumer returns the consumer whose optimistic batch defers what
// a handler publishes in tx with ctx, or nil.
func bufferingConsumer(ctx context.Context, tx *sql.Tx) *consumer {
	c, ok := ctx.Value(publishBufferKey{}).(*consumer)
	if !ok || c.batch.tx != tx || c.batch.careful || c.batch.aborted {
		return nil
	}
	return c
}

// hold keeps encoded events for the batch's ack.
func (st *batchState) hold(evs []Outgoing, msgs []*message.Message) {
	for i, o := range evs {
		st.deferred = append(st.deferred, msgs[i])
		st.deferredTopics = append(st.deferredTopics, o.topic)
	}
}

// maxInsertRows bounds the rows of one insert (SQL parameter limits).
const maxInsertRows = 200

// flush inserts the deferred events, one insert per topic (and at most
// maxInsertRows rows), keeping their order within each topic. When an
// insert fails, the ack fails and the subscriber rolls the batch back, so
// the batch is treated as aborted.
func (c *consumer) flush(ctx context.Context) error {
	st := &c.batch
	msgs, topics, records := st.deferred, st.deferredTopics, st.records
	st.deferred, st.deferredTopics, st.records = nil, nil, st.records[:0]
	if st.aborted || st.tx == nil {
		return nil
	}
	st.flushed = true
	if len(records) > 0 {
		if err := c.insertRecords(ctx, st.tx, records); err != nil {
			st.aborted, st.carefulNext = true, true
			return err
		}
	}
	if len(msgs) == 0 {
		return nil
	}
	var order []string
	byTopic := map[string][]*message.Message{}
	for i, m := range msgs {
		if _, seen := byTopic[topics[i]]; !seen {
			order = append(order, topics[i])
		}
		// The handler's context ended with its message; the insert runs
		// in the ack's.
		m.SetContext(ctx)
		byTopic[topics[i]] = append(byTopic[topics[i]], m)
	}
	for _, topic := range order {
		for run := byTopic[topic]; len(run) > 0; {
			n := min(len(run), maxInsertRows)
			if err := c.b.publishMessages(ctx, st.tx, topic, run[:n]...); err != nil {
				st.aborted, st.carefulNext = true, true
				return fmt.Errorf("publish the batch's events: %w", err)
			}
			run = run[n:]
		}
	}
	return nil
}

// flushingOffsets is the subscriber's offsets adapter: before the batch's
// ack query it inserts the events the batch's handlers published.
type flushingOffsets struct {
	wsql.OffsetsAdapter
	c       *consumer // the route of the subscriber
	timeout time.Duration
}

// AckMessageQuery implements wsql.OffsetsAdapter.
func (f flushingOffsets) AckMessageQuery(p wsql.AckMessageQueryParams) (wsql.Query, error) {
	ctx, cancel := context.WithTimeout(context.Background(), f.timeout)
	defer cancel()
	f.c.batchMu.Lock()
	err := f.c.flush(ctx)
	f.c.batchMu.Unlock()
	if err != nil {
		return wsql.Query{}, err
	}
	return f.OffsetsAdapter.AckMessageQuery(p)
}

// inBatch handles a message of the subscriber transaction tx.
func (c *consumer) inBatch(ctx context.Context, tx *sql.Tx, msg *message.Message, raw events.Raw, decodeErr error) error {
	st := &c.batch
	if st.tx != tx {
		c.begin(tx)
	}
	if st.aborted || st.flushed {
		return nil // rolled back or flushed already: the message comes again
	}
	if st.careful {
		var first error
		if st.failedErr != nil && msg.UUID == st.failedID {
			first, st.failedErr = st.failedErr, nil
		}
		return c.careful(ctx, tx, msg, raw, decodeErr, first, st.counted[msg.UUID])
	}
	if decodeErr != nil {
		if err := c.deadLetter(ctx, tx, msg, raw, false, reasonOf(decodeErr, true), decodeErr, 0, false); err != nil {
			return c.abort(ctx, tx, msg, nil)
		}
		st.handled = append(st.handled, msg.UUID)
		return nil
	}
	hctx := ctx
	if c.canDefer && len(st.handled) > 0 {
		hctx = context.WithValue(ctx, publishBufferKey{}, c)
	}
	eventID := raw.EventID.String()
	var err error
	later, processed := c.recordLater(msg, eventID)
	switch {
	case !later:
		err = c.b.apply(hctx, tx, c.group, raw, c.h)
	case processed:
		err = errDuplicate
	default:
		if err = runHandler(hctx, tx, raw, c.h); err == nil {
			st.records = append(st.records, eventID)
		}
	}
	switch {
	case err == nil:
		st.claim(eventID)
		c.consumed.Inc()
		delete(c.conflicts, msg.UUID)
	case errors.Is(err, errDuplicate):
		c.duplicates.Inc()
		c.debug(msg, raw, "duplicate event acknowledged")
	case c.conflict(ctx, tx, msg, err):
		return nil // rolled back: not an attempt of the message's own
	default:
		return c.abort(ctx, tx, msg, err)
	}
	st.handled = append(st.handled, msg.UUID)
	return nil
}

// begin starts following a new subscriber transaction.
func (c *consumer) begin(tx *sql.Tx) {
	st := &c.batch
	var counted map[string]bool
	if st.aborted {
		counted = make(map[string]bool, len(st.handled))
		for _, id := range st.handled {
			counted[id] = true
		}
	}
	failedID, failedErr := st.failedID, st.failedErr
	if !st.aborted {
		failedID, failedErr = "", nil // its message came in the transaction just ended
	}
	clear(st.claimed)
	*st = batchState{tx: tx, careful: st.carefulNext, failedID: failedID, failedErr: failedErr,
		counted: counted, handled: st.handled[:0], claimed: st.claimed, records: st.records[:0]}
	if c.schema != nil {
		st.known = c.schema.take()
	}
	// deferred is empty: the ack query of the ended transaction took it, or
	// the transaction rolled back.
}

// abort rolls the subscriber transaction back after msg failed (err nil:
// its dead letter could not be written) and acknowledges msg: the
// transaction can no longer commit, so the subscriber reads the batch again.
func (c *consumer) abort(ctx context.Context, tx *sql.Tx, msg *message.Message, err error) error {
	st := &c.batch
	st.aborted = true
	st.carefulNext = true
	st.failedID, st.failedErr = msg.UUID, err
	st.deferred, st.deferredTopics, st.records = nil, nil, st.records[:0]
	if rbErr := tx.Rollback(); rbErr != nil && !errors.Is(rbErr, sql.ErrTxDone) {
		c.b.log.Warn("roll back batch", "topic", c.topic, "consumer_group", c.group, "err", rbErr)
	}
	if c.b.log.Enabled(ctx, slog.LevelDebug) {
		c.b.log.Debug("batch rolled back, handling it again with a savepoint per message",
			"topic", c.topic, "consumer_group", c.group, "event_id", msg.UUID, "err", err)
	}
	return nil
}

// txDoneBackoff is the SQL subscriber's backoff: watermill-sql's default,
// except that the failed ack of a batch the bus rolled back (sql.ErrTxDone)
// is expected, logged at debug level and followed by an immediate re-read.
type txDoneBackoff struct {
	wsql.BackoffManager
}

// HandleError implements wsql.BackoffManager.
func (b txDoneBackoff) HandleError(logger watermill.LoggerAdapter, noMsg bool, err error) time.Duration {
	if errors.Is(err, sql.ErrTxDone) {
		logger.Debug("Batch rolled back by its handler, reading it again", watermill.LogFields{"err": err.Error()})
		return 0
	}
	return b.BackoffManager.HandleError(logger, noMsg, err)
}
