// Package store opens hule's databases (SQLite for the embedded mode,
// PostgreSQL for the distributed one), runs their goose migrations and gives
// every service one transaction helper, so that retry on lock contention and
// the durability settings live in one place.
package store

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"strings"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/stdlib"
	_ "modernc.org/sqlite" // registers the "sqlite" database/sql driver
)

// Dialect names the SQL dialect behind a *sql.DB; queries that differ
// between SQLite and PostgreSQL switch on it.
type Dialect string

// The supported dialects.
const (
	SQLite   Dialect = "sqlite"
	Postgres Dialect = "postgres"
)

// DB is an open database and its dialect. The embedded *sql.DB is what
// services and watermill-sql use.
type DB struct {
	*sql.DB
	Dialect Dialect
}

// SQLiteFile is the database file name inside a data directory.
const SQLiteFile = "hule.db"

// sqliteDSN builds the connection string of a SQLite database file.
//
// Durability: journal_mode=WAL with synchronous=FULL, so the WAL is fsynced at
// every commit and a committed transaction survives a power loss, not only a
// process crash (NORMAL would only survive a process crash). busy_timeout
// makes another process wait for the lock instead of failing at once, and
// _txlock=immediate takes the write lock at BEGIN, so a read-then-write
// transaction never fails halfway with SQLITE_BUSY on the upgrade.
func sqliteDSN(path string) string { return SQLiteDSN(path, "immediate") }

// SQLiteDSN is the connection string OpenSQLite uses, with the given
// _txlock mode ("immediate" or "deferred"), for callers that need their own
// pool on the same file, such as tests of several concurrent connections.
func SQLiteDSN(path, txLock string) string {
	q := url.Values{}
	for _, p := range []string{
		"journal_mode(WAL)",
		"synchronous(FULL)",
		"busy_timeout(10000)",
		"foreign_keys(1)",
	} {
		q.Add("_pragma", p)
	}
	q.Set("_txlock", txLock)
	return "file:" + path + "?" + q.Encode()
}

// OpenSQLite opens (creating it when missing) the SQLite database at path.
// The pool holds a single connection: SQLite has one writer at a time, and
// queueing writers in database/sql instead of in SQLite's busy handler avoids
// SQLITE_BUSY storms. Code must therefore never use the *sql.DB while it
// holds a transaction on it (use the transaction).
func OpenSQLite(ctx context.Context, path string) (*DB, error) {
	if dir := filepath.Dir(path); dir != "" {
		if err := os.MkdirAll(dir, 0o750); err != nil {
			return nil, fmt.Errorf("create data dir %s: %w", dir, err)
		}
	}
	connector, err := sqliteConnector(sqliteDSN(path))
	if err != nil {
		return nil, fmt.Errorf("open sqlite %s: %w", path, err)
	}
	db := sql.OpenDB(connector)
	db.SetMaxOpenConns(1)
	db.SetMaxIdleConns(1)
	db.SetConnMaxLifetime(0)
	db.SetConnMaxIdleTime(0)
	if err := db.PingContext(ctx); err != nil {
		_ = db.Close()
		return nil, fmt.Errorf("ping sqlite %s: %w", path, err)
	}
	return &DB{DB: db, Dialect: SQLite}, nil
}

// sqliteConnector returns the SQLite driver's connector for dsn, its
// connections caching their compiled statements (see cachingConn).
func sqliteConnector(dsn string) (driver.Connector, error) {
	probe, err := sql.Open("sqlite", dsn) // only to reach the registered driver
	if err != nil {
		return nil, err
	}
	drv := probe.Driver()
	_ = probe.Close()
	var c driver.Connector = dsnConnector{dsn: dsn, drv: drv}
	if dc, ok := drv.(driver.DriverContext); ok {
		if c, err = dc.OpenConnector(dsn); err != nil {
			return nil, err
		}
	}
	return cachingConnector{Connector: c}, nil
}

// OpenPostgres opens a PostgreSQL database through pgx's database/sql
// driver, so that services and watermill-sql share one *sql.DB pool. dsn is a
// postgres:// URL or a key=value connection string.
func OpenPostgres(ctx context.Context, dsn string) (*DB, error) {
	cfg, err := pgx.ParseConfig(dsn)
	if err != nil {
		return nil, fmt.Errorf("parse postgres dsn: %w", err)
	}
	db := stdlib.OpenDB(*cfg)
	db.SetMaxOpenConns(16)
	db.SetMaxIdleConns(16)
	if err := db.PingContext(ctx); err != nil {
		_ = db.Close()
		return nil, fmt.Errorf("ping postgres %s: %w", cfg.Host, err)
	}
	return &DB{DB: db, Dialect: Postgres}, nil
}

// Open opens the database named by target: a postgres:// or postgresql://
// URL opens PostgreSQL, anything else is a SQLite data directory whose
// database file is SQLiteFile inside it.
func Open(ctx context.Context, target string) (*DB, error) {
	if target == "" {
		return nil, errors.New("open database: empty target")
	}
	if strings.HasPrefix(target, "postgres://") || strings.HasPrefix(target, "postgresql://") {
		return OpenPostgres(ctx, target)
	}
	return OpenSQLite(ctx, filepath.Join(target, SQLiteFile))
}
