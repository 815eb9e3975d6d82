package bus

import (
	"fmt"
	"strings"
	"sync"

	wsql "github.com/ThreeDotsLabs/watermill-sql/v4/pkg/sql"
	"github.com/ThreeDotsLabs/watermill/message"

	"github.com/hule-dev/hule/internal/store"
)

// SQLAdapters returns the watermill-sql schema and offsets adapters for the
// dialect: SQLiteSchema/SQLiteOffsets, or the shipped PostgreSQL adapters
// with a BYTEA payload (a dead letter keeps bytes that may not be JSON).
// batch is the subscriber read batch (0 means 100).
func SQLAdapters(d store.Dialect, batch int) (wsql.SchemaAdapter, wsql.OffsetsAdapter, error) {
	switch d {
	case store.SQLite:
		return SQLiteSchema{BatchSize: batch}, SQLiteOffsets{}, nil
	case store.Postgres:
		return postgresSchema{wsql.DefaultPostgreSQLSchema{
			GeneratePayloadType: func(string) string { return "BYTEA" },
			SubscribeBatchSize:  batch,
		}}, wsql.DefaultPostgreSQLOffsetsAdapter{}, nil
	default:
		return nil, nil, fmt.Errorf("sql topics: unknown dialect %q", d)
	}
}

// messagesTable is the quoted messages table of topic in dialect d.
func messagesTable(d store.Dialect, topic string) string {
	if d == store.Postgres {
		return wsql.DefaultPostgreSQLSchema{}.MessagesTable(topic)
	}
	return SQLiteSchema{}.MessagesTable(topic)
}

// postgresSchema is watermill-sql's PostgreSQL schema adapter with the
// insert of SQLiteSchema's kind: the same statement and values, but the
// metadata encoded without encoding/json's reflection and the statement
// text built once per row count. Every published message goes through it.
type postgresSchema struct {
	wsql.DefaultPostgreSQLSchema
}

// InsertQuery implements wsql.SchemaAdapter.
func (s postgresSchema) InsertQuery(p wsql.InsertQueryParams) (wsql.Query, error) {
	args := make([]any, 0, 3*len(p.Msgs))
	for _, m := range p.Msgs {
		args = append(args, m.UUID, []byte(m.Payload), appendMetadata(nil, m.Metadata))
	}
	return wsql.Query{
		Query: "INSERT INTO " + s.MessagesTable(p.Topic) + " (uuid, payload, metadata, transaction_id) VALUES " +
			pgInsertRows(len(p.Msgs)),
		Args: args,
	}, nil
}

// UnmarshalMessage implements wsql.SchemaAdapter: the shipped adapter's,
// with the metadata decoded by decodeMetadata.
func (s postgresSchema) UnmarshalMessage(p wsql.UnmarshalMessageParams) (wsql.Row, error) {
	var (
		r     wsql.Row
		txID  wsql.XID8
		ident string
	)
	if err := p.Row.Scan(&r.Offset, &txID, &ident, &r.Payload, &r.Metadata); err != nil {
		return wsql.Row{}, fmt.Errorf("scan message row: %w", err)
	}
	r.UUID = []byte(ident)
	msg := message.NewMessage(ident, r.Payload)
	if r.Metadata != nil {
		if err := decodeMetadata(msg.Metadata, string(r.Metadata)); err != nil {
			return wsql.Row{}, fmt.Errorf("decode metadata of %s: %w", ident, err)
		}
	}
	r.Msg = msg
	r.ExtraData = map[string]any{"transaction_id": txID}
	return r, nil
}

// pgInsertRowsText caches pgInsertRows by row count, up to maxInsertRows.
var pgInsertRowsText sync.Map // int -> string

// pgInsertRows is the VALUES list of n messages: uuid, payload and
// metadata per row, and the inserting transaction's id.
func pgInsertRows(n int) string {
	if q, ok := pgInsertRowsText.Load(n); ok {
		return q.(string)
	}
	var b strings.Builder
	for i := range n {
		if i > 0 {
			b.WriteByte(',')
		}
		fmt.Fprintf(&b, "($%d,$%d,$%d,pg_current_xact_id())", 3*i+1, 3*i+2, 3*i+3)
	}
	if n > maxInsertRows {
		return b.String()
	}
	q, _ := pgInsertRowsText.LoadOrStore(n, b.String())
	return q.(string)
}
