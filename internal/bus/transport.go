package bus

import (
	"fmt"

	wsql "github.com/ThreeDotsLabs/watermill-sql/v4/pkg/sql"

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
		return wsql.DefaultPostgreSQLSchema{
			GeneratePayloadType: func(string) string { return "BYTEA" },
			SubscribeBatchSize:  batch,
		}, wsql.DefaultPostgreSQLOffsetsAdapter{}, nil
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
