package bus

// Idempotency records of an optimistic batch. Recording (consumer group,
// event id) with a statement per message cost as much as the handler's own
// work: on PostgreSQL a round trip per event, on SQLite a statement's
// set-up per event. So the subscriber's select, which reads the batch,
// also answers for each row whether the group recorded its event already
// (routeSchema), and an optimistic batch inserts the records of its
// handled messages together, in flush, just before the offsets: one
// statement per batch.
//
// The answer is exact. The select runs in the subscriber's transaction:
// on SQLite that transaction holds the database's only write lock from its
// BEGIN, on PostgreSQL it locks the group's offsets row (FOR UPDATE), so no
// other consumer of the group can record these events before the batch
// commits, and events recorded earlier in the same transaction (a
// duplicate within the batch) are tracked in batchState.claimed. Still,
// flush checks that it inserted every record, and fails the batch
// otherwise: a wrong answer costs a rollback and a careful re-read, never
// a second application.
//
// A message that was not read through the select (a message copied for a
// redelivery, or one whose id differs from its envelope's event id) and the
// first message of a transaction (whose records must not wait for an ack
// query that may never come, see batch.go) are recorded with their own
// statement, as in careful batches.

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"time"

	wsql "github.com/ThreeDotsLabs/watermill-sql/v4/pkg/sql"
	"github.com/ThreeDotsLabs/watermill/message"

	"github.com/hule-dev/hule/internal/store"
)

// routeSchema is the schema adapter of one route's subscriber: the
// dialect's adapter, whose select also tells, per row, whether the route's
// consumer group recorded the event; the answers wait in known for the
// route's worker.
type routeSchema struct {
	wsql.SchemaAdapter
	// order is the ORDER BY of the wrapped select: the inner one's order.
	order string
	// batch is the subscriber's read batch, the size of known.
	batch int

	mu sync.Mutex
	// known maps each message of the last select to whether its event was
	// recorded. The worker takes it at the transaction's first message.
	known map[*message.Message]bool
}

func newRouteSchema(d store.Dialect, inner wsql.SchemaAdapter, batch int) *routeSchema {
	order := `q."offset"`
	if d == store.Postgres {
		order = `q.transaction_id, q."offset"`
	}
	return &routeSchema{SchemaAdapter: inner, order: order, batch: batch}
}

// SelectQuery implements wsql.SchemaAdapter: the inner select with one more
// column, the row's processed flag.
func (s *routeSchema) SelectQuery(p wsql.SelectQueryParams) (wsql.Query, error) {
	q, err := s.SchemaAdapter.SelectQuery(p)
	if err != nil {
		return wsql.Query{}, err
	}
	s.mu.Lock()
	s.known = make(map[*message.Message]bool, s.batch)
	s.mu.Unlock()
	args := make([]any, 0, len(q.Args)+1)
	args = append(append(args, q.Args...), p.ConsumerGroup)
	return wsql.Query{
		Query: `SELECT q.*, EXISTS (SELECT 1 FROM bus_processed p WHERE p.consumer_group = $` +
			strconv.Itoa(len(args)) + ` AND p.event_id = q.uuid) FROM (` + q.Query + `) AS q ORDER BY ` + s.order,
		Args: args,
	}, nil
}

// UnmarshalMessage implements wsql.SchemaAdapter.
func (s *routeSchema) UnmarshalMessage(p wsql.UnmarshalMessageParams) (wsql.Row, error) {
	var processed bool
	row, err := s.SchemaAdapter.UnmarshalMessage(wsql.UnmarshalMessageParams{Row: withFlag{p.Row, &processed}})
	if err != nil {
		return row, err
	}
	s.mu.Lock()
	if s.known != nil {
		s.known[row.Msg] = processed
	}
	s.mu.Unlock()
	return row, nil
}

// RequiresTransaction forwards the inner adapter's wsql.RequiresTransaction.
func (s *routeSchema) RequiresTransaction() bool {
	rt, ok := s.SchemaAdapter.(wsql.RequiresTransaction)
	return ok && rt.RequiresTransaction()
}

// take hands the answers of the last select to the worker.
func (s *routeSchema) take() map[*message.Message]bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	known := s.known
	s.known = nil
	return known
}

// withFlag scans a row into the inner adapter's columns and the trailing
// processed flag.
type withFlag struct {
	wsql.Scanner
	flag *bool
}

func (w withFlag) Scan(dest ...any) error { return w.Scanner.Scan(append(dest, w.flag)...) }

// recordLater reports whether msg's idempotency record may wait for the
// batch's flush, and whether its event was processed before: the select
// answered for msg, it is not the transaction's first message, and its id
// is its envelope's event id (which the select compared).
func (c *consumer) recordLater(msg *message.Message, eventID string) (later, processed bool) {
	st := &c.batch
	if !c.canDefer || len(st.handled) == 0 || msg.UUID != eventID {
		return false, false
	}
	processed, ok := st.known[msg]
	if !ok {
		return false, false
	}
	_, claimed := st.claimed[eventID]
	return true, processed || claimed
}

// claim notes that eventID is recorded in the batch's transaction.
func (st *batchState) claim(eventID string) {
	if st.claimed == nil {
		st.claimed = make(map[string]struct{}, 128)
	}
	st.claimed[eventID] = struct{}{}
}

// pgRecords records a batch's events in one statement on PostgreSQL.
const pgRecords = "INSERT INTO bus_processed (consumer_group, event_id, processed_at) " +
	"SELECT $1, unnest($2::text[]), $3 ON CONFLICT DO NOTHING"

// insertRecords inserts the idempotency records of the batch's handled
// events, failing when one existed already (see the file comment).
func (c *consumer) insertRecords(ctx context.Context, tx *sql.Tx, ids []string) error {
	now := time.Now().UTC()
	ctx = c.b.stmts.context(ctx)
	for len(ids) > 0 {
		var (
			res sql.Result
			err error
			n   = len(ids)
		)
		if c.b.db.Dialect == store.Postgres {
			res, err = tx.ExecContext(ctx, pgRecords, c.group, ids, now)
		} else {
			n = min(n, maxInsertRows)
			res, err = tx.ExecContext(ctx, sqliteRecords(n), sqliteRecordArgs(c.group, now, ids[:n])...)
		}
		if err != nil {
			return fmt.Errorf("record events: %w", err)
		}
		if got, err := res.RowsAffected(); err != nil || got != int64(n) {
			return errors.Join(fmt.Errorf("record events: %d of %d were recorded already", int64(n)-got, n), err)
		}
		ids = ids[n:]
	}
	return nil
}

// sqliteRecordsText caches sqliteRecords by row count.
var sqliteRecordsText sync.Map // int -> string

// sqliteRecords is the insert of n records on SQLite: $1 is the group, $2
// the time, $3... the event ids. INSERT OR IGNORE needs no statement
// journal (see sqliteRecord); a conflict shows in the rows affected.
func sqliteRecords(n int) string {
	if q, ok := sqliteRecordsText.Load(n); ok {
		return q.(string)
	}
	var b strings.Builder
	b.WriteString("INSERT OR IGNORE INTO bus_processed (consumer_group, event_id, processed_at) VALUES ")
	for i := range n {
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteString("($1,$")
		b.WriteString(strconv.Itoa(i + 3))
		b.WriteString(",$2)")
	}
	q, _ := sqliteRecordsText.LoadOrStore(n, b.String())
	return q.(string)
}

func sqliteRecordArgs(group string, now time.Time, ids []string) []any {
	args := make([]any, 0, len(ids)+2)
	args = append(args, group, now)
	for _, id := range ids {
		args = append(args, id)
	}
	return args
}
