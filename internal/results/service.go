// Package results is hule's result aggregator: it consumes the rich results
// of every phase (spelling, text metrics, comparative judgement) and the
// thin progress events of the pipeline, keeps per batch and per essay
// everything a teacher needs, computes analytics per batch and per
// assignment, publishes live notifications for the teacher's browser and
// the BatchAssessmentCompletedV1 / BatchResultsReadyV1 events, and serves
// the read side of the public API (batch list, status, results, export,
// essay detail, assignment analytics).
//
// It never decides anything about orchestration: it records what the
// orchestrators did. Every handler tolerates duplicates and any order of
// arrival: state is merged, never replaced by something older.
package results

import (
	"context"
	"database/sql"
	"embed"
	"errors"
	"io/fs"
	"log/slog"
	"time"

	"github.com/hule-dev/hule/internal/bus"
	"github.com/hule-dev/hule/internal/content"
	"github.com/hule-dev/hule/internal/events"
	"github.com/hule-dev/hule/internal/store"
)

// Group is the results service's consumer group.
const Group = "results"

// source is the source_service of the envelopes results publishes.
const source = "hule-results"

// Envelope metadata keys results reads when producers set them.
const (
	// metaCorrectionsID is the storage id of the corrections list on the
	// rich spellcheck result (set by spellcheck).
	metaCorrectionsID = "corrections_storage_id"
	// metaErrorMessage is the readable reason on a failed thin event.
	metaErrorMessage = "error_message"
	// metaBatchName and metaAssignmentID may label a registered batch.
	metaBatchName    = events.MetaBatchName
	metaAssignmentID = events.MetaAssignmentID
)

// Publisher is the part of the bus results publishes through.
type Publisher interface {
	Publish(ctx context.Context, tx *sql.Tx, evs ...bus.Outgoing) error
	PublishCompletion(ctx context.Context, tx *sql.Tx, thin, rich bus.Outgoing) error
	PublishFailure(ctx context.Context, tx *sql.Tx, thin bus.Outgoing) error
}

// Registrar is the part of the bus results registers its handlers with.
type Registrar interface {
	Handle(consumerGroup, topic string, h bus.Handler)
}

// Deps are the collaborators of the service.
type Deps struct {
	// DB holds the results tables (Schema). Required.
	DB *store.DB
	// Bus publishes notifications and results events. Required.
	Bus Publisher
	// Content is read for essay texts, corrections and comparisons by
	// the essay route. Nil makes those fields null.
	Content content.Store
	// Logger receives the service's logs. Nil discards them.
	Logger *slog.Logger
}

// Config holds the service's settings.
type Config struct {
	// PageSize is the default number of batches per list page.
	PageSize int `flag:"results-page-size" env:"HULE_RESULTS_PAGE_SIZE" usage:"batches per page of GET /v1/batches when the client gives no limit"`
	// MaxPageSize bounds the limit a client may ask for.
	MaxPageSize int `flag:"results-max-page-size" env:"HULE_RESULTS_MAX_PAGE_SIZE" usage:"largest limit a client may ask of GET /v1/batches"`
	// SweepInterval is how often Run adopts parked results no handler
	// could see (see Sweep); 0 means DefaultSweepInterval. Set by the
	// program, like lifecycle's, not by the operator.
	SweepInterval time.Duration `flag:"-"`
}

// DefaultSweepInterval is Run's pause between two sweeps.
const DefaultSweepInterval = 2 * time.Second

// DefaultConfig returns the defaults.
func DefaultConfig() Config { return Config{PageSize: 20, MaxPageSize: 100} }

// Validate reports a configuration that cannot work.
func (c Config) Validate() error {
	if c.PageSize <= 0 || c.MaxPageSize < c.PageSize {
		return errors.New("results: page size must be positive and at most the max page size")
	}
	return nil
}

// Service is the result aggregator.
type Service struct {
	db      *store.DB
	pub     Publisher
	content content.Store
	log     *slog.Logger
	cfg     Config
	sweep   time.Duration
	now     func() time.Time
}

// New checks deps and cfg and returns the service. A zero Config takes
// the defaults.
func New(deps Deps, cfg Config) (*Service, error) {
	if deps.DB == nil {
		return nil, errors.New("results: no database")
	}
	if deps.Bus == nil {
		return nil, errors.New("results: no publisher")
	}
	if cfg == (Config{}) {
		cfg = DefaultConfig()
	}
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	logger := deps.Logger
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	sweep := cfg.SweepInterval
	if sweep <= 0 {
		sweep = DefaultSweepInterval
	}
	return &Service{db: deps.DB, pub: deps.Bus, content: deps.Content, log: logger, cfg: cfg, sweep: sweep,
		now: func() time.Time { return time.Now().UTC().Truncate(time.Microsecond) }}, nil
}

// Topics lists every topic results consumes.
func Topics() []string {
	return []string{
		events.TopicBatchEssaysRegistered,
		events.TopicEssaySlotAssigned,
		events.TopicEssayValidationFailed,
		events.TopicBatchContentProvisioningCompleted,
		events.TopicClientBatchPipelineRequest,
		events.TopicBatchSpellcheckInitiateCommand,
		events.TopicBatchNLPInitiateCommandV2,
		events.TopicBatchCJAssessmentInitiateCommand,
		events.TopicBatchPhaseSkipped,
		events.TopicSpellcheckPhaseCompleted,
		events.TopicSpellcheckResults,
		events.TopicBatchNLPAnalysisCompleted,
		events.TopicEssayNLPCompleted,
		events.TopicCJAssessmentFailed,
		events.TopicAssessmentResultPublished,
		events.TopicELSBatchPhaseOutcome,
		events.TopicBatchPipelineCompleted,
	}
}

// Register subscribes the service's handlers under Group.
func (s *Service) Register(r Registrar) {
	handlers := map[string]bus.Handler{
		events.TopicBatchEssaysRegistered:             s.handleRegistered,
		events.TopicEssaySlotAssigned:                 s.handleSlotAssigned,
		events.TopicEssayValidationFailed:             s.handleValidationFailed,
		events.TopicBatchContentProvisioningCompleted: s.handleProvisioned,
		events.TopicClientBatchPipelineRequest:        s.handlePipelineRequest,
		events.TopicBatchSpellcheckInitiateCommand:    s.handleSpellcheckCommand,
		events.TopicBatchNLPInitiateCommandV2:         s.handleNLPCommand,
		events.TopicBatchCJAssessmentInitiateCommand:  s.handleCJCommand,
		events.TopicBatchPhaseSkipped:                 s.handlePhaseSkipped,
		events.TopicSpellcheckPhaseCompleted:          s.handleSpellcheckThin,
		events.TopicSpellcheckResults:                 s.handleSpellcheckRich,
		events.TopicBatchNLPAnalysisCompleted:         s.handleNLPThin,
		events.TopicEssayNLPCompleted:                 s.handleNLPRich,
		events.TopicCJAssessmentFailed:                s.handleCJFailed,
		events.TopicAssessmentResultPublished:         s.handleAssessment,
		events.TopicELSBatchPhaseOutcome:              s.handlePhaseOutcome,
		events.TopicBatchPipelineCompleted:            s.handlePipelineCompleted,
	}
	for _, topic := range Topics() {
		r.Handle(Group, topic, handlers[topic])
	}
}

//go:embed migrations/sqlite/*.sql migrations/postgres/*.sql
var migrations embed.FS

// Schema returns the results tables' migrations.
func Schema() store.Migrations {
	sqliteFS, _ := fs.Sub(migrations, "migrations/sqlite")
	pgFS, _ := fs.Sub(migrations, "migrations/postgres")
	return store.Migrations{Name: "results", SQLite: sqliteFS, Postgres: pgFS}
}
