package cjassess_test

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"

	"github.com/hule-dev/hule/internal/cjassess"
	"github.com/hule-dev/hule/internal/cjassess/judge"
	"github.com/hule-dev/hule/internal/cjassess/pairing"
	"github.com/hule-dev/hule/internal/events"
	"github.com/hule-dev/hule/internal/fault"
)

// textStore is an in-memory content store behind a TextFunc.
type textStore struct {
	mu    sync.Mutex
	texts map[string]string
}

func newTextStore() *textStore { return &textStore{texts: map[string]string{}} }

func (s *textStore) put(text string) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	id := fmt.Sprintf("%032x", len(s.texts)+1)
	s.texts[id] = text
	return id
}

func (s *textStore) get(_ context.Context, id string) (string, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	t, ok := s.texts[id]
	if !ok {
		return "", fmt.Errorf("%w: %s", cjassess.ErrTextMissing, id)
	}
	return t, nil
}

// newRequest stores texts in cs and builds the request lifecycle would send.
func newRequest(t *testing.T, cs *textStore, texts map[string]string, missing ...string) events.ELSCJAssessmentRequestV1 {
	t.Helper()
	batch := "batch-svc"
	req := events.ELSCJAssessmentRequestV1{
		BaseEventData:  events.BaseEventData{EventName: events.EventELSCJAssessmentRequested, EntityID: &batch},
		SystemMetadata: events.SystemProcessingMetadata{EntityID: batch, EntityType: "batch"},
		Language:       "en", CourseCode: events.CourseCodeENG5, UserID: "teacher-1",
		AssignmentID: func() *string { s := "assign-svc"; return &s }(),
	}
	for id, text := range texts {
		req.EssaysForCJ = append(req.EssaysForCJ, events.EssayProcessingInputRefV1{EssayID: id, TextStorageID: cs.put(text)})
	}
	for _, id := range missing {
		req.EssaysForCJ = append(req.EssaysForCJ, events.EssayProcessingInputRefV1{EssayID: id, TextStorageID: "ffffffffffffffffffffffffffffffff"})
	}
	return req
}

func TestServiceAssess(t *testing.T) {
	students, anchors := exampleEssays(t)
	ctx := context.Background()
	cs := newTextStore()
	st := sqliteStore(t)
	// Anchors of the assignment: half inline, half in the content store.
	for i, a := range anchors {
		storage := ""
		if i%2 == 1 {
			storage = cs.put(a.Text)
		}
		rec, err := cjassess.NewAnchor("assign-svc", a.Grade, a.DisplayName, a.Text, storage, "")
		if err != nil {
			t.Fatal(err)
		}
		if err := st.AddAnchor(ctx, rec); err != nil {
			t.Fatal(err)
		}
	}
	texts := map[string]string{}
	for _, s := range students[:10] {
		texts[s.ID] = s.Text
	}
	req := newRequest(t, cs, texts, "lost-essay")
	svc, err := cjassess.NewService(st, judge.NewOffline(nil), cjassess.Config{Pairing: pairing.Options{ComparisonsPerEssay: 8}}, nil)
	if err != nil {
		t.Fatal(err)
	}
	pub, err := svc.Assess(ctx, req, cs.get)
	if err != nil {
		t.Fatalf("Assess: %v", err)
	}
	if pub.Failed != nil || pub.Completed == nil || pub.Result == nil {
		t.Fatalf("published = %+v, want completed and result", pub)
	}
	var sum events.CJProcessingSummary
	if err := pub.Completed.ProcessingSummary.Decode(&sum); err != nil {
		t.Fatal(err)
	}
	if sum.Successful != 10 || sum.Failed != 1 || sum.FailedEssayIDs[0] != "lost-essay" {
		t.Errorf("summary = %+v, want 10 successful and lost-essay failed", sum)
	}
	anchorsSeen := 0
	for _, r := range pub.Result.EssayResults {
		if r.IsAnchor {
			anchorsSeen++
		}
	}
	if anchorsSeen != len(anchors) {
		t.Errorf("rich result holds %d anchors, want %d", anchorsSeen, len(anchors))
	}

	// Redelivery: the same request resumes the finished job; the judge is
	// not asked anything.
	rec := newRecordingJudge()
	svc2, _ := cjassess.NewService(st, rec, cjassess.Config{Pairing: pairing.Options{ComparisonsPerEssay: 8}}, nil)
	pub2, err := svc2.Assess(ctx, req, cs.get)
	if err != nil {
		t.Fatalf("redelivered Assess: %v", err)
	}
	if rec.total() != 0 {
		t.Errorf("redelivery made %d judge calls, want 0", rec.total())
	}
	if pub2.Completed == nil || pub2.Completed.CJAssessmentJobID != pub.Completed.CJAssessmentJobID {
		t.Errorf("redelivery job id differs or no completion")
	}
}

func TestServiceAssessFailures(t *testing.T) {
	ctx := context.Background()
	cs := newTextStore()
	students, _ := exampleEssays(t)
	tests := []struct {
		name     string
		texts    map[string]string
		missing  []string
		judge    judge.Judge
		wantCode string
	}{
		{name: "zero essays", wantCode: string(cjassess.CodeValidation)},
		{name: "all texts missing", missing: []string{"x", "y"}, wantCode: string(cjassess.CodeValidation)},
		{
			name:  "judge always fails",
			texts: map[string]string{"a": students[0].Text, "b": students[1].Text, "c": students[2].Text},
			judge: func() judge.Judge {
				j := newRecordingJudge()
				j.fail = func(int, judge.Request) error { return fault.Permanent(judge.ErrRefused) }
				return j
			}(),
			wantCode: string(cjassess.CodeInsufficientComparisons),
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			j := tt.judge
			if j == nil {
				j = judge.NewOffline(nil)
			}
			svc, err := cjassess.NewService(sqliteStore(t), j, cjassess.Config{}, nil)
			if err != nil {
				t.Fatal(err)
			}
			pub, err := svc.Assess(ctx, newRequest(t, cs, tt.texts, tt.missing...), cs.get)
			if err != nil {
				t.Fatalf("Assess: %v", err)
			}
			if pub.Failed == nil || pub.Completed != nil || pub.Result != nil {
				t.Fatalf("published = %+v, want only Failed", pub)
			}
			var info struct {
				Code string `json:"error_code"`
			}
			if err := pub.Failed.SystemMetadata.ErrorInfo.Decode(&info); err != nil {
				t.Fatal(err)
			}
			if info.Code != tt.wantCode {
				t.Errorf("error_code = %s, want %s", info.Code, tt.wantCode)
			}
		})
	}
}

func TestServiceConfig(t *testing.T) {
	_, err := cjassess.NewService(sqliteStore(t), judge.NewOffline(nil), cjassess.Config{Scale: "nope"}, nil)
	if err == nil {
		t.Fatal("unknown scale accepted")
	}
	if !errors.Is(err, errUnknownScale()) {
		t.Errorf("err = %v, want ErrUnknownScale", err)
	}
}

// TestServiceAssessTextOutage: a content store that cannot answer (not a
// missing text) fails the call with a transient error, to be retried.
func TestServiceAssessTextOutage(t *testing.T) {
	cs := newTextStore()
	req := newRequest(t, cs, map[string]string{"a": "Some essay text here.", "b": "Another essay text."})
	svc, err := cjassess.NewService(sqliteStore(t), judge.NewOffline(nil), cjassess.Config{}, nil)
	if err != nil {
		t.Fatal(err)
	}
	outage := errors.New("connection refused")
	_, err = svc.Assess(context.Background(), req, func(context.Context, string) (string, error) { return "", outage })
	if !errors.Is(err, outage) || fault.IsPermanent(err) {
		t.Errorf("err = %v, want the transient outage", err)
	}
}
