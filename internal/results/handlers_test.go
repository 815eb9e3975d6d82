package results

import (
	"encoding/json"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/hule-dev/hule/internal/bus/bustest"
	"github.com/hule-dev/hule/internal/events"
	"github.com/hule-dev/hule/internal/fault"
	"github.com/hule-dev/hule/internal/store/storetest"
)

// TestExamplesAccepted feeds the events package's example of every
// consumed topic: each is accepted (the NLP result once its essay is
// known), and every notification published is valid.
func TestExamplesAccepted(t *testing.T) {
	f := sqliteFixture(t)
	// The NLP example has no parent id: its essay is unknown until the
	// registration, so it waits (parked) rather than holding the consumer.
	if err := f.feed(example(t, events.TopicEssayNLPCompleted)); err != nil {
		t.Fatalf("nlp result of an unknown essay: %v", err)
	}
	if n := storetest.Count(t, f.db.DB, `SELECT COUNT(*) FROM results_essays`); n != 0 {
		t.Errorf("unknown essay stored %d rows", n)
	}
	if n := storetest.Count(t, f.db.DB, `SELECT COUNT(*) FROM results_parked`); n != 1 {
		t.Errorf("%d parked results, want 1", n)
	}
	for _, topic := range Topics() {
		if err := f.feed(example(t, topic)); err != nil {
			t.Errorf("example of %s: %v", topic, err)
		}
	}
	if n := storetest.Count(t, f.db.DB, `SELECT COUNT(*) FROM results_parked`); n != 0 {
		t.Errorf("%d parked results left once the essay is known, want 0", n)
	}
	if n := storetest.Count(t, f.db.DB, `SELECT COUNT(*) FROM results_essays WHERE essay_id = 'e-4a1f9c' AND nlp_words = 412`); n != 1 {
		t.Errorf("parked nlp result not applied to its essay")
	}
	for _, p := range f.rec.All() {
		if _, err := p.Decode(); err != nil {
			t.Errorf("published %s invalid: %v", p.Topic, err)
		}
	}
	if got := len(bustest.Data[events.BatchAssessmentCompletedV1](t, f.rec, events.TopicBatchAssessmentCompleted)); got != 1 {
		t.Errorf("%d assessment completed events, want 1", got)
	}
}

// TestBadInput feeds malformed data on every topic: each is a permanent
// error (dead-lettered, not retried) and leaves nothing behind.
func TestBadInput(t *testing.T) {
	cases := map[string]string{
		"empty object":   `{}`,
		"not an object":  `[1,2]`,
		"wrong types":    `{"batch_id": 7, "entity_id": 7, "essay_id": 7}`,
		"truncated json": `{"batch_id": "b`,
	}
	for name, data := range cases {
		t.Run(name, func(t *testing.T) {
			f := sqliteFixture(t)
			for _, topic := range Topics() {
				m := example(t, topic)
				m.raw.Data = json.RawMessage(data)
				err := f.feed(m)
				if err == nil || !fault.IsPermanent(err) {
					t.Errorf("%s with data %s: err %v, want a permanent error", topic, data, err)
				}
			}
			if n := storetest.Count(t, f.db.DB, `SELECT COUNT(*) FROM results_batches`); n != 0 {
				t.Errorf("bad input stored %d batches", n)
			}
			if n := len(f.rec.All()); n != 0 {
				t.Errorf("bad input published %d events", n)
			}
		})
	}
}

// failureEvents is a two-essay batch in which essay-1 fails spellcheck,
// essay-2 fails text analysis and comparative judgement fails as a whole.
func failureEvents(t testing.TB) []msg {
	corr := uuid.New()
	sec := func(n int) time.Duration { return time.Duration(n) * time.Second }
	meta := events.SystemProcessingMetadata{EntityID: "batch-f", EntityType: "batch", ErrorInfo: events.Object("{}")}
	refs := []events.EssayProcessingInputRefV1{{EssayID: "essay-1", TextStorageID: "t1"}, {EssayID: "essay-2", TextStorageID: "t2"}}
	cjMeta := meta
	cjMeta.ErrorInfo = events.MustObject(map[string]any{"error_code": "INSUFFICIENT_COMPARISONS", "message": "only 1 essay left"})
	nlpMeta := meta
	nlpMeta.ErrorInfo = events.MustObject(map[string]any{"message": "analyzer crashed"})
	base := func(ev events.ProcessingEvent) events.BaseEventData {
		return events.BaseEventData{EventName: ev, EntityID: ptr("batch-f"), EntityType: ptr("batch")}
	}
	return []msg{
		build(t, &events.BatchEssaysRegistered{EntityID: "batch-f", ExpectedEssayCount: 2, EssayIDs: []string{"essay-1", "essay-2"},
			Metadata: meta, CourseCode: events.CourseCodeENG5, UserID: "u1"}, 0, corr, "u1"),
		build(t, &events.ClientBatchPipelineRequestV1{BatchID: "batch-f", RequestedPipeline: "cj_assessment", UserID: "u1"}, sec(1), corr, "u1"),
		build(t, &events.BatchServiceSpellcheckInitiateCommandDataV1{BaseEventData: base(events.EventBatchSpellcheckInitiateCommand),
			EssaysToProcess: refs, Language: "en"}, sec(2), corr, "u1"),
		build(t, &events.SpellcheckPhaseCompletedV1{EntityID: "essay-1", BatchID: "batch-f", CorrelationID: corr.String(),
			Status: events.ProcessingStatusFailed, ErrorCode: ptr("SPELLCHECK_SERVICE_ERROR"), Timestamp: events.AsTime(t0)},
			sec(3), corr, "u1", metaErrorMessage, "text could not be read"),
		build(t, &events.SpellcheckResultV1{ProcessingUpdate: events.ProcessingUpdate{
			BaseEventData:  events.BaseEventData{EventName: events.EventSpellcheckResults},
			Status:         events.UpdateStatus(events.EssayStatusSpellcheckedSuccess),
			SystemMetadata: events.SystemProcessingMetadata{EntityID: "essay-2", EntityType: "essay", ErrorInfo: events.Object("{}")}},
			BatchID: "batch-f", CorrelationID: corr.String(), OriginalTextStorageID: "t2"}, sec(3), corr, "u1"),
		build(t, &events.BatchNlpAnalysisCompletedV1{ProcessingUpdate: events.ProcessingUpdate{BaseEventData: base(events.EventBatchNLPAnalysisCompleted),
			Status: events.UpdateStatus(events.BatchStatusCompletedWithFailures), SystemMetadata: nlpMeta}, BatchID: "batch-f",
			ProcessingSummary: events.MustObject(map[string]any{"failed_essay_ids": []string{"essay-2"},
				"failure_reasons": map[string]string{"essay-2": "no sentences found"}})}, sec(4), corr, "u1"),
		build(t, &events.ELSBatchPhaseOutcomeV1{BatchID: "batch-f", PhaseName: events.PhaseNameSpellcheck,
			PhaseStatus: events.BatchStatusCompletedWithFailures, ProcessedEssays: refs[1:], FailedEssayIDs: []string{"essay-1"}}, sec(5), corr, "u1"),
		build(t, &events.BatchServiceCJAssessmentInitiateCommandDataV1{BaseEventData: base(events.EventBatchCJAssessmentInitiateCommand),
			EssaysToProcess: refs[1:], Language: "en", CourseCode: events.CourseCodeENG5, ClassType: "GUEST"}, sec(6), corr, "u1"),
		build(t, &events.CJAssessmentFailedV1{ProcessingUpdate: events.ProcessingUpdate{BaseEventData: base(events.EventCJAssessmentFailed),
			Status: events.UpdateStatus(events.BatchStatusFailedCritically), SystemMetadata: cjMeta}, CJAssessmentJobID: "job-f"}, sec(7), corr, ""),
		build(t, &events.ELSBatchPhaseOutcomeV1{BatchID: "batch-f", PhaseName: events.PhaseNameCJAssessment,
			PhaseStatus: events.BatchStatusFailedCritically, ProcessedEssays: []events.EssayProcessingInputRefV1{}, FailedEssayIDs: []string{"essay-2"}}, sec(8), corr, "u1"),
		build(t, &events.BatchPipelineCompletedV1{BatchID: "batch-f", CompletedPhases: []string{"spellcheck"},
			FinalStatus: events.BatchStatusFailedCritically, ProcessingDurationSeconds: 7, SuccessfulEssayCount: 0, FailedEssayCount: 2,
			CorrelationID: corr, Metadata: meta}, sec(9), corr, "u1"),
	}
}

// TestFailures checks that failures in every phase are stored with their
// phase and reason, announced, and shown by the routes.
func TestFailures(t *testing.T) {
	eachDB(t, testFailures)
}

func testFailures(t *testing.T, f *fixture) {
	f.mustFeed(failureEvents(t)...)

	var d BatchDetail
	if w := f.get("u1", "/v1/batches/batch-f", &d); w.Code != 200 {
		t.Fatalf("GET batch: %d %s", w.Code, w.Body)
	}
	if d.Status != "failed_critically" || d.Counts.FailedEssays != 2 {
		t.Errorf("status %s failed essays %d, want failed_critically 2", d.Status, d.Counts.FailedEssays)
	}
	var got []string
	for _, fl := range d.Failures {
		id := ""
		if fl.EssayID != nil {
			id = *fl.EssayID
		}
		got = append(got, fl.Phase+"|"+id+"|"+fl.Reason)
	}
	slices.Sort(got)
	want := []string{
		"cj_assessment|essay-2|only 1 essay left",
		"cj_assessment||only 1 essay left",
		"nlp|essay-2|no sentences found",
		"spellcheck|essay-1|text could not be read",
	}
	if !slices.Equal(got, want) {
		t.Errorf("failures\n got %q\nwant %q", got, want)
	}
	phases := map[string]PhaseProgress{}
	for _, p := range d.Phases {
		phases[p.Phase] = p
	}
	if p := phases["cj_assessment"]; p.Status != "failed" || p.Failed != 1 || p.Error != "only 1 essay left" {
		t.Errorf("cj phase %+v, want failed with 1 essay and the reason", p)
	}
	if p := phases["spellcheck"]; p.Status != "completed_with_failures" || p.Done != 1 || p.Failed != 1 || p.Total != 2 {
		t.Errorf("spellcheck phase %+v, want completed_with_failures 1/1 of 2", p)
	}

	ready := bustest.Data[events.BatchResultsReadyV1](t, f.rec, events.TopicBatchResultsReady)
	if len(ready) != 1 || ready[0].OverallStatus != events.BatchStatusFailedCritically || ready[0].CompletedEssays != 0 {
		t.Errorf("results ready %+v, want one, failed_critically with 0 completed", ready)
	}
	alerts := map[string]int{}
	for _, n := range f.notes() {
		if n.Category == events.WebSocketEventCategorySystemAlerts {
			p := payloadOf(t, n)
			alerts[n.NotificationType+":"+p["phase"].(string)]++
			if !strings.Contains(p["message"].(string), p["reason"].(string)) {
				t.Errorf("alert message %q does not say the reason %q", p["message"], p["reason"])
			}
		}
	}
	wantAlerts := map[string]int{"essay_failed:spellcheck": 1, "essay_failed:nlp": 1, "phase_failed:cj_assessment": 1}
	for k, v := range wantAlerts {
		if alerts[k] != v {
			t.Errorf("alerts %v, want %s %d times", alerts, k, v)
		}
	}

	var res BatchResults
	f.get("u1", "/v1/batches/batch-f/results", &res)
	for _, e := range res.Essays {
		if e.Status != "failed" || len(e.Failures) == 0 {
			t.Errorf("essay %s status %s failures %v, want failed with reasons", e.EssayID, e.Status, e.Failures)
		}
	}
}

// TestOlderAssessmentIgnored keeps the newest comparative judgement when an
// older job's result arrives late.
func TestOlderAssessmentIgnored(t *testing.T) {
	f := sqliteFixture(t)
	f.mustFeed(example(t, events.TopicBatchEssaysRegistered))
	newer := example(t, events.TopicAssessmentResultPublished)
	older := example(t, events.TopicAssessmentResultPublished)
	var d events.AssessmentResultV1
	if err := json.Unmarshal(older.raw.Data, &d); err != nil {
		t.Fatal(err)
	}
	d.CJAssessmentJobID = "job-old"
	d.AssessedAt = events.AsTime(d.AssessedAt.Add(-time.Hour))
	d.EssayResults[0].LetterGrade = "F"
	older = build(t, &d, 0, uuid.New(), "")
	f.mustFeed(newer, older)
	var res BatchResults
	f.get("teacher-31f0", "/v1/batches/b7e3c2a1-batch-2025-eng5-7a/results", &res)
	if len(res.Essays) == 0 || res.Essays[0].Grade == nil || *res.Essays[0].Grade != "A" {
		t.Errorf("top essay %+v, want the newer job's grade A", res.Essays)
	}
	if n := len(f.rec.OnTopic(events.TopicBatchAssessmentCompleted)); n != 1 {
		t.Errorf("%d assessment completed events, want 1", n)
	}
}

// TestOwnerUnknownUntilRegistration holds notifications and the
// assessment announcement back until the batch owner is known.
func TestOwnerUnknownUntilRegistration(t *testing.T) {
	f := sqliteFixture(t)
	a := example(t, events.TopicAssessmentResultPublished)
	f.mustFeed(a)
	if n := len(f.rec.All()); n != 0 {
		t.Fatalf("published %d events for a batch without owner", n)
	}
	f.mustFeed(example(t, events.TopicBatchEssaysRegistered))
	done := bustest.Data[events.BatchAssessmentCompletedV1](t, f.rec, events.TopicBatchAssessmentCompleted)
	if len(done) != 1 || done[0].UserID != "teacher-31f0" {
		t.Errorf("assessment completed %+v, want one for teacher-31f0 after registration", done)
	}
}

func TestParseAssessmentMeta(t *testing.T) {
	cases := []struct {
		name      string
		meta      string
		wantSE    map[string]float64
		wantProbs map[string][]GradeProbability
		wantSSR   *float64
	}{
		{name: "absent", meta: `{}`, wantSE: map[string]float64{}, wantProbs: map[string][]GradeProbability{}},
		{name: "not an object", meta: `[]`, wantSE: map[string]float64{}, wantProbs: map[string][]GradeProbability{}},
		{name: "maps", meta: `{"ssr": 0.7, "se": {"e1": 0.2}, "grade_probabilities": {"e1": {"B": 0.6, "A": 0.4}}}`,
			wantSE: map[string]float64{"e1": 0.2}, wantProbs: map[string][]GradeProbability{"e1": {{"A", 0.4}, {"B", 0.6}}}, wantSSR: ptr(0.7)},
		{name: "cjassess shape", meta: `{"scale_separation_reliability": 0.9, "essays": [{"essay_id": "e1", "se": 0.3, "infit": 1,
			"grade_probabilities": {"A": 0.1, "A-": 0.2, "B+": 0.3, "A+": 0.4}}, {"essay_id": "anchor", "se": 0.2}]}`,
			wantSE: map[string]float64{"e1": 0.3, "anchor": 0.2}, wantSSR: ptr(0.9),
			wantProbs: map[string][]GradeProbability{"e1": {{"A+", 0.4}, {"A", 0.1}, {"A-", 0.2}, {"B+", 0.3}}}},
		{name: "numbers named by grades", meta: `{"grades": ["A", "B"], "grade_probabilities": {"e1": [0.3, 0.7], "e2": [1]}}`,
			wantSE: map[string]float64{}, wantProbs: map[string][]GradeProbability{"e1": {{"A", 0.3}, {"B", 0.7}}}},
		{name: "essays list", meta: `{"essays": [{"essay_id": "e1", "se": 0.1, "grade_probabilities": [{"grade": "C", "probability": 1}]}, {"se": 3}]}`,
			wantSE: map[string]float64{"e1": 0.1}, wantProbs: map[string][]GradeProbability{"e1": {{"C", 1}}}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got := parseAssessmentMeta([]byte(c.meta))
			if mustJSON(t, got.SE) != mustJSON(t, c.wantSE) {
				t.Errorf("se %v, want %v", got.SE, c.wantSE)
			}
			if mustJSON(t, got.Probabilities) != mustJSON(t, c.wantProbs) {
				t.Errorf("probabilities %v, want %v", got.Probabilities, c.wantProbs)
			}
			if (got.SSR == nil) != (c.wantSSR == nil) || got.SSR != nil && *got.SSR != *c.wantSSR {
				t.Errorf("ssr %v, want %v", got.SSR, c.wantSSR)
			}
		})
	}
}

func TestReadSSR(t *testing.T) {
	cases := []struct {
		ssr  float64
		want string
	}{{0.95, "reliable"}, {0.8, "reliable"}, {0.79, "fair"}, {0.7, "fair"}, {0.69, "unreliable"}, {0, "unreliable"}}
	for _, c := range cases {
		if got := readSSR(c.ssr).Level; got != c.want {
			t.Errorf("readSSR(%v) = %s, want %s", c.ssr, got, c.want)
		}
	}
}

func TestDistributionOrder(t *testing.T) {
	got := distribution([]string{"C", "A-", "U", "A", "B+", "A+", "C", "F"})
	want := []GradeCount{{"A+", 1}, {"A", 1}, {"A-", 1}, {"B+", 1}, {"C", 2}, {"F", 1}, {"U", 1}}
	if !slices.Equal(got, want) {
		t.Errorf("distribution %v, want %v", got, want)
	}
}

// TestSecondRun runs a spellcheck pipeline, then a cj_assessment pipeline
// whose spellcheck phase is skipped: two runs in the history, results
// announced once per run.
func TestSecondRun(t *testing.T) {
	f := sqliteFixture(t)
	corr1, corr2 := uuid.New(), uuid.New()
	sec := func(n int) time.Duration { return time.Duration(n) * time.Second }
	meta := events.SystemProcessingMetadata{EntityID: "batch-2", EntityType: "batch", ErrorInfo: events.Object("{}")}
	refs := []events.EssayProcessingInputRefV1{{EssayID: "e1", TextStorageID: "t1"}}
	base := func(ev events.ProcessingEvent) events.BaseEventData {
		return events.BaseEventData{EventName: ev, EntityID: ptr("batch-2"), EntityType: ptr("batch")}
	}
	spell := &events.SpellcheckResultV1{ProcessingUpdate: events.ProcessingUpdate{
		BaseEventData:  events.BaseEventData{EventName: events.EventSpellcheckResults},
		Status:         events.UpdateStatus(events.EssayStatusSpellcheckedSuccess),
		SystemMetadata: events.SystemProcessingMetadata{EntityID: "e1", EntityType: "essay", ErrorInfo: events.Object("{}")}},
		BatchID: "batch-2", CorrelationID: corr1.String(), OriginalTextStorageID: "t1", CorrectionsMade: 2,
		CorrectionMetrics: events.SpellcheckMetricsV1{TotalCorrections: 2, WordCount: 10, CorrectionDensity: 20}}
	f.mustFeed(
		build(t, &events.BatchEssaysRegistered{EntityID: "batch-2", ExpectedEssayCount: 1, EssayIDs: []string{"e1"},
			Metadata: meta, CourseCode: events.CourseCodeENG5, UserID: "u1"}, 0, corr1, "u1"),
		build(t, &events.ClientBatchPipelineRequestV1{BatchID: "batch-2", RequestedPipeline: "spellcheck", UserID: "u1"}, sec(1), corr1, "u1"),
		build(t, &events.BatchServiceSpellcheckInitiateCommandDataV1{BaseEventData: base(events.EventBatchSpellcheckInitiateCommand),
			EssaysToProcess: refs, Language: "en"}, sec(2), corr1, "u1"),
		build(t, spell, sec(3), corr1, "u1"),
		build(t, &events.ELSBatchPhaseOutcomeV1{BatchID: "batch-2", PhaseName: events.PhaseNameSpellcheck,
			PhaseStatus: events.BatchStatusCompletedSuccessfully, ProcessedEssays: refs, FailedEssayIDs: []string{}}, sec(4), corr1, "u1"),
		build(t, &events.BatchPipelineCompletedV1{BatchID: "batch-2", CompletedPhases: []string{"spellcheck"},
			FinalStatus: events.BatchStatusCompletedSuccessfully, ProcessingDurationSeconds: 3, SuccessfulEssayCount: 1,
			CorrelationID: corr1, Metadata: meta}, sec(5), corr1, "u1"),
	)
	var d BatchDetail
	f.get("u1", "/v1/batches/batch-2", &d)
	if d.Status != "completed_successfully" || len(d.Pipelines) != 1 || !d.ResultsReady {
		t.Fatalf("after the first run: status %s runs %+v ready %v", d.Status, d.Pipelines, d.ResultsReady)
	}
	f.mustFeed(
		build(t, &events.ClientBatchPipelineRequestV1{BatchID: "batch-2", RequestedPipeline: "cj_assessment", UserID: "u1"}, sec(10), corr2, "u1"),
		build(t, &events.PhaseSkippedV1{BatchID: "batch-2", PhaseName: "spellcheck", SkipReason: "already done", CorrelationID: corr2,
			Metadata: meta}, sec(11), corr2, "u1"),
	)
	f.get("u1", "/v1/batches/batch-2", &d)
	if d.Status != "processing_pipelines" || len(d.Pipelines) != 2 || d.Pipelines[1].Status != "running" {
		t.Errorf("during the second run: status %s runs %+v", d.Status, d.Pipelines)
	}
	phases := map[string]string{}
	for _, p := range d.Phases {
		phases[p.Phase] = p.Status
	}
	if phases["spellcheck"] != "completed" || phases["cj_assessment"] != "requested" {
		t.Errorf("phases %v, want spellcheck kept completed and cj_assessment requested", phases)
	}
	f.mustFeed(
		build(t, &events.BatchServiceCJAssessmentInitiateCommandDataV1{BaseEventData: base(events.EventBatchCJAssessmentInitiateCommand),
			EssaysToProcess: refs, Language: "en", CourseCode: events.CourseCodeENG5, ClassType: "GUEST"}, sec(12), corr2, "u1"),
		build(t, &events.AssessmentResultV1{BaseEventData: base(events.EventAssessmentResultPublished), BatchID: "batch-2",
			CJAssessmentJobID: "job-2", AssessmentMethod: "cj_assessment", ModelUsed: "m", ModelProvider: "p",
			EssayResults: []events.EssayResultV1{{EssayID: "e1", NormalizedScore: 0.5, LetterGrade: "U",
				ConfidenceLabel: events.ConfidenceLabelLow, Rank: 1}}}, sec(13), corr2, ""),
		build(t, &events.ELSBatchPhaseOutcomeV1{BatchID: "batch-2", PhaseName: events.PhaseNameCJAssessment,
			PhaseStatus: events.BatchStatusCompletedSuccessfully, ProcessedEssays: refs, FailedEssayIDs: []string{}}, sec(14), corr2, "u1"),
		build(t, &events.BatchPipelineCompletedV1{BatchID: "batch-2", CompletedPhases: []string{"cj_assessment"},
			FinalStatus: events.BatchStatusCompletedSuccessfully, ProcessingDurationSeconds: 4, SuccessfulEssayCount: 1,
			CorrelationID: corr2, Metadata: meta}, sec(15), corr2, "u1"),
	)
	f.get("u1", "/v1/batches/batch-2", &d)
	var order []string
	for _, r := range d.Pipelines {
		order = append(order, r.Pipeline+":"+r.Status)
	}
	if want := []string{"spellcheck:completed_successfully", "cj_assessment:completed_successfully"}; !slices.Equal(order, want) {
		t.Errorf("pipeline history %v, want %v", order, want)
	}
	ready := bustest.Data[events.BatchResultsReadyV1](t, f.rec, events.TopicBatchResultsReady)
	if len(ready) != 2 || len(ready[1].PhaseResults) != 1 || ready[1].PhaseResults["cj_assessment"].CompletedCount != 1 {
		t.Errorf("results ready events %+v, want one per run, the second for cj_assessment", ready)
	}
}

// TestPhaseRerun starts a phase again after it ended: its essays' earlier
// states are forgotten and counted anew.
func TestPhaseRerun(t *testing.T) {
	f := sqliteFixture(t)
	corr := uuid.New()
	sec := func(n int) time.Duration { return time.Duration(n) * time.Second }
	refs := []events.EssayProcessingInputRefV1{{EssayID: "e1", TextStorageID: "t1"}}
	command := func(at int) msg {
		return build(t, &events.BatchServiceSpellcheckInitiateCommandDataV1{BaseEventData: events.BaseEventData{
			EventName: events.EventBatchSpellcheckInitiateCommand, EntityID: ptr("batch-r")}, EssaysToProcess: refs, Language: "en"},
			sec(at), corr, "u1")
	}
	outcome := func(at int, status events.BatchStatus, failed []string) msg {
		processed := refs
		if len(failed) > 0 {
			processed = []events.EssayProcessingInputRefV1{}
		}
		return build(t, &events.ELSBatchPhaseOutcomeV1{BatchID: "batch-r", PhaseName: events.PhaseNameSpellcheck,
			PhaseStatus: status, ProcessedEssays: processed, FailedEssayIDs: failed}, sec(at), corr, "u1")
	}
	phase := func() PhaseProgress {
		var d BatchDetail
		f.get("u1", "/v1/batches/batch-r", &d)
		if len(d.Phases) != 1 {
			t.Fatalf("phases %+v", d.Phases)
		}
		return d.Phases[0]
	}
	f.mustFeed(command(1), outcome(2, events.BatchStatusFailedCritically, []string{"e1"}))
	if p := phase(); p.Status != "failed" || p.Failed != 1 {
		t.Fatalf("first run %+v, want failed 1", p)
	}
	f.mustFeed(command(3))
	if p := phase(); p.Status != "running" || p.Failed != 0 || p.Done != 0 || p.Total != 1 || p.FinishedAt != nil {
		t.Errorf("rerun %+v, want running 0/0 of 1", p)
	}
	f.mustFeed(outcome(4, events.BatchStatusCompletedSuccessfully, nil))
	if p := phase(); p.Status != "completed" || p.Done != 1 || p.Failed != 0 {
		t.Errorf("rerun finished %+v, want completed 1/0", p)
	}
	// The first run's late duplicate changes nothing.
	f.mustFeed(command(1))
	if p := phase(); p.Status != "completed" || p.Done != 1 {
		t.Errorf("after a stale command %+v, want completed 1", p)
	}
}

func TestReadability(t *testing.T) {
	cases := []struct {
		name, meta  string
		flesch, lix *float64
	}{
		{"top level", `{"flesch_reading_ease": 61.2, "lix": 38}`, ptr(61.2), ptr(38.0)},
		{"nested", `{"readability": {"lix": 41}}`, nil, ptr(41.0)},
		{"absent", `{"analyzer": "x"}`, nil, nil},
		{"wrong type", `{"lix": "high"}`, nil, nil},
		{"empty", ``, nil, nil},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			flesch, lix := readability(events.Object(c.meta))
			if mustJSON(t, flesch) != mustJSON(t, c.flesch) || mustJSON(t, lix) != mustJSON(t, c.lix) {
				t.Errorf("readability(%s) = %v, %v; want %v, %v", c.meta, flesch, lix, c.flesch, c.lix)
			}
		})
	}
}

func TestSegments(t *testing.T) {
	text := "Da cat wos hapy."
	at := func(w string) int { return strings.Index(text, w) }
	cases := []struct {
		name string
		cs   []Correction
		want string
	}{
		{"none", nil, "[Da cat wos hapy.]"},
		{"several, unsorted", []Correction{{Offset: at("wos"), Original: "wos", Replacement: "was"},
			{Offset: 0, Original: "Da", Replacement: "The"}, {Offset: at("hapy"), Original: "hapy", Replacement: "happy"}},
			"[The|Da][ cat ][was|wos][ ][happy|hapy][.]"},
		{"stale offset skipped", []Correction{{Offset: at("wos") + 1, Original: "wos", Replacement: "was"}}, "[Da cat wos hapy.]"},
		{"overlap skipped", []Correction{{Offset: 0, Original: "Da", Replacement: "The"}, {Offset: 1, Original: "a", Replacement: "x"}},
			"[The|Da][ cat wos hapy.]"},
		{"past the end skipped", []Correction{{Offset: len(text) - 2, Original: "hapy", Replacement: "happy"}}, "[Da cat wos hapy.]"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var b strings.Builder
			for _, s := range segments(text, c.cs) {
				b.WriteString("[" + s.Text)
				if s.Original != nil {
					b.WriteString("|" + *s.Original)
				}
				b.WriteString("]")
			}
			if got := b.String(); got != c.want {
				t.Errorf("segments = %s, want %s", got, c.want)
			}
		})
	}
}
