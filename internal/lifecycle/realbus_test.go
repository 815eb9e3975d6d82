package lifecycle_test

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/hule-dev/hule/internal/batch"
	"github.com/hule-dev/hule/internal/bus"
	"github.com/hule-dev/hule/internal/events"
	"github.com/hule-dev/hule/internal/lifecycle"
	"github.com/hule-dev/hule/internal/store"
	"github.com/hule-dev/hule/internal/store/storetest"
)

// TestPipelineOnTheRealBus runs batch and lifecycle on the real bus, with
// SQLite topics on one single-connection database as the embedded mode
// does, and with PostgreSQL topics, with fake spellcheck and nlp
// consumers: 6 essays, one rejected upload, the nlp pipeline to its
// completion.
func TestPipelineOnTheRealBus(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the bus")
	}
	t.Run("sqlite", func(t *testing.T) {
		pipelineOnBus(t, "sqlite", storetest.SQLite(t, batch.Schema(), lifecycle.Schema()))
	})
	t.Run("postgres", func(t *testing.T) {
		db, _ := storetest.Postgres(t, batch.Schema(), lifecycle.Schema())
		pipelineOnBus(t, "postgres", db)
	})
}

func pipelineOnBus(t *testing.T, transport string, db *store.DB) {
	ctx, cancel := context.WithCancel(context.Background())
	cfg := bus.DefaultConfig(transport)
	cfg.PollInterval = 5 * time.Millisecond
	b, err := bus.New(cfg, bus.Deps{DB: db})
	if err != nil {
		t.Fatal(err)
	}
	bs, err := batch.New(batch.Deps{DB: db, Bus: b}, batch.Config{})
	if err != nil {
		t.Fatal(err)
	}
	ls, err := lifecycle.New(lifecycle.Deps{DB: db, Bus: b}, lifecycle.Config{SweepInterval: 20 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	bs.Register(b)
	ls.Register(b)
	b.Handle("fake-spellcheck", events.TopicEssaySpellcheckRequested, func(ctx context.Context, tx *sql.Tx, raw events.Raw) error {
		req, err := events.DecodeData[events.EssayLifecycleSpellcheckRequestV1](raw)
		if err != nil {
			return err
		}
		corrected := "corrected-" + req.TextStorageID
		done := events.SpellcheckPhaseCompletedV1{EntityID: *req.EntityID, BatchID: *req.ParentID, CorrelationID: raw.CorrelationID.String(),
			Status: events.ProcessingStatusCompleted, CorrectedTextStorageID: &corrected, ProcessingDurationMS: 1}
		return b.Publish(ctx, tx, bus.Event(events.NewEnvelope(done.Topic(), "fake-spellcheck", raw.CorrelationID, done)))
	})
	b.Handle("fake-nlp", events.TopicBatchNLPProcessingRequestedV2, func(ctx context.Context, tx *sql.Tx, raw events.Raw) error {
		var req events.BatchServiceNLPInitiateCommandDataV2
		if err := json.Unmarshal(raw.Data, &req); err != nil {
			return err
		}
		var ok []string
		for _, e := range req.EssaysToProcess {
			ok = append(ok, e.EssayID)
		}
		done := events.BatchNlpAnalysisCompletedV1{ProcessingUpdate: events.ProcessingUpdate{
			BaseEventData:  events.BaseEventData{EventName: events.EventBatchNLPAnalysisCompleted, EntityID: req.EntityID},
			Status:         events.UpdateStatus(events.BatchStatusCompletedSuccessfully),
			SystemMetadata: events.SystemProcessingMetadata{EntityID: *req.EntityID, EntityType: "batch"},
		}, BatchID: *req.EntityID, ProcessingSummary: events.MustObject(events.CJProcessingSummary{
			SuccessfulEssayIDs: ok, FailedEssayIDs: []string{}})}
		return b.Publish(ctx, tx, bus.Event(events.NewEnvelope(done.Topic(), "fake-nlp", raw.CorrelationID, done)))
	})
	completed := make(chan events.BatchPipelineCompletedV1, 4)
	b.Handle("watcher", events.TopicBatchPipelineCompleted, func(_ context.Context, _ *sql.Tx, raw events.Raw) error {
		d, err := events.DecodeData[events.BatchPipelineCompletedV1](raw)
		if err != nil {
			return err
		}
		completed <- d
		return nil
	})
	errc := make(chan error, 1)
	go func() { errc <- b.Run(ctx) }()
	sweepc := make(chan error, 1)
	go func() { sweepc <- ls.Run(ctx) }()
	t.Cleanup(func() {
		cancel()
		if err := <-sweepc; err != nil {
			t.Errorf("sweep: %v", err)
		}
		if err := <-errc; err != nil && !errors.Is(err, context.Canceled) {
			t.Errorf("bus: %v", err)
		}
	})
	select {
	case <-b.Running():
	case err := <-errc:
		t.Fatalf("bus stopped: %v", err)
	}

	batchInfo, err := bs.RegisterBatch(ctx, batch.RegisterRequest{UserID: "u1", CourseCode: events.CourseCodeENG6, ExpectedEssayCount: 6})
	if err != nil {
		t.Fatal(err)
	}
	err = store.InTx(ctx, db.DB, func(tx *sql.Tx) error {
		var outs []bus.Outgoing
		for i := range 5 {
			id := "text-" + string(rune('a'+i))
			c := events.EssayContentProvisionedV1{Event: string(events.EventEssayContentProvisioned), EntityID: batchInfo.ID,
				FileUploadID: "upl-" + id, OriginalFileName: id + ".txt", RawFileStorageID: "raw-" + id, TextStorageID: id, FileSizeBytes: 10}
			outs = append(outs, bus.Event(events.NewEnvelope(c.Topic(), "test", uuid.New(), c)))
		}
		f := events.EssayValidationFailedV1{Event: string(events.EventEssayValidationFailed), EntityID: batchInfo.ID,
			FileUploadID: "upl-empty", OriginalFileName: "empty.txt", RawFileStorageID: "raw-empty",
			ValidationErrorCode: events.FileValidationErrorCodeEmptyContent,
			ValidationErrorDetail: events.ErrorDetail{ErrorCode: events.AnyErrorCode(events.FileValidationErrorCodeEmptyContent),
				Message: "empty file", CorrelationID: uuid.New(), Service: "test", Operation: "upload"}}
		outs = append(outs, bus.Event(events.NewEnvelope(f.Topic(), "test", uuid.New(), f)))
		return b.Publish(ctx, tx, outs...)
	})
	if err != nil {
		t.Fatal(err)
	}
	// Wait (generously) for the batch to become ready, then ask for nlp.
	deadline := time.Now().Add(60 * time.Second)
	for {
		got, err := bs.Get(ctx, "u1", batchInfo.ID)
		if err != nil {
			t.Fatal(err)
		}
		if got.Ready {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("batch never became ready")
		}
		time.Sleep(10 * time.Millisecond)
	}
	err = store.InTx(ctx, db.DB, func(tx *sql.Tx) error {
		_, err := bs.RequestPipeline(ctx, tx, batch.PipelineRequest{UserID: "u1", BatchID: batchInfo.ID, Pipeline: "nlp"})
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	select {
	case d := <-completed:
		if d.SuccessfulEssayCount != 5 || d.FailedEssayCount != 1 || d.FinalStatus != events.BatchStatusCompletedWithFailures ||
			len(d.CompletedPhases) != 2 {
			t.Errorf("completion %+v", d)
		}
	case <-time.After(60 * time.Second):
		t.Fatal("the pipeline never completed")
	}
}
