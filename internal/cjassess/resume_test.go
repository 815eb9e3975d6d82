package cjassess_test

import (
	"context"
	"errors"
	"fmt"
	"hash/fnv"
	"math"
	"slices"
	"strings"
	"testing"

	"github.com/hule-dev/hule/internal/cjassess"
	"github.com/hule-dev/hule/internal/cjassess/judge"
	"github.com/hule-dev/hule/internal/cjassess/pairing"
	"github.com/hule-dev/hule/internal/events"
	"github.com/hule-dev/hule/internal/store/storetest"
)

// TestResume interrupts a job after some judged comparisons (the context is
// canceled, as by a crash or shutdown, while four calls run at once, so the
// interrupted wave is left part judged, differently from run to run),
// resumes it on the same store with a new engine and judge, and checks that
// no judged pair is asked again and that the resumed job asks exactly the
// pairs an uninterrupted run asks and ends with the same scores.
func TestResume(t *testing.T) {
	students, anchors := exampleEssays(t)
	essays := slices.Concat(students[:14], anchors[:4])
	settings := cjassess.Settings{
		Concurrency: 4,
		// A tiny threshold never counts as stable: both runs spend the
		// whole budget, so their comparison counts must agree.
		Pairing: pairing.Options{ComparisonsPerEssay: 8, StabilityThreshold: 1e-12, Seed: 11},
	}
	job := cjassess.Job{ID: "job-resume", BatchID: "batch-r", Essays: essays, Settings: settings}

	fullJudge := newRecordingJudge()
	full, err := cjassess.NewEngine(sqliteStore(t), fullJudge, cjassess.EngineOptions{}).
		Run(context.Background(), job)
	if err != nil {
		t.Fatalf("uninterrupted run: %v", err)
	}
	fullCalls := fullJudge.snapshot()
	// 18 essays with 8 comparisons each meet 72 of 153 pairs: none twice.
	met := map[string]int{}
	for k, n := range fullCalls {
		a, b, _ := strings.Cut(k, "|")
		met[pairKey(min(a, b), max(a, b))] += n
	}
	for pair, n := range met {
		if n > 1 {
			t.Errorf("uninterrupted run asked %s %d times; want every pair at most once", pair, n)
		}
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
		// Calls up to stopAfter-Concurrency had returned before the
		// cancel, and call stopAfter returns its answer.
		if want := max(1, stopAfter-settings.Concurrency+1); len(judged) < want {
			t.Fatalf("stop after %d: %d comparisons stored, want at least %d", stopAfter, len(judged), want)
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
			// In either order: a judged pair is not asked again.
			for _, k := range []string{pairKey(c.EssayA, c.EssayB), pairKey(c.EssayB, c.EssayA)} {
				if n := calls[k]; n > 0 {
					t.Errorf("stop after %d: pair %s/%s judged before the interruption was asked %d more times (as %s)",
						stopAfter, c.EssayA, c.EssayB, n, k)
				}
			}
			calls[pairKey(c.EssayA, c.EssayB)]++
		}
		// Stored and resumed calls together are the uninterrupted run's.
		for k, n := range calls {
			if fullCalls[k] != n {
				t.Errorf("stop after %d: %s asked %d times across the restart, %d times without one",
					stopAfter, k, n, fullCalls[k])
			}
		}
		for k, n := range fullCalls {
			if _, ok := calls[k]; !ok {
				t.Errorf("stop after %d: %s asked %d times without a restart, never across it", stopAfter, k, n)
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
		// The same comparisons, counted in the same order, fit the same
		// scores.
		for i, es := range out.Essays {
			if want := full.Essays[i]; es.ID != want.ID || math.Abs(es.Score-want.Score) > 1e-9 {
				t.Errorf("stop after %d: essay %d is %s (%.6f), uninterrupted %s (%.6f)",
					stopAfter, i, es.ID, es.Score, want.ID, want.Score)
			}
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

// flakyJudge returns a recording judge whose failures depend only on the
// pair and on what st holds, never on timing, so an interrupted run and an
// uninterrupted one see the same failures: some pairs fail until one failure
// of theirs is stored (a transient error), a few always fail (abandoned
// after their attempts).
func flakyJudge(st cjassess.Store, jobID string) *recordingJudge {
	j := newRecordingJudge()
	j.fail = func(_ int, r judge.Request) error {
		h := fnv.New32a()
		_, _ = h.Write([]byte(pairKey(r.A.ID, r.B.ID)))
		switch v := h.Sum32(); {
		case v%13 == 0:
			return &judge.APIError{Provider: "test", StatusCode: 500}
		case v%5 == 0:
			comps, err := st.Comparisons(context.Background(), jobID)
			if err != nil {
				return err
			}
			for _, c := range comps {
				if c.EssayA == r.A.ID && c.EssayB == r.B.ID && c.Status == cjassess.StatusFailed {
					return nil
				}
			}
			return &judge.APIError{Provider: "test", StatusCode: 503}
		}
		return nil
	}
	return j
}

// callLog lists a job's stored judge calls as "A|B attempt status", sorted.
func callLog(t *testing.T, st cjassess.Store, jobID string) []string {
	t.Helper()
	comps, err := st.Comparisons(context.Background(), jobID)
	if err != nil {
		t.Fatal(err)
	}
	out := make([]string, len(comps))
	for i, c := range comps {
		out[i] = fmt.Sprintf("%s attempt %d %s", pairKey(c.EssayA, c.EssayB), c.Attempt, c.Status)
	}
	slices.Sort(out)
	return out
}

// TestResumeWithFailures interrupts a job whose judge fails some calls
// (retried in later waves) and abandons others: the resumed job makes
// exactly the calls, with the same attempts and outcomes, of an
// uninterrupted run, so the retry pool and the abandoned comparisons
// survive the restart.
func TestResumeWithFailures(t *testing.T) {
	students, anchors := exampleEssays(t)
	job := cjassess.Job{ID: "job-resume-fail", BatchID: "batch-rf", Essays: slices.Concat(students[:14], anchors[:4]),
		Settings: cjassess.Settings{Concurrency: 4,
			Pairing: pairing.Options{ComparisonsPerEssay: 8, StabilityThreshold: 1e-12, Seed: 3}}}

	fullStore := sqliteStore(t)
	full, err := cjassess.NewEngine(fullStore, flakyJudge(fullStore, job.ID), cjassess.EngineOptions{}).
		Run(context.Background(), job)
	if err != nil {
		t.Fatalf("uninterrupted run: %v", err)
	}
	if full.FailedCalls == 0 || full.Abandoned == 0 {
		t.Fatalf("uninterrupted run: %d failed calls, %d abandoned; the test misses the retry path",
			full.FailedCalls, full.Abandoned)
	}
	want := callLog(t, fullStore, job.ID)
	t.Logf("uninterrupted: %d comparisons, %d failed calls, %d abandoned", full.Comparisons, full.FailedCalls, full.Abandoned)

	for _, stopAfter := range []int{6, 30, 55} {
		st := sqliteStore(t)
		ctx, cancel := context.WithCancel(context.Background())
		first := flakyJudge(st, job.ID)
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
		out, err := cjassess.NewEngine(st, flakyJudge(st, job.ID), cjassess.EngineOptions{}).Run(context.Background(), job)
		if err != nil {
			t.Fatalf("stop after %d: resumed run: %v", stopAfter, err)
		}
		if got := callLog(t, st, job.ID); !slices.Equal(got, want) {
			t.Errorf("stop after %d: calls across the restart differ from an uninterrupted run's:\n got %q\nwant %q",
				stopAfter, got, want)
		}
		if out.Comparisons != full.Comparisons || out.FailedCalls != full.FailedCalls || out.Abandoned != full.Abandoned {
			t.Errorf("stop after %d: %d comparisons, %d failed calls, %d abandoned; uninterrupted %d, %d, %d", stopAfter,
				out.Comparisons, out.FailedCalls, out.Abandoned, full.Comparisons, full.FailedCalls, full.Abandoned)
		}
		for i, es := range out.Essays {
			if w := full.Essays[i]; es.ID != w.ID || math.Abs(es.Score-w.Score) > 1e-9 {
				t.Errorf("stop after %d: essay %d is %s (%.6f), uninterrupted %s (%.6f)", stopAfter, i, es.ID, es.Score, w.ID, w.Score)
			}
		}
	}
}

// TestResumeWithoutStoredWaves resumes a job whose comparisons were stored
// without their waves (as by a version that did not store waves): the
// planner is rebuilt from the comparisons alone, and still no judged pair is
// asked again.
func TestResumeWithoutStoredWaves(t *testing.T) {
	students, anchors := exampleEssays(t)
	job := cjassess.Job{ID: "job-legacy", BatchID: "batch-l", Essays: slices.Concat(students[:14], anchors[:4]),
		Settings: cjassess.Settings{Concurrency: 4,
			Pairing: pairing.Options{ComparisonsPerEssay: 8, StabilityThreshold: 1e-12, Seed: 11}}}
	db := storetest.SQLite(t, cjassess.Schema())
	st := cjassess.NewSQLStore(db.DB)
	ctx, cancel := context.WithCancel(context.Background())
	first := newRecordingJudge()
	first.after = func(n int) {
		if n == 30 {
			cancel()
		}
	}
	if _, err := cjassess.NewEngine(st, first, cjassess.EngineOptions{}).Run(ctx, job); !errors.Is(err, context.Canceled) {
		t.Fatalf("interrupted run err = %v, want context.Canceled", err)
	}
	cancel()
	if _, err := db.ExecContext(context.Background(), `DELETE FROM cj_planned`); err != nil {
		t.Fatal(err)
	}
	judged, err := st.Comparisons(context.Background(), job.ID)
	if err != nil {
		t.Fatal(err)
	}
	second := newRecordingJudge()
	out, err := cjassess.NewEngine(st, second, cjassess.EngineOptions{}).Run(context.Background(), job)
	if err != nil {
		t.Fatalf("resumed run: %v", err)
	}
	calls := second.snapshot()
	for _, c := range judged {
		if n := calls[pairKey(c.EssayA, c.EssayB)] + calls[pairKey(c.EssayB, c.EssayA)]; n > 0 {
			t.Errorf("pair %s/%s judged before the interruption was asked %d more times", c.EssayA, c.EssayB, n)
		}
	}
	if len(out.Students()) != 14 || out.Comparisons < len(judged) {
		t.Errorf("%d students ranked, %d comparisons; want 14 and at least the %d stored", len(out.Students()),
			out.Comparisons, len(judged))
	}
	for _, es := range out.Essays {
		if es.Comparisons > 9 {
			t.Errorf("%s: %d comparisons, budget 8 (one over at most)", es.ID, es.Comparisons)
		}
	}
}
