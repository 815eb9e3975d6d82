package results

import (
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/hule-dev/hule/internal/bus/bustest"
	"github.com/hule-dev/hule/internal/events"
	"github.com/hule-dev/hule/internal/store/storetest"
)

const (
	scUser  = "teacher-1"
	scBatch = "batch-3e"
	scAsg   = "asg-argument-1"
)

var scEssays = []string{"essay-a", "essay-b", "essay-c"}

var scFiles = []string{"anna.txt", "bo.txt", "cleo.txt"}

// scenario builds the events of one comprehensive pipeline over a batch of
// three essays (one more upload refused), with texts, corrections and
// comparisons stored in f's content store.
func scenario(t testing.TB, f *fixture) []msg {
	t.Helper()
	corr := uuid.MustParse("11111111-2222-4333-8444-555555555555")
	sec := func(n int) time.Duration { return time.Duration(n) * time.Second }
	meta := func(entity string, ev events.ProcessingEvent) events.SystemProcessingMetadata {
		stage, name := events.ProcessingStageCompleted, string(ev)
		return events.SystemProcessingMetadata{EntityID: entity, EntityType: "batch", Timestamp: events.AsTime(t0),
			ProcessingStage: &stage, Event: &name, ErrorInfo: events.Object("{}")}
	}
	base := func(entity string, ev events.ProcessingEvent) events.BaseEventData {
		return events.BaseEventData{EventName: ev, EntityID: ptr(entity), EntityType: ptr("batch"), Timestamp: events.AsTime(t0)}
	}
	var ms []msg
	add := func(data events.Event, at int, user string, kv ...string) {
		ms = append(ms, build(t, data, sec(at), corr, user, kv...))
	}
	add(&events.BatchEssaysRegistered{Event: string(events.EventBatchEssaysRegistered), EntityID: scBatch,
		ExpectedEssayCount: 3, EssayIDs: scEssays, Metadata: meta(scBatch, events.EventBatchEssaysRegistered),
		CourseCode: events.CourseCodeENG5, UserID: scUser}, 0, scUser, metaBatchName, "Class 9B: argument")

	// Deliberate misspellings, as the spellchecker would correct them.
	texts := []string{"Anna writes wel about school.", "Bo argues that homwork is useless.", "Cleo thinks teh future is bright."} //nolint:misspell // deliberate
	typos := [][2]string{{"wel", "well"}, {"homwork", "homework"}, {"teh", "the"}}                                                //nolint:misspell // deliberate
	original := make([]string, 3)
	corrected := make([]string, 3)
	corrections := make([]string, 3)
	refs := make([]events.EssayProcessingInputRefV1, 3)
	for i, id := range scEssays {
		original[i] = f.put(texts[i])
		corrected[i] = f.put(texts[i] + " (corrected)")
		at := strings.Index(texts[i], typos[i][0])
		corrections[i] = f.put(fmt.Sprintf(`[{"offset":%d,"rune_offset":%d,"original":%q,"replacement":%q,"source":"dictionary"}]`,
			at, at, typos[i][0], typos[i][1]))
		refs[i] = events.EssayProcessingInputRefV1{EssayID: id, TextStorageID: original[i]}
		add(&events.EssaySlotAssignedV1{Event: string(events.EventEssaySlotAssigned), BatchID: scBatch, EssayID: id,
			FileUploadID: "upl-" + id, TextStorageID: original[i], OriginalFileName: scFiles[i], CorrelationID: corr,
			Timestamp: events.AsTime(t0)}, 1+i, scUser)
	}
	add(&events.EssayValidationFailedV1{Event: string(events.EventEssayValidationFailed), EntityID: scBatch,
		FileUploadID: "upl-empty", OriginalFileName: "empty.txt", RawFileStorageID: "raw-empty",
		ValidationErrorCode: events.FileValidationErrorCodeEmptyContent,
		ValidationErrorDetail: events.ErrorDetail{ErrorCode: events.AnyErrorCode(events.FileValidationErrorCodeEmptyContent),
			Message: "the file contains no text", CorrelationID: corr, Timestamp: events.AsTime(t0), Service: "gateway",
			Operation: "upload"}, CorrelationID: corr, Timestamp: events.AsTime(t0)}, 4, scUser)
	add(&events.BatchContentProvisioningCompletedV1{Event: string(events.EventBatchContentProvisioningCompleted),
		BatchID: scBatch, ProvisionedCount: 3, ExpectedCount: 3, CourseCode: events.CourseCodeENG5, UserID: scUser,
		EssaysForProcessing: refs, CorrelationID: corr, Timestamp: events.AsTime(t0)}, 5, scUser)
	add(&events.ClientBatchPipelineRequestV1{BatchID: scBatch, RequestedPipeline: "comprehensive", ClientCorrelationID: corr,
		UserID: scUser, PromptPayload: &events.PipelinePromptPayload{AssignmentID: ptr(scAsg)}}, 6, scUser)

	// spellcheck
	add(&events.BatchServiceSpellcheckInitiateCommandDataV1{BaseEventData: base(scBatch, events.EventBatchSpellcheckInitiateCommand),
		EssaysToProcess: refs, Language: "en"}, 10, scUser)
	for i, id := range scEssays {
		add(&events.SpellcheckPhaseCompletedV1{EntityID: id, BatchID: scBatch, CorrelationID: corr.String(),
			Status: events.ProcessingStatusCompleted, CorrectedTextStorageID: ptr(corrected[i]), ProcessingDurationMS: 40,
			Timestamp: events.AsTime(t0)}, 11+2*i, scUser)
		stage := events.ProcessingStageCompleted
		add(&events.SpellcheckResultV1{
			ProcessingUpdate: events.ProcessingUpdate{
				BaseEventData: events.BaseEventData{EventName: events.EventSpellcheckResults, EntityID: ptr(id), EntityType: ptr("essay"),
					ParentID: ptr(scBatch), Timestamp: events.AsTime(t0)},
				Status: events.UpdateStatus(events.EssayStatusSpellcheckedSuccess),
				SystemMetadata: events.SystemProcessingMetadata{EntityID: id, EntityType: "essay", Timestamp: events.AsTime(t0),
					ProcessingStage: &stage, ErrorInfo: events.Object("{}")},
			},
			BatchID: scBatch, CorrelationID: corr.String(), UserID: ptr(scUser), CorrectionsMade: i + 1,
			CorrectionMetrics: events.SpellcheckMetricsV1{TotalCorrections: i + 1, L2DictionaryCorrections: i,
				SpellcheckerCorrections: 1, WordCount: 5 + i, CorrectionDensity: float64(i+1) * 100 / float64(5+i)},
			OriginalTextStorageID: original[i], CorrectedTextStorageID: ptr(corrected[i]), ProcessingDurationMS: 40,
		}, 12+2*i, scUser, metaCorrectionsID, corrections[i])
	}
	add(&events.ELSBatchPhaseOutcomeV1{BatchID: scBatch, PhaseName: events.PhaseNameSpellcheck,
		PhaseStatus: events.BatchStatusCompletedSuccessfully, ProcessedEssays: refs, FailedEssayIDs: []string{}, CorrelationID: corr}, 20, scUser)

	// nlp
	add(&events.BatchServiceNLPInitiateCommandDataV2{BaseEventData: base(scBatch, events.EventBatchNLPInitiateCommandV2),
		EssaysToProcess: refs, Language: "en"}, 21, scUser)
	for i, id := range scEssays {
		add(&events.EssayNlpCompletedV1{
			BaseEventData: events.BaseEventData{EventName: events.EventEssayNLPCompleted, EntityID: ptr(id), EntityType: ptr("essay"),
				Timestamp: events.AsTime(t0)},
			EssayID: id, TextStorageID: corrected[i],
			NlpMetrics: events.NlpMetrics{WordCount: 5 + i, SentenceCount: 1, AvgSentenceLength: float64(5 + i),
				LanguageDetected: "en", MTLDScore: 40 + float64(i)},
			GrammarAnalysis: events.GrammarAnalysis{ErrorCount: i, Language: "en", Errors: []events.GrammarError{}},
			ProcessingMetadata: events.MustObject(map[string]any{"analyzer": "hule-nlp-1", "offsets": "code_points",
				"flesch_reading_ease": 70.5 - float64(i), "lix": 30 + float64(i)}),
		}, 22+i, "")
	}
	add(&events.BatchNlpAnalysisCompletedV1{ProcessingUpdate: events.ProcessingUpdate{
		BaseEventData: base(scBatch, events.EventBatchNLPAnalysisCompleted), Status: events.UpdateStatus(events.BatchStatusCompletedSuccessfully),
		SystemMetadata: meta(scBatch, events.EventBatchNLPAnalysisCompleted)}, BatchID: scBatch,
		ProcessingSummary: events.MustObject(map[string]any{"successful_essay_ids": scEssays, "failed_essay_ids": []string{}})}, 25, scUser)
	add(&events.ELSBatchPhaseOutcomeV1{BatchID: scBatch, PhaseName: events.PhaseNameNLP,
		PhaseStatus: events.BatchStatusCompletedSuccessfully, ProcessedEssays: refs, FailedEssayIDs: []string{}, CorrelationID: corr}, 26, scUser)

	// comparative judgement: essay-b best, essay-c worst, one anchor
	add(&events.BatchServiceCJAssessmentInitiateCommandDataV1{BaseEventData: base(scBatch, events.EventBatchCJAssessmentInitiateCommand),
		EssaysToProcess: refs, Language: "en", CourseCode: events.CourseCodeENG5, ClassType: "GUEST", AssignmentID: ptr(scAsg)}, 30, scUser)
	comparisons := f.put(`[
		{"essay_a":"essay-a","essay_b":"essay-b","winner":"essay-b","justification":"B argues more clearly.","confidence":4,"status":"succeeded"},
		{"essay_a":"essay-c","essay_b":"essay-a","winner":"Essay B","justification":"A is better organized.","confidence":3},
		{"essay_a":"anchor-1","essay_b":"essay-a","winner":"anchor-1","justification":"The anchor is richer.","confidence":5},
		{"essay_a":"essay-a","essay_b":"essay-c","status":"failed","error":"timeout"}]`)
	add(&events.AssessmentResultV1{
		BaseEventData: base(scBatch, events.EventAssessmentResultPublished), BatchID: scBatch, CJAssessmentJobID: "job-1",
		AssignmentID: ptr(scAsg), AssessmentMethod: "cj_assessment", ModelUsed: "offline-features", ModelProvider: "internal",
		EssayResults: []events.EssayResultV1{
			{EssayID: "essay-b", NormalizedScore: 0.9, LetterGrade: "A", ConfidenceScore: 0.8, ConfidenceLabel: events.ConfidenceLabelHigh, BTScore: 1.2, Rank: 1},
			{EssayID: "anchor-1", NormalizedScore: 0.7, LetterGrade: "B", ConfidenceScore: 0.9, ConfidenceLabel: events.ConfidenceLabelHigh, BTScore: 0.5, Rank: 2, IsAnchor: true, DisplayName: ptr("Anchor B")},
			{EssayID: "essay-a", NormalizedScore: 0.5, LetterGrade: "C", ConfidenceScore: 0.6, ConfidenceLabel: events.ConfidenceLabelMid, BTScore: 0.1, Rank: 2},
			{EssayID: "essay-c", NormalizedScore: 0.2, LetterGrade: "E", ConfidenceScore: 0.4, ConfidenceLabel: events.ConfidenceLabelLow, BTScore: -1.3, Rank: 3},
		},
		AssessmentMetadata: events.MustObject(map[string]any{
			"scale_separation_reliability": 0.83, "comparison_count": 9, "judge_model": "offline-features",
			"comparisons_storage_id": comparisons,
			"se":                     map[string]float64{"essay-a": 0.4, "essay-b": 0.5, "essay-c": 0.45, "anchor-1": 0.3},
			"grade_probabilities": map[string]any{
				"essay-a": map[string]float64{"A": 0.1, "C": 0.7, "E": 0.2},
				"essay-b": []map[string]any{{"grade": "A", "probability": 0.85}, {"grade": "C", "probability": 0.15}},
			},
		}),
		AssessedAt: events.AsTime(t0.Add(sec(40))),
	}, 40, "")
	add(&events.ELSBatchPhaseOutcomeV1{BatchID: scBatch, PhaseName: events.PhaseNameCJAssessment,
		PhaseStatus: events.BatchStatusCompletedSuccessfully, ProcessedEssays: refs, FailedEssayIDs: []string{}, CorrelationID: corr}, 41, scUser)
	add(&events.BatchPipelineCompletedV1{Event: string(events.EventBatchPipelineCompleted), BatchID: scBatch,
		CompletedPhases: []string{"spellcheck", "nlp", "cj_assessment"}, FinalStatus: events.BatchStatusCompletedSuccessfully,
		ProcessingDurationSeconds: 36, SuccessfulEssayCount: 3, FailedEssayCount: 0, CorrelationID: corr,
		Metadata: meta(scBatch, events.EventBatchPipelineCompleted)}, 42, scUser)
	return ms
}

// TestScenario runs the whole scenario on SQLite and PostgreSQL and checks
// the stored results, the notifications and the two results events.
func TestScenario(t *testing.T) {
	eachDB(t, func(t *testing.T, f *fixture) {
		ms := scenario(t, f)
		for _, m := range ms {
			before := countType(f.notes(), "phase_progress")
			f.mustFeed(m)
			if n := countType(f.notes(), "phase_progress") - before; n > 1 {
				t.Errorf("%s published %d progress notifications, want at most 1", m.topic, n)
			}
		}
		checkScenario(t, f, true)

		// Every event again: nothing new is announced, nothing changes.
		var results1 BatchResults
		f.get(scUser, "/v1/batches/"+scBatch+"/results", &results1)
		published := len(f.rec.All())
		f.mustFeed(ms...)
		if extra := f.rec.All()[published:]; len(extra) != 0 {
			var topics []string
			for _, p := range extra {
				topics = append(topics, p.Topic)
			}
			t.Errorf("duplicates published %d events: %v", len(extra), topics)
		}
		var results2 BatchResults
		f.get(scUser, "/v1/batches/"+scBatch+"/results", &results2)
		if a, b := mustJSON(t, results1), mustJSON(t, results2); a != b {
			t.Errorf("results changed after duplicates:\n%s\n%s", a, b)
		}
	})
}

// eachDB runs test on a fixture over SQLite and over PostgreSQL: the
// store suite of the results tables.
func eachDB(t *testing.T, test func(t *testing.T, f *fixture)) {
	t.Run("sqlite", func(t *testing.T) { test(t, sqliteFixture(t)) })
	t.Run("postgres", func(t *testing.T) {
		db, _ := storetest.Postgres(t, Schema())
		test(t, newFixture(t, db))
	})
}

func countType(ns []events.TeacherNotificationRequestedV1, typ string) int {
	n := 0
	for _, x := range ns {
		if x.NotificationType == typ {
			n++
		}
	}
	return n
}

func mustJSON(t testing.TB, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// checkScenario checks what the scenario leaves, whatever the order its
// events were handled in.
func checkScenario(t *testing.T, f *fixture, inOrder bool) {
	t.Helper()
	var res BatchResults
	if w := f.get(scUser, "/v1/batches/"+scBatch+"/results", &res); w.Code != 200 {
		t.Fatalf("results: %d %s", w.Code, w.Body)
	}
	if !res.ResultsReady || res.Status != "completed_successfully" {
		t.Errorf("results ready %v status %s, want true completed_successfully", res.ResultsReady, res.Status)
	}
	var order []string
	for _, e := range res.Essays {
		order = append(order, e.EssayID)
	}
	if want := []string{"essay-b", "essay-a", "essay-c"}; !slices.Equal(order, want) {
		t.Errorf("essays in order %v, want %v", order, want)
	}
	if len(res.Anchors) != 1 || res.Anchors[0].EssayID != "anchor-1" || res.Anchors[0].Grade != "B" {
		t.Errorf("anchors %+v, want anchor-1 graded B", res.Anchors)
	}
	if res.SSR == nil || *res.SSR != 0.83 || res.SSRReading == nil || res.SSRReading.Level != "reliable" {
		t.Errorf("ssr %v reading %+v, want 0.83 reliable", res.SSR, res.SSRReading)
	}
	a := res.Essays[1]
	switch {
	case a.FileName != "anna.txt" || a.Grade == nil || *a.Grade != "C" || a.Rank == nil || *a.Rank != 2:
		t.Errorf("essay-a %+v, want anna.txt graded C at rank 2", a)
	case a.SE == nil || *a.SE != 0.4 || a.BTScore == nil || *a.BTScore != 0.1:
		t.Errorf("essay-a score %v ± %v, want 0.1 ± 0.4", a.BTScore, a.SE)
	case len(a.GradeProbabilities) != 3 || a.GradeProbabilities[1] != (GradeProbability{Grade: "C", Probability: 0.7}):
		t.Errorf("essay-a probabilities %+v", a.GradeProbabilities)
	case a.SpellingCorrections == nil || *a.SpellingCorrections != 1 || a.WordCount == nil || *a.WordCount != 5:
		t.Errorf("essay-a spelling %v words %v, want 1 and 5", a.SpellingCorrections, a.WordCount)
	case a.MTLD == nil || *a.MTLD != 40 || a.FleschReadingEase == nil || *a.FleschReadingEase != 70.5 || a.GrammarErrors == nil || *a.GrammarErrors != 0:
		t.Errorf("essay-a nlp mtld %v flesch %v grammar %v", a.MTLD, a.FleschReadingEase, a.GrammarErrors)
	case a.Status != "assessed":
		t.Errorf("essay-a status %s, want assessed", a.Status)
	}
	if c := res.Essays[2]; len(c.GradeProbabilities) != 0 || c.SE == nil {
		t.Errorf("essay-c probabilities %v se %v, want none and a value", c.GradeProbabilities, c.SE)
	}

	var d BatchDetail
	f.get(scUser, "/v1/batches/"+scBatch, &d)
	if d.Name != "Class 9B: argument" || d.AssignmentID != scAsg || d.EssayCount != 3 {
		t.Errorf("batch name %q assignment %q essays %d", d.Name, d.AssignmentID, d.EssayCount)
	}
	wantCounts := Counts{Expected: 3, Uploaded: 3, RejectedFiles: 1, Provisioned: 3, Assessed: 3}
	if d.Counts != wantCounts {
		t.Errorf("counts %+v, want %+v", d.Counts, wantCounts)
	}
	var phases []string
	for _, p := range d.Phases {
		phases = append(phases, fmt.Sprintf("%s:%s:%d/%d/%d", p.Phase, p.Status, p.Done, p.Failed, p.Total))
	}
	if want := []string{"spellcheck:completed:3/0/3", "nlp:completed:3/0/3", "cj_assessment:completed:3/0/3"}; !slices.Equal(phases, want) {
		t.Errorf("phases %v, want %v", phases, want)
	}
	if got := d.Analytics.PhaseDurations["spellcheck"]; got != 10 {
		t.Errorf("spellcheck duration %v, want 10s", got)
	}
	if len(d.Failures) != 1 || d.Failures[0].Phase != "upload" || d.Failures[0].FileName != "empty.txt" {
		t.Errorf("failures %+v, want the refused empty.txt", d.Failures)
	}
	if len(d.Pipelines) != 1 || d.Pipelines[0].Pipeline != "comprehensive" || d.Pipelines[0].Status != "completed_successfully" ||
		!d.Pipelines[0].ResultsReady {
		t.Errorf("pipelines %+v", d.Pipelines)
	}
	wantDist := []GradeCount{{"A", 1}, {"C", 1}, {"E", 1}}
	if !slices.Equal(d.Analytics.GradeDistribution, wantDist) {
		t.Errorf("grade distribution %v, want %v", d.Analytics.GradeDistribution, wantDist)
	}
	if s := d.Analytics.BTScores; s == nil || s.Count != 3 || s.Max != 1.2 || s.Min != -1.3 {
		t.Errorf("bt stats %+v", s)
	}

	done := bustest.Data[events.BatchAssessmentCompletedV1](t, f.rec, events.TopicBatchAssessmentCompleted)
	if len(done) != 1 || done[0].AssessmentJobID != "job-1" || done[0].UserID != scUser || len(done[0].RankingsSummary) != 3 {
		t.Fatalf("assessment completed events %+v, want one for job-1 with 3 students", done)
	}
	var first map[string]any
	_ = json.Unmarshal(done[0].RankingsSummary[0], &first)
	if first["essay_id"] != "essay-b" || first["letter_grade"] != "A" {
		t.Errorf("first ranking %v, want essay-b A", first)
	}
	ready := bustest.Data[events.BatchResultsReadyV1](t, f.rec, events.TopicBatchResultsReady)
	if len(ready) != 1 {
		t.Fatalf("%d results ready events, want 1", len(ready))
	}
	r := ready[0]
	if r.OverallStatus != events.BatchStatusCompletedSuccessfully || r.CompletedEssays != 3 || r.TotalEssays != 3 ||
		len(r.PhaseResults) != 3 || r.ProcessingDurationSeconds != 36 {
		t.Errorf("results ready %+v", r)
	}
	for _, p := range []string{"spellcheck", "nlp", "cj_assessment"} {
		got := r.PhaseResults[p]
		if got.Status != "completed" || got.CompletedCount != 3 || got.FailedCount != 0 || got.ProcessingTimeSeconds == nil {
			t.Errorf("results ready phase %s: %+v, want completed 3/0 with a duration", p, got)
		}
	}
	if err := r.Validate(); err != nil {
		t.Errorf("results ready invalid: %v", err)
	}
	ns := f.notes()
	want := []string{"file_rejected", "phase_completed", "assessment_completed", "pipeline_completed", "batch_results_ready"}
	if inOrder {
		// Out of order, a phase's outcome may count its essays before
		// their own events arrive: no progress is left to report then.
		want = append(want, "batch_registered", "file_accepted", "content_ready", "pipeline_requested", "phase_started", "phase_progress")
	}
	for _, typ := range want {
		if countType(ns, typ) == 0 {
			t.Errorf("no %s notification among %v", typ, noteTypes(ns))
		}
	}
	if n := countType(ns, "batch_results_ready"); n != 1 {
		t.Errorf("%d results ready notifications, want 1", n)
	}
	for _, n := range ns {
		if n.TeacherID != scUser || n.BatchID == nil || *n.BatchID != scBatch {
			t.Errorf("notification %s to %s about %v", n.NotificationType, n.TeacherID, n.BatchID)
		}
		if p := payloadOf(t, n); p["batch_id"] != scBatch || p["message"] == "" {
			t.Errorf("notification %s payload %v lacks batch_id or message", n.NotificationType, p)
		}
	}
}

// TestScenarioAnyOrder handles the scenario's events shuffled, retrying
// those that ask for it (as the bus does), and expects the same end state
// with each result announced once.
func TestScenarioAnyOrder(t *testing.T) {
	for seed := range uint64(6) {
		t.Run(fmt.Sprintf("seed%d", seed), func(t *testing.T) {
			f := sqliteFixture(t)
			ms := scenario(t, f)
			if seed == 0 {
				slices.Reverse(ms)
			} else {
				rng := rand.New(rand.NewPCG(seed, 7))
				rng.Shuffle(len(ms), func(i, j int) { ms[i], ms[j] = ms[j], ms[i] })
			}
			// No event may need another first: a handler that waited by
			// failing would hold the consumer of its topic.
			f.mustFeed(ms...)
			checkScenario(t, f, false)
		})
	}
}
