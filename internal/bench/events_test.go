package bench

import (
	"encoding/json"
	"fmt"
	"os"
	"testing"
	"time"

	"github.com/hule-dev/hule/internal/events"
)

// msg builds a bus message of topic with the given envelope fields.
func msg(t *testing.T, topic, id, corr string, at time.Time, data map[string]any) message {
	t.Helper()
	b, err := json.Marshal(map[string]any{
		"event_id": id, "event_type": topic, "event_timestamp": events.AsTime(at),
		"correlation_id": corr, "data": data,
	})
	if err != nil {
		t.Fatal(err)
	}
	return message{topic: topic, payload: b}
}

func TestAnalyse(t *testing.T) {
	const corr = "c0ffee00-0000-4000-8000-000000000001"
	t0 := time.Date(2025, 5, 1, 10, 0, 0, 0, time.UTC)
	at := func(ms int) time.Time { return t0.Add(time.Duration(ms) * time.Millisecond) }
	var msgs []message
	id := 0
	next := func() string { id++; return fmt.Sprintf("00000000-0000-4000-8000-%012d", id) }
	// Spellcheck: essay i requested at 100 ms, done at 100+100*(i+1) ms.
	const n = 10
	for i := range n {
		essay := fmt.Sprintf("e%d", i)
		msgs = append(msgs,
			msg(t, events.TopicEssaySpellcheckRequested, next(), corr, at(100), map[string]any{"entity_id": essay}),
			msg(t, events.TopicSpellcheckPhaseCompleted, next(), corr, at(100+100*(i+1)), map[string]any{"entity_id": essay}))
	}
	// A redelivered completion (same event id) is not counted twice.
	msgs = append(msgs, msgs[1])
	msgs = append(msgs, msg(t, events.TopicELSBatchPhaseOutcome, next(), corr, at(1200),
		map[string]any{"phase_name": "spellcheck", "processed_essays": make([]map[string]any, n), "failed_essay_ids": []string{}}))
	// NLP: one request at 2000 ms, essays done 50 ms apart; one failed.
	msgs = append(msgs, msg(t, events.TopicBatchNLPProcessingRequestedV2, next(), corr, at(2000), map[string]any{"entity_id": "batch"}))
	for i := range n - 1 {
		msgs = append(msgs, msg(t, events.TopicEssayNLPCompleted, next(), corr, at(2000+50*(i+1)), map[string]any{"essay_id": fmt.Sprintf("e%d", i)}))
	}
	msgs = append(msgs, msg(t, events.TopicELSBatchPhaseOutcome, next(), corr, at(2600),
		map[string]any{"phase_name": "nlp", "processed_essays": make([]map[string]any, n-1), "failed_essay_ids": []string{"e9"}}))
	// CJ: request at 3000, outcome at 5000.
	msgs = append(msgs,
		msg(t, events.TopicELSCJAssessmentRequested, next(), corr, at(3000), map[string]any{}),
		msg(t, events.TopicELSBatchPhaseOutcome, next(), corr, at(5000),
			map[string]any{"phase_name": "cj_assessment", "processed_essays": make([]map[string]any, n), "failed_essay_ids": []string{}}))
	// Another run's event and one after the window: neither is in the
	// phases; only the first is in the count.
	msgs = append(msgs,
		msg(t, events.TopicEssaySpellcheckRequested, next(), "other", at(150), map[string]any{"entity_id": "x"}),
		msg(t, events.TopicBatchResultsReady, next(), corr, at(9000), map[string]any{}))

	a, err := analyze(msgs, corr, t0, at(6000))
	if err != nil {
		t.Fatal(err)
	}
	if want := 2*n + 1 + 1 + (n - 1) + 1 + 2 + 1; a.events != want {
		t.Errorf("events: got %d, want %d", a.events, want)
	}
	if a.topics[events.TopicSpellcheckPhaseCompleted] != n {
		t.Errorf("spellcheck completions counted: got %d, want %d", a.topics[events.TopicSpellcheckPhaseCompleted], n)
	}
	if len(a.phases) != 3 {
		t.Fatalf("phases: got %+v", a.phases)
	}
	sp, nl, cj := a.phases[0], a.phases[1], a.phases[2]
	if sp.Name != "spellcheck" || sp.Done != n || sp.Latencies != n {
		t.Errorf("spellcheck: %+v", sp)
	}
	// Latencies 0.1..1.0 s: nearest-rank p50 is the 5th, p99 the 10th.
	if !near(sp.P50, 0.5) || !near(sp.P99, 1.0) || !near(sp.Max, 1.0) || !near(sp.Seconds, 1.1) || !near(sp.Start, 0.1) {
		t.Errorf("spellcheck times: %+v", sp)
	}
	if nl.Name != "nlp" || nl.Done != n-1 || nl.Failed != 1 || nl.Latencies != n-1 {
		t.Errorf("nlp: %+v", nl)
	}
	if !near(nl.P50, 0.25) || !near(nl.Max, 0.45) || !near(nl.Seconds, 0.6) || nl.P50 > nl.P99 {
		t.Errorf("nlp times: %+v", nl)
	}
	if cj.Name != "cj_assessment" || cj.Latencies != 0 || !near(cj.Seconds, 2) || cj.Done != n || !near(cj.Start, 3) {
		t.Errorf("cj: %+v", cj)
	}
}

func near(got, want float64) bool { return got > want-1e-6 && got < want+1e-6 }

func TestPercentile(t *testing.T) {
	xs := []float64{1, 2, 3, 4, 5, 6, 7, 8, 9, 10}
	for _, c := range []struct{ p, want float64 }{{0.5, 5}, {0.99, 10}, {0.1, 1}, {1, 10}} {
		if got := percentile(xs, c.p); got != c.want {
			t.Errorf("p%.0f: got %v, want %v", c.p*100, got, c.want)
		}
	}
	if got := percentile([]float64{3}, 0.99); got != 3 {
		t.Errorf("one value: got %v", got)
	}
}

func TestPeakRSS(t *testing.T) {
	// Our own process: some memory, in bytes (not kB).
	n, err := PeakRSS(os.Getpid())
	if err != nil {
		t.Fatal(err)
	}
	if n < 1<<20 {
		t.Errorf("peak RSS of the test process: %d bytes, want at least 1 MiB", n)
	}
	if _, err := PeakRSS(0); err == nil {
		t.Error("pid 0: want an error")
	}
}

func TestCPUTime(t *testing.T) {
	// Burn a little CPU so the count cannot be zero.
	x := 0
	for i := range 50_000_000 {
		x ^= i
	}
	_ = x
	d, err := CPUTime(os.Getpid())
	if err != nil {
		t.Fatal(err)
	}
	if d <= 0 {
		t.Errorf("CPU time of the test process: %s, want > 0", d)
	}
}

// TestAnalyseRuns merges two runs that overlap: essays add up, a phase
// spans from the first run's request to the last run's outcome, and the
// percentiles are over the essays of both, each timed from its own run's
// request.
func TestAnalyseRuns(t *testing.T) {
	corrs := []string{"c0ffee00-0000-4000-8000-00000000000a", "c0ffee00-0000-4000-8000-00000000000b"}
	t0 := time.Date(2025, 5, 1, 10, 0, 0, 0, time.UTC)
	at := func(ms int) time.Time { return t0.Add(time.Duration(ms) * time.Millisecond) }
	var msgs []message
	id := 0
	next := func() string { id++; return fmt.Sprintf("00000000-0000-4000-8000-%012d", id) }
	// Run r (0 or 1) asks spellcheck of its 4 essays at 100+500r ms; essay
	// i is done 100*(i+1)*(r+1) ms later; the outcome follows the last.
	// Run 1 has no NLP phase at all.
	const n = 4
	for r, corr := range corrs {
		reqAt := 100 + 500*r
		for i := range n {
			essay := fmt.Sprintf("r%d-e%d", r, i)
			msgs = append(msgs,
				msg(t, events.TopicEssaySpellcheckRequested, next(), corr, at(reqAt), map[string]any{"entity_id": essay}),
				msg(t, events.TopicSpellcheckPhaseCompleted, next(), corr, at(reqAt+100*(i+1)*(r+1)), map[string]any{"entity_id": essay}))
		}
		failed := []string{}
		if r == 1 {
			failed = []string{"r1-e3"}
		}
		msgs = append(msgs, msg(t, events.TopicELSBatchPhaseOutcome, next(), corr, at(reqAt+100*n*(r+1)+10),
			map[string]any{"phase_name": "spellcheck", "processed_essays": make([]map[string]any, n-len(failed)), "failed_essay_ids": failed}))
	}
	msgs = append(msgs,
		msg(t, events.TopicBatchNLPProcessingRequestedV2, next(), corrs[0], at(1000), map[string]any{"entity_id": "batch"}),
		msg(t, events.TopicEssayNLPCompleted, next(), corrs[0], at(1300), map[string]any{"essay_id": "r0-e0"}),
		msg(t, events.TopicELSBatchPhaseOutcome, next(), corrs[0], at(1400),
			map[string]any{"phase_name": "nlp", "processed_essays": make([]map[string]any, 1), "failed_essay_ids": []string{}}))

	a, err := analyzeRuns(msgs, corrs, t0, at(5000))
	if err != nil {
		t.Fatal(err)
	}
	if want := len(msgs); a.events != want {
		t.Errorf("events: got %d, want %d", a.events, want)
	}
	if len(a.phases) != 2 || a.phases[0].Name != "spellcheck" || a.phases[1].Name != "nlp" {
		t.Fatalf("merged phases: got %+v, want spellcheck and nlp", a.phases)
	}
	sp := a.phases[0]
	// Run 0: latencies 0.1-0.4 s, outcome at 0.51 s; run 1: 0.2-0.8 s from
	// 0.6 s, outcome at 1.41 s.
	if sp.Done != 2*n-1 || sp.Failed != 1 || sp.Latencies != 2*n {
		t.Errorf("spellcheck counts: %+v, want %d done, 1 failed, %d latencies", sp, 2*n-1, 2*n)
	}
	if !near(sp.Start, 0.1) || !near(sp.Seconds, 1.31) {
		t.Errorf("spellcheck span: starts %.3f lasts %.3f, want 0.1 and 1.31", sp.Start, sp.Seconds)
	}
	// Pooled 0.1 0.2 0.2 0.3 0.4 0.4 0.6 0.8: nearest-rank p50 is the 4th.
	if !near(sp.P50, 0.3) || !near(sp.P99, 0.8) || !near(sp.Max, 0.8) {
		t.Errorf("spellcheck percentiles: p50 %.3f p99 %.3f max %.3f, want 0.3 0.8 0.8", sp.P50, sp.P99, sp.Max)
	}
	if nl := a.phases[1]; nl.Done != 1 || nl.Latencies != 1 || !near(nl.Seconds, 0.4) {
		t.Errorf("nlp: %+v", nl)
	}

	if len(a.runs) != 2 {
		t.Fatalf("runs: got %d, want 2", len(a.runs))
	}
	r0, r1 := a.runs[0], a.runs[1]
	if len(r0) != 2 || len(r1) != 1 {
		t.Fatalf("phases per run: got %d and %d, want 2 and 1", len(r0), len(r1))
	}
	if p := r0[0]; p.Done != n || !near(p.Start, 0.1) || !near(p.Seconds, 0.41) || !near(p.Max, 0.4) {
		t.Errorf("run 0 spellcheck: %+v", p)
	}
	if p := r1[0]; p.Done != n-1 || p.Failed != 1 || !near(p.Start, 0.6) || !near(p.Seconds, 0.81) || !near(p.P50, 0.4) {
		t.Errorf("run 1 spellcheck: %+v", p)
	}

	// One run analyzed alone is the same as that run within both.
	one, err := analyze(msgs, corrs[1], t0, at(5000))
	if err != nil {
		t.Fatal(err)
	}
	if len(one.phases) != 1 || one.phases[0] != r1[0] {
		t.Errorf("run 1 alone: got %+v, want %+v", one.phases, r1)
	}
}
