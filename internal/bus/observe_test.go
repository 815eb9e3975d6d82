package bus_test

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"
	"go.opentelemetry.io/otel/trace"

	"github.com/hule-dev/hule/internal/bus"
	"github.com/hule-dev/hule/internal/events"
	"github.com/hule-dev/hule/internal/fault"
	"github.com/hule-dev/hule/internal/store"
	"github.com/hule-dev/hule/internal/store/storetest"
)

// syncBuffer is a bytes.Buffer safe for the router's goroutines.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// TestTraceAndCorrelation publishes inside a producer span and checks that
// the consumer's span continues that trace, that the envelope carries the
// traceparent and the correlation id, and that a dead letter is logged with
// event_type, event_id and correlation_id.
func TestTraceAndCorrelation(t *testing.T) {
	db := storetest.SQLite(t, appMigrations)
	rec := tracetest.NewSpanRecorder()
	tp := sdktrace.NewTracerProvider(sdktrace.WithSpanProcessor(rec))
	var logs syncBuffer
	cfg := bus.DefaultConfig("sqlite")
	cfg.PollInterval = 5 * time.Millisecond
	b, err := bus.New(cfg, bus.Deps{DB: db, Tracer: tp, Logger: slog.New(slog.NewJSONHandler(&logs, nil))})
	if err != nil {
		t.Fatal(err)
	}
	type seen struct {
		traceparent string
		corr        uuid.UUID
		trace       trace.TraceID
	}
	got := make(chan seen, 1)
	b.Handle("svc", topicIn, func(ctx context.Context, tx *sql.Tx, ev events.Raw) error {
		var w work
		_ = json.Unmarshal(ev.Data, &w)
		if w.N == 1 {
			return fault.Permanent(errTest)
		}
		got <- seen{ev.MetaString(events.MetaTraceparent), ev.CorrelationID, trace.SpanContextFromContext(ctx).TraceID()}
		return nil
	})
	start(t, b)

	ctx, span := tp.Tracer("test").Start(context.Background(), "request")
	producerTrace := span.SpanContext().TraceID()
	env := envelope(0)
	err = store.InTx(ctx, db.DB, func(tx *sql.Tx) error { return b.Publish(ctx, tx, bus.Event(env)) })
	span.End()
	if err != nil {
		t.Fatal(err)
	}
	var s seen
	select {
	case s = <-got:
	case <-time.After(30 * time.Second):
		t.Fatal("event not handled")
	}
	if !strings.Contains(s.traceparent, producerTrace.String()) {
		t.Errorf("envelope traceparent = %q, want trace %s", s.traceparent, producerTrace)
	}
	if s.trace != producerTrace {
		t.Errorf("handler trace = %s, want producer's %s", s.trace, producerTrace)
	}
	if s.corr != env.CorrelationID {
		t.Errorf("correlation id = %s, want %s", s.corr, env.CorrelationID)
	}
	// The span ends after the handler returns.
	eventually(t, "one consumer span in the producer's trace", func() bool {
		n := 0
		for _, sp := range rec.Ended() {
			if sp.SpanKind() == trace.SpanKindConsumer && sp.SpanContext().TraceID() == producerTrace {
				n++
			}
		}
		return n == 1
	})

	poison := envelope(1)
	publish(t, b, db, bus.Event(poison))
	eventually(t, "dead letter logged", func() bool { return strings.Contains(logs.String(), "event dead-lettered") })
	for _, line := range strings.Split(logs.String(), "\n") {
		if !strings.Contains(line, "event dead-lettered") {
			continue
		}
		var rec map[string]any
		if err := json.Unmarshal([]byte(line), &rec); err != nil {
			t.Fatal(err)
		}
		want := map[string]string{
			"event_type":     topicIn,
			"event_id":       poison.EventID.String(),
			"correlation_id": poison.CorrelationID.String(),
			"reason":         bus.ReasonPermanent,
		}
		for k, v := range want {
			if rec[k] != v {
				t.Errorf("log %s = %v, want %s", k, rec[k], v)
			}
		}
	}
}
