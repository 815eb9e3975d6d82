package e2e

import (
	"context"
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/hule-dev/hule/internal/app"
	"github.com/hule-dev/hule/internal/client"
)

// lowComparisons keeps comparative judgement short in the scenarios that
// only need it to run, not to rank well.
const lowComparisons = 4

// TestNLPThenCJOnSQLite is issue 4's end-to-end scenario on the embedded
// default: SQLite database and SQLite topics.
func TestNLPThenCJOnSQLite(t *testing.T) {
	t.Parallel()
	nlpThenCJ(t, config(t.TempDir(), ""))
}

// TestNLPThenCJOnPostgres is the same scenario with the database and the
// topics on PostgreSQL (a fresh schema).
func TestNLPThenCJOnPostgres(t *testing.T) {
	t.Parallel()
	nlpThenCJ(t, postgresConfig(t))
}

// nlpThenCJ registers 20 essays (19 examples and one empty file), runs
// the nlp pipeline (spellcheck then nlp), then cj_assessment on the same
// batch, where spellcheck is skipped because it already ran.
func nlpThenCJ(t *testing.T, cfg app.Config) {
	cfg.CJ.Comparisons = lowComparisons
	p := start(t, cfg)
	c := p.c
	ctx, cancel := context.WithTimeout(context.Background(), scenarioTimeout)
	defer cancel()

	files := append(exampleEssays(t, 19), client.File{Name: "empty.txt", Data: nil})
	reg, err := c.CreateBatch(ctx, client.NewBatch{CourseCode: "ENG5", ExpectedEssayCount: 20, Name: "issue 4"})
	if err != nil {
		t.Fatalf("create batch: %v", err)
	}
	up, err := c.UploadEssays(ctx, reg.BatchID, files)
	if err != nil {
		t.Fatalf("upload: %v", err)
	}
	if up.Accepted != 19 || up.Rejected != 1 {
		t.Fatalf("upload accepted %d and rejected %d files, want 19 and 1", up.Accepted, up.Rejected)
	}
	if f := up.Files[19]; f.FileName != "empty.txt" || f.Status != client.UploadRejected || f.Error == nil || f.Error.Code != "EMPTY_CONTENT" {
		t.Errorf("empty file's outcome %+v, want rejected with EMPTY_CONTENT", f)
	}

	// nlp = spellcheck -> nlp.
	acc := request(ctx, t, c, reg.BatchID, client.PipelineNLP, "")
	run := waitRun(ctx, t, c, reg.BatchID, acc.CorrelationID)
	if !slices.Equal(run.Phases, []string{"spellcheck", "nlp"}) || len(run.SkippedPhases) != 0 {
		t.Errorf("nlp run phases %v skipped %v, want [spellcheck nlp] and none", run.Phases, run.SkippedPhases)
	}
	// The empty file failed at intake: lifecycle lowered the expected
	// count to 19, so both phases ran on 19 essays without a failure; the
	// batch still counts its 20 registered slots, so the pipeline ends
	// completed_with_failures with 19 successes and 1 failure.
	if run.FinalStatus != client.StatusCompletedWithFailures {
		t.Errorf("nlp run final status %q, want %s", run.FinalStatus, client.StatusCompletedWithFailures)
	}
	st := waitResultsReady(ctx, t, c, reg.BatchID, acc.CorrelationID)
	rec := pipelineOf(t, st, acc.CorrelationID)
	if rec.SuccessfulEssays == nil || *rec.SuccessfulEssays != 19 || rec.FailedEssays == nil || *rec.FailedEssays != 1 {
		t.Errorf("BatchPipelineCompletedV1 as results saw it: successful %v failed %v, want 19 and 1",
			deref(rec.SuccessfulEssays), deref(rec.FailedEssays))
	}
	if rec.Status != client.StatusCompletedWithFailures || !slices.Equal(rec.CompletedPhases, []string{"spellcheck", "nlp"}) {
		t.Errorf("pipeline record %s with phases %v, want completed_with_failures with [spellcheck nlp]", rec.Status, rec.CompletedPhases)
	}
	for _, name := range []string{"spellcheck", "nlp"} {
		ph := phaseOf(t, st, name)
		if ph.Status != client.PhaseCompleted || ph.Done != 19 || ph.Failed != 0 || ph.Total != 19 {
			t.Errorf("phase %s: %s %d done %d failed of %d, want completed 19/0 of 19", name, ph.Status, ph.Done, ph.Failed, ph.Total)
		}
	}
	if st.Counts.Expected != 20 || st.Counts.RejectedFiles != 1 || st.Counts.Provisioned != 19 {
		t.Errorf("counts %+v, want 20 expected, 1 rejected file, 19 provisioned", st.Counts)
	}
	if len(st.Failures) != 1 || st.Failures[0].FileName != "empty.txt" || st.Failures[0].Phase != "upload" ||
		st.Failures[0].ErrorCode != "EMPTY_CONTENT" {
		t.Errorf("failures %+v, want only empty.txt refused at upload with EMPTY_CONTENT", st.Failures)
	}

	// cj_assessment = spellcheck -> cj_assessment; spellcheck already ran.
	acc2 := request(ctx, t, c, reg.BatchID, client.PipelineCJAssessment, "")
	run2 := waitRun(ctx, t, c, reg.BatchID, acc2.CorrelationID)
	if !slices.Equal(run2.SkippedPhases, []string{"spellcheck"}) || !slices.Equal(run2.Phases, []string{"cj_assessment"}) {
		t.Errorf("cj run phases %v skipped %v, want [cj_assessment] with spellcheck skipped (PhaseSkippedV1)", run2.Phases, run2.SkippedPhases)
	}
	st2 := waitResultsReady(ctx, t, c, reg.BatchID, acc2.CorrelationID)
	if ph := phaseOf(t, st2, "cj_assessment"); !strings.HasPrefix(ph.Status, client.PhaseCompleted) || ph.Done != 19 {
		t.Errorf("cj_assessment phase %s with %d done, want completed with 19", ph.Status, ph.Done)
	}
	if ph := phaseOf(t, st2, "spellcheck"); ph.Done != 19 {
		t.Errorf("spellcheck after the skip: %d done, want still 19 (not run again)", ph.Done)
	}
	res, err := c.Results(ctx, reg.BatchID)
	if err != nil {
		t.Fatalf("results: %v", err)
	}
	ranked := 0
	for _, e := range res.Essays {
		if e.Rank != nil {
			ranked++
		}
	}
	if ranked != 19 {
		t.Errorf("%d essays ranked by comparative judgement, want 19", ranked)
	}
}

// waitResultsReady waits until the results service has every result of
// the run with the correlation id and returns the batch status.
func waitResultsReady(ctx context.Context, t *testing.T, c *client.Client, batchID, correlationID string) client.BatchStatus {
	t.Helper()
	var st client.BatchStatus
	err := poll(ctx, func() (bool, error) {
		var err error
		st, err = c.Batch(ctx, batchID)
		if client.StatusOf(err) == http.StatusNotFound {
			return false, nil // results has not seen the batch yet
		}
		if err != nil {
			return false, err
		}
		for _, r := range st.Pipelines {
			if r.CorrelationID == correlationID {
				return r.ResultsReady, nil
			}
		}
		return false, nil
	})
	if err != nil {
		t.Fatalf("results of run %s of %s: %v (last status %s, phases %+v)", correlationID, batchID, err, st.Status, st.Phases)
	}
	return st
}

func pipelineOf(t *testing.T, st client.BatchStatus, correlationID string) client.PipelineRec {
	t.Helper()
	for _, r := range st.Pipelines {
		if r.CorrelationID == correlationID {
			return r
		}
	}
	t.Fatalf("batch %s has no pipeline %s: %+v", st.BatchID, correlationID, st.Pipelines)
	return client.PipelineRec{}
}

func phaseOf(t *testing.T, st client.BatchStatus, name string) client.PhaseProgress {
	t.Helper()
	for _, p := range st.Phases {
		if p.Phase == name {
			return p
		}
	}
	t.Fatalf("batch %s has no phase %s: %+v", st.BatchID, name, st.Phases)
	return client.PhaseProgress{}
}

func deref(p *int) any {
	if p == nil {
		return nil
	}
	return *p
}
