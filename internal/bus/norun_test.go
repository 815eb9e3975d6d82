package bus_test

import (
	"context"
	"testing"
	"time"

	"github.com/hule-dev/hule/internal/bus"
	"github.com/hule-dev/hule/internal/store/storetest"
)

// TestRunWithoutHandlers: a producer-only service runs the bus too (for
// the relay in Kafka mode); Run must start and stop cleanly.
func TestRunWithoutHandlers(t *testing.T) {
	b, err := bus.New(bus.DefaultConfig("sqlite"), bus.Deps{DB: storetest.SQLite(t)})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- b.Run(ctx) }()
	select {
	case <-b.Running():
	case err := <-done:
		t.Fatalf("Run ended before running: %v", err)
	case <-time.After(30 * time.Second):
		t.Fatal("not running after 30s")
	}
	cancel()
	if err := <-done; err != nil {
		t.Errorf("Run = %v, want nil after cancel", err)
	}
}
