package cjassess_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/hule-dev/hule/internal/cjassess"
	"github.com/hule-dev/hule/internal/cjassess/grading"
	"github.com/hule-dev/hule/internal/cjassess/judge"
	"github.com/hule-dev/hule/internal/cjassess/pairing"
	"github.com/hule-dev/hule/internal/events"
	"github.com/hule-dev/hule/internal/fault"
)

func TestRunExamples(t *testing.T) {
	students, anchors := exampleEssays(t)
	st := sqliteStore(t)
	eng := cjassess.NewEngine(st, judge.NewOffline(nil), cjassess.EngineOptions{})
	out, err := eng.Run(context.Background(), cjassess.Job{
		ID: "job-examples", BatchID: "batch-1", Essays: append(students, anchors...),
		Settings: cjassess.Settings{Pairing: pairing.Options{Seed: 7}},
	})
	if err != nil {
		t.Fatalf("Run: %v", err)
	}
	if got, want := len(out.Essays), len(students)+len(anchors); got != want {
		t.Fatalf("scored essays = %d, want %d", got, want)
	}
	if got := len(out.Students()); got != len(students) {
		t.Errorf("students = %d, want %d", got, len(students))
	}
	ranks := map[int]bool{}
	for _, e := range out.Students() {
		if e.Grade == grading.Ungraded || e.Grade == "" {
			t.Errorf("%s: grade %q, want a letter grade with anchors", e.ID, e.Grade)
		}
		ranks[e.Rank] = true
	}
	for r := 1; r <= len(students); r++ {
		if !ranks[r] {
			t.Errorf("no student has rank %d", r)
		}
	}
	if out.AnchorsUsed != len(anchors) {
		t.Errorf("anchors used = %d, want %d", out.AnchorsUsed, len(anchors))
	}
	if out.Comparisons == 0 || out.SuccessRate != 1 {
		t.Errorf("comparisons %d, success rate %v; want > 0 and 1", out.Comparisons, out.SuccessRate)
	}
	job, err := st.Job(context.Background(), "job-examples")
	if err != nil {
		t.Fatal(err)
	}
	if job.State != events.CJBatchStateCompleted || job.SSR == nil {
		t.Errorf("stored job state %s ssr %v, want COMPLETED with an SSR", job.State, job.SSR)
	}
	t.Logf("%d comparisons, SSR %.3f, stop %s", out.Comparisons, out.SSR, out.Stop)
}

func TestRunInputs(t *testing.T) {
	students, anchors := exampleEssays(t)
	tests := []struct {
		name     string
		essays   []cjassess.Essay
		scale    string
		wantCode events.AnyErrorCode // a JobError with this code
		wantErr  error               // or an error wrapping this
		check    func(t *testing.T, out *cjassess.Outcome)
	}{
		{name: "zero essays", wantCode: cjassess.CodeValidation},
		{name: "only anchors", essays: anchors, wantCode: cjassess.CodeValidation},
		{name: "only empty essays", essays: []cjassess.Essay{{ID: "a", Text: "  "}, {ID: "b", Missing: "not found"}},
			wantCode: cjassess.CodeValidation},
		{
			name: "one essay", essays: students[:1],
			check: func(t *testing.T, out *cjassess.Outcome) {
				if len(out.Essays) != 1 || out.Essays[0].Rank != 1 {
					t.Fatalf("essays = %+v, want one with rank 1", out.Essays)
				}
				if out.Comparisons != 0 {
					t.Errorf("comparisons = %d, want 0", out.Comparisons)
				}
				if e := out.Essays[0]; e.Grade != grading.Ungraded || e.ConfidenceScore != 0 || e.ConfidenceLabel != grading.Low {
					t.Errorf("without anchors got %s/%v/%s, want U/0/LOW", e.Grade, e.ConfidenceScore, e.ConfidenceLabel)
				}
			},
		},
		{
			name:   "missing texts are failed essays",
			essays: append([]cjassess.Essay{{ID: "gone", Missing: "content not found"}, {ID: "blank", Text: "\n \t"}}, students[:6]...),
			check: func(t *testing.T, out *cjassess.Outcome) {
				if len(out.Failed) != 2 || out.Failed[0].ID != "gone" || out.Failed[1].ID != "blank" {
					t.Errorf("failed = %+v, want gone and blank", out.Failed)
				}
				if len(out.Essays) != 6 {
					t.Errorf("scored = %d, want 6", len(out.Essays))
				}
			},
		},
		{
			name: "without anchors every grade is U", essays: students[:5],
			check: func(t *testing.T, out *cjassess.Outcome) {
				for _, e := range out.Essays {
					if e.Grade != grading.Ungraded || e.ConfidenceLabel != grading.Low {
						t.Errorf("%s: %s %s, want U LOW", e.ID, e.Grade, e.ConfidenceLabel)
					}
				}
				if out.AnchorsUsed != 0 {
					t.Errorf("anchors used = %d", out.AnchorsUsed)
				}
			},
		},
		{name: "unknown grade scale", essays: students[:3], scale: "us_letter", wantErr: grading.ErrUnknownScale},
		{name: "anchor grade off the scale", essays: append(students[:3:3], cjassess.Essay{ID: "x", Text: "t", Anchor: true, Grade: "Z"}),
			wantCode: cjassess.CodeValidation},
		{name: "duplicate essay id", essays: []cjassess.Essay{students[0], students[0]}, wantCode: cjassess.CodeValidation},
	}
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			eng := cjassess.NewEngine(sqliteStore(t), judge.NewOffline(nil), cjassess.EngineOptions{})
			out, err := eng.Run(context.Background(), cjassess.Job{
				ID: fmt.Sprintf("job-%d", i), BatchID: "batch", Essays: tt.essays,
				Settings: cjassess.Settings{Scale: tt.scale},
			})
			var jerr *cjassess.JobError
			switch {
			case tt.wantCode != "":
				if !errors.As(err, &jerr) || jerr.Code != tt.wantCode {
					t.Fatalf("err = %v, want a JobError %s", err, tt.wantCode)
				}
				if out == nil || out.JobID == "" {
					t.Fatalf("outcome = %+v, want the partial outcome", out)
				}
				if _, err := cjassess.ThinFailed(out, jerr); err != nil {
					t.Errorf("ThinFailed: %v", err)
				}
			case tt.wantErr != nil:
				if err == nil {
					t.Fatal("err = nil, want an error")
				}
				if !errors.Is(err, tt.wantErr) && !strings.Contains(err.Error(), tt.wantErr.Error()) {
					t.Errorf("err = %v, want %v", err, tt.wantErr)
				}
				if !fault.IsPermanent(err) {
					t.Errorf("err %v is not permanent", err)
				}
			default:
				if err != nil {
					t.Fatalf("Run: %v", err)
				}
				tt.check(t, out)
			}
		})
	}
}

// TestRunJudgeFailures: failed judge calls go to the retry pool and are
// retried; a job whose calls mostly fail fails as a whole.
func TestRunJudgeFailures(t *testing.T) {
	students, _ := exampleEssays(t)
	tests := []struct {
		name     string
		fail     func(n int, r judge.Request) error
		wantCode events.AnyErrorCode
	}{
		{
			name: "every 5th call malformed or refused",
			fail: func(n int, _ judge.Request) error {
				switch n % 10 {
				case 0:
					return fault.Permanent(fmt.Errorf("judge: %w", judge.ErrMalformed))
				case 5:
					return fault.Permanent(fmt.Errorf("judge: %w", judge.ErrRefused))
				}
				return nil
			},
		},
		{
			name: "first attempt of every pair times out",
			fail: func() func(int, judge.Request) error {
				seen := map[string]bool{}
				return func(_ int, r judge.Request) error {
					k := pairKey(r.A.ID, r.B.ID)
					if seen[k] {
						return nil
					}
					seen[k] = true
					return fmt.Errorf("judge: %w", judge.ErrTimeout)
				}
			}(),
		},
		{
			name:     "every call fails",
			fail:     func(int, judge.Request) error { return &judge.APIError{Provider: "openai", StatusCode: 500} },
			wantCode: cjassess.CodeInsufficientComparisons,
		},
	}
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			j := newRecordingJudge()
			j.fail = tt.fail
			st := sqliteStore(t)
			// Concurrency 1 keeps the call numbering, and so which calls
			// fail, deterministic.
			eng := cjassess.NewEngine(st, j, cjassess.EngineOptions{})
			jobID := fmt.Sprintf("job-%d", i)
			out, err := eng.Run(context.Background(), cjassess.Job{
				ID: jobID, BatchID: "b", Essays: students[:10],
				Settings: cjassess.Settings{Concurrency: 1, Pairing: pairing.Options{ComparisonsPerEssay: 6, Seed: 3}},
			})
			if tt.wantCode != "" {
				var jerr *cjassess.JobError
				if !errors.As(err, &jerr) || jerr.Code != tt.wantCode {
					t.Fatalf("err = %v, want JobError %s", err, tt.wantCode)
				}
				job, _ := st.Job(context.Background(), jobID)
				if job.State != events.CJBatchStateFailed || job.ErrorCode != string(tt.wantCode) {
					t.Errorf("stored state %s code %s, want FAILED %s", job.State, job.ErrorCode, tt.wantCode)
				}
				return
			}
			if err != nil {
				t.Fatalf("Run: %v", err)
			}
			if out.FailedCalls == 0 {
				t.Fatal("no failed calls: the retry path went untested")
			}
			comps, err := st.Comparisons(context.Background(), jobID)
			if err != nil {
				t.Fatal(err)
			}
			failedRows, retried := 0, 0
			for _, c := range comps {
				if c.Status == cjassess.StatusFailed {
					failedRows++
					if c.Error == "" {
						t.Errorf("failed comparison %s/%s without error text", c.EssayA, c.EssayB)
					}
				}
				if c.Status == cjassess.StatusSucceeded && c.Attempt > 1 {
					retried++
				}
			}
			if failedRows != out.FailedCalls {
				t.Errorf("stored failed rows = %d, outcome says %d", failedRows, out.FailedCalls)
			}
			if retried == 0 {
				t.Error("no comparison succeeded on a later attempt: failures were not retried")
			}
			if out.SuccessRate < 0.8 {
				t.Errorf("success rate %.2f, want >= 0.8", out.SuccessRate)
			}
		})
	}
}

// TestRunNothingJudgedIsNotStable is a judge that fails every call under
// settings that would call any two fits stable (a huge threshold): scores
// that did not move because nothing was judged must not end the job as
// stable and assessed; it fails with no comparison.
func TestRunNothingJudgedIsNotStable(t *testing.T) {
	students, _ := exampleEssays(t)
	j := newRecordingJudge()
	j.fail = func(int, judge.Request) error { return &judge.APIError{Provider: "openai", StatusCode: 503} }
	st := sqliteStore(t)
	_, err := cjassess.NewEngine(st, j, cjassess.EngineOptions{}).Run(context.Background(), cjassess.Job{
		ID: "job-down", BatchID: "b", Essays: students[:4],
		Settings: cjassess.Settings{Concurrency: 1, MinSuccessRate: 0.01,
			Pairing: pairing.Options{ComparisonsPerEssay: 2, MinComparisons: 1, StabilityThreshold: 100, Seed: 1}},
	})
	var jerr *cjassess.JobError
	if !errors.As(err, &jerr) || jerr.Code != cjassess.CodeInsufficientComparisons {
		t.Fatalf("err = %v, want JobError %s", err, cjassess.CodeInsufficientComparisons)
	}
	comps, err := st.Comparisons(context.Background(), "job-down")
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range comps {
		if c.Status != cjassess.StatusFailed {
			t.Errorf("comparison %s/%s stored as %s", c.EssayA, c.EssayB, c.Status)
		}
	}
}
