// Package e2e holds hule's end-to-end scenarios: the whole platform runs
// in the test process (app.New and Run on 127.0.0.1:0, SQLite in a
// temporary directory or a fresh PostgreSQL schema) and the tests drive it
// only through the public API client, as a user's program would.
package e2e
