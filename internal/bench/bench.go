// Package bench is `hule bench pipeline`: it runs the platform as real
// processes of the hule binary (one `hule serve`, or every service as its
// own `hule run` process on PostgreSQL and Kafka or PostgreSQL topics),
// drives a comprehensive pipeline of generated essays through the HTTP API
// with the offline judge, and measures what the run cost: essays per
// second, time per phase from the events on the bus, events per second and
// the peak memory of each process as the kernel counted it. With several
// batches at once (several teachers' classes) it also counts what they
// cost each other: the bus's retries of handlers that failed transiently
// and PostgreSQL's deadlocks.
package bench

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"time"

	"golang.org/x/sync/errgroup"

	"github.com/hule-dev/hule/internal/client"
	"github.com/hule-dev/hule/internal/cluster"
	"github.com/hule-dev/hule/internal/store"
)

// Modes of a benchmark run.
const (
	// ModeEmbedded runs `hule serve`: every service in one process on one
	// SQLite file whose tables are the topics.
	ModeEmbedded = "embedded"
	// ModeDistributed runs every service as its own process on a fresh
	// PostgreSQL schema, on Kafka (a `hule kafka dev` process) or on
	// PostgreSQL topics.
	ModeDistributed = "distributed"
)

// Buses of the distributed mode.
const (
	BusKafka    = "kafka"
	BusPostgres = "postgres"
)

// DefaultDB is the PostgreSQL server the distributed mode makes its
// schema on unless told otherwise.
const DefaultDB = "postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable"

// Options configure one benchmark run. Zero values take the defaults
// named per field.
type Options struct {
	// Essays is the number of essays in all (required, at least 1).
	Essays int
	// Batches splits the essays into this many batches of sizes as even
	// as possible, registered, uploaded and run at the same time (default
	// 1; at most Essays).
	Batches int
	// Mode is ModeEmbedded (default) or ModeDistributed.
	Mode string
	// Bus is the distributed mode's bus: BusKafka (default) or BusPostgres.
	Bus string
	// DB is the PostgreSQL server of the distributed mode (default
	// DefaultDB); the run makes a schema hule_bench_<random> in it.
	DB string
	// Seed makes the essays; the same seed gives the same texts.
	Seed uint64
	// Dir holds the data directory and the processes' logs (default: a
	// temporary directory, removed afterwards unless Keep).
	Dir string
	// Keep keeps the temporary directory and the PostgreSQL schema.
	Keep bool
	// Bin is the hule binary the processes run (default: this program).
	Bin string
	// Timeout bounds the pipeline run, from upload to the end of the run
	// (default 30 minutes).
	Timeout time.Duration
	// Comparisons per essay of the comparative judgement (default: the
	// platform's).
	Comparisons int
	// Progress receives a line per step; nil discards them.
	Progress io.Writer
}

// Report is what one run measured. Durations are in seconds.
type Report struct {
	Mode     string `json:"mode"`
	Bus      string `json:"bus"`
	Pipeline string `json:"pipeline"`
	// Essays counts the essays of every batch.
	Essays int    `json:"essays"`
	Seed   uint64 `json:"seed"`
	// Batches is the number of batches run at the same time.
	Batches int `json:"batches"`
	// Words is the total word count of the generated essays.
	Words int `json:"words"`
	// Status is the run's final status (completed_successfully...); with
	// several batches, the first batch's that is not completed_successfully.
	Status string `json:"status"`
	// SetupSeconds is the time to start every process until ready.
	SetupSeconds float64 `json:"setup_seconds"`
	// UploadSeconds is the time to upload every essay (HTTP), and
	// ReadySeconds the time from upload start to the accepted pipeline
	// request (the content provisioned); with several batches, until the
	// last batch's.
	UploadSeconds float64 `json:"upload_seconds"`
	ReadySeconds  float64 `json:"ready_seconds"`
	// RunSeconds is from upload start to the (last) run's end as lifecycle
	// recorded it; EssaysPerSecond is Essays / RunSeconds.
	RunSeconds      float64 `json:"run_seconds"`
	EssaysPerSecond float64 `json:"essays_per_second"`
	// Phases are the phases over every batch: see Phase.
	Phases []Phase `json:"phases"`
	// Runs is each batch's run, in the order of the split.
	Runs []BatchRun `json:"runs"`
	// Contention is what the handlers met in each other's way.
	Contention Contention `json:"contention"`
	// Events counts the events published on the bus from upload start to
	// the (last) run's end, EventsPerSecond per second of that span.
	Events          int     `json:"events"`
	EventsPerSecond float64 `json:"events_per_second"`
	// Topics counts those events per topic.
	Topics    map[string]int `json:"topics"`
	Processes []Process      `json:"processes"`
	// LoadAverage is the machine's 1-minute load average at the start and
	// at the end of the run: the figures depend on it.
	LoadAverage [2]float64 `json:"load_average"`
	// Dir is where the data and logs are, when kept.
	Dir string `json:"dir,omitempty"`
	// Schema is the distributed mode's PostgreSQL schema (dropped at the
	// end unless Keep).
	Schema string `json:"schema,omitempty"`
}

// Phase is one phase of the pipeline as seen on the bus. Over several
// batches the essays add up, the phase starts with any batch's first
// request and lasts until the last batch's outcome, and the per-essay
// percentiles are over the essays of every batch.
type Phase struct {
	Name string `json:"name"`
	// Done and Failed count the essays of the phase's outcome.
	Done   int `json:"done"`
	Failed int `json:"failed"`
	// Start is when the phase began (its first request event), in seconds
	// from upload start; the gaps between one phase's end and the next
	// one's start are the orchestration's share of the run.
	Start float64 `json:"start_seconds"`
	// Seconds is the whole phase: its first request event to lifecycle's
	// phase outcome.
	Seconds float64 `json:"seconds"`
	// Latencies counts the essays whose time from the phase's request to
	// their own result event was measured; zero for a phase that has no
	// per-essay result (comparative judgement ranks the batch as a whole).
	Latencies int     `json:"latencies"`
	P50       float64 `json:"p50_seconds"`
	P99       float64 `json:"p99_seconds"`
	Max       float64 `json:"max_seconds"`
}

// BatchRun is one batch's pipeline run. Its times are from the upload
// start, which all batches share.
type BatchRun struct {
	BatchID       string `json:"batch_id"`
	CorrelationID string `json:"correlation_id"`
	Essays        int    `json:"essays"`
	// Status is the run's final status.
	Status string `json:"status"`
	// UploadSeconds is when its last essay was uploaded, ReadySeconds when
	// its pipeline request was accepted, RunSeconds when its run ended.
	UploadSeconds float64 `json:"upload_seconds"`
	ReadySeconds  float64 `json:"ready_seconds"`
	RunSeconds    float64 `json:"run_seconds"`
	// Phases are the batch's own phases.
	Phases []Phase `json:"phases"`
	// end is the run's end as lifecycle recorded it.
	end time.Time
}

// Process is one process of the run and its peak resident memory.
type Process struct {
	Name     string   `json:"name"`
	Services []string `json:"services"`
	// PeakRSSBytes is the kernel's high-water mark of resident memory
	// (VmHWM) read just before the process was stopped.
	PeakRSSBytes int64 `json:"peak_rss_bytes"`
	// CPUSeconds is the CPU time (user and system) the process had used
	// by then: on a shared machine a steadier measure of cost than the
	// wall time.
	CPUSeconds float64 `json:"cpu_seconds"`
}

// ErrRunFailed is returned with a complete report when the pipeline ended
// in another state than completed_successfully.
var ErrRunFailed = errors.New("pipeline did not complete successfully")

// topology is the distributed mode's processes: every service on its own,
// two copies of those that share work. The gateway serves the API routes of
// the services in its own process, so the front process hosts the
// HTTP-facing services with it.
var topology = []struct {
	name     string
	services []string
}{
	{"front", []string{"gateway", "content", "batch", "results"}},
	{"lifecycle", []string{"lifecycle"}},
	{"spellcheck-1", []string{"spellcheck"}},
	{"spellcheck-2", []string{"spellcheck"}},
	{"nlp", []string{"nlp"}},
	{"cjassess-1", []string{"cjassess"}},
	{"cjassess-2", []string{"cjassess"}},
}

// uploadChunk is the number of files per upload request, as `hule
// submit` sends them.
const uploadChunk = 50

func (o *Options) defaults() error {
	if o.Essays < 1 {
		return fmt.Errorf("essays: %d, want at least 1", o.Essays)
	}
	if o.Batches == 0 {
		o.Batches = 1
	}
	if o.Batches < 1 || o.Batches > o.Essays {
		return fmt.Errorf("batches: %d, want 1 to the number of essays (%d)", o.Batches, o.Essays)
	}
	if o.Mode == "" {
		o.Mode = ModeEmbedded
	}
	if o.Mode != ModeEmbedded && o.Mode != ModeDistributed {
		return fmt.Errorf("mode %q: want %s or %s", o.Mode, ModeEmbedded, ModeDistributed)
	}
	if o.Bus == "" {
		o.Bus = BusKafka
	}
	if o.Bus != BusKafka && o.Bus != BusPostgres {
		return fmt.Errorf("bus %q: want %s or %s", o.Bus, BusKafka, BusPostgres)
	}
	if o.DB == "" {
		o.DB = DefaultDB
	}
	if o.Timeout <= 0 {
		o.Timeout = 30 * time.Minute
	}
	if o.Comparisons < 0 {
		return fmt.Errorf("comparisons: %d, want at least 1 (or 0 for the default)", o.Comparisons)
	}
	if o.Progress == nil {
		o.Progress = io.Discard
	}
	if o.Bin == "" {
		bin, err := os.Executable()
		if err != nil {
			return fmt.Errorf("find the hule binary: %w", err)
		}
		o.Bin = bin
	}
	return nil
}

// run is the state of one benchmark run.
type run struct {
	o       Options
	dir     string
	token   string
	c       *cluster.Cluster
	front   *cluster.Proc
	bus     *cluster.Proc // the Kafka dev cluster, or nil
	brokers []string
	dbURL   string // the PostgreSQL schema's URL (distributed)
	rep     *Report
	logf    func(format string, args ...any)
}

// Pipeline runs the benchmark described by o and returns its report. A
// pipeline that ends in failure returns the report and ErrRunFailed; any
// other error means no complete report.
func Pipeline(ctx context.Context, o Options) (rep *Report, err error) {
	if err := o.defaults(); err != nil {
		return nil, err
	}
	r := &run{o: o, rep: &Report{Mode: o.Mode, Pipeline: client.PipelineComprehensive, Essays: o.Essays, Seed: o.Seed,
		Batches: o.Batches, Topics: map[string]int{}}}
	// The batches log from goroutines of their own: one line at a time.
	var logMu sync.Mutex
	r.logf = func(format string, args ...any) {
		logMu.Lock()
		defer logMu.Unlock()
		fmt.Fprintf(o.Progress, "%s "+format+"\n", append([]any{time.Now().Format("15:04:05")}, args...)...)
	}
	r.rep.LoadAverage[0] = loadAverage()

	// Cleanups run in order at the end: processes stopped, then the
	// schema dropped, then the directory removed.
	var cleanups []func()
	defer func() {
		for _, f := range cleanups {
			f()
		}
	}()
	r.dir = o.Dir
	if r.dir == "" {
		if r.dir, err = os.MkdirTemp("", "hule-bench-"); err != nil {
			return nil, err
		}
		if !o.Keep {
			dir := r.dir
			cleanups = append(cleanups, func() { _ = os.RemoveAll(dir) })
		}
	}
	if o.Keep || o.Dir != "" {
		r.rep.Dir = r.dir
	}
	logs := filepath.Join(r.dir, "logs")
	if err := os.MkdirAll(logs, 0o750); err != nil {
		return nil, err
	}
	if r.token, err = randomHex(16); err != nil {
		return nil, err
	}
	env := []string{
		"HULE_API_TOKENS=" + r.token + "=bench",
		"HULE_RATE_LIMIT=0",
		"HULE_LOG_FORMAT=json",
		"HULE_SHUTDOWN_TIMEOUT=10s",
	}
	if o.Comparisons > 0 {
		env = append(env, fmt.Sprintf("HULE_CJ_COMPARISONS=%d", o.Comparisons))
	}
	r.c = &cluster.Cluster{Bin: o.Bin, Dir: logs, Env: env}
	// Whatever happens, no process outlives the run.
	cleanups = slices.Insert(cleanups, 0, func() {
		if err != nil && !errors.Is(err, ErrRunFailed) {
			for _, p := range r.c.Procs() {
				r.logf("last lines of %s (%s):\n%s", p.Name, p.Log, cluster.Tail(p.Log, 10))
			}
		}
		if stopErr := r.c.StopAll(30 * time.Second); stopErr != nil {
			r.logf("stopping: %v", stopErr)
		}
	})

	// One generation split in parts: every text differs from every other,
	// across batches too, and one batch is exactly the essays of before.
	essays := Essays(o.Essays, o.Seed)
	for _, e := range essays {
		r.rep.Words += e.Words
	}
	parts := split(essays, o.Batches)

	setup := time.Now()
	switch o.Mode {
	case ModeEmbedded:
		r.rep.Bus = "sqlite"
		err = r.startEmbedded(ctx)
	default:
		r.rep.Bus = o.Bus
		var drop func()
		drop, err = r.startDistributed(ctx)
		if drop != nil {
			// After the processes stop, before the directory goes.
			cleanups = slices.Insert(cleanups, 1, drop)
		}
	}
	if err != nil {
		return nil, err
	}
	r.rep.SetupSeconds = time.Since(setup).Seconds()
	r.logf("%d process(es) ready in %.1fs", len(r.c.Procs()), r.rep.SetupSeconds)

	// Contention is counted from before the batches are registered to
	// the last run's end: the counters now, then after the runs.
	retriesBefore, err := r.retries(ctx)
	if err != nil {
		return nil, err
	}
	var deadlocksBefore int64
	if o.Mode == ModeDistributed {
		if r.rep.Contention.Database, deadlocksBefore, err = pgDeadlocks(ctx, o.DB); err != nil {
			return nil, err
		}
	}

	start, end, corrs, err := r.drive(ctx, parts)
	if err != nil {
		return nil, err
	}
	r.rep.LoadAverage[1] = loadAverage()
	r.rep.RunSeconds = end.Sub(start).Seconds()
	r.rep.EssaysPerSecond = float64(o.Essays) / r.rep.RunSeconds
	retriesAfter, err := r.retries(ctx)
	if err != nil {
		return nil, err
	}
	r.rep.Contention.Retries, r.rep.Contention.RetriesByGroup = retryDelta(retriesBefore, retriesAfter)

	if err := r.stop(ctx); err != nil {
		return nil, err
	}
	if o.Mode == ModeDistributed {
		// After the services stopped: a backend flushes its statistics
		// when its connection closes, so none are left pending.
		_, after, err := pgDeadlocks(ctx, o.DB)
		if err != nil {
			return nil, err
		}
		d := after - deadlocksBefore
		r.rep.Contention.Deadlocks = &d
	}
	if err := r.measureEvents(ctx, corrs, start, end); err != nil {
		return nil, err
	}
	if r.rep.Status != client.StatusCompletedSuccessfully {
		return r.rep, fmt.Errorf("%w: %s", ErrRunFailed, r.rep.Status)
	}
	return r.rep, nil
}

// startEmbedded starts `hule serve` on a fresh data directory.
func (r *run) startEmbedded(ctx context.Context) error {
	addr, err := cluster.FreeAddr()
	if err != nil {
		return err
	}
	r.front, err = r.c.Start("serve", addr, "serve", "--data", filepath.Join(r.dir, "data"), "--addr", addr)
	if err != nil {
		return err
	}
	return r.waitReady(ctx)
}

// startDistributed makes the PostgreSQL schema, starts the bus, migrates
// and starts every service process. The returned function drops the
// schema (unless Keep); it is not nil once the schema exists.
func (r *run) startDistributed(ctx context.Context) (func(), error) {
	schema := "hule_bench_"
	suffix, err := randomHex(6)
	if err != nil {
		return nil, err
	}
	schema += suffix
	r.rep.Schema = schema
	admin, err := store.OpenPostgres(ctx, r.o.DB)
	if err != nil {
		return nil, fmt.Errorf("connect to PostgreSQL (--db): %w", err)
	}
	_, err = admin.ExecContext(ctx, "CREATE SCHEMA "+schema)
	_ = admin.Close()
	if err != nil {
		return nil, fmt.Errorf("create schema %s: %w", schema, err)
	}
	drop := func() {
		if r.o.Keep {
			r.logf("kept PostgreSQL schema %s", schema)
			return
		}
		dctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 30*time.Second)
		defer cancel()
		a, err := store.OpenPostgres(dctx, r.o.DB)
		if err != nil {
			r.logf("drop schema %s: %v", schema, err)
			return
		}
		defer a.Close()
		if _, err := a.ExecContext(dctx, "DROP SCHEMA "+schema+" CASCADE"); err != nil {
			r.logf("drop schema %s: %v", schema, err)
		}
	}
	if r.dbURL, err = withSearchPath(r.o.DB, schema); err != nil {
		return drop, err
	}
	r.c.Env = append(r.c.Env, "HULE_DB="+r.dbURL)
	r.logf("PostgreSQL schema %s", schema)

	if r.o.Bus == BusKafka {
		addr, err := cluster.FreeAddr()
		if err != nil {
			return drop, err
		}
		if r.bus, err = r.c.Start("kafka", "", "kafka", "dev", "--addr", addr); err != nil {
			return drop, err
		}
		wctx, cancel := context.WithTimeout(ctx, time.Minute)
		busURL, err := r.bus.WaitLine(wctx, "use --bus ")
		cancel()
		if err != nil {
			return drop, err
		}
		busURL = strings.TrimSpace(busURL)
		r.c.Env = append(r.c.Env, "HULE_BUS="+busURL)
		r.brokers = strings.Split(strings.TrimPrefix(busURL, "kafka://"), ",")
	}

	mig := exec.CommandContext(ctx, r.o.Bin, "migrate") //nolint:gosec // our own binary
	mig.Env = r.c.Environ()
	if out, err := mig.CombinedOutput(); err != nil {
		return drop, fmt.Errorf("hule migrate: %w\n%s", err, out)
	}
	for _, s := range topology {
		p, err := r.c.Service(s.name, s.services...)
		if err != nil {
			return drop, err
		}
		if s.name == "front" {
			r.front = p
		}
	}
	return drop, r.waitReady(ctx)
}

// waitReady waits for every process with an HTTP address to be ready.
func (r *run) waitReady(ctx context.Context) error {
	for _, p := range r.c.Procs() {
		if p.Addr == "" {
			continue
		}
		wctx, cancel := context.WithTimeout(ctx, 2*time.Minute)
		err := p.WaitReady(wctx)
		cancel()
		if err != nil {
			return err
		}
	}
	return nil
}

// drive registers a batch per part, then uploads them all at once from
// one upload start; each batch's pipeline is requested when its content
// is ready, and drive waits until every run has ended. It returns the
// upload start, the last run's end as lifecycle recorded it, and the
// runs' correlation ids in the order of parts.
func (r *run) drive(ctx context.Context, parts [][]Essay) (start, end time.Time, corrs []string, err error) {
	cl, err := client.New("http://"+r.front.Addr, r.token)
	if err != nil {
		return start, end, nil, err
	}
	k := len(parts)
	// name tells the batches apart in the progress and errors; one batch
	// keeps the words of before.
	name := func(i int) string {
		if k == 1 {
			return ""
		}
		return fmt.Sprintf("batch %d/%d: ", i+1, k)
	}
	ids := make([]string, k)
	g, gctx := errgroup.WithContext(ctx)
	for i, part := range parts {
		g.Go(func() error {
			title := fmt.Sprintf("bench %d essays (seed %d)", len(part), r.o.Seed)
			if k > 1 {
				title = fmt.Sprintf("bench batch %d of %d, %d essays (seed %d)", i+1, k, len(part), r.o.Seed)
			}
			reg, err := cl.CreateBatch(gctx, client.NewBatch{CourseCode: "ENG5", ExpectedEssayCount: len(part), Name: title})
			if err != nil {
				return fmt.Errorf("%sregister batch: %w", name(i), err)
			}
			ids[i] = reg.BatchID
			words := 0
			for _, e := range part {
				words += e.Words
			}
			as := ""
			if k > 1 {
				as = fmt.Sprintf(" as batch %d/%d", i+1, k)
			}
			r.logf("batch %s: uploading %d essays (%d words)%s", reg.BatchID, len(part), words, as)
			return nil
		})
	}
	if err := g.Wait(); err != nil {
		return start, end, nil, err
	}

	ctx, cancel := context.WithTimeout(ctx, r.o.Timeout)
	defer cancel()
	start = time.Now()
	runs := make([]BatchRun, k)
	g, gctx = errgroup.WithContext(ctx)
	for i, part := range parts {
		g.Go(func() error {
			runs[i] = BatchRun{BatchID: ids[i], Essays: len(part)}
			if err := r.driveBatch(gctx, cl, &runs[i], Files(part), start, name(i)); err != nil {
				return fmt.Errorf("%s%w", name(i), err)
			}
			return nil
		})
	}
	if err := g.Wait(); err != nil {
		return start, end, nil, err
	}

	r.rep.Runs = runs
	r.rep.Status = client.StatusCompletedSuccessfully
	for _, b := range runs {
		if b.Status != client.StatusCompletedSuccessfully && r.rep.Status == client.StatusCompletedSuccessfully {
			r.rep.Status = b.Status
		}
		r.rep.UploadSeconds = max(r.rep.UploadSeconds, b.UploadSeconds)
		r.rep.ReadySeconds = max(r.rep.ReadySeconds, b.ReadySeconds)
		corrs = append(corrs, b.CorrelationID)
		if b.end.After(end) {
			end = b.end
		}
	}
	return start, end, corrs, nil
}

// driveBatch uploads one batch's files, requests its pipeline when its
// content is ready and waits for the run to end, filling in b with times
// from start; prefix names the batch in the progress.
func (r *run) driveBatch(ctx context.Context, cl *client.Client, b *BatchRun, files []client.File, start time.Time, prefix string) error {
	accepted := 0
	for chunk := range slices.Chunk(files, uploadChunk) {
		up, err := cl.UploadEssays(ctx, b.BatchID, chunk)
		if err != nil {
			return fmt.Errorf("upload: %w", err)
		}
		accepted += up.Accepted
		for _, f := range up.Files {
			if f.Status != client.UploadAccepted && f.Error != nil {
				return fmt.Errorf("upload: %s refused: %s (%s)", f.FileName, f.Error.Message, f.Error.Code)
			}
		}
	}
	if accepted != len(files) {
		return fmt.Errorf("upload: %d of %d essays accepted", accepted, len(files))
	}
	b.UploadSeconds = time.Since(start).Seconds()

	acc, err := cl.RequestWhenReady(ctx, b.BatchID, client.PipelineComprehensive, 50*time.Millisecond)
	if err != nil {
		return fmt.Errorf("request pipeline: %w", err)
	}
	b.ReadySeconds = time.Since(start).Seconds()
	b.CorrelationID = acc.CorrelationID
	r.logf("%suploaded in %.1fs; %s pipeline requested at %.1fs (correlation id %s)",
		prefix, b.UploadSeconds, client.PipelineComprehensive, b.ReadySeconds, acc.CorrelationID)

	// The run's end is the server's, so the polling interval does not
	// blur the measurement.
	runState, err := cl.WaitRun(ctx, b.BatchID, acc.CorrelationID, 250*time.Millisecond)
	if err != nil {
		return err
	}
	b.Status = runState.FinalStatus
	b.end = *runState.FinishedAt
	b.RunSeconds = b.end.Sub(start).Seconds()
	r.logf("%srun ended %s after %.1fs", prefix, runState.FinalStatus, b.RunSeconds)
	return nil
}

// split cuts xs into k consecutive parts whose lengths differ by at most
// one, the longer ones first (1 <= k <= len(xs)).
func split[T any](xs []T, k int) [][]T {
	parts := make([][]T, 0, k)
	size, extra := len(xs)/k, len(xs)%k
	for i := range k {
		n := size
		if i < extra {
			n++
		}
		parts = append(parts, xs[:n:n])
		xs = xs[n:]
	}
	return parts
}

// stop reads each process's peak memory and stops it with SIGTERM, the
// services first and the Kafka dev cluster not at all (measureEvents
// reads it, then it stops with the rest).
func (r *run) stop(ctx context.Context) error {
	procs := r.c.Procs()
	for _, p := range procs {
		peak, err := PeakRSS(p.PID())
		if err != nil {
			return fmt.Errorf("peak memory of %s: %w", p.Name, err)
		}
		cpu, err := CPUTime(p.PID())
		if err != nil {
			return fmt.Errorf("CPU time of %s: %w", p.Name, err)
		}
		services := []string{"kafka dev"}
		if p != r.bus {
			services = serviceNames(p.Args)
		}
		r.rep.Processes = append(r.rep.Processes, Process{Name: p.Name, Services: services, PeakRSSBytes: peak,
			CPUSeconds: cpu.Seconds()})
	}
	for _, p := range procs {
		if p == r.bus {
			continue
		}
		if err := p.Stop(30 * time.Second); err != nil {
			r.logf("stop %s: %v", p.Name, err)
		}
	}
	return ctx.Err()
}

// serviceNames are the services of a process from its arguments.
func serviceNames(args []string) []string {
	if len(args) > 0 && args[0] == "serve" {
		return []string{"all"}
	}
	var out []string
	for _, a := range args[1:] {
		if strings.HasPrefix(a, "-") {
			break
		}
		out = append(out, a)
	}
	return out
}

// measureEvents reads every event the runs published and fills in the
// phases, each batch's and over all, and the event counts.
func (r *run) measureEvents(ctx context.Context, corrs []string, start, end time.Time) error {
	ctx, cancel := context.WithTimeout(ctx, 5*time.Minute)
	defer cancel()
	var msgs []message
	var err error
	switch {
	case r.bus != nil:
		msgs, err = kafkaMessages(ctx, r.brokers)
	case r.dbURL != "":
		msgs, err = sqlMessages(ctx, r.dbURL)
	default:
		msgs, err = sqlMessages(ctx, filepath.Join(r.dir, "data"))
	}
	if err != nil {
		return fmt.Errorf("read the events of the run: %w", err)
	}
	a, err := analyzeRuns(msgs, corrs, start, end)
	if err != nil {
		return err
	}
	r.rep.Phases, r.rep.Events, r.rep.Topics = a.phases, a.events, a.topics
	for i := range r.rep.Runs {
		r.rep.Runs[i].Phases = a.runs[i]
	}
	r.rep.EventsPerSecond = float64(a.events) / end.Sub(start).Seconds()
	return nil
}

// PeakRSS returns the peak resident memory of process pid in bytes: the
// VmHWM line of /proc/PID/status (Linux only).
func PeakRSS(pid int) (int64, error) {
	if pid <= 0 {
		return 0, errors.New("process not running")
	}
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0, err
	}
	for line := range strings.Lines(string(b)) {
		rest, ok := strings.CutPrefix(line, "VmHWM:")
		if !ok {
			continue
		}
		var kb int64
		if _, err := fmt.Sscanf(strings.TrimSpace(rest), "%d kB", &kb); err != nil {
			return 0, fmt.Errorf("VmHWM %q: %w", strings.TrimSpace(rest), err)
		}
		return kb << 10, nil
	}
	return 0, errors.New("no VmHWM in /proc status")
}

// CPUTime returns the user and system CPU time process pid has used: the
// utime and stime fields of /proc/PID/stat (Linux only), in the kernel's
// USER_HZ ticks of 1/100 s.
func CPUTime(pid int) (time.Duration, error) {
	if pid <= 0 {
		return 0, errors.New("process not running")
	}
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0, err
	}
	// The command name in parentheses may hold spaces: count the fields
	// after its closing parenthesis, where the state is field 3.
	i := strings.LastIndexByte(string(b), ')')
	if i < 0 {
		return 0, errors.New("malformed /proc stat")
	}
	f := strings.Fields(string(b[i+1:]))
	const utime, stime = 14 - 3, 15 - 3
	if len(f) <= stime {
		return 0, errors.New("short /proc stat")
	}
	var ticks int64
	for _, s := range []string{f[utime], f[stime]} {
		var n int64
		if _, err := fmt.Sscanf(s, "%d", &n); err != nil {
			return 0, fmt.Errorf("/proc stat field %q: %w", s, err)
		}
		ticks += n
	}
	const userHZ = 100
	return time.Duration(ticks) * time.Second / userHZ, nil
}

// loadAverage is the 1-minute load average, or 0 where unknown.
func loadAverage() float64 {
	b, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return 0
	}
	var l float64
	_, _ = fmt.Sscanf(string(b), "%f", &l)
	return l
}

func randomHex(n int) (string, error) {
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		return "", err
	}
	return hex.EncodeToString(b), nil
}

func withSearchPath(base, schema string) (string, error) {
	u, err := url.Parse(base)
	if err != nil {
		return "", fmt.Errorf("parse --db: %w", err)
	}
	q := u.Query()
	q.Set("search_path", schema)
	u.RawQuery = q.Encode()
	return u.String(), nil
}
