package store

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"strings"
	"testing"
	"time"
)

func TestRepeatGoesOnAfterAFailureAndEndsWithItsContext(t *testing.T) {
	var logs bytes.Buffer
	ctx, cancel := context.WithCancel(context.Background())
	runs := 0
	done := make(chan error, 1)
	go func() {
		done <- Repeat(ctx, time.Millisecond, slog.New(slog.NewTextHandler(&logs, nil)), "test sweep", func(context.Context) error {
			runs++
			if runs == 1 {
				return errors.New("database away")
			}
			if runs == 3 {
				cancel()
			}
			return nil
		})
	}()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("Repeat = %v, want nil when its context ends", err)
		}
	case <-time.After(time.Minute):
		t.Fatal("Repeat did not end with its context")
	}
	if runs < 3 {
		t.Errorf("ran %d times, want the failed run tried again", runs)
	}
	if !strings.Contains(logs.String(), "test sweep") || !strings.Contains(logs.String(), "database away") {
		t.Errorf("failure not logged: %q", logs.String())
	}
}
