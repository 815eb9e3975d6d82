package results

import (
	"context"
	"database/sql"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/hule-dev/hule/internal/bus"
	"github.com/hule-dev/hule/internal/events"
	"github.com/hule-dev/hule/internal/store"
	"github.com/hule-dev/hule/internal/store/storetest"
)

// TestOnRealBus runs the scenario through the real bus on SQLite topics:
// one database with one connection, every topic consumed on its own (so
// events meet the handlers in whatever order the subscribers reach them),
// and the results announced once.
func TestOnRealBus(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	db := storetest.SQLite(t, Schema())
	cfg := bus.DefaultConfig("sqlite")
	cfg.PollInterval = 10 * time.Millisecond
	cfg.InitialBackoff = 20 * time.Millisecond
	cfg.MaxAttempts = 20
	logger := slog.New(slog.NewTextHandler(testWriter{t}, &slog.HandlerOptions{Level: slog.LevelWarn}))
	b, err := bus.New(cfg, bus.Deps{DB: db, Logger: logger})
	if err != nil {
		t.Fatal(err)
	}
	f := newFixture(t, db) // for its content store, routes and scenario
	svc, err := New(Deps{DB: db, Bus: b, Content: f.content}, Config{})
	if err != nil {
		t.Fatal(err)
	}
	svc.Register(b)
	f.svc = svc
	f.mux = newMux(svc)

	ready := make(chan events.BatchResultsReadyV1, 4)
	b.Handle("test", events.TopicBatchResultsReady, func(_ context.Context, _ *sql.Tx, ev events.Raw) error {
		d, err := events.DecodeData[events.BatchResultsReadyV1](ev)
		if err != nil {
			return err
		}
		ready <- d
		return nil
	})
	done := make(chan error, 1)
	go func() { done <- b.Run(ctx) }()
	select {
	case <-b.Running():
	case err := <-done:
		t.Fatalf("bus stopped: %v", err)
	}

	ms := scenario(t, f)
	err = store.InTx(ctx, db.DB, func(tx *sql.Tx) error {
		for _, m := range ms {
			if err := b.Publish(ctx, tx, bus.Event(m.raw)); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	select {
	case r := <-ready:
		if r.BatchID != scBatch || r.CompletedEssays != 3 || len(r.PhaseResults) != 3 {
			t.Errorf("results ready %+v", r)
		}
	case err := <-done:
		t.Fatalf("bus stopped: %v", err)
	case <-time.After(60 * time.Second): // a liveness bound, not a timing assertion
		cancel()
		if err := <-done; err != nil {
			t.Logf("bus run: %v", err)
		}
		dump(t, db.DB)
		t.Fatal("no BatchResultsReadyV1 within a minute")
	}
	var res BatchResults
	if w := f.get(scUser, "/v1/batches/"+scBatch+"/results", &res); w.Code != 200 || len(res.Essays) != 3 || !res.ResultsReady {
		t.Errorf("results route: %d, %d essays, ready %v", w.Code, len(res.Essays), res.ResultsReady)
	}
	cancel()
	if err := <-done; err != nil {
		t.Errorf("bus run: %v", err)
	}
	if n := storetest.Count(t, db.DB, `SELECT COUNT(*) FROM results_runs WHERE ready_published = 1`); n != 1 {
		t.Errorf("%d runs announced, want 1", n)
	}
}

type testWriter struct{ t *testing.T }

func (w testWriter) Write(p []byte) (int, error) {
	w.t.Log(strings.TrimSpace(string(p)))
	return len(p), nil
}

// dump logs the results tables, to see why a scenario stalled.
func dump(t *testing.T, db *sql.DB) {
	for _, q := range []string{
		`SELECT batch_id, user_id, status, cj_job_id, announced_job_id FROM results_batches`,
		`SELECT phase, status, total, started_at, finished_at FROM results_phases`,
		`SELECT essay_id, phase, status FROM results_essay_phases ORDER BY phase, essay_id`,
		`SELECT correlation_id, pipeline, final_status, completed_phases, ready_published FROM results_runs`,
		`SELECT essay_id, spell_total, nlp_words, grade FROM results_essays`,
	} {
		if err := dumpQuery(t, db, q); err != nil {
			t.Log(err)
		}
	}
}

func dumpQuery(t *testing.T, db *sql.DB, q string) error {
	rows, err := db.QueryContext(context.Background(), q)
	if err != nil {
		return err
	}
	defer rows.Close()
	cols, err := rows.Columns()
	if err != nil {
		return err
	}
	for rows.Next() {
		vals := make([]any, len(cols))
		ptrs := make([]any, len(cols))
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		if err := rows.Scan(ptrs...); err != nil {
			return err
		}
		t.Logf("%v", vals)
	}
	return rows.Err()
}
