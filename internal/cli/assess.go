package cli

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"slices"
	"sync"
	"time"

	"github.com/spf13/cobra"

	"github.com/hule-dev/hule/internal/app"
	"github.com/hule-dev/hule/internal/cjassess"
	"github.com/hule-dev/hule/internal/client"
)

func newAssessCmd(env Env) *cobra.Command {
	var jf jobFlags
	var data, logLevel string
	cmd := &cobra.Command{
		Use:   "assess DIR [--anchors DIR]",
		Short: "Assess a folder of essays in one command (starts hule in-process)",
		Long: `assess is the main job in one command: it starts the whole platform in
this process (in a temporary data directory unless --data is given),
registers the anchors of --anchors (a folder with grades.csv, rows
file,grade), submits every .txt, .md and .docx file of DIR as one batch,
shows a progress bar per phase, prints the ranked results and the batch's
scale separation reliability (SSR), and shuts the platform down.`,
		Example: `  hule assess examples/essays --anchors examples/anchors
  hule assess essays/ --pipeline cj_assessment --format csv > results.csv`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := jf.validate(); err != nil {
				return err
			}
			j, err := prepareJob(args[0], &jf)
			if err != nil {
				return err
			}
			ctx, cancel := context.WithTimeout(cmd.Context(), jf.timeout)
			defer cancel()
			return runAssess(ctx, env, j, data, logLevel)
		},
	}
	jf.bind(cmd, client.PipelineComprehensive)
	cmd.Flags().StringVar(&data, "data", "", "data directory to keep the platform's database and content in (default: a temporary one, removed afterwards)")
	cmd.Flags().StringVar(&logLevel, "log-level", "warn", "log level of the in-process platform: debug, info, warn, error")
	return cmd
}

// runAssess runs j on an embedded platform in dataDir ("" = a temporary
// directory).
func runAssess(ctx context.Context, env Env, j *job, dataDir, logLevel string) (err error) {
	if dataDir == "" {
		tmp, err := os.MkdirTemp("", "hule-assess-")
		if err != nil {
			return fmt.Errorf("data directory: %w", err)
		}
		defer func() { _ = os.RemoveAll(tmp) }()
		dataDir = tmp
	} else if err := os.MkdirAll(dataDir, 0o750); err != nil {
		return fmt.Errorf("data directory: %w", err)
	}
	cfg := app.DefaultConfig()
	cfg.DataDir = dataDir
	cfg.Addr = "127.0.0.1:0"
	cfg.LogLevel = logLevel
	cfg.ShutdownTimeout = 10 * time.Second
	// Only this process talks to the platform: no rate limit.
	cfg.Gateway.RateLimit = 0
	cfg.Getenv = env.Getenv
	if j.scale != "" {
		cfg.CJ.Scale = j.scale
	}
	if err := cfg.Validate(); err != nil {
		return &ExitError{Code: 1, Err: err}
	}
	// The platform logs from its goroutines while the command draws
	// progress: one lock keeps their lines whole.
	env.Stderr = &lockedWriter{w: env.Stderr}
	p, err := startEmbedded(ctx, cfg, app.Logger(cfg, env.Stderr))
	if err != nil {
		return err
	}
	defer func() {
		if serr := p.stop(); serr != nil && err == nil {
			err = serr
		}
	}()
	if len(j.anchors) > 0 {
		if err := registerAnchorsRemote(ctx, p.client, j); err != nil {
			return err
		}
	}
	return runJob(ctx, env, p.client, j)
}

// anchorAssignment derives an assignment id from a set of anchors, so
// that the same anchors folder always grades under the same assignment
// and different folders never mix.
func anchorAssignment(anchors []anchorFile) string {
	keys := make([]string, 0, len(anchors))
	for _, a := range anchors {
		keys = append(keys, a.name+"\x00"+a.grade+"\x00"+cjassess.TextHash(a.text))
	}
	slices.Sort(keys)
	h := sha256.New()
	for _, k := range keys {
		h.Write([]byte(k + "\n"))
	}
	return "anchors-" + hex.EncodeToString(h.Sum(nil))[:16]
}

// embedded is a platform running in this process, with a client of its
// API.
type embedded struct {
	client *client.Client
	cancel context.CancelFunc
	done   chan error
}

// startEmbedded builds the platform of cfg, starts it and waits until it
// is ready. Stop it with stop; canceling ctx stops it too.
func startEmbedded(ctx context.Context, cfg app.Config, logger *slog.Logger) (*embedded, error) {
	p, err := app.New(ctx, cfg, nil, logger)
	if err != nil {
		return nil, fmt.Errorf("start platform: %w", err)
	}
	if err := p.Listen(); err != nil {
		return nil, fmt.Errorf("start platform: %w", err)
	}
	rctx, cancel := context.WithCancel(ctx)
	e := &embedded{cancel: cancel, done: make(chan error, 1)}
	go func() { e.done <- p.Run(rctx) }()
	if p.Token == "" {
		_ = e.stop()
		return nil, errors.New("start platform: no local API token (is auth configured?)")
	}
	c, err := client.New("http://"+p.Addr(), p.Token, client.WithRateLimitRetries(0))
	if err != nil {
		_ = e.stop()
		return nil, err
	}
	e.client = c
	wctx, wcancel := context.WithTimeout(ctx, time.Minute)
	defer wcancel()
	ready := make(chan error, 1)
	go func() { ready <- c.WaitReady(wctx, 50*time.Millisecond) }()
	select {
	case err := <-ready:
		if err != nil {
			_ = e.stop()
			return nil, fmt.Errorf("start platform: %w", err)
		}
	case err := <-e.done:
		cancel()
		if err == nil {
			err = errors.New("stopped before it was ready")
		}
		return nil, fmt.Errorf("start platform: %w", err)
	}
	return e, nil
}

// stop drains the platform and waits until it has shut down.
func (e *embedded) stop() error {
	e.cancel()
	if err := <-e.done; err != nil {
		return fmt.Errorf("platform shutdown: %w", err)
	}
	return nil
}

// lockedWriter serializes writes to w.
type lockedWriter struct {
	mu sync.Mutex
	w  io.Writer
}

func (l *lockedWriter) Write(b []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(b)
}
