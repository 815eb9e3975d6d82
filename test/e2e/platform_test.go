package e2e

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/hule-dev/hule/internal/app"
	"github.com/hule-dev/hule/internal/client"
	"github.com/hule-dev/hule/internal/repotest"
	"github.com/hule-dev/hule/internal/store/storetest"
)

// scenarioTimeout bounds one scenario: a safety net against a hang, not a
// performance assertion.
const scenarioTimeout = 3 * time.Minute

// config is the embedded configuration of a test platform: SQLite in
// dataDir, or PostgreSQL (database and topics) at db when not empty.
func config(dataDir, db string) app.Config {
	cfg := app.DefaultConfig()
	cfg.DataDir = dataDir
	cfg.DB = db
	cfg.Addr = "127.0.0.1:0"
	cfg.LogLevel = "warn"
	cfg.ShutdownTimeout = 10 * time.Second
	cfg.Gateway.RateLimit = 0
	return cfg
}

// postgresConfig is config on a fresh PostgreSQL schema (skipped when
// HULE_TEST_POSTGRES=off).
func postgresConfig(t *testing.T) app.Config {
	t.Helper()
	_, url := storetest.Postgres(t)
	return config(t.TempDir(), url)
}

// platform is a hule platform running in the test process.
type platform struct {
	c      *client.Client
	cancel context.CancelFunc
	done   chan error
	once   sync.Once
	err    error
}

// start builds and runs the platform of cfg, waits until it is ready and
// stops it when the test ends.
func start(t *testing.T, cfg app.Config) *platform {
	t.Helper()
	ctx := context.Background()
	p, err := app.New(ctx, cfg, nil, testLogger(t))
	if err != nil {
		t.Fatalf("app.New: %v", err)
	}
	if err := p.Listen(); err != nil {
		t.Fatalf("listen: %v", err)
	}
	rctx, cancel := context.WithCancel(ctx)
	pl := &platform{cancel: cancel, done: make(chan error, 1)}
	go func() { pl.done <- p.Run(rctx) }()
	t.Cleanup(func() {
		if err := pl.stop(); err != nil {
			t.Errorf("platform shutdown: %v", err)
		}
	})
	if p.Token == "" {
		t.Fatal("platform has no local token")
	}
	c, err := client.New("http://"+p.Addr(), p.Token)
	if err != nil {
		t.Fatal(err)
	}
	pl.c = c
	wctx, wcancel := context.WithTimeout(ctx, 30*time.Second)
	defer wcancel()
	if err := c.WaitReady(wctx, 20*time.Millisecond); err != nil {
		t.Fatalf("platform never ready: %v", err)
	}
	return pl
}

// stop drains the platform (cancels Run's context) and waits for Run to
// return; later calls return the first result.
func (p *platform) stop() error {
	p.once.Do(func() {
		p.cancel()
		p.err = <-p.done
	})
	return p.err
}

// testLogger logs warnings and errors (or the level HULE_E2E_LOG_LEVEL
// names, for debugging) into the test's log until the test ends (a
// platform goroutine logging later must not touch t).
func testLogger(t *testing.T) *slog.Logger {
	level := slog.LevelWarn
	if v := os.Getenv("HULE_E2E_LOG_LEVEL"); v != "" {
		if err := level.UnmarshalText([]byte(v)); err != nil {
			t.Fatalf("HULE_E2E_LOG_LEVEL: %v", err)
		}
	}
	w := &testWriter{t: t}
	t.Cleanup(func() {
		w.mu.Lock()
		w.t = nil
		w.mu.Unlock()
	})
	return slog.New(slog.NewTextHandler(w, &slog.HandlerOptions{Level: level}))
}

type testWriter struct {
	mu sync.Mutex
	t  *testing.T
}

func (w *testWriter) Write(b []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.t != nil {
		w.t.Log(strings.TrimRight(string(b), "\n"))
	}
	return len(b), nil
}

// repoRoot is the repository root; assess_test.go calls it too.
var repoRoot = repotest.Root

// exampleEssays returns the first n essays of examples/essays, by name.
func exampleEssays(t *testing.T, n int) []client.File {
	t.Helper()
	dir := filepath.Join(repoRoot(t), "examples", "essays")
	names, err := filepath.Glob(filepath.Join(dir, "*.txt"))
	if err != nil {
		t.Fatal(err)
	}
	sort.Strings(names)
	if len(names) < n {
		t.Fatalf("examples/essays has %d essays, want at least %d", len(names), n)
	}
	files := make([]client.File, 0, n)
	for _, name := range names[:n] {
		data, err := os.ReadFile(name)
		if err != nil {
			t.Fatal(err)
		}
		files = append(files, client.File{Name: filepath.Base(name), Data: data})
	}
	return files
}

// submit registers a batch of files and uploads them.
func submit(ctx context.Context, t *testing.T, c *client.Client, files []client.File, name string) client.Registration {
	t.Helper()
	reg, err := c.CreateBatch(ctx, client.NewBatch{CourseCode: "ENG5", ExpectedEssayCount: len(files), Name: name})
	if err != nil {
		t.Fatalf("create batch: %v", err)
	}
	if len(reg.EssayIDs) != len(files) {
		t.Fatalf("registration has %d essay ids, want %d", len(reg.EssayIDs), len(files))
	}
	up, err := c.UploadEssays(ctx, reg.BatchID, files)
	if err != nil {
		t.Fatalf("upload: %v", err)
	}
	if len(up.Files) != len(files) {
		t.Fatalf("upload reports %d files, want %d", len(up.Files), len(files))
	}
	return reg
}

// request asks for pipeline, repeating the request while the batch's
// content is still being provisioned (refused with batch_not_ready).
func request(ctx context.Context, t *testing.T, c *client.Client, batchID, pipeline, assignment string) client.PipelineAccepted {
	t.Helper()
	var acc client.PipelineAccepted
	err := poll(ctx, func() (bool, error) {
		var err error
		acc, err = c.RequestPipeline(ctx, batchID, pipeline, assignment)
		if client.CodeOf(err) == client.RefusedNotReady {
			return false, nil
		}
		return err == nil, err
	})
	if err != nil {
		t.Fatalf("request %s: %v", pipeline, err)
	}
	return acc
}

// poll calls cond every 50ms until it is true, fails, or ctx ends.
func poll(ctx context.Context, cond func() (bool, error)) error {
	for {
		ok, err := cond()
		if err != nil || ok {
			return err
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("gave up waiting: %w", ctx.Err())
		case <-time.After(50 * time.Millisecond):
		}
	}
}

// runOf returns the batch's pipeline run with the correlation id.
func runOf(st client.PipelineState, correlationID string) (client.PipelineRun, bool) {
	for _, r := range st.Runs {
		if r.CorrelationID == correlationID {
			return r, true
		}
	}
	return client.PipelineRun{}, false
}

// waitRun waits until the batch service reports the run finished and
// returns it.
func waitRun(ctx context.Context, t *testing.T, c *client.Client, batchID, correlationID string) client.PipelineRun {
	t.Helper()
	var run client.PipelineRun
	err := poll(ctx, func() (bool, error) {
		st, err := c.PipelineState(ctx, batchID)
		if err != nil {
			return false, err
		}
		r, ok := runOf(st, correlationID)
		run = r
		return ok && r.FinishedAt != nil, nil
	})
	if err != nil {
		t.Fatalf("pipeline run %s of %s: %v (last seen %+v)", correlationID, batchID, err, run)
	}
	return run
}
