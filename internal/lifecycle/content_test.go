package lifecycle

import (
	"context"
	"database/sql"
	"testing"

	"github.com/hule-dev/hule/internal/bus/bustest"
	"github.com/hule-dev/hule/internal/events"
	"github.com/hule-dev/hule/internal/fault"
	"github.com/hule-dev/hule/internal/store"
	"github.com/hule-dev/hule/internal/store/storetest"
)

// step is one event delivered in a content scenario.
type step struct {
	data events.Event
}

func reg(n int) step              { return step{registered("b1", n)} }
func text(id string) step         { return step{content("b1", id)} }
func failedUpload(id string) step { return step{validationFailed("b1", id)} }
func steps(s ...step) []step      { return s }

func TestContentProvisioning(t *testing.T) {
	dbKinds(t, func(t *testing.T, open func(t *testing.T) *store.DB) {
		tests := []struct {
			name         string
			steps        []step
			wantAssigned map[string]string // essay id -> text storage id
			wantSlotEvts int
			wantDone     int // provisioning completions published
			wantDoneRefs int // essays in the completion
			wantExpected int // expected count in the completion
			wantExcess   int
		}{
			{"after registration", steps(reg(2), text("t1"), text("t2")),
				map[string]string{"b1-e1": "t1", "b1-e2": "t2"}, 2, 1, 2, 2, 0},
			{"before registration is held", steps(text("t1"), text("t2"), reg(2)),
				map[string]string{"b1-e1": "t1", "b1-e2": "t2"}, 2, 1, 2, 2, 0},
			{"mixed order", steps(text("t1"), reg(3), text("t2"), text("t3")),
				map[string]string{"b1-e1": "t1", "b1-e2": "t2", "b1-e3": "t3"}, 3, 1, 3, 3, 0},
			{"duplicate content assigned once", steps(reg(2), text("t1"), text("t1"), text("t2")),
				map[string]string{"b1-e1": "t1", "b1-e2": "t2"}, 2, 1, 2, 2, 0},
			{"duplicate held content assigned once", steps(text("t1"), text("t1"), reg(2)),
				map[string]string{"b1-e1": "t1"}, 1, 0, 0, 0, 0},
			{"excess content", steps(reg(1), text("t1"), text("t2"), text("t2")),
				map[string]string{"b1-e1": "t1"}, 1, 1, 1, 1, 1},
			{"validation failure lowers expected", steps(reg(3), text("t1"), failedUpload("u9"), text("t2")),
				map[string]string{"b1-e1": "t1", "b1-e2": "t2"}, 2, 1, 2, 2, 0},
			{"validation failure completes the batch", steps(reg(2), text("t1"), failedUpload("u9")),
				map[string]string{"b1-e1": "t1"}, 1, 1, 1, 1, 0},
			{"duplicate validation failure counted once", steps(reg(3), failedUpload("u9"), failedUpload("u9"), text("t1")),
				map[string]string{"b1-e1": "t1"}, 1, 0, 0, 0, 0},
			{"validation failure before registration", steps(failedUpload("u9"), text("t1"), reg(2)),
				map[string]string{"b1-e1": "t1"}, 1, 1, 1, 1, 0},
			{"completion published once", steps(reg(1), text("t1"), text("t1"), failedUpload("u9"), text("t3")),
				map[string]string{"b1-e1": "t1"}, 1, 1, 1, 1, 1},
			{"duplicate registration ignored", steps(reg(2), text("t1"), reg(2), text("t2")),
				map[string]string{"b1-e1": "t1", "b1-e2": "t2"}, 2, 1, 2, 2, 0},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				h := newHarness(t, open(t))
				for _, s := range tt.steps {
					h.must(s.data)
				}
				got := h.assigned()
				for e := range got {
					if st := h.essayStatus(e); st != events.EssayStatusReadyForProcessing {
						t.Errorf("essay %s status %s, want ready_for_processing", e, st)
					}
				}
				if len(got) != len(tt.wantAssigned) {
					t.Errorf("assigned %v, want %v", got, tt.wantAssigned)
				}
				for e, s := range tt.wantAssigned {
					if got[e] != s {
						t.Errorf("essay %s got text %q, want %q", e, got[e], s)
					}
				}
				slots := bustest.Data[events.EssaySlotAssignedV1](t, h.rec, events.TopicEssaySlotAssigned)
				if len(slots) != tt.wantSlotEvts {
					t.Errorf("published %d EssaySlotAssigned, want %d", len(slots), tt.wantSlotEvts)
				}
				done := h.provisioned()
				if len(done) != tt.wantDone {
					t.Fatalf("published %d provisioning completions, want %d", len(done), tt.wantDone)
				}
				if tt.wantDone == 1 {
					d := done[0]
					if len(d.EssaysForProcessing) != tt.wantDoneRefs || d.ProvisionedCount != tt.wantDoneRefs || d.ExpectedCount != tt.wantExpected {
						t.Errorf("completion has %d essays, provisioned %d, expected %d; want %d, %d, %d",
							len(d.EssaysForProcessing), d.ProvisionedCount, d.ExpectedCount, tt.wantDoneRefs, tt.wantDoneRefs, tt.wantExpected)
					}
					for _, r := range d.EssaysForProcessing {
						if tt.wantAssigned[r.EssayID] != r.TextStorageID {
							t.Errorf("completion lists %s with %s, want %s", r.EssayID, r.TextStorageID, tt.wantAssigned[r.EssayID])
						}
					}
					if d.UserID != "teacher-1" || d.CourseCode != events.CourseCodeENG5 {
						t.Errorf("completion user %q course %q", d.UserID, d.CourseCode)
					}
				}
				if n := storetest.Count(t, h.db.DB, `SELECT COUNT(*) FROM lifecycle_excess`); n != tt.wantExcess {
					t.Errorf("stored %d excess texts, want %d", n, tt.wantExcess)
				}
				if got := counterValue(t, h.svc.m.excess); int(got) != tt.wantExcess {
					t.Errorf("excess counter %v, want %d", got, tt.wantExcess)
				}
				if n := storetest.Count(t, h.db.DB, `SELECT COUNT(*) FROM lifecycle_inbox`); n != 0 {
					t.Errorf("%d uploads still held after registration", n)
				}
			})
		}
	})
}

func TestContentForUnknownBatchIsHeldNotLost(t *testing.T) {
	h := newHarness(t, nil)
	h.must(content("nobody", "t1"))
	h.must(validationFailed("nobody", "u1"))
	if n := storetest.Count(t, h.db.DB, `SELECT COUNT(*) FROM lifecycle_inbox WHERE batch_id = 'nobody'`); n != 2 {
		t.Errorf("held %d uploads for the unknown batch, want 2", n)
	}
	if len(h.rec.All()) != 0 {
		t.Errorf("published %d events for an unknown batch", len(h.rec.All()))
	}
}

func TestInvalidEventsArePermanent(t *testing.T) {
	h := newHarness(t, nil)
	bad := content("b1", "t1")
	bad.TextStorageID = "" // required
	tests := []struct {
		name  string
		topic string
		data  any
	}{
		{"content without text id", events.TopicEssayContentProvisioned, bad},
		{"registration as content", events.TopicEssayContentProvisioned, map[string]any{"entity_id": 5}},
		{"spellcheck command without batch", events.TopicBatchSpellcheckInitiateCommand,
			events.BatchServiceSpellcheckInitiateCommandDataV1{BaseEventData: events.BaseEventData{EventName: events.EventBatchSpellcheckInitiateCommand},
				EssaysToProcess: refs("e1", "t1"), Language: "en"}},
		{"thin nlp event with a broken summary", events.TopicBatchNLPAnalysisCompleted, func() any {
			e := nlpDone("b1", nil, nil)
			e.ProcessingSummary = events.Object(`{"successful_essay_ids": 3}`)
			return e
		}()},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := h.sendTopic(tt.topic, tt.data, h.corr)
			if err == nil || !fault.IsPermanent(err) {
				t.Errorf("got %v, want a permanent error", err)
			}
		})
	}
	if len(h.rec.All()) != 0 {
		t.Errorf("invalid events published %d events", len(h.rec.All()))
	}
}

func TestDepsChecked(t *testing.T) {
	db := storetest.SQLite(t, Schema())
	rec := &bustest.Recorder{}
	tests := []struct {
		name string
		deps Deps
		cfg  Config
	}{
		{"no db", Deps{Bus: rec}, Config{}},
		{"no bus", Deps{DB: db}, Config{}},
		{"loop", Deps{DB: db, Bus: rec}, Config{NLPRequestTopic: events.TopicBatchNLPInitiateCommandV2}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := New(tt.deps, tt.cfg); err == nil {
				t.Error("New accepted bad deps")
			}
		})
	}
	// Two services on one registry share the counters instead of failing.
	h := newHarness(t, db)
	if _, err := New(Deps{DB: db, Bus: rec, Metrics: h.reg}, Config{}); err != nil {
		t.Errorf("second service on one registry: %v", err)
	}
}

// assigned maps each essay with a text to its text storage id.
func (h *harness) assigned() map[string]string {
	h.t.Helper()
	got := map[string]string{}
	err := store.InTx(context.Background(), h.db.DB, func(tx *sql.Tx) error {
		refs, err := assignedTexts(context.Background(), tx, "b1")
		for _, r := range refs {
			got[r.EssayID] = r.TextStorageID
		}
		return err
	})
	if err != nil {
		h.t.Fatal(err)
	}
	return got
}
