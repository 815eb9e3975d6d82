package lifecycle

import (
	"encoding/json"
	"slices"
	"testing"

	"github.com/google/uuid"

	"github.com/hule-dev/hule/internal/bus/bustest"
	"github.com/hule-dev/hule/internal/events"
	"github.com/hule-dev/hule/internal/store"
)

// provisionedBatch registers batch b1 with n essays b1-e1.. and assigns
// them texts t1..
func provisionedBatch(t *testing.T, db *store.DB, n int) *harness {
	t.Helper()
	h := newHarness(t, db)
	h.must(registered("b1", n))
	for i := 1; i <= n; i++ {
		h.must(content("b1", "t"+string(rune('0'+i))))
	}
	if len(h.provisioned()) != 1 {
		t.Fatal("batch not provisioned")
	}
	h.rec.Reset()
	return h
}

func TestPhaseCommandsBecomeRequests(t *testing.T) {
	three := refs("b1-e1", "c1", "b1-e2", "c2", "b1-e3", "c3")
	tests := []struct {
		name  string
		cmd   events.Event
		topic string
		want  int
		state events.EssayStatus
	}{
		{"spellcheck one per essay", spellcheckCmd("b1", refs("b1-e1", "t1", "b1-e2", "t2", "b1-e3", "t3")),
			events.TopicEssaySpellcheckRequested, 3, events.EssayStatusSpellcheckingInProgress},
		{"nlp one per batch", nlpCmd("b1", three), events.TopicBatchNLPProcessingRequestedV2, 1, events.EssayStatusNLPProcessingInProgress},
		{"cj one per batch", cjCmd("b1", three), events.TopicELSCJAssessmentRequested, 1, events.EssayStatusCJAssessmentProcessingInProgress},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := provisionedBatch(t, nil, 3)
			if tt.topic != events.TopicEssaySpellcheckRequested {
				// nlp and cj start from spellchecked essays.
				h.must(spellcheckCmd("b1", refs("b1-e1", "t1", "b1-e2", "t2", "b1-e3", "t3")))
				for i, e := range []string{"b1-e1", "b1-e2", "b1-e3"} {
					h.must(spellDone("b1", e, true, "c"+string(rune('1'+i))))
				}
				h.rec.Reset()
			}
			h.must(tt.cmd)
			got := h.rec.OnTopic(tt.topic)
			if len(got) != tt.want || len(h.rec.All()) != tt.want {
				t.Fatalf("published %d on %s (%d in all), want %d", len(got), tt.topic, len(h.rec.All()), tt.want)
			}
			for _, e := range []string{"b1-e1", "b1-e2", "b1-e3"} {
				if st := h.essayStatus(e); st != tt.state {
					t.Errorf("essay %s is %s, want %s", e, st, tt.state)
				}
			}
			switch tt.topic {
			case events.TopicEssaySpellcheckRequested:
				reqs := bustest.Data[events.EssayLifecycleSpellcheckRequestV1](t, h.rec, tt.topic)
				for i, p := range got {
					if want := "b1-e" + string(rune('1'+i)); p.Key != want {
						t.Errorf("request %d: partition key %q, want the essay id %s (copies of spellcheck share a batch)", i, p.Key, want)
					}
				}
				for i, r := range reqs {
					if *r.EntityID != "b1-e"+string(rune('1'+i)) || r.TextStorageID != "t"+string(rune('1'+i)) ||
						*r.ParentID != "b1" || r.Language != "en" {
						t.Errorf("request %d: essay %s text %s parent %s lang %s", i, *r.EntityID, r.TextStorageID, *r.ParentID, r.Language)
					}
				}
			case events.TopicELSCJAssessmentRequested:
				r := bustest.Data[events.ELSCJAssessmentRequestV1](t, h.rec, tt.topic)[0]
				if len(r.EssaysForCJ) != 3 || r.EssaysForCJ[0].TextStorageID != "c1" || r.UserID != "teacher-1" ||
					*r.EntityID != "b1" || r.SystemMetadata.EntityID != "b1" || r.CourseCode != events.CourseCodeENG5 {
					t.Errorf("cj request %+v", r)
				}
			case events.TopicBatchNLPProcessingRequestedV2:
				env, err := events.DecodeRaw(got[0].Payload)
				if err != nil {
					t.Fatal(err)
				}
				if env.EventType != events.TopicBatchNLPProcessingRequestedV2 {
					t.Errorf("nlp request event_type %s", env.EventType)
				}
				var r events.BatchServiceNLPInitiateCommandDataV2
				if err := json.Unmarshal(env.Data, &r); err != nil {
					t.Fatal(err)
				}
				// nlp reads it with the contract of the batch command.
				env.EventType = events.TopicBatchNLPInitiateCommandV2
				if _, err := events.DecodeData[events.BatchServiceNLPInitiateCommandDataV2](env); err != nil {
					t.Errorf("nlp request fails the command's contract: %v", err)
				}
				if len(r.EssaysToProcess) != 3 || r.EssaysToProcess[2].TextStorageID != "c3" ||
					r.EventName != events.EventBatchNLPProcessingRequestedV2 || *r.EntityID != "b1" {
					t.Errorf("nlp request %+v", r)
				}
			}
			// A redelivered command sends nothing more.
			h.rec.Reset()
			h.must(tt.cmd)
			if n := len(h.rec.All()); n != 0 {
				t.Errorf("duplicate command published %d events", n)
			}
		})
	}
}

// wantOutcome is the phase outcome a scenario must end with.
type wantOutcome struct {
	status    events.BatchStatus
	processed map[string]string // essay id -> output text
	failed    []string
}

func checkOutcome(t *testing.T, got []events.ELSBatchPhaseOutcomeV1, p events.PhaseName, corr uuid.UUID, want wantOutcome) {
	t.Helper()
	if len(got) != 1 {
		t.Fatalf("published %d phase outcomes, want 1", len(got))
	}
	o := got[0]
	if o.PhaseName != p || o.PhaseStatus != want.status || o.BatchID != "b1" || o.CorrelationID != corr {
		t.Errorf("outcome phase %s status %s batch %s corr %s; want %s %s b1 %s", o.PhaseName, o.PhaseStatus, o.BatchID,
			o.CorrelationID, p, want.status, corr)
	}
	if len(o.ProcessedEssays) != len(want.processed) {
		t.Errorf("processed %v, want %v", o.ProcessedEssays, want.processed)
	}
	for _, r := range o.ProcessedEssays {
		if want.processed[r.EssayID] != r.TextStorageID {
			t.Errorf("processed %s with %s, want %q", r.EssayID, r.TextStorageID, want.processed[r.EssayID])
		}
	}
	failed := slices.Clone(o.FailedEssayIDs)
	slices.Sort(failed)
	if !slices.Equal(failed, want.failed) && (len(failed) != 0 || len(want.failed) != 0) {
		t.Errorf("failed %v, want %v", failed, want.failed)
	}
}

func TestThinEventsMakeOutcomes(t *testing.T) {
	sp3 := refs("b1-e1", "t1", "b1-e2", "t2", "b1-e3", "t3")
	nl3 := refs("b1-e1", "c1", "b1-e2", "c2", "b1-e3", "c3")
	tests := []struct {
		name  string
		phase events.PhaseName
		cmd   events.Event
		thin  []events.Event
		want  wantOutcome
	}{
		{"spellcheck all succeed", events.PhaseNameSpellcheck, spellcheckCmd("b1", sp3),
			[]events.Event{spellDone("b1", "b1-e1", true, "c1"), spellDone("b1", "b1-e2", true, "c2"), spellDone("b1", "b1-e3", true, "c3")},
			wantOutcome{events.BatchStatusCompletedSuccessfully, map[string]string{"b1-e1": "c1", "b1-e2": "c2", "b1-e3": "c3"}, nil}},
		{"spellcheck one fails", events.PhaseNameSpellcheck, spellcheckCmd("b1", sp3),
			[]events.Event{spellDone("b1", "b1-e3", true, "c3"), spellDone("b1", "b1-e2", false, ""), spellDone("b1", "b1-e1", true, "c1")},
			wantOutcome{events.BatchStatusCompletedWithFailures, map[string]string{"b1-e1": "c1", "b1-e3": "c3"}, []string{"b1-e2"}}},
		{"spellcheck all fail", events.PhaseNameSpellcheck, spellcheckCmd("b1", sp3),
			[]events.Event{spellDone("b1", "b1-e1", false, ""), spellDone("b1", "b1-e2", false, ""), spellDone("b1", "b1-e3", false, "")},
			wantOutcome{events.BatchStatusFailedCritically, nil, []string{"b1-e1", "b1-e2", "b1-e3"}}},
		{"spellcheck duplicates and a late failure", events.PhaseNameSpellcheck, spellcheckCmd("b1", sp3),
			[]events.Event{spellDone("b1", "b1-e1", true, "c1"), spellDone("b1", "b1-e1", true, "c1"), spellDone("b1", "b1-e1", false, ""),
				spellDone("b1", "b1-e2", true, "c2"), spellDone("b1", "b1-e3", true, "c3"), spellDone("b1", "b1-e3", false, "")},
			wantOutcome{events.BatchStatusCompletedSuccessfully, map[string]string{"b1-e1": "c1", "b1-e2": "c2", "b1-e3": "c3"}, nil}},
		{"spellcheck result for an essay outside the run", events.PhaseNameSpellcheck, spellcheckCmd("b1", refs("b1-e1", "t1")),
			[]events.Event{spellDone("b1", "b1-e2", true, "c2"), spellDone("b1", "b1-e1", true, "c1")},
			wantOutcome{events.BatchStatusCompletedSuccessfully, map[string]string{"b1-e1": "c1"}, nil}},
		{"nlp with one failed essay", events.PhaseNameNLP, nlpCmd("b1", nl3),
			[]events.Event{nlpDone("b1", []string{"b1-e1", "b1-e3"}, []string{"b1-e2"})},
			wantOutcome{events.BatchStatusCompletedWithFailures, map[string]string{"b1-e1": "c1", "b1-e3": "c3"}, []string{"b1-e2"}}},
		{"nlp essay missing from the summary fails", events.PhaseNameNLP, nlpCmd("b1", nl3),
			[]events.Event{nlpDone("b1", []string{"b1-e1", "b1-e2"}, nil), nlpDone("b1", []string{"b1-e3"}, nil)},
			wantOutcome{events.BatchStatusCompletedWithFailures, map[string]string{"b1-e1": "c1", "b1-e2": "c2"}, []string{"b1-e3"}}},
		{"cj completed", events.PhaseNameCJAssessment, cjCmd("b1", nl3),
			[]events.Event{cjDone("b1", []string{"b1-e1", "b1-e2", "b1-e3"}, nil), cjFailed("b1")},
			wantOutcome{events.BatchStatusCompletedSuccessfully, map[string]string{"b1-e1": "c1", "b1-e2": "c2", "b1-e3": "c3"}, nil}},
		{"cj failed fails every essay", events.PhaseNameCJAssessment, cjCmd("b1", nl3),
			[]events.Event{cjFailed("b1"), cjDone("b1", []string{"b1-e1"}, nil)},
			wantOutcome{events.BatchStatusFailedCritically, nil, []string{"b1-e1", "b1-e2", "b1-e3"}}},
	}
	dbKinds(t, func(t *testing.T, open func(t *testing.T) *store.DB) {
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				h := provisionedBatch(t, open(t), 3)
				if tt.phase != events.PhaseNameSpellcheck {
					h.must(spellcheckCmd("b1", sp3))
					for i, e := range []string{"b1-e1", "b1-e2", "b1-e3"} {
						h.must(spellDone("b1", e, true, "c"+string(rune('1'+i))))
					}
					h.rec.Reset()
				}
				h.must(tt.cmd)
				for _, ev := range tt.thin {
					h.must(ev)
				}
				checkOutcome(t, h.outcomes(), tt.phase, h.corr, tt.want)
				for id := range tt.want.processed {
					if st := h.essayStatus(id); st != phases[tt.phase].success {
						t.Errorf("essay %s is %s, want %s", id, st, phases[tt.phase].success)
					}
				}
				for _, id := range tt.want.failed {
					if st := h.essayStatus(id); st != phases[tt.phase].failed {
						t.Errorf("essay %s is %s, want %s", id, st, phases[tt.phase].failed)
					}
				}
			})
		}
	})
}

func TestResultBeforeCommandIsIgnored(t *testing.T) {
	h := provisionedBatch(t, nil, 1)
	h.must(spellDone("b1", "b1-e1", true, "c1")) // no run yet: stale
	if st := h.essayStatus("b1-e1"); st != events.EssayStatusReadyForProcessing {
		t.Errorf("essay moved to %s by a result without a run", st)
	}
	if got := counterValue(t, h.svc.m.stale); got != 1 {
		t.Errorf("ignored-events counter %v, want 1", got)
	}
	h.must(spellcheckCmd("b1", refs("b1-e1", "t1")))
	h.must(spellDone("b1", "b1-e1", true, "c1"))
	checkOutcome(t, h.outcomes(), events.PhaseNameSpellcheck, h.corr,
		wantOutcome{events.BatchStatusCompletedSuccessfully, map[string]string{"b1-e1": "c1"}, nil})
}

func TestInvalidTransitionsAreCountedNotFatal(t *testing.T) {
	h := newHarness(t, nil)
	h.must(registered("b1", 2))
	h.must(content("b1", "t1")) // b1-e2 never gets text
	// Spellcheck of an essay without text and of an unknown essay: both
	// rejected, counted, and failed in the run; the good one goes on.
	h.must(spellcheckCmd("b1", refs("b1-e1", "t1", "b1-e2", "tx", "ghost", "ty")))
	if got := counterValue(t, h.svc.m.invalid); got != 2 {
		t.Errorf("invalid-transition counter %v, want 2", got)
	}
	if n := len(h.rec.OnTopic(events.TopicEssaySpellcheckRequested)); n != 1 {
		t.Errorf("sent %d spellcheck requests, want 1", n)
	}
	if st := h.essayStatus("b1-e2"); st != events.EssayStatusUploaded {
		t.Errorf("essay without text moved to %s", st)
	}
	h.must(spellDone("b1", "b1-e1", true, "c1"))
	checkOutcome(t, h.outcomes(), events.PhaseNameSpellcheck, h.corr,
		wantOutcome{events.BatchStatusCompletedWithFailures, map[string]string{"b1-e1": "c1"}, []string{"b1-e2", "ghost"}})
	// A cj result for an essay that never entered cj: ignored.
	h.must(cjDone("b1", []string{"b1-e1"}, nil))
	if st := h.essayStatus("b1-e1"); st != events.EssayStatusSpellcheckedSuccess {
		t.Errorf("stray cj result moved the essay to %s", st)
	}
}

func TestCommandWithNoStartableEssayFailsAtOnce(t *testing.T) {
	h := newHarness(t, nil)
	h.must(registered("b1", 1))
	h.must(nlpCmd("b1", refs("b1-e1", "t1"))) // no text, never spellchecked
	if n := len(h.rec.OnTopic(events.TopicBatchNLPProcessingRequestedV2)); n != 0 {
		t.Errorf("sent %d nlp requests for no startable essay", n)
	}
	checkOutcome(t, h.outcomes(), events.PhaseNameNLP, h.corr,
		wantOutcome{events.BatchStatusFailedCritically, nil, []string{"b1-e1"}})
}

func TestNewRunOfAPhaseRetriesIt(t *testing.T) {
	h := provisionedBatch(t, nil, 1)
	h.must(spellcheckCmd("b1", refs("b1-e1", "t1")))
	h.must(spellDone("b1", "b1-e1", false, ""))
	second := uuid.New()
	if err := h.sendCorr(spellcheckCmd("b1", refs("b1-e1", "t1")), second); err != nil {
		t.Fatal(err)
	}
	if n := len(h.rec.OnTopic(events.TopicEssaySpellcheckRequested)); n != 2 {
		t.Fatalf("sent %d spellcheck requests over two runs, want 2", n)
	}
	h.must(spellDone("b1", "b1-e1", true, "c1"))
	got := h.outcomes()
	if len(got) != 2 || got[0].PhaseStatus != events.BatchStatusFailedCritically ||
		got[1].PhaseStatus != events.BatchStatusCompletedSuccessfully || got[1].CorrelationID != second {
		t.Errorf("outcomes %+v", got)
	}
}

func TestSummaryWithExtraFields(t *testing.T) {
	got, err := summaryOutcomes(events.Object(`{"total_essays": 2, "successful_essay_ids": ["a"], "failed_essay_ids": ["b"],
		"failure_reasons": {"b": "empty text"}, "processing_time_seconds": 0.5}`))
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 2 || !got["a"].ok || got["b"].ok {
		t.Errorf("outcomes %+v", got)
	}
}
