package cjassess_test

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/hule-dev/hule/internal/cjassess"
	"github.com/hule-dev/hule/internal/cjassess/judge"
	"github.com/hule-dev/hule/internal/cjassess/pairing"
	"github.com/hule-dev/hule/internal/events"
)

func TestEventsFromOutcome(t *testing.T) {
	students, anchors := exampleEssays(t)
	essays := append([]cjassess.Essay{{ID: "missing-1", Missing: "content not found"}}, students[:6]...)
	essays = append(essays, anchors...)
	eng := cjassess.NewEngine(sqliteStore(t), judge.NewOffline(nil), cjassess.EngineOptions{})
	out, err := eng.Run(context.Background(), cjassess.Job{
		ID: "job-ev", BatchID: "batch-ev", AssignmentID: "assign-1", Essays: essays,
		Settings: cjassess.Settings{Pairing: pairing.Options{Seed: 5}},
	})
	if err != nil {
		t.Fatalf("Run: %v", err)
	}

	thin, err := cjassess.ThinCompleted(out)
	if err != nil {
		t.Fatalf("ThinCompleted: %v", err)
	}
	if err := thin.Validate(); err != nil {
		t.Errorf("thin Validate: %v", err)
	}
	var sum events.CJProcessingSummary
	if err := thin.ProcessingSummary.Decode(&sum); err != nil {
		t.Fatal(err)
	}
	if sum.TotalEssays != 7 || sum.Successful != 6 || sum.Failed != 1 {
		t.Errorf("summary total/successful/failed = %d/%d/%d, want 7/6/1 (anchors not counted)",
			sum.TotalEssays, sum.Successful, sum.Failed)
	}
	if !slices.Equal(sum.FailedEssayIDs, []string{"missing-1"}) {
		t.Errorf("failed ids = %v", sum.FailedEssayIDs)
	}
	for _, id := range sum.SuccessfulEssayIDs {
		if len(id) > 7 && id[:7] == "anchor-" {
			t.Errorf("anchor %s counted as a successful essay", id)
		}
	}
	if got, want := thin.Status, events.UpdateStatus(events.BatchStatusCompletedWithFailures); got != want {
		t.Errorf("status = %s, want %s", got, want)
	}
	if thin.CJAssessmentJobID != "job-ev" || *thin.EntityID != "batch-ev" {
		t.Errorf("ids = %s / %s", thin.CJAssessmentJobID, *thin.EntityID)
	}

	rich, err := cjassess.RichResult(out)
	if err != nil {
		t.Fatalf("RichResult: %v", err)
	}
	if err := rich.Validate(); err != nil {
		t.Errorf("rich Validate: %v", err)
	}
	if got, want := len(rich.EssayResults), 6+len(anchors); got != want {
		t.Errorf("essay results = %d, want %d", got, want)
	}
	nAnchor := 0
	for _, r := range rich.EssayResults {
		if r.IsAnchor {
			nAnchor++
		}
	}
	if nAnchor != len(anchors) {
		t.Errorf("is_anchor results = %d, want %d", nAnchor, len(anchors))
	}
	var meta cjassess.Metadata
	if err := rich.AssessmentMetadata.Decode(&meta); err != nil {
		t.Fatal(err)
	}
	if meta.AnchorEssaysUsed != len(anchors) || meta.ComparisonCount != out.Comparisons || meta.JudgeModel != judge.OfflineModel {
		t.Errorf("metadata = %+v", meta)
	}
	if *rich.AssignmentID != "assign-1" || rich.ModelProvider != "offline" {
		t.Errorf("assignment %v provider %s", *rich.AssignmentID, rich.ModelProvider)
	}
}

func TestThinFailed(t *testing.T) {
	start := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	out := &cjassess.Outcome{JobID: "job-f", BatchID: "batch-f", Started: start, Finished: start.Add(time.Minute), Comparisons: 3, Abandoned: 9}
	ev, err := cjassess.ThinFailed(out, &cjassess.JobError{Code: cjassess.CodeInsufficientComparisons, Message: "only 3 of 12"})
	if err != nil {
		t.Fatalf("ThinFailed: %v", err)
	}
	if err := ev.Validate(); err != nil {
		t.Errorf("Validate: %v", err)
	}
	var info struct {
		Code    string `json:"error_code"`
		Message string `json:"message"`
	}
	if err := ev.SystemMetadata.ErrorInfo.Decode(&info); err != nil {
		t.Fatal(err)
	}
	if info.Code != "CJ_INSUFFICIENT_COMPARISONS" || info.Message != "only 3 of 12" {
		t.Errorf("error info = %+v", info)
	}
	if ev.Status != events.UpdateStatus(events.BatchStatusFailedCritically) || ev.CJAssessmentJobID != "job-f" {
		t.Errorf("status %s job %s", ev.Status, ev.CJAssessmentJobID)
	}
}
