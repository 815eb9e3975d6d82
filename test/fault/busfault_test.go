package fault

import (
	"context"
	"flag"
	"fmt"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/hule-dev/hule/internal/client"
	"github.com/hule-dev/hule/internal/events"
)

var (
	busEssays   = flag.Int("fault.bus-essays", 40, "essays per batch in the bus-fault test (-short: 12)")
	injectEvery = flag.Duration("fault.inject-every", 500*time.Millisecond, "interval between injection rounds in the bus-fault test")
)

// TestBusFaults is issue 8's bus-fault proof. A batch runs clean, then the
// same essays run again as a second batch while, on every topic some
// service consumes, an injector publishes malformed JSON, envelopes of an
// unknown event type, envelopes that fail validation (envelope or data)
// and copies of every real event. The second batch must complete with the
// same results as the clean one, every injected bad message must be in its
// topic's DLQ with the reason for its kind (and nothing else may be), and
// the invariants of the crash test must hold.
func TestBusFaults(t *testing.T) {
	skipUnlessFault(t)
	n, limit := *busEssays, 10*time.Minute
	if testing.Short() {
		n, limit = min(n, 10), 3*time.Minute
	}
	ctx, cancel := context.WithTimeout(t.Context(), 2*limit+2*time.Minute)
	defer cancel()
	_, cl, iv := setup(ctx, t, *busKind)
	tr := transport(t, iv)

	files := essayFiles(t, n)
	clean := runBatch(ctx, t, cl, iv, files, "bus faults: clean", limit, nil)

	subs, err := tr.Subscriptions(ctx)
	if err != nil {
		t.Fatal(err)
	}
	var topics []string
	for topic := range subs {
		topics = append(topics, topic)
	}
	sort.Strings(topics)
	// The pipeline's own topics must be among them, or discovery is broken.
	for _, want := range []string{events.TopicClientBatchPipelineRequest, events.TopicEssaySpellcheckRequested,
		events.TopicELSCJAssessmentRequested, events.TopicAssessmentResultPublished} {
		if !slices.Contains(topics, want) {
			t.Fatalf("consumed topics %v lack %s", topics, want)
		}
	}
	t.Logf("injecting on %d consumed topics", len(topics))

	inj := &Injector{T: tr, Topics: topics}
	var stop context.CancelFunc
	injDone := make(chan error, 1)
	faulty := runBatch(ctx, t, cl, iv, files, "bus faults: injected", limit, func(batchID string) {
		inj.Key = batchID
		var ictx context.Context
		ictx, stop = context.WithCancel(ctx)
		go func() { injDone <- inj.Run(ictx, *injectEvery) }()
	})
	stop()
	if err := <-injDone; err != nil {
		t.Fatalf("injector: %v", err)
	}
	// A last round after the run: late events are copied too, and bad
	// messages reach consumers that are idle again.
	if err := inj.Round(ctx); err != nil {
		t.Fatalf("injector: %v", err)
	}
	injected := inj.Injected()
	dups := 0
	for _, d := range inj.Duplicated() {
		dups += d
	}
	t.Logf("injected %d bad messages (%d rounds) and %d copies of real events", len(injected), len(injected)/(len(topics)*len(BadKinds)), dups)
	if dups == 0 {
		t.Error("no real event was copied")
	}

	// Every bad message dead-lettered, by every group of its topic.
	subs, err = tr.Subscriptions(ctx)
	if err != nil {
		t.Fatal(err)
	}
	var problems []string
	deadline := time.Now().Add(time.Minute)
	for {
		dls, err := tr.DeadLetters(ctx)
		if err != nil {
			t.Fatal(err)
		}
		problems = CheckDeadLetters(injected, subs, dls)
		if len(problems) == 0 || time.Now().After(deadline) {
			byReason := map[string]int{}
			for _, dl := range dls {
				byReason[dl.Reason]++
			}
			t.Logf("dead letters by reason: %v", byReason)
			break
		}
		time.Sleep(time.Second)
	}
	for _, p := range problems {
		t.Error(p)
	}

	// The same results as the clean run.
	for _, d := range compareResults(clean.results, faulty.results) {
		t.Error(d)
	}
	for _, d := range compareVerdicts(ctx, t, iv, clean, faulty) {
		t.Error(d)
	}
	// The same events: the copies were dropped as duplicates and the bad
	// messages made no handler publish anything.
	for _, d := range compareEvents(ctx, t, tr, topics, clean, faulty) {
		t.Error(d)
	}

	// The crash test's invariants, but for the dead letters (checked
	// above), on both runs: a violation of the clean run is no fault's.
	checkInvariants(ctx, t, iv, "clean run", clean)
	checkInvariants(ctx, t, iv, "injected run", faulty)
}

// checkInvariants checks the invariants of the crash test on b, but for the
// dead letters, until they hold or a minute has passed.
func checkInvariants(ctx context.Context, t *testing.T, iv Invariants, name string, b batchRun) {
	t.Helper()
	deadline := time.Now().Add(time.Minute)
	for {
		cctx, ccancel := context.WithTimeout(ctx, 30*time.Second)
		rep, err := iv.Check(cctx, b.reg.BatchID, b.reg.EssayIDs, b.phases())
		ccancel()
		if err != nil {
			t.Fatalf("%s: check invariants: %v", name, err)
		}
		var vs []string
		for _, v := range rep.Violations {
			if !strings.HasPrefix(v, "dead letter") {
				vs = append(vs, v)
			}
		}
		if len(vs) == 0 || time.Now().After(deadline) {
			delete(rep.Counts, "dlq.sql")
			delete(rep.Counts, "dlq.kafka")
			t.Logf("%s: counts %v", name, rep.Counts)
			for _, v := range vs {
				t.Errorf("%s: %s", name, v)
				if strings.Contains(v, "judged successfully more than once") {
					t.Logf("%s: pairs judged twice:\n%s", name, judgedTwice(ctx, iv, b.reg.BatchID))
				}
			}
			return
		}
		time.Sleep(time.Second)
	}
}

// compareEvents counts, per topic, the distinct events of each batch (by
// partition key: the batch id or one of its essay ids), leaving out what
// was injected: both runs must have published the same number of each.
func compareEvents(ctx context.Context, t *testing.T, tr Transport, topics []string, want, got batchRun) []string {
	t.Helper()
	keys := func(b batchRun) map[string]bool {
		m := map[string]bool{b.reg.BatchID: true}
		for _, id := range b.reg.EssayIDs {
			m[id] = true
		}
		return m
	}
	kw, kg := keys(want), keys(got)
	var out []string
	total := 0
	for _, topic := range topics {
		msgs, err := tr.ReadAll(ctx, topic)
		if err != nil {
			t.Fatal(err)
		}
		w, g := map[string]bool{}, map[string]bool{}
		kinds := map[string][2]int{} // notification type -> events in the clean run, this run
		for _, m := range msgs {
			if m.Metadata[MetaInjected] != "" && m.Metadata[MetaInjected] != "duplicate" {
				continue
			}
			raw, err := events.DecodeRaw(m.Payload)
			if err != nil {
				out = append(out, fmt.Sprintf("%s: a real event does not decode: %v", topic, err))
				continue
			}
			id := raw.EventID.String()
			run := -1
			switch {
			case kw[m.Key] && !w[id]:
				w[id], run = true, 0
			case kg[m.Key] && !g[id]:
				g[id], run = true, 1
			}
			if run >= 0 && topic == events.TopicTeacherNotificationRequested {
				if n, err := events.DecodeData[events.TeacherNotificationRequestedV1](raw); err == nil {
					c := kinds[n.NotificationType]
					c[run]++
					kinds[n.NotificationType] = c
				}
			}
		}
		total += len(g)
		if topic == events.TopicTeacherNotificationRequested {
			// How many progress notifications a phase sends depends on the
			// order its thin and rich events reach results: timing, not
			// results. Every other kind must match.
			for typ, c := range kinds {
				if typ != "phase_progress" && c[0] != c[1] {
					out = append(out, fmt.Sprintf("%s: %d %s notifications, clean run %d", topic, c[1], typ, c[0]))
				}
			}
			t.Logf("notifications (clean run, this run): %v", kinds)
			continue
		}
		if len(w) != len(g) {
			out = append(out, fmt.Sprintf("%s: %d events of the batch, clean run %d", topic, len(g), len(w)))
		}
	}
	t.Logf("events: %d distinct events of the batch on the consumed topics", total)
	return out
}

// transport returns the Transport of the bus setup started.
func transport(t *testing.T, iv Invariants) Transport {
	t.Helper()
	if len(iv.Kafka) > 0 {
		tr, err := NewKafkaTransport(iv.Kafka)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(tr.Close)
		return tr
	}
	tr, err := NewSQLTransport(iv.DB)
	if err != nil {
		t.Fatal(err)
	}
	return tr
}

func essayFiles(t *testing.T, n int) []client.File {
	t.Helper()
	return Essays(n)
}

// batchRun is a finished batch: its registration, pipeline run and results.
type batchRun struct {
	reg     client.Registration
	run     client.PipelineRun
	results client.BatchResults
}

func (b batchRun) phases() []events.PhaseName {
	var out []events.PhaseName
	for _, ph := range b.run.Phases {
		out = append(out, events.PhaseName(ph))
	}
	return out
}

// runBatch registers a batch of files, calls created (when not nil) with
// its id before the upload, runs the comprehensive pipeline and waits for
// the run to finish and its results to be complete.
func runBatch(ctx context.Context, t *testing.T, cl *client.Client, iv Invariants, files []client.File, name string,
	limit time.Duration, created func(batchID string),
) batchRun {
	t.Helper()
	start := time.Now()
	var b batchRun
	var err error
	b.reg, err = cl.CreateBatch(ctx, client.NewBatch{CourseCode: "ENG5", ExpectedEssayCount: len(files), Name: name})
	if err != nil {
		t.Fatalf("%s: create batch: %v", name, err)
	}
	if created != nil {
		created(b.reg.BatchID)
	}
	up, err := cl.UploadEssays(ctx, b.reg.BatchID, files)
	if err != nil {
		t.Fatalf("%s: upload: %v", name, err)
	}
	if up.Accepted != len(files) {
		t.Fatalf("%s: upload accepted %d of %d files", name, up.Accepted, len(files))
	}
	rctx, rcancel := context.WithTimeout(ctx, 2*time.Minute)
	acc, err := requestWhenReady(rctx, cl, b.reg.BatchID)
	rcancel()
	if err != nil {
		t.Fatalf("%s: request pipeline: %v\n%s", name, err, diagnose(ctx, iv))
	}
	b.run, err = waitRun(ctx, cl, b.reg.BatchID, acc.CorrelationID, limit)
	if err != nil {
		t.Fatalf("%s: batch did not finish: %v (last state %+v)\n%s", name, err, b.run, diagnose(ctx, iv))
	}
	// Rich events reach results after the run ends: wait for every phase.
	deadline := time.Now().Add(time.Minute)
	for {
		b.results, err = cl.Results(ctx, b.reg.BatchID)
		if err == nil && resultsComplete(b.results, b.run) || time.Now().After(deadline) {
			break
		}
		time.Sleep(500 * time.Millisecond)
	}
	if err != nil {
		t.Fatalf("%s: results: %v", name, err)
	}
	t.Logf("%s: batch %s %s in %s (%d essays)", name, b.reg.BatchID, b.run.FinalStatus, time.Since(start).Round(time.Millisecond), len(files))
	return b
}

func diagnose(ctx context.Context, iv Invariants) string {
	dctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 30*time.Second)
	defer cancel()
	return "state of the tables:\n" + iv.Diagnose(dctx)
}

// resultsComplete reports whether every essay has the results of the
// phases the run went through (a failed phase delivers none).
func resultsComplete(r client.BatchResults, run client.PipelineRun) bool {
	for _, e := range r.Essays {
		for _, ph := range run.Phases {
			switch events.PhaseName(ph) {
			case events.PhaseNameSpellcheck:
				if e.SpellingCorrections == nil {
					return false
				}
			case events.PhaseNameNLP:
				if e.WordCount == nil {
					return false
				}
			case events.PhaseNameCJAssessment:
				if e.Rank == nil && run.FinalStatus == client.StatusCompletedSuccessfully {
					return false
				}
			}
		}
	}
	return len(r.Essays) > 0
}

// essayFacts is what a run computes for one essay that does not depend on
// which pairs the comparative judgement drew: the spelling and text
// metrics, and whether it was ranked and graded.
type essayFacts struct {
	Status              string
	SpellingCorrections int
	WordCount           int
	SentenceCount       int
	MTLD, Flesch, LIX   float64
	GrammarErrors       int
	Ranked, Graded      bool
}

func factsOf(e client.EssayResult) essayFacts {
	f := essayFacts{Status: e.Status, Ranked: e.Rank != nil, Graded: e.Grade != nil && *e.Grade != ""}
	deref(&f.SpellingCorrections, e.SpellingCorrections)
	deref(&f.WordCount, e.WordCount)
	deref(&f.SentenceCount, e.SentenceCount)
	deref(&f.GrammarErrors, e.GrammarErrors)
	deref(&f.MTLD, e.MTLD)
	deref(&f.Flesch, e.FleschReadingEase)
	deref(&f.LIX, e.LIX)
	return f
}

func deref[T any](dst *T, p *T) {
	if p != nil {
		*dst = *p
	}
}

// compareResults compares two batches of the same files essay by essay
// (by file name).
func compareResults(want, got client.BatchResults) []string {
	byName := func(r client.BatchResults) map[string]client.EssayResult {
		m := map[string]client.EssayResult{}
		for _, e := range r.Essays {
			m[e.FileName] = e
		}
		return m
	}
	w, g := byName(want), byName(got)
	var out []string
	if len(w) != len(g) {
		out = append(out, fmt.Sprintf("results: %d essays, clean run %d", len(g), len(w)))
	}
	names := make([]string, 0, len(w))
	for name := range w {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		ge, ok := g[name]
		if !ok {
			out = append(out, fmt.Sprintf("results: %s missing", name))
			continue
		}
		if fw, fg := factsOf(w[name]), factsOf(ge); fw != fg {
			out = append(out, fmt.Sprintf("results of %s: got %+v, clean run %+v", name, fg, fw))
		}
	}
	return out
}

// compareVerdicts checks the comparative judgements of two runs of the same
// files: the pairs are drawn with a seed of each job's id (so of the batch
// and essay ids), so the two runs judge different pairs, but the offline
// judge is deterministic: every ordered pair of files both runs judged
// must have the same winner. (How many pairs a job judges depends on the
// pairs too: the planner stops early once the scores are stable.)
func compareVerdicts(ctx context.Context, t *testing.T, iv Invariants, want, got batchRun) []string {
	t.Helper()
	vw, err := verdicts(ctx, iv, want)
	if err != nil {
		t.Fatal(err)
	}
	vg, err := verdicts(ctx, iv, got)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	if len(vw) == 0 || len(vg) == 0 {
		out = append(out, fmt.Sprintf("cj: %d pairs judged, clean run %d", len(vg), len(vw)))
	}
	shared := 0
	for pair, winner := range vg {
		if w, ok := vw[pair]; ok {
			shared++
			if w != winner {
				out = append(out, fmt.Sprintf("cj: %s won %v, in the clean run %s", winner, pair, w))
			}
		}
	}
	t.Logf("cj: %d pairs judged, %d of them also in the clean run, same winners", len(vg), shared)
	return out
}

// verdicts returns the winner (a file name) of every pair the run's CJ job
// judged successfully, by ordered pair of file names.
func verdicts(ctx context.Context, iv Invariants, b batchRun) (map[[2]string]string, error) {
	name := map[string]string{}
	for _, e := range b.results.Essays {
		name[e.EssayID] = e.FileName
	}
	rows, err := iv.DB.QueryContext(ctx, `SELECT c.essay_a, c.essay_b, c.winner FROM cj_comparisons c
		JOIN cj_jobs j ON j.job_id = c.job_id WHERE j.batch_id = $1 AND c.status = 'succeeded'`, b.reg.BatchID)
	if err != nil {
		return nil, fmt.Errorf("comparisons of %s: %w", b.reg.BatchID, err)
	}
	defer rows.Close()
	out := map[[2]string]string{}
	for rows.Next() {
		var a, bb, w string
		if err := rows.Scan(&a, &bb, &w); err != nil {
			return nil, err
		}
		out[[2]string{name[a], name[bb]}] = name[w]
	}
	return out, rows.Err()
}

// judgedTwice lists the ordered pairs of the batch's CJ job judged
// successfully more than once, with the attempt and time of each judgement:
// different attempts mean the planner planned the pair again; the table's
// unique key forbids one attempt stored twice.
func judgedTwice(ctx context.Context, iv Invariants, batchID string) string {
	rows, err := iv.DB.QueryContext(ctx, `SELECT c.essay_a, c.essay_b, c.attempt, c.created_at FROM cj_comparisons c
		JOIN cj_jobs j ON j.job_id = c.job_id
		WHERE j.batch_id = $1 AND c.status = 'succeeded' AND (c.job_id, c.essay_a, c.essay_b) IN (
			SELECT job_id, essay_a, essay_b FROM cj_comparisons WHERE status = 'succeeded'
			GROUP BY job_id, essay_a, essay_b HAVING COUNT(*) > 1)
		ORDER BY c.essay_a, c.essay_b, c.attempt`, batchID)
	if err != nil {
		return err.Error()
	}
	defer rows.Close()
	var b strings.Builder
	for rows.Next() {
		var a, bb string
		var attempt int
		var at time.Time
		if err := rows.Scan(&a, &bb, &attempt, &at); err != nil {
			return err.Error()
		}
		fmt.Fprintf(&b, "  %s vs %s: attempt %d at %s\n", a, bb, attempt, at.Format(time.RFC3339Nano))
	}
	if err := rows.Err(); err != nil {
		return err.Error()
	}
	return b.String()
}
