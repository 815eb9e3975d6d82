package fault

import (
	"context"
	"flag"
	"fmt"
	"testing"
	"time"

	"github.com/hule-dev/hule/internal/client"
	"github.com/hule-dev/hule/internal/events"
)

var judgeEssays = flag.Int("fault.judge-essays", 20, "essays per batch in the judge-fault test (-short: 10)")

// TestJudgeFaults is issue 8's slow-and-failing-judge proof. The cjassess
// processes use the openai judge against a local server (LLMServer) that
// answers slowly. First the server fails 30 % of the calls and answers 15 %
// of the others with malformed output: the judge's retries absorb them, so
// the batch completes with a ranking, within the retry budget and the
// minimum success rate (80 %). Then the server fails every call: the job
// must give up cleanly, with the cj_assessment phase failed, one
// CJAssessmentFailedV1 on its topic, no AssessmentResultV1 and nothing
// left unsettled or dead-lettered.
func TestJudgeFaults(t *testing.T) {
	skipUnlessFault(t)
	n, limit := *judgeEssays, 6*time.Minute
	if testing.Short() {
		n, limit = min(n, 10), 3*time.Minute
	}
	ctx, cancel := context.WithTimeout(t.Context(), 2*limit+2*time.Minute)
	defer cancel()

	srv := &LLMServer{Latency: 150 * time.Millisecond, FailRate: 0.3, MalformedRate: 0.15}
	srv.Start()
	defer srv.Close()
	_, cl, iv := setup(ctx, t, *busKind,
		"HULE_JUDGE=openai",
		"HULE_JUDGE_BASE_URL="+srv.URL(),
		"HULE_JUDGE_MODEL=fault-judge-1",
		"HULE_JUDGE_API_KEY_ENV=FAULT_JUDGE_KEY",
		"FAULT_JUDGE_KEY=test-key",
		"HULE_CJ_COMPARISONS=4",
		"HULE_CJ_MIN_SUCCESS=0.8",
		"HULE_CJ_CONCURRENCY=4",
	)
	files := essayFiles(t, n)

	t.Run("flaky", func(t *testing.T) {
		b := runBatch(ctx, t, cl, iv, files, "judge faults: flaky", limit, nil)
		st := srv.Stats()
		t.Logf("judge server: %+v", st)
		if st.Failed == 0 || st.Malformed == 0 {
			t.Errorf("the server injected %d failures and %d malformed answers: want some of each", st.Failed, st.Malformed)
		}
		if b.run.FinalStatus != client.StatusCompletedSuccessfully {
			t.Fatalf("pipeline final status %q, want %s", b.run.FinalStatus, client.StatusCompletedSuccessfully)
		}
		ranks := map[int]bool{}
		for _, e := range b.results.Essays {
			if e.Rank == nil || e.Grade == nil {
				t.Errorf("essay %s: rank %v grade %v, want both", e.FileName, e.Rank, e.Grade)
				continue
			}
			ranks[*e.Rank] = true
		}
		if len(ranks) != n {
			t.Errorf("%d distinct ranks for %d essays", len(ranks), n)
		}
		var failed, succeeded int
		err := iv.DB.QueryRowContext(ctx, `SELECT COUNT(*) FILTER (WHERE c.status <> 'succeeded'), COUNT(*) FILTER (WHERE c.status = 'succeeded')
			FROM cj_comparisons c JOIN cj_jobs j ON j.job_id = c.job_id WHERE j.batch_id = $1`, b.reg.BatchID).Scan(&failed, &succeeded)
		if err != nil {
			t.Fatal(err)
		}
		t.Logf("comparisons: %d succeeded, %d failed (retried by the engine's pool)", succeeded, failed)
		checkInvariants(ctx, t, iv, "flaky judge", b)
	})

	t.Run("down", func(t *testing.T) {
		srv.SetRates(1, 0)
		before := srv.Stats()
		b := runBatch(ctx, t, cl, iv, files, "judge faults: down", limit, nil)
		st := srv.Stats()
		t.Logf("judge server: %d calls, all failed", st.Calls-before.Calls)
		if b.run.FinalStatus == client.StatusCompletedSuccessfully {
			t.Errorf("pipeline final status %q with a judge that always fails", b.run.FinalStatus)
		}
		for _, v := range judgeDown(ctx, t, iv, b) {
			t.Error(v)
		}
	})
}

// judgeDown checks a batch whose judge failed every call: the CJ job
// failed and said so once (CJAssessmentFailedV1), published no result, and
// left nothing unsettled; the other phases completed; no dead letters.
func judgeDown(ctx context.Context, t *testing.T, iv Invariants, b batchRun) []string {
	t.Helper()
	var out []string
	phases := b.phases()
	var others []events.PhaseName
	for _, ph := range phases {
		if ph != events.PhaseNameCJAssessment {
			others = append(others, ph)
		}
	}
	// The other phases: their invariants, dead letters included.
	rep, err := iv.Check(ctx, b.reg.BatchID, b.reg.EssayIDs, others)
	if err != nil {
		t.Fatal(err)
	}
	out = append(out, rep.Violations...)

	failed, err := iv.decoded(ctx, events.TopicCJAssessmentFailed, func(e events.Envelope[events.Event]) bool {
		d := e.Data.(*events.CJAssessmentFailedV1)
		return (d.EntityID != nil && *d.EntityID == b.reg.BatchID) || d.SystemMetadata.EntityID == b.reg.BatchID
	})
	if err != nil {
		t.Fatal(err)
	}
	ids := map[string]bool{}
	for _, e := range failed {
		ids[e.EventID.String()] = true
		d := e.Data.(*events.CJAssessmentFailedV1)
		t.Logf("CJAssessmentFailedV1 %s: %s", e.EventID, d.SystemMetadata.ErrorInfo)
	}
	if len(ids) != 1 {
		out = append(out, fmt.Sprintf("cj: %d distinct CJAssessmentFailedV1 for the batch, want 1", len(ids)))
	}
	rich, err := iv.decoded(ctx, events.TopicAssessmentResultPublished, func(e events.Envelope[events.Event]) bool {
		return e.Data.(*events.AssessmentResultV1).BatchID == b.reg.BatchID
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(rich) > 0 {
		out = append(out, fmt.Sprintf("cj: %d AssessmentResultV1 for a batch whose judge is down", len(rich)))
	}
	var state, code string
	var unsettled int
	if err := iv.DB.QueryRowContext(ctx, `SELECT state, COALESCE(error_code, '') FROM cj_jobs WHERE batch_id = $1`, b.reg.BatchID).Scan(&state, &code); err != nil {
		return append(out, fmt.Sprintf("cj job of the batch: %v", err))
	}
	if err := iv.DB.QueryRowContext(ctx, `SELECT COUNT(*) FROM cj_requests WHERE batch_id = $1 AND state <> 'done'`, b.reg.BatchID).Scan(&unsettled); err != nil {
		t.Fatal(err)
	}
	t.Logf("cj job: state %s, error code %s", state, code)
	if state != string(events.CJBatchStateFailed) {
		out = append(out, fmt.Sprintf("cj job state %q, want %s", state, events.CJBatchStateFailed))
	}
	if unsettled > 0 {
		out = append(out, fmt.Sprintf("cj: %d requests not done", unsettled))
	}
	// The phase's per-essay results say failed, and no essay was ranked.
	var cjFailed int
	if err := iv.DB.QueryRowContext(ctx, `SELECT COUNT(*) FROM results_essay_phases WHERE batch_id = $1 AND phase = $2 AND status = 'failed'`,
		b.reg.BatchID, string(events.PhaseNameCJAssessment)).Scan(&cjFailed); err != nil {
		t.Fatal(err)
	}
	if cjFailed != len(b.reg.EssayIDs) {
		out = append(out, fmt.Sprintf("results: %d of %d essays have the cj_assessment phase failed", cjFailed, len(b.reg.EssayIDs)))
	}
	for _, e := range b.results.Essays {
		if e.Rank != nil {
			out = append(out, fmt.Sprintf("essay %s ranked %d by a judge that is down", e.FileName, *e.Rank))
		}
	}
	return out
}
