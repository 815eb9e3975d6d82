package store

import (
	"container/list"
	"context"
	"database/sql/driver"
	"errors"
	"fmt"
)

// SQLite compiles every statement it is given; the driver does so again
// for each unprepared Exec and throws the result away. Handlers run the same
// few statements for every event, so parsing them was a sixth of the CPU an
// event costs. cachingConn keeps the compiled statements of recent Exec
// calls per connection and reuses them: the same SQL and the same behavior,
// without the parse. Queries are not cached: a query's rows may still be
// open when the same text runs again, which a single compiled statement
// cannot serve.

// stmtCacheSize bounds the statements kept per connection.
const stmtCacheSize = 128

// stmtCacheMaxQuery is the longest statement text cached. Multi-row
// inserts of a few hundred rows (the bus's batches, whose row counts
// repeat) fit; longer texts are scripts such as migrations, run once.
const stmtCacheMaxQuery = 32 << 10

// cachingConnector opens connections of the wrapped connector as
// cachingConns.
type cachingConnector struct {
	driver.Connector
}

// Connect implements driver.Connector.
func (c cachingConnector) Connect(ctx context.Context) (driver.Conn, error) {
	conn, err := c.Connector.Connect(ctx)
	if err != nil {
		return nil, err
	}
	inner, ok := conn.(sqliteConn)
	if !ok {
		return conn, nil
	}
	return &cachingConn{sqliteConn: inner, stmts: map[string]*list.Element{}, lru: list.New()}, nil
}

// dsnConnector turns a driver without its own connector into one.
type dsnConnector struct {
	dsn string
	drv driver.Driver
}

func (c dsnConnector) Connect(context.Context) (driver.Conn, error) { return c.drv.Open(c.dsn) }
func (c dsnConnector) Driver() driver.Driver                        { return c.drv }

// sqliteConn is what the SQLite driver's connections offer database/sql.
type sqliteConn interface {
	driver.Conn
	driver.ConnBeginTx
	driver.ConnPrepareContext
	driver.ExecerContext
	driver.QueryerContext
	driver.Pinger
	driver.SessionResetter
	driver.Validator
}

// cachingConn is a SQLite connection that reuses the compiled statements of
// its recent Exec calls. database/sql never uses one connection from two
// goroutines at once, so it needs no lock.
type cachingConn struct {
	sqliteConn
	stmts map[string]*list.Element // query -> element of lru holding *cachedStmt
	lru   *list.List               // most recently used first
}

type cachedStmt struct {
	query string
	stmt  driver.StmtExecContext
	close func() error
}

// ExecContext implements driver.ExecerContext.
func (c *cachingConn) ExecContext(ctx context.Context, query string, args []driver.NamedValue) (driver.Result, error) {
	if len(query) > stmtCacheMaxQuery {
		return c.sqliteConn.ExecContext(ctx, query, args)
	}
	if e, ok := c.stmts[query]; ok {
		c.lru.MoveToFront(e)
		return e.Value.(*cachedStmt).stmt.ExecContext(ctx, args)
	}
	st, err := c.PrepareContext(ctx, query)
	if err != nil {
		return nil, err
	}
	ex, ok := st.(driver.StmtExecContext)
	if !ok {
		_ = st.Close()
		return c.sqliteConn.ExecContext(ctx, query, args)
	}
	c.stmts[query] = c.lru.PushFront(&cachedStmt{query: query, stmt: ex, close: st.Close})
	if c.lru.Len() > stmtCacheSize {
		old := c.lru.Remove(c.lru.Back()).(*cachedStmt)
		delete(c.stmts, old.query)
		if err := old.close(); err != nil {
			return nil, fmt.Errorf("close cached statement: %w", err)
		}
	}
	return ex.ExecContext(ctx, args)
}

// Close finalizes the cached statements, then closes the connection.
func (c *cachingConn) Close() error {
	var errs []error
	for e := c.lru.Front(); e != nil; e = e.Next() {
		errs = append(errs, e.Value.(*cachedStmt).close())
	}
	c.stmts, c.lru = nil, list.New()
	errs = append(errs, c.sqliteConn.Close())
	return errors.Join(errs...)
}
