// Package app is hule's composition root: the only package that knows which
// services exist. It opens the database, runs every migration, builds the
// bus on the configured transport, constructs the selected services,
// registers their handlers and HTTP routes, and runs all long-lived parts
// under one errgroup: the first failure stops everything, and a canceled
// context drains the process (readiness goes false first).
package app

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"path/filepath"
	"slices"
	"strings"
	"sync/atomic"
	"time"

	"github.com/ThreeDotsLabs/watermill/message"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
	"golang.org/x/sync/errgroup"

	"github.com/hule-dev/hule/internal/bus"
	"github.com/hule-dev/hule/internal/bus/kafka"
	"github.com/hule-dev/hule/internal/content"
	"github.com/hule-dev/hule/internal/httpapi"
	"github.com/hule-dev/hule/internal/store"
)

// Logger builds the process logger the configuration asks for.
func Logger(cfg Config, w io.Writer) *slog.Logger {
	level, _ := parseLevel(cfg.LogLevel)
	opts := &slog.HandlerOptions{Level: level}
	if cfg.LogFormat == "json" {
		return slog.New(slog.NewJSONHandler(w, opts))
	}
	return slog.New(slog.NewTextHandler(w, opts))
}

// runner is one long-lived part of the platform.
type runner struct {
	name string
	run  func(ctx context.Context) error
}

// Platform is a running set of hule services in one process.
type Platform struct {
	cfg      Config
	log      *slog.Logger
	db       *store.DB
	bus      *bus.Bus
	content  content.Store
	reg      *prometheus.Registry
	api      *http.ServeMux // routes behind the gateway's authentication
	public   *http.ServeMux // health, metrics and everything unauthenticated
	services []string
	runners  []runner
	closers  []func() error
	ready    atomic.Bool
	listener net.Listener
	// Token is the local API token of an embedded platform without auth
	// configuration (see the gateway); empty otherwise.
	Token string
}

// Services lists every service name `hule run` accepts, in start order.
var Services = []string{"content", "batch", "lifecycle", "spellcheck", "nlp", "cjassess", "results", "gateway"}

// expand resolves "all" and checks names.
func expand(names []string) ([]string, error) {
	if len(names) == 0 || slices.Contains(names, "all") {
		return slices.Clone(Services), nil
	}
	var out []string
	for _, n := range names {
		if !slices.Contains(Services, n) {
			return nil, fmt.Errorf("unknown service %q (known: %s, all)", n, strings.Join(Services, ", "))
		}
		if !slices.Contains(out, n) {
			out = append(out, n)
		}
	}
	return out, nil
}

// New opens the database, migrates it, and builds the named services
// ("all" or none: every service). It starts nothing; Run does.
func New(ctx context.Context, cfg Config, names []string, logger *slog.Logger) (p *Platform, err error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	services, err := expand(names)
	if err != nil {
		return nil, err
	}
	p = &Platform{
		cfg:      cfg,
		log:      logger,
		reg:      prometheus.NewRegistry(),
		api:      http.NewServeMux(),
		public:   http.NewServeMux(),
		services: services,
	}
	defer func() {
		if err != nil {
			_ = p.close()
		}
	}()
	p.reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))

	target := cfg.DB
	if target == "" {
		target = cfg.DataDir
	}
	if p.db, err = store.Open(ctx, target); err != nil {
		return nil, err
	}
	p.closers = append(p.closers, p.db.Close)
	if err := store.Migrate(ctx, p.db, Schemas()...); err != nil {
		return nil, err
	}
	if err := p.openContent(); err != nil {
		return nil, err
	}
	if err := p.buildBus(); err != nil {
		return nil, err
	}
	for _, name := range services {
		if err := builders[name](ctx, p); err != nil {
			return nil, fmt.Errorf("service %s: %w", name, err)
		}
	}
	p.public.HandleFunc("GET /healthz", func(w http.ResponseWriter, _ *http.Request) {
		httpapi.JSON(w, http.StatusOK, map[string]string{"status": "ok"})
	})
	p.public.HandleFunc("GET /readyz", func(w http.ResponseWriter, _ *http.Request) {
		if !p.ready.Load() {
			httpapi.JSON(w, http.StatusServiceUnavailable, map[string]string{"status": "not ready"})
			return
		}
		httpapi.JSON(w, http.StatusOK, map[string]string{"status": "ready"})
	})
	p.public.Handle("GET /metrics", promhttp.HandlerFor(p.reg, promhttp.HandlerOpts{}))
	return p, nil
}

func (p *Platform) buildBus() error {
	deps := bus.Deps{DB: p.db, Logger: p.log, Metrics: p.reg}
	transport := p.cfg.busTransport()
	if strings.HasPrefix(transport, "kafka://") {
		brokers, err := kafka.BrokersFromURL(transport)
		if err != nil {
			return err
		}
		kcfg := kafka.Config{
			Brokers:        brokers,
			ClientID:       "hule",
			Partitions:     int32(p.cfg.KafkaPartitions), //nolint:gosec // validated positive and small
			SessionTimeout: p.cfg.KafkaSession,
			InstanceID:     p.cfg.KafkaInstanceID,
		}
		pub, err := kafka.NewPublisher(kcfg, p.log)
		if err != nil {
			return err
		}
		p.closers = append(p.closers, pub.Close)
		deps.KafkaPublisher = pub
		deps.KafkaSubscriber = func(group string) (message.Subscriber, error) {
			c := kcfg
			c.ConsumerGroup = group
			return kafka.NewSubscriber(c, p.log)
		}
	}
	b, err := bus.New(bus.DefaultConfig(transport), deps)
	if err != nil {
		return err
	}
	p.bus = b
	return nil
}

// Addr returns the address the HTTP server listens on once Run started
// listening (useful with port 0), or "".
func (p *Platform) Addr() string {
	if p.listener == nil {
		return ""
	}
	return p.listener.Addr().String()
}

// Listen binds the HTTP address; Run calls it when the caller did not.
func (p *Platform) Listen() error {
	if p.listener != nil {
		return nil
	}
	var lc net.ListenConfig
	l, err := lc.Listen(context.Background(), "tcp", p.cfg.Addr)
	if err != nil {
		return fmt.Errorf("listen %s: %w", p.cfg.Addr, err)
	}
	p.listener = l
	return nil
}

// Handler returns the process's HTTP handler: health and metrics, and the
// API routes of the services it runs.
func (p *Platform) Handler() http.Handler {
	return p.public
}

// Run runs the platform until ctx ends or a part fails, then drains:
// readiness turns false, the HTTP server stops taking requests and
// finishes those in flight, the bus stops consuming and finishes its
// handlers, and the database closes.
func (p *Platform) Run(ctx context.Context) error {
	defer func() { _ = p.close() }()
	if err := p.Listen(); err != nil {
		return err
	}
	srv := &http.Server{
		Handler:           p.Handler(),
		ReadHeaderTimeout: 10 * time.Second,
		BaseContext:       func(net.Listener) context.Context { return context.WithoutCancel(ctx) },
	}
	g, gctx := errgroup.WithContext(ctx)
	g.Go(func() error {
		if err := srv.Serve(p.listener); !errors.Is(err, http.ErrServerClosed) {
			return fmt.Errorf("http: %w", err)
		}
		return nil
	})
	g.Go(func() error {
		<-gctx.Done()
		p.ready.Store(false)
		sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), p.cfg.ShutdownTimeout)
		defer cancel()
		return srv.Shutdown(sctx)
	})
	g.Go(func() error { return p.bus.Run(gctx) })
	for _, r := range p.runners {
		g.Go(func() error {
			if err := r.run(gctx); err != nil && !errors.Is(err, context.Canceled) {
				return fmt.Errorf("%s: %w", r.name, err)
			}
			return nil
		})
	}
	g.Go(func() error {
		select {
		case <-p.bus.Running():
			p.ready.Store(true)
			p.log.InfoContext(gctx, "hule ready", "addr", p.Addr(), "services", strings.Join(p.services, ","))
		case <-gctx.Done():
		}
		return nil
	})
	err := g.Wait()
	if ctx.Err() != nil && errors.Is(err, context.Canceled) {
		return nil
	}
	return err
}

func (p *Platform) close() error {
	var errs []error
	for i := len(p.closers) - 1; i >= 0; i-- {
		errs = append(errs, p.closers[i]())
	}
	p.closers = nil
	return errors.Join(errs...)
}

// contentDir is where the embedded content store keeps its files.
func (p *Platform) contentDir() string { return filepath.Join(p.cfg.DataDir, "content") }
