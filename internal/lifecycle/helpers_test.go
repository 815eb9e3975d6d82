package lifecycle

import (
	"context"
	"database/sql"
	"fmt"
	"testing"

	"github.com/google/uuid"
	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"

	"github.com/hule-dev/hule/internal/bus"
	"github.com/hule-dev/hule/internal/bus/bustest"
	"github.com/hule-dev/hule/internal/events"
	"github.com/hule-dev/hule/internal/store"
	"github.com/hule-dev/hule/internal/store/storetest"
)

// routes captures the handlers a service registers, by topic.
type routes map[string]bus.Handler

func (r routes) Handle(_, topic string, h bus.Handler) { r[topic] = h }

// harness runs the lifecycle handlers on a real database with a recorder
// in place of the bus.
type harness struct {
	t      testing.TB
	db     *store.DB
	rec    *bustest.Recorder
	svc    *Service
	routes routes
	reg    *prometheus.Registry
	corr   uuid.UUID
}

// dbKinds runs f once per dialect: SQLite always, PostgreSQL unless
// HULE_TEST_POSTGRES=off.
func dbKinds(t *testing.T, f func(t *testing.T, open func(t *testing.T) *store.DB)) {
	t.Run("sqlite", func(t *testing.T) {
		f(t, func(t *testing.T) *store.DB { return storetest.SQLite(t, Schema()) })
	})
	t.Run("postgres", func(t *testing.T) {
		f(t, func(t *testing.T) *store.DB {
			db, _ := storetest.Postgres(t, Schema())
			return db
		})
	})
}

func newHarness(t testing.TB, db *store.DB) *harness {
	t.Helper()
	if db == nil {
		db = storetest.SQLite(t, Schema())
	}
	h := &harness{t: t, db: db, rec: &bustest.Recorder{}, routes: routes{}, reg: prometheus.NewRegistry(), corr: uuid.New()}
	svc, err := New(Deps{DB: db, Bus: h.rec, Metrics: h.reg}, Config{})
	if err != nil {
		t.Fatal(err)
	}
	h.svc = svc
	svc.Register(h.routes)
	return h
}

// send delivers data on its topic to lifecycle's handler, in a transaction,
// as the bus would.
func (h *harness) send(data events.Event) error {
	h.t.Helper()
	return h.sendCorr(data, h.corr)
}

func (h *harness) sendCorr(data events.Event, corr uuid.UUID) error {
	h.t.Helper()
	if err := data.Validate(); err != nil {
		h.t.Fatalf("test event %s is invalid: %v", data.Topic(), err)
	}
	return h.sendTopic(data.Topic(), data, corr)
}

// sendTopic delivers data as an envelope of topic, without validating it.
func (h *harness) sendTopic(topic string, data any, corr uuid.UUID) error {
	h.t.Helper()
	hd, ok := h.routes[topic]
	if !ok {
		h.t.Fatalf("lifecycle has no handler for %s", topic)
	}
	env := events.NewEnvelope(topic, "test", corr, data)
	b, err := events.Marshal(&env)
	if err != nil {
		h.t.Fatalf("encode %s: %v", topic, err)
	}
	raw, err := events.DecodeRaw(b)
	if err != nil {
		h.t.Fatalf("decode %s envelope: %v", topic, err)
	}
	return store.InTx(context.Background(), h.db.DB, func(tx *sql.Tx) error {
		return hd(context.Background(), tx, raw)
	})
}

func (h *harness) must(data events.Event) {
	h.t.Helper()
	if err := h.send(data); err != nil {
		h.t.Fatalf("handle %s: %v", data.Topic(), err)
	}
}

func registered(batchID string, n int) events.BatchEssaysRegistered {
	ids := make([]string, n)
	for i := range ids {
		ids[i] = fmt.Sprintf("%s-e%d", batchID, i+1)
	}
	stage, ev := events.ProcessingStageInitialized, string(events.EventBatchEssaysRegistered)
	return events.BatchEssaysRegistered{
		Event: string(events.EventBatchEssaysRegistered), EntityID: batchID, ExpectedEssayCount: n, EssayIDs: ids,
		Metadata:   events.SystemProcessingMetadata{EntityID: batchID, EntityType: "batch", ProcessingStage: &stage, Event: &ev},
		CourseCode: events.CourseCodeENG5, UserID: "teacher-1",
	}
}

func content(batchID, textID string) events.EssayContentProvisionedV1 {
	return events.EssayContentProvisionedV1{
		Event: string(events.EventEssayContentProvisioned), EntityID: batchID, FileUploadID: "upl-" + textID,
		OriginalFileName: textID + ".txt", RawFileStorageID: "raw-" + textID, TextStorageID: textID, FileSizeBytes: 100,
	}
}

func validationFailed(batchID, uploadID string) events.EssayValidationFailedV1 {
	return events.EssayValidationFailedV1{
		Event: string(events.EventEssayValidationFailed), EntityID: batchID, FileUploadID: uploadID,
		OriginalFileName: uploadID + ".txt", RawFileStorageID: "raw-" + uploadID,
		ValidationErrorCode: events.FileValidationErrorCodeEmptyContent,
		ValidationErrorDetail: events.ErrorDetail{ErrorCode: events.AnyErrorCode(events.FileValidationErrorCodeEmptyContent),
			Message: "the file is empty", CorrelationID: uuid.New(), Service: "hule-gateway", Operation: "upload"},
	}
}

func batchBase(batchID string, ev events.ProcessingEvent) events.BaseEventData {
	t := "batch"
	return events.BaseEventData{EventName: ev, EntityID: &batchID, EntityType: &t}
}

func refs(pairs ...string) []events.EssayProcessingInputRefV1 {
	var out []events.EssayProcessingInputRefV1
	for i := 0; i+1 < len(pairs); i += 2 {
		out = append(out, events.EssayProcessingInputRefV1{EssayID: pairs[i], TextStorageID: pairs[i+1]})
	}
	return out
}

func spellcheckCmd(batchID string, r []events.EssayProcessingInputRefV1) events.BatchServiceSpellcheckInitiateCommandDataV1 {
	return events.BatchServiceSpellcheckInitiateCommandDataV1{
		BaseEventData: batchBase(batchID, events.EventBatchSpellcheckInitiateCommand), EssaysToProcess: r, Language: "en",
	}
}

func nlpCmd(batchID string, r []events.EssayProcessingInputRefV1) events.BatchServiceNLPInitiateCommandDataV2 {
	return events.BatchServiceNLPInitiateCommandDataV2{
		BaseEventData: batchBase(batchID, events.EventBatchNLPInitiateCommandV2), EssaysToProcess: r, Language: "en",
	}
}

func cjCmd(batchID string, r []events.EssayProcessingInputRefV1) events.BatchServiceCJAssessmentInitiateCommandDataV1 {
	return events.BatchServiceCJAssessmentInitiateCommandDataV1{
		BaseEventData: batchBase(batchID, events.EventBatchCJAssessmentInitiateCommand), EssaysToProcess: r, Language: "en",
		CourseCode: events.CourseCodeENG5, ClassType: "GUEST",
	}
}

func spellDone(batchID, essayID string, ok bool, corrected string) events.SpellcheckPhaseCompletedV1 {
	e := events.SpellcheckPhaseCompletedV1{EntityID: essayID, BatchID: batchID, CorrelationID: uuid.NewString(),
		Status: events.ProcessingStatusCompleted, ProcessingDurationMS: 5}
	if ok {
		e.CorrectedTextStorageID = &corrected
	} else {
		e.Status = events.ProcessingStatusFailed
		code := "SPELLCHECK_SERVICE_ERROR"
		e.ErrorCode = &code
	}
	return e
}

func summary(ok, failed []string) events.Object {
	if ok == nil {
		ok = []string{}
	}
	if failed == nil {
		failed = []string{}
	}
	return events.MustObject(events.CJProcessingSummary{TotalEssays: len(ok) + len(failed), Successful: len(ok),
		Failed: len(failed), SuccessfulEssayIDs: ok, FailedEssayIDs: failed})
}

func batchUpdate(batchID string, ev events.ProcessingEvent, st events.BatchStatus) events.ProcessingUpdate {
	stage := events.ProcessingStageCompleted
	return events.ProcessingUpdate{BaseEventData: batchBase(batchID, ev), Status: events.UpdateStatus(st),
		SystemMetadata: events.SystemProcessingMetadata{EntityID: batchID, EntityType: "batch", ProcessingStage: &stage}}
}

func nlpDone(batchID string, ok, failed []string) events.BatchNlpAnalysisCompletedV1 {
	return events.BatchNlpAnalysisCompletedV1{ProcessingUpdate: batchUpdate(batchID, events.EventBatchNLPAnalysisCompleted,
		events.BatchStatusCompletedSuccessfully), BatchID: batchID, ProcessingSummary: summary(ok, failed)}
}

func cjDone(batchID string, ok, failed []string) events.CJAssessmentCompletedV1 {
	return events.CJAssessmentCompletedV1{ProcessingUpdate: batchUpdate(batchID, events.EventCJAssessmentCompleted,
		events.BatchStatusCompletedSuccessfully), CJAssessmentJobID: "job-1", ProcessingSummary: summary(ok, failed)}
}

func cjFailed(batchID string) events.CJAssessmentFailedV1 {
	return events.CJAssessmentFailedV1{ProcessingUpdate: batchUpdate(batchID, events.EventCJAssessmentFailed,
		events.BatchStatusFailedCritically), CJAssessmentJobID: "job-1"}
}

// essayStatus reads an essay's state.
func (h *harness) essayStatus(essayID string) events.EssayStatus {
	h.t.Helper()
	var st string
	if err := h.db.QueryRowContext(context.Background(), `SELECT status FROM lifecycle_essays WHERE essay_id = $1`, essayID).Scan(&st); err != nil {
		h.t.Fatalf("status of %s: %v", essayID, err)
	}
	return events.EssayStatus(st)
}

// provisioned returns the provisioning completions published so far.
func (h *harness) provisioned() []events.BatchContentProvisioningCompletedV1 {
	return bustest.Data[events.BatchContentProvisioningCompletedV1](h.t, h.rec, events.TopicBatchContentProvisioningCompleted)
}

// outcomes returns the phase outcomes published so far.
func (h *harness) outcomes() []events.ELSBatchPhaseOutcomeV1 {
	return bustest.Data[events.ELSBatchPhaseOutcomeV1](h.t, h.rec, events.TopicELSBatchPhaseOutcome)
}

// counterValue sums the values of a counter or counter vector.
func counterValue(t *testing.T, c prometheus.Collector) float64 {
	t.Helper()
	ch := make(chan prometheus.Metric, 64)
	c.Collect(ch)
	close(ch)
	var sum float64
	for m := range ch {
		var d dto.Metric
		if err := m.Write(&d); err != nil {
			t.Fatal(err)
		}
		sum += d.GetCounter().GetValue()
	}
	return sum
}
