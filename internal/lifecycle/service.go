package lifecycle

import (
	"context"
	"database/sql"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/hule-dev/hule/internal/bus"
	"github.com/hule-dev/hule/internal/events"
	"github.com/hule-dev/hule/internal/store"
)

// Group is the consumer group of the lifecycle service.
const Group = "lifecycle"

// source is the source_service of every event lifecycle publishes.
const source = "hule-lifecycle"

// Publisher is the part of the bus lifecycle publishes through (*bus.Bus
// and *bustest.Recorder satisfy it).
type Publisher interface {
	Publish(ctx context.Context, tx *sql.Tx, evs ...bus.Outgoing) error
	PublishCompletion(ctx context.Context, tx *sql.Tx, thin, rich bus.Outgoing) error
	PublishFailure(ctx context.Context, tx *sql.Tx, thin bus.Outgoing) error
}

// Registrar is the part of the bus lifecycle registers its handlers with.
type Registrar interface {
	Handle(consumerGroup, topic string, h bus.Handler)
}

// Deps are the collaborators of the lifecycle service.
type Deps struct {
	// DB holds the lifecycle tables (Schema). Required.
	DB *store.DB
	// Bus publishes lifecycle's events. Required.
	Bus Publisher
	// Logger receives the service's logs; nil discards them.
	Logger *slog.Logger
	// Metrics registers the service's counters; nil registers them nowhere.
	Metrics prometheus.Registerer
	// Now returns the current time; nil means time.Now.
	Now func() time.Time
}

// Config holds the lifecycle service's settings.
type Config struct {
	// NLPRequestTopic is where the per-batch NLP request goes; empty means
	// events.TopicBatchNLPProcessingRequestedV2. The events package has no
	// Go type for that topic, so the request carries the data of
	// BatchServiceNLPInitiateCommandDataV2 (with event_name set to the
	// topic's event).
	NLPRequestTopic string
	// SweepInterval is how often Run repairs what concurrent handlers can
	// leave behind (see Sweep); 0 means DefaultSweepInterval.
	SweepInterval time.Duration
}

// DefaultSweepInterval is Run's pause between two sweeps.
const DefaultSweepInterval = 2 * time.Second

// Service keeps essay slots and states and drives the phases' requests.
type Service struct {
	db       *store.DB
	sweep    time.Duration
	pub      Publisher
	log      *slog.Logger
	now      func() time.Time
	nlpTopic string
	m        metrics
}

// metrics are the counters of what lifecycle refuses to do.
type metrics struct {
	invalid *prometheus.CounterVec
	excess  prometheus.Counter
	stale   *prometheus.CounterVec
}

func newMetrics(reg prometheus.Registerer) (metrics, error) {
	m := metrics{
		invalid: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "hule_lifecycle_invalid_transitions_total",
			Help: "Essay state transitions lifecycle rejected (stale, duplicate or misrouted events), by trigger and phase.",
		}, []string{"trigger", "phase"}),
		excess: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "hule_lifecycle_excess_content_total",
			Help: "Uploaded texts that arrived when every essay slot of their batch was taken.",
		}),
		stale: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "hule_lifecycle_ignored_events_total",
			Help: "Events lifecycle ignored because they named an unknown batch, essay or phase run, by topic.",
		}, []string{"topic"}),
	}
	if reg == nil {
		return m, nil
	}
	for _, c := range []prometheus.Collector{m.invalid, m.excess, m.stale} {
		if err := reg.Register(c); err != nil {
			if are, ok := errors.AsType[prometheus.AlreadyRegisteredError](err); ok {
				switch existing := are.ExistingCollector.(type) {
				case *prometheus.CounterVec:
					if c == m.invalid {
						m.invalid = existing
					} else {
						m.stale = existing
					}
				case prometheus.Counter:
					m.excess = existing
				}
				continue
			}
			return m, fmt.Errorf("register lifecycle metrics: %w", err)
		}
	}
	return m, nil
}

// New checks deps and cfg and returns the service.
func New(deps Deps, cfg Config) (*Service, error) {
	if deps.DB == nil {
		return nil, errors.New("lifecycle: no database")
	}
	if deps.Bus == nil {
		return nil, errors.New("lifecycle: no bus")
	}
	s := &Service{db: deps.DB, pub: deps.Bus, log: deps.Logger, now: deps.Now, nlpTopic: cfg.NLPRequestTopic,
		sweep: cfg.SweepInterval}
	if s.sweep <= 0 {
		s.sweep = DefaultSweepInterval
	}
	if s.log == nil {
		s.log = slog.New(slog.DiscardHandler)
	}
	if s.now == nil {
		s.now = time.Now
	}
	if s.nlpTopic == "" {
		s.nlpTopic = events.TopicBatchNLPProcessingRequestedV2
	}
	if s.nlpTopic == events.TopicBatchNLPInitiateCommandV2 {
		return nil, errors.New("lifecycle: the NLP request topic cannot be the NLP command topic lifecycle consumes")
	}
	m, err := newMetrics(deps.Metrics)
	if err != nil {
		return nil, err
	}
	s.m = m
	return s, nil
}

// Register subscribes the service's handlers.
func (s *Service) Register(r Registrar) {
	r.Handle(Group, events.TopicBatchEssaysRegistered, s.handleRegistered)
	r.Handle(Group, events.TopicEssayContentProvisioned, s.handleContent)
	r.Handle(Group, events.TopicEssayValidationFailed, s.handleValidationFailed)
	r.Handle(Group, events.TopicBatchSpellcheckInitiateCommand, s.handleSpellcheckCommand)
	r.Handle(Group, events.TopicBatchNLPInitiateCommandV2, s.handleNLPCommand)
	r.Handle(Group, events.TopicBatchCJAssessmentInitiateCommand, s.handleCJCommand)
	r.Handle(Group, events.TopicSpellcheckPhaseCompleted, s.handleSpellcheckCompleted)
	r.Handle(Group, events.TopicBatchNLPAnalysisCompleted, s.handleNLPCompleted)
	r.Handle(Group, events.TopicCJAssessmentCompleted, s.handleCJCompleted)
	r.Handle(Group, events.TopicCJAssessmentFailed, s.handleCJFailed)
}

//go:embed migrations/sqlite/*.sql migrations/postgres/*.sql
var migrations embed.FS

// Schema returns the lifecycle tables' migrations.
func Schema() store.Migrations {
	sqliteFS, _ := fs.Sub(migrations, "migrations/sqlite")
	pgFS, _ := fs.Sub(migrations, "migrations/postgres")
	return store.Migrations{Name: "lifecycle", SQLite: sqliteFS, Postgres: pgFS}
}

func (s *Service) nowUTC() time.Time { return s.now().UTC().Truncate(time.Microsecond) }

// invalid logs and counts a rejected transition; the essay stays as it is.
func (s *Service) invalid(ctx context.Context, batchID, essayID string, t Trigger, p events.PhaseName, err error) {
	s.m.invalid.WithLabelValues(t.String(), string(p)).Inc()
	s.log.WarnContext(ctx, "essay transition rejected", "batch_id", batchID, "essay_id", essayID,
		"trigger", t.String(), "phase", p, "err", err)
}

// ignored logs and counts an event that names nothing lifecycle knows.
func (s *Service) ignored(ctx context.Context, topic, why string, args ...any) {
	s.m.stale.WithLabelValues(topic).Inc()
	s.log.InfoContext(ctx, why, append([]any{"topic", topic}, args...)...)
}
