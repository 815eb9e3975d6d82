package store

import (
	"context"
	"embed"
	"fmt"
	"hash/fnv"
	"io/fs"
	"regexp"

	"github.com/pressly/goose/v3"
	"github.com/pressly/goose/v3/lock"
)

//go:embed migrations/sqlite/*.sql migrations/postgres/*.sql
var ownMigrations embed.FS

// Migrations is one independently versioned set of goose migrations, such as
// a service's schema. Each set keeps its own version table
// (goose_<Name>), so services add and number their migrations without
// coordinating with each other.
type Migrations struct {
	// Name identifies the set; letters, digits and underscores.
	Name string
	// SQLite and Postgres hold the .sql files of each dialect at their root
	// (use fs.Sub on an embed.FS). A nil FS means the set has nothing for that
	// dialect.
	SQLite   fs.FS
	Postgres fs.FS
}

var validSetName = regexp.MustCompile(`^[a-z][a-z0-9_]*$`)

// Core returns the migrations of the store and bus tables every hule
// database needs (the idempotency record of consumers). Migrate always runs
// them first.
func Core() Migrations {
	sqliteFS, _ := fs.Sub(ownMigrations, "migrations/sqlite")
	pgFS, _ := fs.Sub(ownMigrations, "migrations/postgres")
	return Migrations{Name: "core", SQLite: sqliteFS, Postgres: pgFS}
}

// Migrate brings db up to date: the core set, then each given set in order.
// On PostgreSQL each set is migrated under an advisory lock, so that
// processes starting together (`hule run` copies, `hule migrate` beside
// them) take turns instead of racing to create the same tables.
func Migrate(ctx context.Context, db *DB, sets ...Migrations) error {
	all := append([]Migrations{Core()}, sets...)
	var schema string
	if db.Dialect == Postgres {
		if err := db.QueryRowContext(ctx, `SELECT current_schema()`).Scan(&schema); err != nil {
			return fmt.Errorf("migrations: current schema: %w", err)
		}
	}
	for _, m := range all {
		if !validSetName.MatchString(m.Name) {
			return fmt.Errorf("migrations %q: name must match %s", m.Name, validSetName)
		}
		fsys, dialect := m.SQLite, goose.DialectSQLite3
		if db.Dialect == Postgres {
			fsys, dialect = m.Postgres, goose.DialectPostgres
		}
		if fsys == nil {
			continue
		}
		opts := []goose.ProviderOption{
			goose.WithTableName("goose_" + m.Name),
			goose.WithDisableGlobalRegistry(true),
		}
		if db.Dialect == Postgres {
			// One lock per schema and set: databases that share a server
			// (tests, tenants) do not wait for each other.
			locker, err := lock.NewPostgresSessionLocker(
				lock.WithLockID(LockKey("hule migrations", schema, m.Name)),
				lock.WithLockTimeout(1, 300))
			if err != nil {
				return fmt.Errorf("migrations %s: lock: %w", m.Name, err)
			}
			opts = append(opts, goose.WithSessionLocker(locker))
		}
		p, err := goose.NewProvider(dialect, db.DB, fsys, opts...)
		if err != nil {
			return fmt.Errorf("migrations %s: %w", m.Name, err)
		}
		if _, err := p.Up(ctx); err != nil {
			return fmt.Errorf("migrate %s: %w", m.Name, err)
		}
	}
	return nil
}

// LockKey is the PostgreSQL advisory lock key of a named mechanism (the
// outbox relay, migrations) in one schema and set: a hash of the parts, so
// that databases sharing a server never wait for each other's locks.
func LockKey(parts ...string) int64 {
	h := fnv.New64a()
	for _, p := range parts {
		_, _ = h.Write([]byte(p))
		_, _ = h.Write([]byte{0})
	}
	return int64(h.Sum64() >> 1) //nolint:gosec // shifted into int64's positive range
}
