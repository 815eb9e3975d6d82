package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/signal"
	"syscall"
	"testing"
	"time"

	"github.com/hule-dev/hule/internal/bench"
	"github.com/hule-dev/hule/internal/client"
	"github.com/hule-dev/hule/internal/store"
	"github.com/hule-dev/hule/internal/store/storetest"
)

// asHule makes this test binary act as the hule binary: `hule bench
// pipeline` starts its processes from its own executable, which in a test
// is the test binary. Not a HULE_* name: the process harness strips those
// from the children's environment.
const asHule = "BENCHTEST_AS_HULE"

func TestMain(m *testing.M) {
	if os.Getenv(asHule) == "1" {
		ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
		err := Run(ctx, os.Args[1:], Env{Getenv: os.Getenv, Stdin: os.Stdin, Stdout: os.Stdout, Stderr: os.Stderr})
		stop()
		if err != nil {
			fmt.Fprintln(os.Stderr, "hule:", err)
			os.Exit(ExitCode(err))
		}
		os.Exit(0)
	}
	os.Exit(m.Run())
}

// benchPipeline runs `hule bench pipeline --json` with args and returns
// its report.
func benchPipeline(t *testing.T, args ...string) bench.Report {
	t.Helper()
	t.Setenv(asHule, "1")
	var out, errOut bytes.Buffer
	ctx, cancel := context.WithTimeout(t.Context(), 4*time.Minute)
	defer cancel()
	err := Run(ctx, append([]string{"bench", "pipeline", "--json", "--timeout", "3m"}, args...),
		Env{Stdout: &out, Stderr: &errOut})
	if err != nil {
		t.Fatalf("hule bench pipeline %v: %v\n%s", args, err, errOut.String())
	}
	var rep bench.Report
	if err := json.Unmarshal(out.Bytes(), &rep); err != nil {
		t.Fatalf("report is not JSON: %v\n%s", err, out.String())
	}
	t.Logf("progress:\n%s", errOut.String())
	return rep
}

// checkReport checks that a report of n essays adds up.
func checkReport(t *testing.T, rep bench.Report, n, processes int) {
	t.Helper()
	if rep.Essays != n || rep.Status != client.StatusCompletedSuccessfully {
		t.Errorf("essays %d status %q, want %d %s", rep.Essays, rep.Status, n, client.StatusCompletedSuccessfully)
	}
	if rep.Words < n*250 {
		t.Errorf("words %d: want at least 250 per essay", rep.Words)
	}
	if rep.RunSeconds <= 0 || rep.RunSeconds < rep.UploadSeconds {
		t.Errorf("run %.3fs, upload %.3fs: want 0 < upload <= run", rep.RunSeconds, rep.UploadSeconds)
	}
	if want := float64(n) / rep.RunSeconds; rep.EssaysPerSecond < want*0.999 || rep.EssaysPerSecond > want*1.001 {
		t.Errorf("essays/s %.3f, want %d / %.3fs = %.3f", rep.EssaysPerSecond, n, rep.RunSeconds, want)
	}
	// Every essay passes through the spellcheck requests and completions,
	// the NLP results and content provisioning, at least.
	if rep.Events < 4*n || rep.EventsPerSecond <= 0 {
		t.Errorf("events %d (%.1f/s), want at least %d", rep.Events, rep.EventsPerSecond, 4*n)
	}
	if got := rep.Topics["huleedu.batch.spellcheck.phase.completed.v1"]; got != n {
		t.Errorf("spellcheck completions on the bus: %d, want %d", got, n)
	}
	want := []string{"spellcheck", "nlp", "cj_assessment"}
	if len(rep.Phases) != len(want) {
		t.Fatalf("phases %+v, want %v", rep.Phases, want)
	}
	prevEnd := 0.0
	for i, p := range rep.Phases {
		if p.Name != want[i] || p.Done != n || p.Failed != 0 {
			t.Errorf("phase %d: %+v, want %s with %d done", i, p, want[i], n)
		}
		if p.Seconds <= 0 || p.Start < prevEnd-1e-3 {
			t.Errorf("%s: starts at %.3fs and lasts %.3fs, previous phase ended at %.3fs", p.Name, p.Start, p.Seconds, prevEnd)
		}
		prevEnd = p.Start + p.Seconds
		perEssay := p.Name != "cj_assessment"
		if perEssay != (p.Latencies == n) {
			t.Errorf("%s: %d per-essay latencies, want %d", p.Name, p.Latencies, map[bool]int{true: n}[perEssay])
		}
		if perEssay && !(0 < p.P50 && p.P50 <= p.P99 && p.P99 <= p.Max && p.Max <= p.Seconds+1e-3) {
			t.Errorf("%s: p50 %.3f p99 %.3f max %.3f phase %.3f: want 0 < p50 <= p99 <= max <= phase", p.Name, p.P50, p.P99, p.Max, p.Seconds)
		}
	}
	if prevEnd > rep.RunSeconds+1e-3 {
		t.Errorf("phases end at %.3fs, after the run's end at %.3fs", prevEnd, rep.RunSeconds)
	}
	if len(rep.Processes) != processes {
		t.Errorf("processes %+v, want %d", rep.Processes, processes)
	}
	for _, p := range rep.Processes {
		if p.PeakRSSBytes < 1<<20 || p.CPUSeconds <= 0 {
			t.Errorf("process %s: peak %d bytes, CPU %.2fs: want some of both", p.Name, p.PeakRSSBytes, p.CPUSeconds)
		}
	}
}

func TestBenchPipelineEmbedded(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the platform as a process")
	}
	const n = 10
	rep := benchPipeline(t, "--essays", fmt.Sprint(n), "--seed", "5")
	if rep.Mode != bench.ModeEmbedded || rep.Bus != "sqlite" {
		t.Errorf("mode %s bus %s, want embedded on sqlite", rep.Mode, rep.Bus)
	}
	checkReport(t, rep, n, 1)
}

// TestBenchPipelineEmbeddedBatches runs two batches at once: both
// complete, each with its own essays, and the phases add them up.
func TestBenchPipelineEmbeddedBatches(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the platform as a process")
	}
	const n, k = 7, 2
	rep := benchPipeline(t, "--essays", fmt.Sprint(n), "--batches", fmt.Sprint(k), "--seed", "5")
	if rep.Batches != k || len(rep.Runs) != k {
		t.Fatalf("batches %d with %d runs, want %d", rep.Batches, len(rep.Runs), k)
	}
	if rep.Essays != n || rep.Status != client.StatusCompletedSuccessfully {
		t.Errorf("essays %d status %q, want %d %s", rep.Essays, rep.Status, n, client.StatusCompletedSuccessfully)
	}
	wantEssays := []int{4, 3}
	ids := map[string]bool{}
	for i, run := range rep.Runs {
		if run.Status != client.StatusCompletedSuccessfully || run.Essays != wantEssays[i] {
			t.Errorf("batch %d: %d essays, status %q, want %d %s", i, run.Essays, run.Status, wantEssays[i], client.StatusCompletedSuccessfully)
		}
		if run.BatchID == "" || run.CorrelationID == "" || ids[run.BatchID] || ids[run.CorrelationID] {
			t.Errorf("batch %d: batch id %q correlation id %q, want both set and unique", i, run.BatchID, run.CorrelationID)
		}
		ids[run.BatchID], ids[run.CorrelationID] = true, true
		if run.RunSeconds <= 0 || run.RunSeconds > rep.RunSeconds+1e-6 {
			t.Errorf("batch %d ended at %.3fs, the last run at %.3fs", i, run.RunSeconds, rep.RunSeconds)
		}
		if len(run.Phases) != 3 {
			t.Errorf("batch %d: phases %+v, want 3", i, run.Phases)
		}
		for _, p := range run.Phases {
			if p.Done != run.Essays || p.Failed != 0 {
				t.Errorf("batch %d, %s: %d done %d failed, want %d done", i, p.Name, p.Done, p.Failed, run.Essays)
			}
		}
	}
	if len(rep.Phases) != 3 {
		t.Fatalf("phases %+v, want 3", rep.Phases)
	}
	for _, p := range rep.Phases {
		if p.Done != n || p.Failed != 0 || p.Seconds <= 0 {
			t.Errorf("%s over both batches: %+v, want %d done", p.Name, p, n)
		}
	}
	if got := rep.Topics["huleedu.batch.spellcheck.phase.completed.v1"]; got != n {
		t.Errorf("spellcheck completions on the bus: %d, want %d", got, n)
	}
	if rep.Contention.RetriesByGroup == nil || rep.Contention.Deadlocks != nil {
		t.Errorf("contention %+v: want retries by group and no deadlock count (SQLite)", rep.Contention)
	}
	if len(rep.Processes) != 1 {
		t.Errorf("processes %+v, want 1", rep.Processes)
	}
}

func TestBenchPipelineDistributed(t *testing.T) {
	if testing.Short() {
		t.Skip("runs every service as a process")
	}
	server := storetest.PostgresURL(t)
	db, err := store.OpenPostgres(t.Context(), server)
	if err != nil {
		t.Skipf("PostgreSQL unreachable: %v", err)
	}
	_ = db.Close()
	const n = 10
	rep := benchPipeline(t, "--essays", fmt.Sprint(n), "--mode", "distributed", "--bus", "postgres", "--db", server)
	if rep.Mode != bench.ModeDistributed || rep.Bus != bench.BusPostgres {
		t.Errorf("mode %s bus %s, want distributed on postgres", rep.Mode, rep.Bus)
	}
	checkReport(t, rep, n, 7)
	if rep.Contention.Deadlocks == nil || *rep.Contention.Deadlocks < 0 || rep.Contention.Database == "" {
		t.Errorf("contention %+v: want a deadlock count of a named database", rep.Contention)
	}
	// The schema is dropped afterwards.
	db, err = store.OpenPostgres(t.Context(), server)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if rep.Schema == "" {
		t.Fatal("report names no schema")
	}
	var left int
	if err := db.QueryRowContext(t.Context(),
		`SELECT COUNT(*) FROM information_schema.schemata WHERE schema_name = $1`, rep.Schema).Scan(&left); err != nil {
		t.Fatal(err)
	}
	if left != 0 {
		t.Errorf("schema %s left on the server", rep.Schema)
	}
}

func TestBenchPipelineRejectsBadFlags(t *testing.T) {
	for _, args := range [][]string{
		{"--essays", "0"},
		{"--mode", "cloud"},
		{"--mode", "distributed", "--bus", "rabbit"},
		{"--batches", "0"},
		{"--essays", "3", "--batches", "4"},
	} {
		err := Run(t.Context(), append([]string{"bench", "pipeline"}, args...), Env{Stdout: &bytes.Buffer{}, Stderr: &bytes.Buffer{}})
		if err == nil || ExitCode(err) != 1 {
			t.Errorf("%v: got %v (exit %d), want exit 1", args, err, ExitCode(err))
		}
	}
}
