package fault

import (
	"context"
	"flag"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/hule-dev/hule/internal/client"
	"github.com/hule-dev/hule/internal/cluster"
	"github.com/hule-dev/hule/internal/events"
	"github.com/hule-dev/hule/internal/store"
	"github.com/hule-dev/hule/internal/store/storetest"
)

var (
	runFault = flag.Bool("fault", false, "run the fault tests (many processes, minutes)")
	essaysN  = flag.Int("fault.essays", 200, "essays in the crash test's batch (-short: 20)")
	every    = flag.Duration("fault.every", time.Second, "interval between kills, counted from the restarted process being ready")
	minKills = flag.Int("fault.min-kills", 10, "kills the pipeline must survive: further batches run until it has (-short: 1)")
	busKind  = flag.String("fault.bus", "kafka", "bus of the crash test: kafka (hule kafka dev) or postgres (topics as tables)")
	seed     = flag.Uint64("fault.seed", 0, "seed of the victim choice (0: from the clock; the test logs it)")
	timeout  = flag.Duration("fault.timeout", 15*time.Minute, "how long the batch may take (-short: 5m)")
	keepLogs = flag.Bool("fault.keep", false, "keep the processes' logs after the test (the path is logged)")
)

const apiToken = "fault-token"

// topology is every service as its own process, two copies of the ones
// that share work. The gateway's API routes are those of the services in
// its own process, so the front process hosts the HTTP-facing services
// with it (see the report of issue 8).
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

// flagSet reports whether the named flag was given on the command line.
func flagSet(name string) bool {
	set := false
	flag.Visit(func(f *flag.Flag) { set = set || f.Name == name })
	return set
}

func skipUnlessFault(t *testing.T) {
	t.Helper()
	if !*runFault {
		t.Skip("fault tests run only with -fault (go test ./test/fault -fault [-short])")
	}
}

// setup builds hule, starts the bus and every service process on a fresh
// PostgreSQL schema, and returns the cluster and its API client. extra
// (KEY=value) is added to every process's environment after the defaults,
// so it may override them.
func setup(ctx context.Context, t *testing.T, bus string, extra ...string) (*cluster.Cluster, *client.Client, Invariants) {
	t.Helper()
	wd, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	root, err := ModuleRoot(wd)
	if err != nil {
		t.Fatal(err)
	}
	bin, err := Build(ctx, root, t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	db, dbURL := storetest.Postgres(t)

	logs := t.TempDir()
	if *keepLogs {
		if logs, err = os.MkdirTemp("", "hule-fault-"); err != nil {
			t.Fatal(err)
		}
	}
	t.Logf("process logs in %s", logs)
	c := &cluster.Cluster{Bin: bin, Dir: logs, Env: []string{
		"HULE_DB=" + dbURL,
		"HULE_API_TOKENS=" + apiToken + "=fault-teacher",
		"HULE_RATE_LIMIT=0",
		"HULE_LOG_FORMAT=json",
		"HULE_SHUTDOWN_TIMEOUT=10s",
		"HULE_CJ_COMPARISONS=6",
	}}
	c.Env = append(c.Env, extra...)
	t.Cleanup(func() {
		// Graceful drain on SIGTERM is one of the promises under test.
		if err := c.StopAll(20 * time.Second); err != nil {
			t.Errorf("drain on SIGTERM: %v", err)
		}
		if t.Failed() {
			for _, p := range c.Procs() {
				t.Logf("--- last lines of %s (%d starts):\n%s", p.Name, p.Starts(), cluster.Tail(p.Log, 15))
			}
		}
	})

	iv := Invariants{DB: db, Events: SQLTopics(db)}
	switch bus {
	case "kafka":
		addr, err := cluster.FreeAddr()
		if err != nil {
			t.Fatal(err)
		}
		k, err := c.Start("kafka", "", "kafka", "dev", "--addr", addr)
		if err != nil {
			t.Fatal(err)
		}
		wctx, cancel := context.WithTimeout(ctx, 30*time.Second)
		url, err := k.WaitLine(wctx, "use --bus ")
		cancel()
		if err != nil {
			t.Fatal(err)
		}
		c.Env = append(c.Env, "HULE_BUS="+url)
		brokers := strings.Split(strings.TrimPrefix(url, "kafka://"), ",")
		iv.Events, iv.Kafka = KafkaTopics(brokers), brokers
	case "postgres":
	default:
		t.Fatalf("-fault.bus %q: want kafka or postgres", bus)
	}

	// Migrate once, as an operator would, before any service starts.
	mig := exec.CommandContext(ctx, bin, "migrate") //nolint:gosec // the test's own binary
	mig.Env = c.Environ()
	if out, err := mig.CombinedOutput(); err != nil {
		t.Fatalf("hule migrate: %v\n%s", err, out)
	}

	var front *cluster.Proc
	for _, s := range topology {
		p, err := c.Service(s.name, s.services...)
		if err != nil {
			t.Fatal(err)
		}
		if s.name == "front" {
			front = p
		}
	}
	for _, p := range c.Procs() {
		if p.Addr == "" {
			continue
		}
		wctx, cancel := context.WithTimeout(ctx, time.Minute)
		err := p.WaitReady(wctx)
		cancel()
		if err != nil {
			t.Fatal(err)
		}
	}
	cl, err := client.New("http://"+front.Addr, apiToken)
	if err != nil {
		t.Fatal(err)
	}
	return c, cl, iv
}

// TestCrash is issue 8's crash test: a comprehensive batch through every
// service as its own process while a random one is SIGKILLed and restarted
// every few seconds; afterwards the batch has completed and the invariants
// hold.
func TestCrash(t *testing.T) {
	skipUnlessFault(t)
	n, limit, interval, needKills := *essaysN, *timeout, *every, *minKills
	if testing.Short() {
		n, limit = min(n, 20), min(limit, 5*time.Minute)
		if !flagSet("fault.min-kills") {
			needKills = 1
		}
	}
	// Leave time for setup, checks and cleanups within go test's -timeout
	// (default 10m: pass -timeout 30m for the full test).
	if d, ok := t.Deadline(); ok {
		if room := time.Until(d) - 3*time.Minute; room < limit {
			if room < time.Minute {
				t.Fatalf("go test -timeout leaves %s; the crash test needs -timeout %s", time.Until(d).Round(time.Second), (limit + 5*time.Minute).Round(time.Minute))
			}
			t.Logf("batch time limited to %s by go test -timeout", room.Round(time.Second))
			limit = room
		}
	}
	ctx, cancel := context.WithTimeout(t.Context(), limit+3*time.Minute)
	defer cancel()
	c, cl, iv := setup(ctx, t, *busKind)

	s := *seed
	if s == 0 {
		s = uint64(time.Now().UnixNano()) //nolint:gosec // a seed, not a secret
	}
	t.Logf("chaos seed %d (-fault.seed %d replays the victim order), a kill every %s, at least %d kills",
		s, s, interval, needKills)
	var victims []*cluster.Proc
	for _, p := range c.Procs() {
		if p.Addr != "" {
			victims = append(victims, p)
		}
	}
	rng := rand.New(rand.NewPCG(s, s^0x9e3779b97f4a7c15))
	deadline := time.Now().Add(limit)

	// One batch while the chaos lasts; when the pipeline outran the chaos
	// (fewer kills than needKills), another batch of new essays, until the
	// kills add up. Uploads happen between the rounds' chaos: the proof is
	// about the pipeline, and a killed front process would fail the upload
	// request itself.
	type finished struct {
		reg client.Registration
		run client.PipelineRun
	}
	var batches []finished
	kills := 0
	for round := 1; round == 1 || kills < needKills; round++ {
		if round > maxRounds {
			t.Fatalf("%d batches survived only %d kills, fewer than %d: lower -fault.every", maxRounds, kills, needKills)
		}
		reg, acc := startBatch(ctx, t, cl, iv, n, round)
		before := kills
		chaos := &Chaos{Victims: victims, Interval: interval, Rand: rng,
			OnKill: func(p *cluster.Proc, k int) { t.Logf("kill %d: %s", before+k, p.Name) }}
		cctx, stopChaos := context.WithCancel(ctx)
		type result struct {
			kills int
			err   error
		}
		chaosDone := make(chan result, 1)
		go func() { k, err := chaos.Run(cctx); chaosDone <- result{k, err} }()
		run, err := waitRun(ctx, cl, reg.BatchID, acc.CorrelationID, time.Until(deadline))
		stopChaos()
		cr := <-chaosDone
		kills += cr.kills
		if cr.err != nil {
			t.Errorf("chaos: %v", cr.err)
		}
		if err != nil {
			dctx, dcancel := context.WithTimeout(context.WithoutCancel(ctx), 30*time.Second)
			defer dcancel()
			t.Fatalf("batch %d did not complete: %v (last state %+v)\nstate of the tables:\n%s", round, err, run, iv.Diagnose(dctx))
		}
		if run.FinalStatus != client.StatusCompletedSuccessfully {
			t.Errorf("batch %d: pipeline final status %q, want %s", round, run.FinalStatus, client.StatusCompletedSuccessfully)
		}
		t.Logf("batch %d (%d essays) completed through %d kills", round, n, cr.kills)
		batches = append(batches, finished{reg, run})
	}
	t.Logf("kills survived: %d (%d batches)", kills, len(batches))

	// Every process up again, so that what was in flight settles.
	for _, p := range victims {
		wctx, wcancel := context.WithTimeout(ctx, time.Minute)
		if err := p.WaitReady(wctx); err != nil {
			t.Error(err)
		}
		wcancel()
	}
	for i, b := range batches {
		var phases []events.PhaseName
		for _, ph := range b.run.Phases {
			phases = append(phases, events.PhaseName(ph))
		}
		rep := settle(ctx, t, iv, b.reg.BatchID, b.reg.EssayIDs, phases)
		t.Logf("batch %d counts: %v", i+1, rep.Counts)
		for _, v := range rep.Violations {
			t.Errorf("batch %d: %s", i+1, v)
		}
	}
	for _, p := range victims {
		t.Logf("%s: %d kills, %d starts", p.Name, p.Kills(), p.Starts())
	}
}

// maxRounds bounds the crash test's batches when the pipeline keeps
// outrunning the chaos.
const maxRounds = 10

// startBatch creates a batch of n new essays (round picks them), uploads
// them and requests the comprehensive pipeline once the content is in.
func startBatch(ctx context.Context, t *testing.T, cl *client.Client, iv Invariants, n, round int) (client.Registration, client.PipelineAccepted) {
	t.Helper()
	files := Essays(n)
	if round > 1 {
		files = MoreEssays(n, round-1)
	}
	reg, err := cl.CreateBatch(ctx, client.NewBatch{CourseCode: "ENG5", ExpectedEssayCount: n, Name: fmt.Sprintf("crash test %d", round)})
	if err != nil {
		t.Fatalf("create batch: %v", err)
	}
	up, err := cl.UploadEssays(ctx, reg.BatchID, files)
	if err != nil {
		t.Fatalf("upload: %v", err)
	}
	if up.Accepted != n {
		t.Fatalf("upload accepted %d of %d files", up.Accepted, n)
	}
	rctx, rcancel := context.WithTimeout(ctx, 2*time.Minute)
	acc, err := requestWhenReady(rctx, cl, reg.BatchID)
	rcancel()
	if err != nil {
		dctx, dcancel := context.WithTimeout(context.WithoutCancel(ctx), 30*time.Second)
		defer dcancel()
		t.Fatalf("request comprehensive pipeline: %v\nstate of the tables:\n%s", err, iv.Diagnose(dctx))
	}
	return reg, acc
}

// requestWhenReady asks for the comprehensive pipeline once the batch's
// content is complete (content provisioning is asynchronous).
func requestWhenReady(ctx context.Context, cl *client.Client, batchID string) (client.PipelineAccepted, error) {
	return cl.RequestWhenReady(ctx, batchID, client.PipelineComprehensive, 200*time.Millisecond)
}

// waitRun waits at most limit for the run to finish. The client reads the
// pipeline state again after a failed read, so the front process may be
// dead for a while.
func waitRun(ctx context.Context, cl *client.Client, batchID, correlationID string, limit time.Duration) (client.PipelineRun, error) {
	ctx, cancel := context.WithTimeout(ctx, limit)
	defer cancel()
	return cl.WaitRun(ctx, batchID, correlationID, 500*time.Millisecond)
}

// settle checks the invariants until they hold or a minute has passed:
// the rich events reach results asynchronously after the pipeline ends.
func settle(ctx context.Context, t *testing.T, iv Invariants, batchID string, essays []string, phases []events.PhaseName) *Report {
	t.Helper()
	deadline := time.Now().Add(time.Minute)
	for {
		cctx, cancel := context.WithTimeout(ctx, 30*time.Second)
		rep, err := iv.Check(cctx, batchID, essays, phases)
		cancel()
		if err != nil {
			t.Fatalf("check invariants: %v", err)
		}
		if len(rep.Violations) == 0 || time.Now().After(deadline) {
			return rep
		}
		time.Sleep(time.Second)
	}
}

// TestHarness checks the process harness itself in a few seconds: one
// service process on PostgreSQL topics becomes ready, dies by SIGKILL,
// comes back on the same port, and drains on SIGTERM.
func TestHarness(t *testing.T) {
	skipUnlessFault(t)
	ctx, cancel := context.WithTimeout(t.Context(), 3*time.Minute)
	defer cancel()
	wd, _ := os.Getwd()
	root, err := ModuleRoot(wd)
	if err != nil {
		t.Fatal(err)
	}
	bin, err := Build(ctx, root, t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	_, dbURL := storetest.Postgres(t)
	c := &cluster.Cluster{Bin: bin, Dir: t.TempDir(), Env: []string{"HULE_DB=" + dbURL}}
	p, err := c.Service("nlp", "nlp")
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = c.StopAll(10 * time.Second) }()
	if err := p.WaitReady(ctx); err != nil {
		t.Fatal(err)
	}
	if err := p.Kill(); err != nil {
		t.Fatal(err)
	}
	if p.Running() {
		t.Fatal("running after Kill")
	}
	if err := p.Restart(); err != nil {
		t.Fatal(err)
	}
	if err := p.WaitReady(ctx); err != nil {
		t.Fatalf("after restart: %v", err)
	}
	if got := p.Starts(); got != 2 {
		t.Errorf("starts: got %d, want 2", got)
	}
	if err := p.Stop(15 * time.Second); err != nil {
		t.Errorf("SIGTERM drain: %v", err)
	}
	if log := cluster.Tail(p.Log, 200); strings.Count(log, "=== start ") != 2 {
		t.Errorf("log: want two start markers, got\n%s", log)
	}
	// The same invariants run on an idle database without error and find
	// no dead letters.
	db, err := store.OpenPostgres(ctx, dbURL)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	rep, err := Invariants{DB: db, Events: SQLTopics(db)}.Check(ctx, "no-such-batch", nil, nil)
	if err != nil {
		t.Fatalf("check on an idle database: %v", err)
	}
	if len(rep.Violations) != 0 {
		t.Errorf("idle database: got violations %v", rep.Violations)
	}
}
