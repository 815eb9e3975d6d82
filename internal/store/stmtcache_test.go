package store

import (
	"context"
	"fmt"
	"path/filepath"
	"testing"
)

// TestStatementCache runs repeated Execs through the caching connection:
// cached statements give the same results as fresh ones, survive a failed
// execution and a schema change, and the cache stays bounded.
func TestStatementCache(t *testing.T) {
	ctx := context.Background()
	db, err := OpenSQLite(ctx, filepath.Join(t.TempDir(), "cache.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = db.Close() })
	exec := func(q string, args ...any) error {
		t.Helper()
		_, err := db.ExecContext(ctx, q, args...)
		return err
	}
	if err := exec("CREATE TABLE items (id INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE)"); err != nil {
		t.Fatal(err)
	}
	const insert = "INSERT INTO items (name) VALUES ($1)"
	for i := range 3 {
		if err := exec(insert, fmt.Sprint("n", i)); err != nil {
			t.Fatalf("insert %d: %v", i, err)
		}
	}
	if err := exec(insert, "n0"); !IsUniqueViolation(err) {
		t.Errorf("duplicate insert through the cached statement: err = %v, want a unique violation", err)
	}
	if err := exec(insert, "n3"); err != nil {
		t.Errorf("cached statement after a failed run: %v", err)
	}
	// A schema change recompiles the cached statement.
	if err := exec("ALTER TABLE items ADD COLUMN note TEXT NOT NULL DEFAULT 'x'"); err != nil {
		t.Fatal(err)
	}
	if err := exec(insert, "n4"); err != nil {
		t.Errorf("cached statement after ALTER TABLE: %v", err)
	}
	// More distinct statements than the cache holds.
	for i := range stmtCacheSize + 10 {
		if err := exec(fmt.Sprintf("UPDATE items SET note = 'u%d' WHERE name = $1", i), "n1"); err != nil {
			t.Fatalf("update %d: %v", i, err)
		}
	}
	var n int
	var note string
	if err := db.QueryRowContext(ctx, "SELECT COUNT(*), MAX(CASE WHEN name = 'n1' THEN note END) FROM items").Scan(&n, &note); err != nil {
		t.Fatal(err)
	}
	if want := fmt.Sprintf("u%d", stmtCacheSize+9); n != 5 || note != want {
		t.Errorf("items = %d with note %q, want 5 with %q", n, note, want)
	}

	conn, err := db.Conn(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	err = conn.Raw(func(dc any) error {
		c, ok := dc.(*cachingConn)
		if !ok {
			return fmt.Errorf("driver connection is %T, want *cachingConn", dc)
		}
		if got := c.lru.Len(); got != stmtCacheSize || len(c.stmts) != stmtCacheSize {
			return fmt.Errorf("cache holds %d (map %d) statements, want %d", got, len(c.stmts), stmtCacheSize)
		}
		return nil
	})
	if err != nil {
		t.Error(err)
	}
}
