package bustest

import (
	"context"
	"testing"
	"time"

	"github.com/hule-dev/hule/internal/bus"
	"github.com/hule-dev/hule/internal/store"
)

// SQLiteBus returns a real bus on db's SQLite topics that polls every 10 ms,
// for tests that run a service end to end on the bus.
func SQLiteBus(t testing.TB, db *store.DB) *bus.Bus {
	t.Helper()
	cfg := bus.DefaultConfig(bus.KindSQLite)
	cfg.PollInterval = 10 * time.Millisecond
	b, err := bus.New(cfg, bus.Deps{DB: db})
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// Start runs b until the test ends and returns once it consumes; the test
// fails when Run stops early or returns an error.
func Start(ctx context.Context, t testing.TB, b *bus.Bus) {
	t.Helper()
	ctx, cancel := context.WithCancel(ctx)
	errc := make(chan error, 1)
	go func() { errc <- b.Run(ctx) }()
	select {
	case <-b.Running():
	case err := <-errc:
		cancel()
		t.Fatalf("bus stopped before consuming: %v", err)
	}
	t.Cleanup(func() {
		cancel()
		if err := <-errc; err != nil {
			t.Errorf("bus run: %v", err)
		}
	})
}
