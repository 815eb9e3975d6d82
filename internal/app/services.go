package app

import (
	"context"

	"github.com/hule-dev/hule/internal/content"
	"github.com/hule-dev/hule/internal/gateway"
	"github.com/hule-dev/hule/internal/store"
)

// schemas lists the migrations of every service. All are applied whatever
// the process runs, so that any process may host any service later.
func schemas() []store.Migrations {
	return []store.Migrations{
		content.Schema(),
	}
}

// builders construct one service each into the platform: its handlers on
// the bus, its routes on the API mux, its background runners.
var builders = map[string]func(ctx context.Context, p *Platform) error{
	"content":    buildContent,
	"batch":      func(context.Context, *Platform) error { return nil },
	"lifecycle":  func(context.Context, *Platform) error { return nil },
	"spellcheck": func(context.Context, *Platform) error { return nil },
	"nlp":        func(context.Context, *Platform) error { return nil },
	"cjassess":   func(context.Context, *Platform) error { return nil },
	"results":    func(context.Context, *Platform) error { return nil },
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
	return nil
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
	return nil
}
