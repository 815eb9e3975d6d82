package content

import (
	"context"
	"database/sql"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"time"

	"github.com/hule-dev/hule/internal/store"
)

//go:embed migrations
var migrations embed.FS

// Schema returns the content store's migrations, for store.Migrate.
func Schema() store.Migrations {
	sqliteFS, _ := fs.Sub(migrations, "migrations/sqlite")
	pgFS, _ := fs.Sub(migrations, "migrations/postgres")
	return store.Migrations{Name: "content", SQLite: sqliteFS, Postgres: pgFS}
}

// SQLStore keeps blobs in a database table: the distributed mode's store on
// PostgreSQL (it also runs on SQLite). Put relies on the primary key and ON
// CONFLICT DO NOTHING, so concurrent writers of one id never fail.
type SQLStore struct {
	db    *sql.DB
	limit int64
}

var _ Store = (*SQLStore)(nil)

// NewSQLStore returns a store on db, migrated with Schema, refusing blobs larger than limit bytes.
func NewSQLStore(db *sql.DB, limit int64) *SQLStore {
	if limit <= 0 {
		limit = DefaultMaxSize
	}
	return &SQLStore{db: db, limit: limit}
}

// Put implements Store.
func (s *SQLStore) Put(ctx context.Context, id ID, contentType string, data []byte) error {
	if err := checkPut(id, data, s.limit); err != nil {
		return err
	}
	if data == nil {
		data = []byte{} // the column is NOT NULL; an empty essay is still a blob
	}
	_, err := s.db.ExecContext(ctx,
		`INSERT INTO content_blobs (storage_id, content_type, size_bytes, data, created_at)
		 VALUES ($1, $2, $3, $4, $5) ON CONFLICT (storage_id) DO NOTHING`,
		string(id), contentType, len(data), data, time.Now().UTC())
	if err != nil {
		return fmt.Errorf("insert content %s: %w", id, err)
	}
	return nil
}

// Get implements Store.
func (s *SQLStore) Get(ctx context.Context, id ID) (Blob, error) {
	if _, err := ParseID(string(id)); err != nil {
		return Blob{}, err
	}
	b := Blob{ID: id}
	err := s.db.QueryRowContext(ctx,
		`SELECT content_type, data, created_at FROM content_blobs WHERE storage_id = $1`,
		string(id)).Scan(&b.ContentType, &b.Data, &b.Created)
	if errors.Is(err, sql.ErrNoRows) {
		return Blob{}, fmt.Errorf("%w: %s", ErrNotFound, id)
	}
	if err != nil {
		return Blob{}, fmt.Errorf("select content %s: %w", id, err)
	}
	return b, nil
}
