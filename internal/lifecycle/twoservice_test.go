package lifecycle_test

import (
	"context"
	"database/sql"
	"encoding/json"
	"strings"
	"testing"

	"github.com/google/uuid"

	"github.com/hule-dev/hule/internal/batch"
	"github.com/hule-dev/hule/internal/bus"
	"github.com/hule-dev/hule/internal/bus/bustest"
	"github.com/hule-dev/hule/internal/events"
	"github.com/hule-dev/hule/internal/lifecycle"
	"github.com/hule-dev/hule/internal/store"
	"github.com/hule-dev/hule/internal/store/storetest"
)

// router stands in for the bus: it hands every event the recorder got to
// the handlers registered for its topic, in publish order, each in its own
// transaction, and plays the processing services with fakes.
type router struct {
	t        *testing.T
	db       *store.DB
	rec      *bustest.Recorder
	handlers map[string][]bus.Handler
	next     int
	fakes    map[string]func(raw events.Raw) []bus.Outgoing
}

func (r *router) Handle(_, topic string, h bus.Handler) {
	r.handlers[topic] = append(r.handlers[topic], h)
}

// run delivers events until none is left.
func (r *router) run() {
	r.t.Helper()
	ctx := context.Background()
	for {
		all := r.rec.All()
		if r.next >= len(all) {
			return
		}
		p := all[r.next]
		r.next++
		raw, err := events.DecodeRaw(p.Payload)
		if err != nil {
			r.t.Fatalf("published an undecodable %s: %v", p.Topic, err)
		}
		if _, known := events.NewData(p.Topic); known {
			if _, err := p.Decode(); err != nil {
				r.t.Fatalf("published an invalid %s: %v", p.Topic, err)
			}
		}
		for _, h := range r.handlers[p.Topic] {
			if err := store.InTx(ctx, r.db.DB, func(tx *sql.Tx) error { return h(ctx, tx, raw) }); err != nil {
				r.t.Fatalf("handle %s: %v", p.Topic, err)
			}
		}
		if fake := r.fakes[p.Topic]; fake != nil {
			if out := fake(raw); len(out) > 0 {
				if err := r.rec.Publish(ctx, nil, out...); err != nil {
					r.t.Fatal(err)
				}
			}
		}
	}
}

func (r *router) publish(data events.Event) {
	r.t.Helper()
	if err := r.rec.Publish(context.Background(), nil, bus.Event(events.NewEnvelope(data.Topic(), "test", uuid.New(), data))); err != nil {
		r.t.Fatal(err)
	}
}

// TestSpellcheckThenNLPThenCJ runs batch and lifecycle together on one
// database, with fake spellcheck, nlp and cjassess services: a batch of 5
// (one upload rejected, one text failing spellcheck) runs the nlp
// pipeline, then cj_assessment, whose job fails.
func TestSpellcheckThenNLPThenCJ(t *testing.T) {
	ctx := context.Background()
	db := storetest.SQLite(t, batch.Schema(), lifecycle.Schema())
	r := &router{t: t, db: db, rec: &bustest.Recorder{}, handlers: map[string][]bus.Handler{}}
	bs, err := batch.New(batch.Deps{DB: db, Bus: r.rec}, batch.Config{})
	if err != nil {
		t.Fatal(err)
	}
	ls, err := lifecycle.New(lifecycle.Deps{DB: db, Bus: r.rec}, lifecycle.Config{})
	if err != nil {
		t.Fatal(err)
	}
	bs.Register(r)
	ls.Register(r)
	var spellRequests, nlpRequests, cjRequests int
	r.fakes = map[string]func(events.Raw) []bus.Outgoing{
		events.TopicEssaySpellcheckRequested: func(raw events.Raw) []bus.Outgoing {
			spellRequests++
			req, err := events.DecodeData[events.EssayLifecycleSpellcheckRequestV1](raw)
			if err != nil {
				t.Fatal(err)
			}
			done := events.SpellcheckPhaseCompletedV1{EntityID: *req.EntityID, BatchID: *req.ParentID,
				CorrelationID: raw.CorrelationID.String(), Status: events.ProcessingStatusCompleted, ProcessingDurationMS: 3}
			if req.TextStorageID == "text-3" {
				done.Status = events.ProcessingStatusFailed
			} else {
				corrected := "corrected-" + req.TextStorageID
				done.CorrectedTextStorageID = &corrected
			}
			return []bus.Outgoing{bus.Event(events.NewEnvelope(done.Topic(), "fake-spellcheck", raw.CorrelationID, done))}
		},
		events.TopicBatchNLPProcessingRequestedV2: func(raw events.Raw) []bus.Outgoing {
			nlpRequests++
			var req events.BatchServiceNLPInitiateCommandDataV2
			if err := json.Unmarshal(raw.Data, &req); err != nil {
				t.Fatal(err)
			}
			var ok []string
			for _, e := range req.EssaysToProcess {
				if !strings.HasPrefix(e.TextStorageID, "corrected-text-") {
					t.Errorf("nlp got %s for %s, want a corrected text", e.TextStorageID, e.EssayID)
				}
				ok = append(ok, e.EssayID)
			}
			stage := events.ProcessingStageCompleted
			done := events.BatchNlpAnalysisCompletedV1{ProcessingUpdate: events.ProcessingUpdate{
				BaseEventData:  events.BaseEventData{EventName: events.EventBatchNLPAnalysisCompleted, EntityID: req.EntityID},
				Status:         events.UpdateStatus(events.BatchStatusCompletedSuccessfully),
				SystemMetadata: events.SystemProcessingMetadata{EntityID: *req.EntityID, EntityType: "batch", ProcessingStage: &stage},
			}, BatchID: *req.EntityID, ProcessingSummary: events.MustObject(events.CJProcessingSummary{
				SuccessfulEssayIDs: ok, FailedEssayIDs: []string{}})}
			return []bus.Outgoing{bus.Event(events.NewEnvelope(done.Topic(), "fake-nlp", raw.CorrelationID, done))}
		},
		events.TopicELSCJAssessmentRequested: func(raw events.Raw) []bus.Outgoing {
			cjRequests++
			req, err := events.DecodeData[events.ELSCJAssessmentRequestV1](raw)
			if err != nil {
				t.Fatal(err)
			}
			stage := events.ProcessingStageFailed
			failed := events.CJAssessmentFailedV1{ProcessingUpdate: events.ProcessingUpdate{
				BaseEventData: events.BaseEventData{EventName: events.EventCJAssessmentFailed, EntityID: req.EntityID},
				Status:        events.UpdateStatus(events.BatchStatusFailedCritically),
				SystemMetadata: events.SystemProcessingMetadata{EntityID: req.SystemMetadata.EntityID, EntityType: "batch",
					ProcessingStage: &stage, ErrorInfo: events.MustObject(map[string]any{"message": "judge unavailable"})},
			}, CJAssessmentJobID: "job-1"}
			return []bus.Outgoing{bus.Event(events.NewEnvelope(failed.Topic(), "fake-cj", raw.CorrelationID, failed))}
		},
	}

	// Register 5 essays; one text arrives before the registration, one
	// upload is rejected.
	b, err := bs.RegisterBatch(ctx, batch.RegisterRequest{UserID: "u1", CourseCode: events.CourseCodeENG5, ExpectedEssayCount: 5})
	if err != nil {
		t.Fatal(err)
	}
	upload := func(i int) events.EssayContentProvisionedV1 {
		id := "text-" + string(rune('0'+i))
		return events.EssayContentProvisionedV1{Event: string(events.EventEssayContentProvisioned), EntityID: b.ID,
			FileUploadID: "upl-" + id, OriginalFileName: id + ".txt", RawFileStorageID: "raw-" + id, TextStorageID: id, FileSizeBytes: 10}
	}
	// The early upload goes out before the registration event is delivered.
	r.rec.Reset()
	r.publish(upload(1))
	if err := r.rec.Publish(ctx, nil, mustRegistered(t, b)); err != nil {
		t.Fatal(err)
	}
	for i := 2; i <= 4; i++ {
		r.publish(upload(i))
	}
	r.publish(upload(2)) // a duplicate
	r.publish(events.EssayValidationFailedV1{Event: string(events.EventEssayValidationFailed), EntityID: b.ID,
		FileUploadID: "upl-empty", OriginalFileName: "empty.txt", RawFileStorageID: "raw-empty",
		ValidationErrorCode: events.FileValidationErrorCodeEmptyContent,
		ValidationErrorDetail: events.ErrorDetail{ErrorCode: events.AnyErrorCode(events.FileValidationErrorCodeEmptyContent),
			Message: "empty file", CorrelationID: uuid.New(), Service: "test", Operation: "upload"}})
	r.run()
	if n := len(r.rec.OnTopic(events.TopicBatchContentProvisioningCompleted)); n != 1 {
		t.Fatalf("provisioning completed %d times, want 1", n)
	}

	request := func(pipeline string) uuid.UUID {
		var corr uuid.UUID
		err := store.InTx(ctx, db.DB, func(tx *sql.Tx) error {
			var err error
			corr, err = bs.RequestPipeline(ctx, tx, batch.PipelineRequest{UserID: "u1", BatchID: b.ID, Pipeline: pipeline})
			return err
		})
		if err != nil {
			t.Fatalf("request %s: %v", pipeline, err)
		}
		r.run()
		return corr
	}

	corr := request("nlp")
	if spellRequests != 4 || nlpRequests != 1 || cjRequests != 0 {
		t.Errorf("requests: spellcheck %d nlp %d cj %d; want 4, 1, 0", spellRequests, nlpRequests, cjRequests)
	}
	outcomes := bustest.Data[events.ELSBatchPhaseOutcomeV1](t, r.rec, events.TopicELSBatchPhaseOutcome)
	if len(outcomes) != 2 || outcomes[0].PhaseStatus != events.BatchStatusCompletedWithFailures || len(outcomes[0].FailedEssayIDs) != 1 ||
		outcomes[1].PhaseName != events.PhaseNameNLP || len(outcomes[1].ProcessedEssays) != 3 {
		t.Fatalf("phase outcomes %+v", outcomes)
	}
	done := bustest.Data[events.BatchPipelineCompletedV1](t, r.rec, events.TopicBatchPipelineCompleted)
	if len(done) != 1 || done[0].SuccessfulEssayCount != 3 || done[0].FailedEssayCount != 2 || done[0].CorrelationID != corr ||
		done[0].FinalStatus != events.BatchStatusCompletedWithFailures {
		t.Fatalf("pipeline completion %+v", done)
	}

	request("cj_assessment")
	skipped := bustest.Data[events.PhaseSkippedV1](t, r.rec, events.TopicBatchPhaseSkipped)
	if len(skipped) != 1 || skipped[0].PhaseName != "spellcheck" {
		t.Errorf("skipped %+v", skipped)
	}
	cj := bustest.Data[events.ELSCJAssessmentRequestV1](t, r.rec, events.TopicELSCJAssessmentRequested)
	if spellRequests != 4 || len(cj) != 1 || len(cj[0].EssaysForCJ) != 3 {
		t.Fatalf("cj requests %+v (spellcheck requests %d)", cj, spellRequests)
	}
	done = bustest.Data[events.BatchPipelineCompletedV1](t, r.rec, events.TopicBatchPipelineCompleted)
	if len(done) != 2 || done[1].FinalStatus != events.BatchStatusFailedCritically || done[1].SuccessfulEssayCount != 0 {
		t.Fatalf("cj pipeline completion %+v", done)
	}
	got, err := bs.Get(ctx, "u1", b.ID)
	if err != nil {
		t.Fatal(err)
	}
	if got.Status != events.BatchStatusFailedCritically || len(got.Runs) != 2 || len(got.CompletedPhases) != 2 {
		t.Errorf("batch at the end: %s, runs %d, phases %v", got.Status, len(got.Runs), got.CompletedPhases)
	}
	var cjFailed int
	if err := db.QueryRowContext(ctx, `SELECT COUNT(*) FROM lifecycle_essays WHERE batch_id = $1 AND status = $2`,
		b.ID, string(events.EssayStatusCJAssessmentFailed)).Scan(&cjFailed); err != nil {
		t.Fatal(err)
	}
	if cjFailed != 3 {
		t.Errorf("%d essays in cj_assessment_failed, want 3", cjFailed)
	}
}

// mustRegistered re-publishes the registration event: RegisterBatch
// already recorded it, but the test reset the recorder to put an upload
// before it.
func mustRegistered(t *testing.T, b batch.Batch) bus.Outgoing {
	t.Helper()
	stage, ev := events.ProcessingStageInitialized, string(events.EventBatchEssaysRegistered)
	return bus.Event(events.NewEnvelope(events.TopicBatchEssaysRegistered, "hule-batch", uuid.New(), events.BatchEssaysRegistered{
		Event: string(events.EventBatchEssaysRegistered), EntityID: b.ID, ExpectedEssayCount: b.ExpectedEssayCount,
		EssayIDs: b.EssayIDs, CourseCode: b.CourseCode, UserID: b.UserID,
		Metadata: events.SystemProcessingMetadata{EntityID: b.ID, EntityType: "batch", ProcessingStage: &stage, Event: &ev},
	}))
}
