// Package storetest opens real, migrated, throw-away databases for tests: a
// SQLite file in t.TempDir() and a fresh schema on the local PostgreSQL
// server, dropped when the test ends.
package storetest

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/hule-dev/hule/internal/store"
)

// DefaultPostgresURL is the local test server: user postgres, trust auth,
// database test.
const DefaultPostgresURL = "postgres://postgres@127.0.0.1:5432/test?sslmode=disable"

// SQLite opens a migrated SQLite database in a temporary directory, applying
// the core migrations and sets.
func SQLite(t testing.TB, sets ...store.Migrations) *store.DB {
	t.Helper()
	ctx := context.Background()
	db, err := store.OpenSQLite(ctx, filepath.Join(t.TempDir(), store.SQLiteFile))
	if err != nil {
		t.Fatalf("open sqlite: %v", err)
	}
	t.Cleanup(func() { _ = db.Close() })
	if err := store.Migrate(ctx, db, sets...); err != nil {
		t.Fatalf("migrate sqlite: %v", err)
	}
	return db
}

// PostgresURL returns the server URL to test against, or skips the test
// when HULE_TEST_POSTGRES is "off". A HULE_TEST_POSTGRES holding a URL
// replaces the default server.
func PostgresURL(t testing.TB) string {
	t.Helper()
	switch v := os.Getenv("HULE_TEST_POSTGRES"); v {
	case "off":
		t.Skip("PostgreSQL tests disabled by HULE_TEST_POSTGRES=off")
	case "":
		return DefaultPostgresURL
	default:
		return v
	}
	return ""
}

// Postgres creates a uniquely named schema on the test server, opens a pool
// whose search_path is that schema, migrates it, and drops the schema when
// the test ends. It returns the pool and its URL (for code that opens its own
// connections, such as the CLI).
func Postgres(t testing.TB, sets ...store.Migrations) (*store.DB, string) {
	t.Helper()
	ctx := context.Background()
	base := PostgresURL(t)
	schema := "t_" + randomHex(t)

	admin, err := store.OpenPostgres(ctx, base)
	if err != nil {
		t.Fatalf("connect postgres (set HULE_TEST_POSTGRES=off to skip): %v", err)
	}
	defer admin.Close()
	if _, err := admin.ExecContext(ctx, "CREATE SCHEMA "+schema); err != nil {
		t.Fatalf("create schema: %v", err)
	}
	t.Cleanup(func() {
		a, err := store.OpenPostgres(context.Background(), base)
		if err != nil {
			t.Logf("drop schema %s: %v", schema, err)
			return
		}
		defer a.Close()
		if _, err := a.ExecContext(context.Background(), "DROP SCHEMA "+schema+" CASCADE"); err != nil {
			t.Logf("drop schema %s: %v", schema, err)
		}
	})

	u, err := withSearchPath(base, schema)
	if err != nil {
		t.Fatal(err)
	}
	db, err := store.OpenPostgres(ctx, u)
	if err != nil {
		t.Fatalf("open postgres schema: %v", err)
	}
	t.Cleanup(func() { _ = db.Close() })
	if err := store.Migrate(ctx, db, sets...); err != nil {
		t.Fatalf("migrate postgres: %v", err)
	}
	return db, u
}

func withSearchPath(base, schema string) (string, error) {
	u, err := url.Parse(base)
	if err != nil {
		return "", fmt.Errorf("parse postgres url: %w", err)
	}
	q := u.Query()
	q.Set("search_path", schema)
	u.RawQuery = q.Encode()
	return u.String(), nil
}

func randomHex(t testing.TB) string {
	b := make([]byte, 6)
	if _, err := rand.Read(b); err != nil {
		t.Fatal(err)
	}
	return hex.EncodeToString(b)
}

// Count returns the result of a SELECT COUNT(*) style query.
func Count(t testing.TB, db *sql.DB, query string, args ...any) int {
	t.Helper()
	var n int
	if err := db.QueryRowContext(context.Background(), query, args...).Scan(&n); err != nil {
		t.Fatalf("%s: %v", query, err)
	}
	return n
}

// WatchedConn returns a connection of its own to the PostgreSQL database
// db, closed when the test ends, and its server process id: a test that
// interleaves two transactions runs the second on it and watches it with
// EndedOrLocked.
func WatchedConn(ctx context.Context, t testing.TB, db *sql.DB) (*sql.Conn, int) {
	t.Helper()
	conn, err := db.Conn(ctx)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = conn.Close() })
	var pid int
	if err := conn.QueryRowContext(ctx, `SELECT pg_backend_pid()`).Scan(&pid); err != nil {
		t.Fatal(err)
	}
	return conn, pid
}

// EndedOrLocked waits until done delivers (ended, with the error it
// carried) or the PostgreSQL server process pid waits for a lock that
// another transaction holds. It waits for a state, never for a time, so
// tests of interleavings stay deterministic on a loaded machine.
func EndedOrLocked(ctx context.Context, t testing.TB, db *sql.DB, pid int, done <-chan error) (ended bool, err error) {
	t.Helper()
	tick := time.NewTicker(5 * time.Millisecond)
	defer tick.Stop()
	for {
		select {
		case err := <-done:
			return true, err
		case <-ctx.Done():
			t.Fatal("the watched transaction neither ended nor waited for a lock")
		case <-tick.C:
		}
		var locked bool
		if err := db.QueryRowContext(ctx, `SELECT EXISTS (SELECT 1 FROM pg_stat_activity
			WHERE pid = $1 AND wait_event_type = 'Lock')`, pid).Scan(&locked); err != nil {
			t.Fatal(err)
		}
		if locked {
			return false, nil
		}
	}
}
