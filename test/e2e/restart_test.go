package e2e

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"path/filepath"
	"testing"
	"time"

	"github.com/hule-dev/hule/internal/client"
	"github.com/hule-dev/hule/internal/events"
	"github.com/hule-dev/hule/internal/store"
)

// TestRestartMidBatch stops the platform (cancels Run's context) while a
// batch is in its first phase and starts a new platform on the same data
// directory: the batch completes, and every essay is spell-checked and
// assessed exactly once.
func TestRestartMidBatch(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	cfg := config(dir, "")
	cfg.CJ.Comparisons = lowComparisons
	ctx, cancel := context.WithTimeout(context.Background(), 2*scenarioTimeout)
	defer cancel()

	first := start(t, cfg)
	files := exampleEssays(t, 6)
	reg := submit(ctx, t, first.c, files, "restart")
	acc := request(ctx, t, first.c, reg.BatchID, client.PipelineComprehensive, "")
	// Stop as soon as the batch service has started the first phase:
	// spellcheck, nlp and comparative judgement are all still to come.
	err := poll(ctx, func() (bool, error) {
		st, err := first.c.PipelineState(ctx, reg.BatchID)
		if err != nil {
			return false, err
		}
		run, ok := runOf(st, acc.CorrelationID)
		return ok && run.CurrentPhase != "", nil
	})
	if err != nil {
		t.Fatalf("pipeline never started: %v", err)
	}
	t.Logf("stopping the first platform at %s", time.Now().UTC().Format(time.RFC3339Nano))
	if err := first.stop(); err != nil {
		t.Fatalf("first platform shutdown: %v", err)
	}
	t.Logf("first platform stopped at %s", time.Now().UTC().Format(time.RFC3339Nano))
	if ready := resultsReadyInDB(ctx, t, dir, reg.BatchID); ready {
		t.Fatal("the batch finished before the platform stopped; the restart was not tested")
	}

	second := start(t, cfg)
	st := waitResultsReady(ctx, t, second.c, reg.BatchID, acc.CorrelationID)
	rec := pipelineOf(t, st, acc.CorrelationID)
	if rec.Status != client.StatusCompletedSuccessfully || deref(rec.SuccessfulEssays) != len(files) {
		t.Errorf("pipeline after restart: %s with %v successful, want completed_successfully with %d", rec.Status,
			deref(rec.SuccessfulEssays), len(files))
	}
	res, err := second.c.Results(ctx, reg.BatchID)
	if err != nil {
		t.Fatal(err)
	}
	ranks := map[int]string{}
	for _, e := range res.Essays {
		if e.Rank == nil || e.Grade == nil || e.WordCount == nil || e.SpellingCorrections == nil {
			t.Errorf("essay %s incomplete after restart: rank %v grade %v words %v corrections %v", e.FileName, e.Rank, e.Grade, e.WordCount, e.SpellingCorrections)
			continue
		}
		if other, dup := ranks[*e.Rank]; dup {
			t.Errorf("rank %d given to %s and %s", *e.Rank, other, e.FileName)
		}
		ranks[*e.Rank] = e.FileName
	}
	if len(res.Essays) != len(files) {
		t.Errorf("%d essays in the results, want %d", len(res.Essays), len(files))
	}
	if err := second.stop(); err != nil {
		t.Fatalf("second platform shutdown: %v", err)
	}

	// Exactly once, counted on the wire: one spellcheck result per essay
	// and one comparative-judgement result for the batch, naming each
	// essay once.
	db := openData(ctx, t, dir)
	spell := map[string]int{}
	for _, raw := range topicEvents(ctx, t, db, events.TopicSpellcheckResults) {
		d, err := events.DecodeData[events.SpellcheckResultV1](raw)
		if err != nil {
			t.Fatal(err)
		}
		if d.BatchID == reg.BatchID && d.EntityID != nil {
			spell[*d.EntityID]++
		}
	}
	assessed := map[string]int{}
	jobs := 0
	for _, raw := range topicEvents(ctx, t, db, events.TopicAssessmentResultPublished) {
		d, err := events.DecodeData[events.AssessmentResultV1](raw)
		if err != nil {
			t.Fatal(err)
		}
		if d.BatchID != reg.BatchID {
			continue
		}
		jobs++
		for _, e := range d.EssayResults {
			if !e.IsAnchor {
				assessed[e.EssayID]++
			}
		}
	}
	if jobs != 1 {
		t.Errorf("%d comparative-judgement results published for the batch, want 1", jobs)
	}
	for _, id := range reg.EssayIDs {
		if spell[id] != 1 || assessed[id] != 1 {
			t.Errorf("essay %s: %d spellcheck results and %d assessments, want 1 and 1", id, spell[id], assessed[id])
		}
	}
}

// openData opens the data directory's SQLite database after the platform
// has stopped.
func openData(ctx context.Context, t *testing.T, dir string) *store.DB {
	t.Helper()
	db, err := store.OpenSQLite(ctx, filepath.Join(dir, store.SQLiteFile))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = db.Close() })
	return db
}

// resultsReadyInDB reports whether the results service had announced the
// batch's results, read from the stopped platform's database.
func resultsReadyInDB(ctx context.Context, t *testing.T, dir, batchID string) bool {
	t.Helper()
	db, err := store.OpenSQLite(ctx, filepath.Join(dir, store.SQLiteFile))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var ready sql.NullTime
	err = db.QueryRowContext(ctx, `SELECT results_ready_at FROM results_batches WHERE batch_id = $1`, batchID).Scan(&ready)
	if errors.Is(err, sql.ErrNoRows) {
		return false
	}
	if err != nil {
		t.Fatalf("read results state: %v", err)
	}
	return ready.Valid
}

// topicEvents reads every envelope of a topic from the SQLite topic table.
func topicEvents(ctx context.Context, t *testing.T, db *store.DB, topic string) []events.Raw {
	t.Helper()
	rows, err := db.QueryContext(ctx, fmt.Sprintf(`SELECT payload FROM "watermill_%s" ORDER BY "offset"`, topic))
	if err != nil {
		t.Fatalf("read topic %s: %v", topic, err)
	}
	defer rows.Close()
	var out []events.Raw
	for rows.Next() {
		var b []byte
		if err := rows.Scan(&b); err != nil {
			t.Fatal(err)
		}
		raw, err := events.DecodeRaw(b)
		if err != nil {
			t.Fatalf("topic %s: %v", topic, err)
		}
		out = append(out, raw)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}
