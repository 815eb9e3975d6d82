package store_test

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"testing"
	"testing/fstest"

	"github.com/hule-dev/hule/internal/store"
	"github.com/hule-dev/hule/internal/store/storetest"
)

func TestSQLitePragmas(t *testing.T) {
	db := storetest.SQLite(t)
	tests := []struct {
		pragma string
		want   string
	}{
		{"journal_mode", "wal"},
		{"synchronous", "2"}, // FULL
		{"foreign_keys", "1"},
		{"busy_timeout", "10000"},
	}
	for _, tt := range tests {
		t.Run(tt.pragma, func(t *testing.T) {
			var got string
			if err := db.QueryRow("PRAGMA " + tt.pragma).Scan(&got); err != nil {
				t.Fatal(err)
			}
			if got != tt.want {
				t.Errorf("PRAGMA %s = %q, want %q", tt.pragma, got, tt.want)
			}
		})
	}
}

// dbs returns a migrated database of each dialect, with an extra migration
// set named "svc".
func dbs(t *testing.T) map[string]*store.DB {
	svc := store.Migrations{
		Name: "svc",
		SQLite: fstest.MapFS{"00001_items.sql": {Data: []byte(
			"-- +goose Up\nCREATE TABLE items (id INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE);\n-- +goose Down\nDROP TABLE items;\n")}},
		Postgres: fstest.MapFS{"00001_items.sql": {Data: []byte(
			"-- +goose Up\nCREATE TABLE items (id BIGSERIAL PRIMARY KEY, name TEXT NOT NULL UNIQUE);\n-- +goose Down\nDROP TABLE items;\n")}},
	}
	pg, _ := storetest.Postgres(t, svc)
	return map[string]*store.DB{"sqlite": storetest.SQLite(t, svc), "postgres": pg}
}

func TestMigrateAndInTx(t *testing.T) {
	ctx := context.Background()
	for name, db := range dbs(t) {
		t.Run(name, func(t *testing.T) {
			// Running again is a no-op, and each set keeps its own version table.
			if err := store.Migrate(ctx, db); err != nil {
				t.Fatalf("second migrate: %v", err)
			}
			for _, table := range []string{"goose_core", "goose_svc", "bus_processed", "items"} {
				if n := storetest.Count(t, db.DB, "SELECT COUNT(*) FROM "+table); n < 0 {
					t.Errorf("table %s missing", table)
				}
			}

			// $n placeholders work in both dialects.
			err := store.InTx(ctx, db.DB, func(tx *sql.Tx) error {
				_, err := tx.ExecContext(ctx, "INSERT INTO items (name) VALUES ($1)", "kept")
				return err
			})
			if err != nil {
				t.Fatalf("commit: %v", err)
			}
			boom := errors.New("boom")
			err = store.InTx(ctx, db.DB, func(tx *sql.Tx) error {
				if _, err := tx.ExecContext(ctx, "INSERT INTO items (name) VALUES ($1)", "dropped"); err != nil {
					return err
				}
				return boom
			})
			if !errors.Is(err, boom) {
				t.Fatalf("InTx error = %v, want boom", err)
			}
			if got := storetest.Count(t, db.DB, "SELECT COUNT(*) FROM items"); got != 1 {
				t.Errorf("items after commit+rollback = %d, want 1", got)
			}

			err = store.InTx(ctx, db.DB, func(tx *sql.Tx) error {
				_, err := tx.ExecContext(ctx, "INSERT INTO items (name) VALUES ($1)", "kept")
				return err
			})
			if !store.IsUniqueViolation(err) {
				t.Errorf("duplicate insert: IsUniqueViolation(%v) = false", err)
			}
			if store.Retryable(err) {
				t.Errorf("duplicate insert: Retryable(%v) = true", err)
			}
		})
	}
}

func TestMigrateRejectsBadName(t *testing.T) {
	db := storetest.SQLite(t)
	err := store.Migrate(context.Background(), db, store.Migrations{Name: "Bad-Name"})
	if err == nil {
		t.Fatal("Migrate accepted an invalid set name")
	}
}

func TestRetryable(t *testing.T) {
	tests := []struct {
		name string
		err  error
		want bool
	}{
		{"nil", nil, false},
		{"plain", errors.New("x"), false},
		{"wrapped plain", fmt.Errorf("a: %w", sql.ErrNoRows), false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := store.Retryable(tt.err); got != tt.want {
				t.Errorf("Retryable(%v) = %v, want %v", tt.err, got, tt.want)
			}
		})
	}
}

// TestMigrateConcurrently starts several processes' worth of Migrate on one
// fresh PostgreSQL schema at once, with a migration that is not idempotent
// (its table has no IF NOT EXISTS, its row is inserted unconditionally):
// the advisory lock lets one run it and the others find it done.
func TestMigrateConcurrently(t *testing.T) {
	ctx := context.Background()
	_, url := storetest.Postgres(t)
	set := store.Migrations{Name: "race", Postgres: fstest.MapFS{
		"00001_race.sql": {Data: []byte("-- +goose Up\nCREATE TABLE raced (n INT);\nSELECT pg_sleep(0.3);\nINSERT INTO raced VALUES (1);\n")},
	}}
	const copies = 4
	errs := make(chan error, copies)
	for range copies {
		go func() {
			db, err := store.OpenPostgres(ctx, url)
			if err != nil {
				errs <- err
				return
			}
			defer db.Close()
			errs <- store.Migrate(ctx, db, set)
		}()
	}
	for range copies {
		if err := <-errs; err != nil {
			t.Errorf("concurrent migrate: %v", err)
		}
	}
	db, err := store.OpenPostgres(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if n := storetest.Count(t, db.DB, "SELECT COUNT(*) FROM raced"); n != 1 {
		t.Errorf("rows of the migration: %d, want 1 (it ran once)", n)
	}
}
