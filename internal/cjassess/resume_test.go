package cjassess_test

import (
	"context"
	"errors"
	"slices"
	"testing"

	"github.com/hule-dev/hule/internal/cjassess"
	"github.com/hule-dev/hule/internal/cjassess/pairing"
	"github.com/hule-dev/hule/internal/events"
)

// TestResume interrupts a job after some judged comparisons (the context is
// canceled, as by a crash or shutdown), resumes it on the same store with a
// new engine and judge, and checks that no judged pair is asked again and
// that the job ends with as many comparisons as an uninterrupted run.
func TestResume(t *testing.T) {
	students, anchors := exampleEssays(t)
	essays := slices.Concat(students[:14], anchors[:4])
	settings := cjassess.Settings{
		Concurrency: 1, // the judged set at the interruption is then the same every run
		// A tiny threshold never counts as stable: both runs spend the
		// whole budget, so their comparison counts must agree.
		Pairing: pairing.Options{ComparisonsPerEssay: 8, StabilityThreshold: 1e-12, Seed: 11},
	}
	job := cjassess.Job{ID: "job-resume", BatchID: "batch-r", Essays: essays, Settings: settings}

	full, err := cjassess.NewEngine(sqliteStore(t), newRecordingJudge(), cjassess.EngineOptions{}).
		Run(context.Background(), job)
	if err != nil {
		t.Fatalf("uninterrupted run: %v", err)
	}

	for _, stopAfter := range []int{1, 13, 40} {
		st := sqliteStore(t)
		ctx, cancel := context.WithCancel(context.Background())
		first := newRecordingJudge()
		first.after = func(n int) {
			if n == stopAfter {
				cancel()
			}
		}
		_, err := cjassess.NewEngine(st, first, cjassess.EngineOptions{}).Run(ctx, job)
		cancel()
		if !errors.Is(err, context.Canceled) {
			t.Fatalf("stop after %d: interrupted run err = %v, want context.Canceled", stopAfter, err)
		}
		judged, err := st.Comparisons(context.Background(), job.ID)
		if err != nil {
			t.Fatal(err)
		}
		if len(judged) < stopAfter {
			t.Fatalf("stop after %d: %d comparisons stored, want at least %d", stopAfter, len(judged), stopAfter)
		}
		stored, _ := st.Job(context.Background(), job.ID)
		if stored.State == events.CJBatchStateCompleted {
			t.Fatalf("stop after %d: job completed before the interruption", stopAfter)
		}

		second := newRecordingJudge()
		out, err := cjassess.NewEngine(st, second, cjassess.EngineOptions{}).Run(context.Background(), job)
		if err != nil {
			t.Fatalf("stop after %d: resumed run: %v", stopAfter, err)
		}
		calls := second.snapshot()
		for _, c := range judged {
			if n := calls[pairKey(c.EssayA, c.EssayB)]; n > 0 {
				t.Errorf("stop after %d: pair %s/%s judged before the interruption was asked %d more times",
					stopAfter, c.EssayA, c.EssayB, n)
			}
		}
		if got, want := out.Comparisons, full.Comparisons; got != want {
			t.Errorf("stop after %d: resumed job has %d comparisons, uninterrupted %d", stopAfter, got, want)
		}
		if got, want := len(judged)+second.total(), full.Comparisons; got != want {
			t.Errorf("stop after %d: %d stored + %d resumed calls = %d, want %d", stopAfter,
				len(judged), second.total(), got, want)
		}
		if len(out.Students()) != 14 {
			t.Errorf("stop after %d: %d students ranked, want 14", stopAfter, len(out.Students()))
		}
	}
}

// TestResumeEssayGoneMissing: a redelivered request whose essay text has
// gone missing since the first run reuses the other judgements and lists
// that essay as failed.
func TestResumeEssayGoneMissing(t *testing.T) {
	students, _ := exampleEssays(t)
	st := sqliteStore(t)
	job := cjassess.Job{ID: "job-gone", BatchID: "b", Essays: slices.Clone(students[:6])}
	first, err := cjassess.NewEngine(st, newRecordingJudge(), cjassess.EngineOptions{}).Run(context.Background(), job)
	if err != nil {
		t.Fatal(err)
	}
	job.Essays[0] = cjassess.Essay{ID: job.Essays[0].ID, Missing: "content not found"}
	j := newRecordingJudge()
	out, err := cjassess.NewEngine(st, j, cjassess.EngineOptions{}).Run(context.Background(), job)
	if err != nil {
		t.Fatalf("rerun: %v", err)
	}
	if j.total() != 0 {
		t.Errorf("rerun of a completed job made %d judge calls, want 0", j.total())
	}
	if len(out.Failed) != 1 || out.Failed[0].ID != students[0].ID || len(out.Essays) != 5 {
		t.Errorf("failed %+v, scored %d; want %s failed and 5 scored", out.Failed, len(out.Essays), students[0].ID)
	}
	if out.Comparisons >= first.Comparisons {
		t.Errorf("comparisons %d, want fewer than the first run's %d", out.Comparisons, first.Comparisons)
	}
}
