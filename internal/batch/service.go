package batch

import (
	"context"
	"database/sql"
	"embed"
	"errors"
	"io/fs"
	"log/slog"
	"time"

	"github.com/hule-dev/hule/internal/bus"
	"github.com/hule-dev/hule/internal/events"
	"github.com/hule-dev/hule/internal/store"
)

// Group is the consumer group of the batch service.
const Group = "batch"

// source is the source_service of every event batch publishes.
const source = "hule-batch"

// Publisher is the part of the bus batch publishes through (*bus.Bus and
// *bustest.Recorder satisfy it).
type Publisher interface {
	Publish(ctx context.Context, tx *sql.Tx, evs ...bus.Outgoing) error
	PublishCompletion(ctx context.Context, tx *sql.Tx, thin, rich bus.Outgoing) error
	PublishFailure(ctx context.Context, tx *sql.Tx, thin bus.Outgoing) error
}

// Registrar is the part of the bus batch registers its handlers with.
type Registrar interface {
	Handle(consumerGroup, topic string, h bus.Handler)
}

// Deps are the collaborators of the batch service.
type Deps struct {
	// DB holds the batch tables (Schema). Required.
	DB *store.DB
	// Bus publishes batch's events. Required.
	Bus Publisher
	// Logger receives the service's logs; nil discards them.
	Logger *slog.Logger
	// Now returns the current time; nil means time.Now. Tests pin it.
	Now func() time.Time
}

// Config holds the batch service's settings.
type Config struct {
	// MaxEssays bounds ExpectedEssayCount of a registration; 0 means
	// DefaultMaxEssays.
	MaxEssays int
}

// DefaultMaxEssays is the largest batch a registration may announce unless
// configured otherwise.
const DefaultMaxEssays = 1000

// Service registers batches and runs their pipelines.
type Service struct {
	db        *store.DB
	pub       Publisher
	log       *slog.Logger
	now       func() time.Time
	maxEssays int
}

// New checks deps and returns the service.
func New(deps Deps, cfg Config) (*Service, error) {
	if deps.DB == nil {
		return nil, errors.New("batch: no database")
	}
	if deps.Bus == nil {
		return nil, errors.New("batch: no bus")
	}
	s := &Service{db: deps.DB, pub: deps.Bus, log: deps.Logger, now: deps.Now, maxEssays: cfg.MaxEssays}
	if s.log == nil {
		s.log = slog.New(slog.DiscardHandler)
	}
	if s.now == nil {
		s.now = time.Now
	}
	if s.maxEssays <= 0 {
		s.maxEssays = DefaultMaxEssays
	}
	return s, nil
}

// Register subscribes the service's handlers: pipeline requests, content
// provisioning completion and phase outcomes.
func (s *Service) Register(r Registrar) {
	r.Handle(Group, events.TopicClientBatchPipelineRequest, s.handlePipelineRequest)
	r.Handle(Group, events.TopicBatchContentProvisioningCompleted, s.handleContentProvisioned)
	r.Handle(Group, events.TopicELSBatchPhaseOutcome, s.handlePhaseOutcome)
}

//go:embed migrations/sqlite/*.sql migrations/postgres/*.sql
var migrations embed.FS

// Schema returns the batch tables' migrations.
func Schema() store.Migrations {
	sqliteFS, _ := fs.Sub(migrations, "migrations/sqlite")
	pgFS, _ := fs.Sub(migrations, "migrations/postgres")
	return store.Migrations{Name: "batch", SQLite: sqliteFS, Postgres: pgFS}
}

// nowUTC is the service clock in UTC at the wire format's precision.
func (s *Service) nowUTC() time.Time { return s.now().UTC().Truncate(time.Microsecond) }

// meta builds the SystemProcessingMetadata of an event about a batch.
func meta(batchID string, at time.Time, stage events.ProcessingStage, ev events.ProcessingEvent) events.SystemProcessingMetadata {
	e := string(ev)
	return events.SystemProcessingMetadata{
		EntityID: batchID, EntityType: "batch", Timestamp: events.AsTime(at),
		ProcessingStage: &stage, Event: &e,
	}
}

// base builds the BaseEventData of a command about a batch.
func base(batchID string, at time.Time, ev events.ProcessingEvent) events.BaseEventData {
	t := "batch"
	return events.BaseEventData{EventName: ev, EntityID: &batchID, EntityType: &t, Timestamp: events.AsTime(at)}
}
