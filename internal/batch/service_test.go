package batch

import (
	"context"
	"database/sql"
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/google/uuid"

	"github.com/hule-dev/hule/internal/bus/bustest"
	"github.com/hule-dev/hule/internal/events"
	"github.com/hule-dev/hule/internal/fault"
	"github.com/hule-dev/hule/internal/store"
)

func ptr[T any](v T) *T { return &v }

func TestRegisterBatch(t *testing.T) {
	dbKinds(t, func(t *testing.T, open func(t *testing.T) *store.DB) {
		h := newHarness(t, open(t))
		b, err := h.svc.RegisterBatch(context.Background(), RegisterRequest{UserID: "u1", CourseCode: events.CourseCodeSV2,
			ExpectedEssayCount: 3, ClassID: ptr("class-9"), AssignmentID: ptr("a-1"), Name: "week 3",
			PromptRef: &events.StorageReferenceMetadata{References: map[events.ContentType]map[string]string{
				events.ContentTypeStudentPromptText: {"storage_id": "p1"}}}})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := uuid.Parse(b.ID); err != nil || len(b.EssayIDs) != 3 || b.Status != events.BatchStatusAwaitingContentValidation {
			t.Fatalf("batch %+v", b)
		}
		got := bustest.Data[events.BatchEssaysRegistered](t, h.rec, events.TopicBatchEssaysRegistered)
		if len(got) != 1 || got[0].EntityID != b.ID || !slices.Equal(got[0].EssayIDs, b.EssayIDs) ||
			got[0].ExpectedEssayCount != 3 || got[0].UserID != "u1" || *got[0].ClassID != "class-9" ||
			got[0].StudentPromptRef.References[events.ContentTypeStudentPromptText]["storage_id"] != "p1" {
			t.Errorf("published %+v", got)
		}
		stored, err := h.svc.Get(context.Background(), "u1", b.ID)
		if err != nil {
			t.Fatal(err)
		}
		if !slices.Equal(stored.EssayIDs, b.EssayIDs) || stored.Name != "week 3" || *stored.AssignmentID != "a-1" ||
			stored.PromptRef == nil || stored.Ready || stored.CourseCode != events.CourseCodeSV2 {
			t.Errorf("stored %+v", stored)
		}
		if _, err := h.svc.Get(context.Background(), "u2", b.ID); !errors.Is(err, ErrNotFound) {
			t.Errorf("another user's Get: %v, want ErrNotFound", err)
		}
		if u, found, err := h.svc.Owner(context.Background(), b.ID); err != nil || !found || u != "u1" {
			t.Errorf("Owner = %q, %v, %v; want u1, true", u, found, err)
		}
		if u, found, err := h.svc.Owner(context.Background(), "nope"); err != nil || found || u != "" {
			t.Errorf("Owner of an unknown batch = %q, %v, %v; want not found", u, found, err)
		}
	})
}

func TestRegisterBatchRejectsBadInput(t *testing.T) {
	h := newHarness(t, nil)
	long := strings.Repeat("x", 101)
	tests := []struct {
		name string
		req  RegisterRequest
		want string
	}{
		{"no user", RegisterRequest{CourseCode: events.CourseCodeENG5, ExpectedEssayCount: 2}, "user id is required"},
		{"unknown course", RegisterRequest{UserID: "u1", CourseCode: "ENG9", ExpectedEssayCount: 2}, `course_code "ENG9"`},
		{"no essays", RegisterRequest{UserID: "u1", CourseCode: events.CourseCodeENG5}, "expected_essay_count 0"},
		{"too many essays", RegisterRequest{UserID: "u1", CourseCode: events.CourseCodeENG5, ExpectedEssayCount: 51}, "between 1 and 50"},
		{"long assignment", RegisterRequest{UserID: "u1", CourseCode: events.CourseCodeENG5, ExpectedEssayCount: 1, AssignmentID: &long},
			"assignment_id is longer"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := h.svc.RegisterBatch(context.Background(), tt.req)
			var ie *InputError
			if !errors.As(err, &ie) || !strings.Contains(ie.Msg, tt.want) {
				t.Errorf("got %v, want an input error containing %q", err, tt.want)
			}
		})
	}
	if len(h.rec.All()) != 0 {
		t.Errorf("rejected registrations published %d events", len(h.rec.All()))
	}
}

// commandEssays decodes the essays of the phase commands published on topic.
func commandEssays(t *testing.T, h *harness, topic string) [][]events.EssayProcessingInputRefV1 {
	t.Helper()
	var out [][]events.EssayProcessingInputRefV1
	switch topic {
	case events.TopicBatchSpellcheckInitiateCommand:
		for _, c := range bustest.Data[events.BatchServiceSpellcheckInitiateCommandDataV1](t, h.rec, topic) {
			out = append(out, c.EssaysToProcess)
		}
	case events.TopicBatchNLPInitiateCommandV2:
		for _, c := range bustest.Data[events.BatchServiceNLPInitiateCommandDataV2](t, h.rec, topic) {
			out = append(out, c.EssaysToProcess)
		}
	case events.TopicBatchCJAssessmentInitiateCommand:
		for _, c := range bustest.Data[events.BatchServiceCJAssessmentInitiateCommandDataV1](t, h.rec, topic) {
			out = append(out, c.EssaysToProcess)
		}
	}
	return out
}

func refMap(refs []events.EssayProcessingInputRefV1) map[string]string {
	m := map[string]string{}
	for _, r := range refs {
		m[r.EssayID] = r.TextStorageID
	}
	return m
}

func TestPipelineRuns(t *testing.T) {
	dbKinds(t, func(t *testing.T, open func(t *testing.T) *store.DB) {
		h := newHarness(t, open(t))
		b := h.register(3)
		e1, e2, e3 := b.EssayIDs[0], b.EssayIDs[1], b.EssayIDs[2]
		h.ready(b)
		h.rec.Reset()

		corr := uuid.New()
		h.request(b.ID, "u1", "nlp", corr)
		sp := commandEssays(t, h, events.TopicBatchSpellcheckInitiateCommand)
		if len(sp) != 1 || len(sp[0]) != 3 || refMap(sp[0])[e2] != "t1" {
			t.Fatalf("spellcheck commands %v", sp)
		}
		if n := len(h.rec.OnTopic(events.TopicBatchPhaseSkipped)); n != 0 {
			t.Errorf("first pipeline skipped %d phases", n)
		}
		// completed_with_failures goes on with the successful essays only,
		// on their corrected texts.
		h.outcome(b.ID, events.PhaseNameSpellcheck, events.BatchStatusCompletedWithFailures, corr,
			map[string]string{e1: "c0", e3: "c2"}, e2)
		nl := commandEssays(t, h, events.TopicBatchNLPInitiateCommandV2)
		if len(nl) != 1 || !mapsEqual(refMap(nl[0]), map[string]string{e1: "c0", e3: "c2"}) {
			t.Fatalf("nlp commands %v", nl)
		}
		// A duplicate of the spellcheck outcome changes nothing.
		h.outcome(b.ID, events.PhaseNameSpellcheck, events.BatchStatusCompletedWithFailures, corr,
			map[string]string{e1: "c0", e3: "c2"}, e2)
		if n := len(h.rec.OnTopic(events.TopicBatchNLPInitiateCommandV2)); n != 1 {
			t.Errorf("duplicate outcome started nlp again (%d commands)", n)
		}
		// An outcome of another run is stale.
		h.outcome(b.ID, events.PhaseNameNLP, events.BatchStatusCompletedSuccessfully, uuid.New(),
			map[string]string{e1: "c0", e3: "c2"})
		if n := len(h.rec.OnTopic(events.TopicBatchPipelineCompleted)); n != 0 {
			t.Fatal("an outcome of another run completed the pipeline")
		}
		h.outcome(b.ID, events.PhaseNameNLP, events.BatchStatusCompletedSuccessfully, corr,
			map[string]string{e1: "c0", e3: "c2"})
		done := bustest.Data[events.BatchPipelineCompletedV1](t, h.rec, events.TopicBatchPipelineCompleted)
		if len(done) != 1 {
			t.Fatalf("published %d pipeline completions", len(done))
		}
		d := done[0]
		if d.SuccessfulEssayCount != 2 || d.FailedEssayCount != 1 || d.FinalStatus != events.BatchStatusCompletedWithFailures ||
			!slices.Equal(d.CompletedPhases, []string{"spellcheck", "nlp"}) || d.CorrelationID != corr || d.ProcessingDurationSeconds < 0 {
			t.Errorf("completion %+v", d)
		}
		got, err := h.svc.Get(context.Background(), "u1", b.ID)
		if err != nil {
			t.Fatal(err)
		}
		if got.Status != events.BatchStatusCompletedWithFailures || !slices.Equal(got.CompletedPhases, []events.PhaseName{"spellcheck", "nlp"}) ||
			len(got.Runs) != 1 || got.Runs[0].Status != RunCompleted {
			t.Errorf("batch after the pipeline: status %s phases %v runs %+v", got.Status, got.CompletedPhases, got.Runs)
		}

		// A second pipeline skips the phases done and starts cj with the
		// essays that came through spellcheck.
		h.rec.Reset()
		corr2 := uuid.New()
		h.request(b.ID, "u1", "cj_assessment", corr2)
		skipped := bustest.Data[events.PhaseSkippedV1](t, h.rec, events.TopicBatchPhaseSkipped)
		if len(skipped) != 1 || skipped[0].PhaseName != "spellcheck" || skipped[0].CorrelationID != corr2 {
			t.Errorf("skipped %+v", skipped)
		}
		cj := commandEssays(t, h, events.TopicBatchCJAssessmentInitiateCommand)
		if len(cj) != 1 || !mapsEqual(refMap(cj[0]), map[string]string{e1: "c0", e3: "c2"}) {
			t.Fatalf("cj commands %v", cj)
		}
		h.outcome(b.ID, events.PhaseNameCJAssessment, events.BatchStatusCompletedSuccessfully, corr2,
			map[string]string{e1: "c0", e3: "c2"})
		done = bustest.Data[events.BatchPipelineCompletedV1](t, h.rec, events.TopicBatchPipelineCompleted)
		if len(done) != 1 || done[0].SuccessfulEssayCount != 2 || done[0].FailedEssayCount != 1 ||
			!slices.Equal(done[0].CompletedPhases, []string{"cj_assessment"}) {
			t.Errorf("second completion %+v", done)
		}

		// A pipeline whose phases are all done completes at once.
		h.rec.Reset()
		h.request(b.ID, "u1", "spellcheck", uuid.New())
		if n := len(h.rec.OnTopic(events.TopicBatchPhaseSkipped)); n != 1 {
			t.Errorf("skipped %d phases, want 1", n)
		}
		if done := bustest.Data[events.BatchPipelineCompletedV1](t, h.rec, events.TopicBatchPipelineCompleted); len(done) != 1 ||
			len(done[0].CompletedPhases) != 0 || done[0].SuccessfulEssayCount != 2 {
			t.Errorf("all-skipped completion %+v", done)
		}
		if n := len(h.rec.OnTopic(events.TopicBatchSpellcheckInitiateCommand)); n != 0 {
			t.Errorf("a done phase ran again")
		}
	})
}

func mapsEqual(a, b map[string]string) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if b[k] != v {
			return false
		}
	}
	return true
}

func TestFailedCriticallyStopsThePipeline(t *testing.T) {
	h := newHarness(t, nil)
	b := h.register(2)
	h.ready(b)
	corr := uuid.New()
	h.request(b.ID, "u1", "comprehensive", corr)
	h.rec.Reset()
	h.outcome(b.ID, events.PhaseNameSpellcheck, events.BatchStatusFailedCritically, corr, nil, b.EssayIDs...)
	if n := len(h.rec.OnTopic(events.TopicBatchNLPInitiateCommandV2)) + len(h.rec.OnTopic(events.TopicBatchCJAssessmentInitiateCommand)); n != 0 {
		t.Errorf("%d later phases started after a critical failure", n)
	}
	done := bustest.Data[events.BatchPipelineCompletedV1](t, h.rec, events.TopicBatchPipelineCompleted)
	if len(done) != 1 || done[0].FinalStatus != events.BatchStatusFailedCritically || done[0].SuccessfulEssayCount != 0 ||
		done[0].FailedEssayCount != 2 || len(done[0].CompletedPhases) != 0 {
		t.Fatalf("completion %+v", done)
	}
	// The failed phase is not done: the next pipeline runs it again.
	h.rec.Reset()
	h.request(b.ID, "u1", "spellcheck", uuid.New())
	if n := len(h.rec.OnTopic(events.TopicBatchSpellcheckInitiateCommand)); n != 1 {
		t.Errorf("retry sent %d spellcheck commands, want 1", n)
	}
	if n := len(h.rec.OnTopic(events.TopicBatchPhaseSkipped)); n != 0 {
		t.Errorf("retry skipped %d phases", n)
	}
}

func TestPipelineRequestRefusedOnTheBus(t *testing.T) {
	tests := []struct {
		name     string
		setup    func(h *harness, b Batch)
		batch    func(b Batch) string
		user     string
		pipeline string
		want     string
	}{
		{"unknown batch", func(*harness, Batch) {}, func(Batch) string { return "no-such-batch" }, "u1", "nlp", RefusedNotFound},
		{"another user's batch", func(h *harness, b Batch) { h.ready(b) }, func(b Batch) string { return b.ID }, "u2", "nlp", RefusedNotFound},
		{"not ready", func(*harness, Batch) {}, func(b Batch) string { return b.ID }, "u1", "nlp", RefusedNotReady},
		{"unknown pipeline", func(h *harness, b Batch) { h.ready(b) }, func(b Batch) string { return b.ID }, "u1", "grammar", RefusedUnknownPipeline},
		{"already running", func(h *harness, b Batch) { h.ready(b); h.request(b.ID, "u1", "spellcheck", uuid.New()) },
			func(b Batch) string { return b.ID }, "u1", "nlp", RefusedRunning},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := newHarness(t, nil)
			b := h.register(2)
			tt.setup(h, b)
			h.rec.Reset()
			id := tt.batch(b)
			h.request(id, tt.user, tt.pipeline, uuid.New())
			if n := len(h.rec.All()); n != 0 {
				t.Errorf("a refused request published %d events", n)
			}
			runs, err := listRuns(context.Background(), h.db, id)
			if err != nil {
				t.Fatal(err)
			}
			last := runs[len(runs)-1]
			if last.Status != RunRefused || last.RefusalCode != tt.want || last.RefusalReason == "" {
				t.Errorf("recorded %+v, want refusal %s", last, tt.want)
			}
		})
	}
}

func TestBadEventsArePermanent(t *testing.T) {
	h := newHarness(t, nil)
	hd := h.routes[events.TopicELSBatchPhaseOutcome]
	env := events.NewEnvelope(events.TopicELSBatchPhaseOutcome, "test", uuid.New(), map[string]any{"batch_id": "b1"})
	payload, err := events.Marshal(&env)
	if err != nil {
		t.Fatal(err)
	}
	raw, err := events.DecodeRaw(payload)
	if err != nil {
		t.Fatal(err)
	}
	err = store.InTx(context.Background(), h.db.DB, func(tx *sql.Tx) error { return hd(context.Background(), tx, raw) })
	if !fault.IsPermanent(err) {
		t.Errorf("outcome without phase: %v, want a permanent error", err)
	}
	// Events about batches batch never registered are dropped quietly.
	h.outcome("ghost", events.PhaseNameNLP, events.BatchStatusCompletedSuccessfully, uuid.New(), nil, "e1")
	h.must(events.BatchContentProvisioningCompletedV1{BatchID: "ghost", CourseCode: events.CourseCodeENG5, UserID: "u1",
		EssaysForProcessing: []events.EssayProcessingInputRefV1{}}, uuid.New())
	if n := len(h.rec.All()); n != 0 {
		t.Errorf("events about an unknown batch published %d events", n)
	}
}
