package bus

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"testing"

	"github.com/ThreeDotsLabs/watermill"
)

func TestQuietShutdown(t *testing.T) {
	var buf bytes.Buffer
	l := quietShutdown{watermill.NewSlogLogger(slog.New(slog.NewTextHandler(&buf, &slog.HandlerOptions{Level: slog.LevelInfo})))}
	l.With(watermill.LogFields{"topic": "t"}).Error("could not begin tx", fmt.Errorf("query: %w", context.Canceled), nil)
	if buf.Len() != 0 {
		t.Errorf("a canceled context was logged as an error: %s", buf.String())
	}
	l.Error("could not begin tx", errors.New("connection refused"), nil)
	if !strings.Contains(buf.String(), "connection refused") || !strings.Contains(buf.String(), "level=ERROR") {
		t.Errorf("a real error was not logged: %q", buf.String())
	}
}
