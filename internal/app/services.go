package app

import (
	"context"
	"errors"
	"fmt"

	"github.com/hule-dev/hule/internal/batch"
	"github.com/hule-dev/hule/internal/cjassess"
	"github.com/hule-dev/hule/internal/cjassess/judge"
	"github.com/hule-dev/hule/internal/cjassess/pairing"
	"github.com/hule-dev/hule/internal/content"
	"github.com/hule-dev/hule/internal/gateway"
	"github.com/hule-dev/hule/internal/lifecycle"
	"github.com/hule-dev/hule/internal/nlp"
	"github.com/hule-dev/hule/internal/results"
	"github.com/hule-dev/hule/internal/spellcheck"
	"github.com/hule-dev/hule/internal/store"
	"github.com/hule-dev/hule/internal/web"
)

// Schemas lists the migrations of every service. All are applied whatever
// the process runs, so that any process may host any service later; `hule
// migrate` applies the same list.
func Schemas() []store.Migrations {
	return []store.Migrations{
		content.Schema(),
		batch.Schema(),
		lifecycle.Schema(),
		cjassess.Schema(),
		results.Schema(),
	}
}

// builders construct one service each into the platform: its handlers on
// the bus, its routes on the API mux, its background runners.
var builders = map[string]func(ctx context.Context, p *Platform) error{
	"content":    buildContent,
	"batch":      buildBatch,
	"lifecycle":  buildLifecycle,
	"spellcheck": buildSpellcheck,
	"nlp":        buildNLP,
	"cjassess":   buildCJAssess,
	"results":    buildResults,
	"gateway":    buildGateway,
}

// openContent opens the content store every service of this process
// shares: files under the data directory on the embedded default, the
// database table on PostgreSQL.
func (p *Platform) openContent() error {
	if p.db.Dialect == store.Postgres {
		p.content = content.NewSQLStore(p.db.DB, p.cfg.ContentMaxBytes)
		return nil
	}
	fs, err := content.NewFileStore(p.contentDir(), p.cfg.ContentMaxBytes)
	if err != nil {
		return err
	}
	p.closers = append(p.closers, fs.Close)
	p.content = fs
	return nil
}

func buildContent(_ context.Context, p *Platform) error {
	h := content.NewHandler(p.content, p.cfg.ContentMaxBytes, p.log)
	p.api.Handle("/v1/content", h)
	p.api.Handle("/v1/content/", h)
	in, err := content.NewIntake(content.IntakeDeps{
		DB: p.db, Bus: p.bus, Store: p.content, Logger: p.log.With("service", "content"), BatchOwner: p.batchOwner,
	}, content.IntakeConfig{MaxFileSize: p.cfg.ContentMaxBytes})
	if err != nil {
		return err
	}
	in.Routes(p.api)
	return nil
}

func buildBatch(_ context.Context, p *Platform) error {
	s, err := batch.New(batch.Deps{DB: p.db, Bus: p.bus, Logger: p.log.With("service", "batch")}, batch.Config{})
	if err != nil {
		return err
	}
	s.Register(p.bus)
	s.Routes(p.api)
	return nil
}

func buildLifecycle(_ context.Context, p *Platform) error {
	s, err := lifecycle.New(lifecycle.Deps{DB: p.db, Bus: p.bus, Logger: p.log.With("service", "lifecycle"), Metrics: p.reg}, lifecycle.Config{})
	if err != nil {
		return err
	}
	s.Register(p.bus)
	p.runners = append(p.runners, runner{name: "lifecycle sweep", run: s.Run})
	return nil
}

func buildSpellcheck(_ context.Context, p *Platform) error {
	s, err := spellcheck.New(spellcheck.Deps{DB: p.db, Bus: p.bus, Content: p.content, Logger: p.log.With("service", "spellcheck")},
		spellcheck.Config{DictDir: p.cfg.CJ.SpellDictionary})
	if err != nil {
		return err
	}
	s.Register(p.bus)
	return nil
}

func buildNLP(_ context.Context, p *Platform) error {
	s, err := nlp.New(nlp.Deps{DB: p.db, Bus: p.bus, Content: p.content, Logger: p.log.With("service", "nlp")}, nlp.Config{})
	if err != nil {
		return err
	}
	s.Register(p.bus)
	return nil
}

func buildResults(_ context.Context, p *Platform) error {
	svc, err := results.New(results.Deps{DB: p.db, Bus: p.bus, Content: p.content, Logger: p.log.With("service", "results")}, p.cfg.Results)
	if err != nil {
		return err
	}
	svc.Register(p.bus)
	svc.Routes(p.api)
	p.runners = append(p.runners, runner{name: "results sweep", run: svc.Run})
	return nil
}

func buildCJAssess(_ context.Context, p *Platform) error {
	log := p.log.With("service", "cjassess")
	c := p.cfg.CJ
	jcfg := judge.DefaultConfig(c.Judge)
	jcfg.Provider = c.Judge
	if c.JudgeModel != "" {
		jcfg.Model = c.JudgeModel
	}
	jcfg.BaseURL = c.JudgeBaseURL
	if c.JudgeAPIKeyEnv != "" {
		jcfg.APIKeyEnv = c.JudgeAPIKeyEnv
	}
	getenv := p.cfg.Getenv
	if getenv == nil {
		getenv = func(string) string { return "" }
	}
	j, err := judge.New(jcfg, getenv, log)
	if err != nil {
		return err
	}
	llm := c.Judge != "" && c.Judge != judge.ProviderOffline
	svc, err := cjassess.NewService(cjassess.NewSQLStore(p.db.DB), j, cjassess.Config{
		Scale:          c.Scale,
		Pairing:        pairing.Options{ComparisonsPerEssay: c.Comparisons, BothOrders: llm},
		Concurrency:    c.Concurrency,
		MinSuccessRate: c.MinSuccessRate,
	}, log)
	if err != nil {
		return err
	}
	w := cjassess.NewWorker(cjassess.WorkerDeps{
		DB: p.db, Service: svc, Pub: p.bus, Logger: log,
		Texts: p.readText,
		Blobs: func(ctx context.Context, id, contentType string, data []byte) error {
			return p.content.Put(ctx, content.ID(id), contentType, data)
		},
		BlobID: func(parts ...string) string { return string(content.DerivedID(parts...)) },
		Lease:  p.cfg.CJ.Lease,
	})
	w.Register(p.bus)
	svc.Routes(p.api)
	p.runners = append(p.runners, runner{name: "cjassess worker", run: w.Run})
	return nil
}

// readText reads an essay text for the CJ service, telling a missing text
// (the essay fails) from a store outage (the job is retried).
func (p *Platform) readText(ctx context.Context, storageID string) (string, error) {
	b, err := p.content.Get(ctx, content.ID(storageID))
	if errors.Is(err, content.ErrNotFound) || errors.Is(err, content.ErrBadID) {
		return "", fmt.Errorf("%w: %w", cjassess.ErrTextMissing, err)
	}
	if err != nil {
		return "", err
	}
	return string(b.Data), nil
}

// batchOwner answers the upload route's ownership question from the batch
// service's tables, which every hule database has, whichever services this
// process runs.
func (p *Platform) batchOwner(ctx context.Context, batchID string) (string, bool, error) {
	return batch.Owner(ctx, p.db, batchID)
}

func buildGateway(_ context.Context, p *Platform) error {
	cfg := p.cfg.Gateway
	if p.cfg.DB == "" {
		cfg.LocalTokenDir = p.cfg.DataDir
	}
	g, err := gateway.New(cfg, p.api, gateway.NewHub(cfg.WSBuffer), p.log)
	if err != nil {
		return err
	}
	g.Register(p.bus, p.cfg.GatewayGroup)
	p.Token = g.LocalToken
	h := g.Handler()
	p.public.Handle("/v1/", h)
	p.public.Handle("/openapi.json", h)
	// The dashboard takes every other path.
	p.public.Handle("/", web.Handler(web.Options{LocalToken: g.LocalToken, LocalUser: gateway.LocalUser}))
	return nil
}
