// Package spellcheck is the spellcheck service: for every
// EssayLifecycleSpellcheckRequestV1 it reads the essay's text from the
// content store, corrects it with the text/spell checker (learner table,
// then dictionary), stores the corrected text and the list of corrections in
// the content store, and publishes the thin SpellcheckPhaseCompletedV1 for
// lifecycle together with the rich SpellcheckResultV1 for results. An essay
// that cannot be checked (text missing or empty, language without a
// dictionary) gets the thin event alone, with status failed; the batch goes
// on with its other essays.
package spellcheck

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"time"

	"github.com/google/uuid"
	"golang.org/x/sync/errgroup"

	"github.com/hule-dev/hule/internal/bus"
	"github.com/hule-dev/hule/internal/content"
	"github.com/hule-dev/hule/internal/events"
	"github.com/hule-dev/hule/internal/store"
	"github.com/hule-dev/hule/internal/text/lexicon"
	"github.com/hule-dev/hule/internal/text/spell"
)

// Group is the service's consumer group.
const Group = "spellcheck"

// Source is the source_service of the events the service publishes.
const Source = "hule-spellcheck"

// Envelope metadata keys the service reads and writes. The contracts have no
// field for them (see the package's report): they travel in the envelope's
// metadata object, which every consumer may ignore.
const (
	// MetaAllowList, on a request, holds words the checker must keep as
	// written (names of the batch's setting, course terms): a JSON list of
	// strings, or one string of comma-separated words.
	MetaAllowList = "spellcheck_allow_list"
	// MetaCorrectionsStorageID, on the rich result, is the storage id of the
	// corrections list (JSON, see Correction).
	MetaCorrectionsStorageID = "corrections_storage_id"
	// MetaErrorMessage, on a failed thin event, is the human-readable reason
	// that goes with its error_code.
	MetaErrorMessage = "error_message"
)

// CorrectionsContentType is the content type of the stored corrections list.
const CorrectionsContentType = "application/json"

// Publisher is the part of the bus the service publishes through.
type Publisher interface {
	Publish(ctx context.Context, tx *sql.Tx, evs ...bus.Outgoing) error
	PublishCompletion(ctx context.Context, tx *sql.Tx, thin, rich bus.Outgoing) error
	PublishFailure(ctx context.Context, tx *sql.Tx, thin bus.Outgoing) error
}

// Registrar is the part of the bus handlers are registered on.
type Registrar interface {
	Handle(consumerGroup, topic string, h bus.Handler)
}

// Deps are the service's collaborators.
type Deps struct {
	// DB is the service database. The service keeps no tables of its own
	// (its outputs are idempotent by derived storage id, and handlers use
	// the bus's transaction), so it may be nil.
	DB *store.DB
	// Bus publishes the outgoing events. Required.
	Bus Publisher
	// Content holds essay texts and receives the corrected ones. Required.
	Content content.Store
	// Logger receives the service's logs; nil discards them.
	Logger *slog.Logger
}

// Config configures the service.
type Config struct {
	// DictDir is the directory of Debian's hunspell-sv files (sv_SE.dic,
	// sv_SE.aff) for Swedish essays; "" means lexicon.DefaultSwedishDir.
	DictDir string
	// Options tune the checker (distance limit, ranking); the zero value is
	// the shipped defaults.
	Options spell.Options
}

// Service is the spellcheck service. Build it with New.
type Service struct {
	pub     Publisher
	content content.Store
	log     *slog.Logger
	cfg     Config

	mu       sync.Mutex
	checkers map[string]*spell.Checker
}

// New checks deps and returns the service. Checkers are built on first use
// of each language (about a second for English), not here.
func New(deps Deps, cfg Config) (*Service, error) {
	switch {
	case deps.Bus == nil:
		return nil, errors.New("spellcheck: no bus")
	case deps.Content == nil:
		return nil, errors.New("spellcheck: no content store")
	}
	if cfg.Options.MaxDistance < 0 || cfg.Options.MaxDistance > 2 {
		return nil, fmt.Errorf("spellcheck config: max distance %d outside 0..2", cfg.Options.MaxDistance)
	}
	logger := deps.Logger
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	return &Service{pub: deps.Bus, content: deps.Content, log: logger, cfg: cfg,
		checkers: map[string]*spell.Checker{}}, nil
}

// Schema returns the service's migrations: none, as the service keeps no
// state beyond the bus's idempotency record and the content it stores.
func Schema() store.Migrations { return store.Migrations{Name: "spellcheck"} }

// Register subscribes the service to the spellcheck requests.
func (s *Service) Register(r Registrar) {
	r.Handle(Group, events.TopicEssaySpellcheckRequested, s.handleRequest)
}

// Correction is one entry of the stored corrections list.
type Correction = spell.Correction

// essayFailure is an outcome that fails the essay (thin failure event)
// instead of retrying the event: the input can never succeed.
type essayFailure struct {
	code events.ErrorCode
	msg  string
}

func (f *essayFailure) Error() string { return string(f.code) + ": " + f.msg }

// job is what the handler knows about one request.
type job struct {
	eventID       uuid.UUID
	correlationID uuid.UUID
	essayID       string
	batchID       string
	userID        string
	textID        string
	language      string
	allow         []string
	started       time.Time
}

func jobOf(ev events.Raw, req events.EssayLifecycleSpellcheckRequestV1) job {
	j := job{
		eventID:       ev.EventID,
		correlationID: ev.CorrelationID,
		essayID:       req.SystemMetadata.EntityID,
		textID:        req.TextStorageID,
		language:      strings.ToLower(strings.TrimSpace(req.Language)),
		started:       time.Now(),
	}
	if req.EntityID != nil && *req.EntityID != "" {
		j.essayID = *req.EntityID
	}
	switch {
	case req.ParentID != nil && *req.ParentID != "":
		j.batchID = *req.ParentID
	case req.SystemMetadata.ParentID != nil:
		j.batchID = *req.SystemMetadata.ParentID
	}
	j.userID = ev.MetaString(events.MetaUserID)
	j.allow = allowList(ev.Metadata[MetaAllowList])
	return j
}

// allowList reads MetaAllowList: a list of strings or a comma-separated
// string; anything else is ignored.
func allowList(v any) []string {
	var words []string
	switch t := v.(type) {
	case string:
		words = strings.Split(t, ",")
	case []any:
		for _, w := range t {
			if s, ok := w.(string); ok {
				words = append(words, s)
			}
		}
	case []string:
		words = t
	}
	out := words[:0:0]
	for _, w := range words {
		if w = strings.TrimSpace(w); w != "" {
			out = append(out, w)
		}
	}
	return out
}

// outcome is a successful check with the ids of what it stored.
type outcome struct {
	result        spell.Result
	correctedID   content.ID
	correctionsID content.ID
}

func (s *Service) handleRequest(ctx context.Context, tx *sql.Tx, ev events.Raw) error {
	req, err := events.DecodeData[events.EssayLifecycleSpellcheckRequestV1](ev)
	if err != nil {
		return err
	}
	j := jobOf(ev, req)
	log := s.log.With("event_id", ev.EventID, "correlation_id", ev.CorrelationID,
		"essay_id", j.essayID, "batch_id", j.batchID)

	out, err := s.check(ctx, j)
	var fail *essayFailure
	switch {
	case errors.As(err, &fail):
		log.WarnContext(ctx, "spellcheck failed for essay", "error_code", fail.code, "err", fail.msg)
		return s.pub.PublishFailure(ctx, tx, failedEvent(j, fail))
	case err != nil:
		return err
	}
	thin, rich := completedEvents(j, req, out)
	log.DebugContext(ctx, "essay spellchecked", "corrections", out.result.Metrics.TotalCorrections)
	return s.pub.PublishCompletion(ctx, tx, thin, rich)
}

// check reads, corrects and stores one essay. An *essayFailure fails the
// essay; any other error is transient.
func (s *Service) check(ctx context.Context, j job) (outcome, error) {
	c, err := s.checker(j.language)
	if err != nil {
		return outcome{}, err
	}
	text, err := s.readText(ctx, j.textID)
	if err != nil {
		return outcome{}, err
	}
	res := c.Check(text, j.allow)

	// Outputs are stored under ids derived from the event, so a redelivered
	// request overwrites nothing and points at the same blobs.
	out := outcome{
		result:        res,
		correctedID:   content.DerivedID(j.eventID.String(), "corrected"),
		correctionsID: content.DerivedID(j.eventID.String(), "corrections"),
	}
	corrections := res.Corrections
	if corrections == nil {
		corrections = []spell.Correction{}
	}
	list, err := json.Marshal(corrections)
	if err != nil {
		return outcome{}, fmt.Errorf("encode corrections of essay %s: %w", j.essayID, err)
	}
	// The two blobs are independent: store them at once so that their
	// fsyncs overlap. Essays are handled one at a time, so this wait is
	// most of an essay's time on an idle disk.
	var g errgroup.Group
	g.Go(func() error {
		if err := s.content.Put(ctx, out.correctedID, "text/plain; charset=utf-8", []byte(res.Text)); err != nil {
			return storeError("store corrected text", err)
		}
		return nil
	})
	g.Go(func() error {
		if err := s.content.Put(ctx, out.correctionsID, CorrectionsContentType, list); err != nil {
			return storeError("store corrections", err)
		}
		return nil
	})
	if err := g.Wait(); err != nil {
		return outcome{}, err
	}
	return out, nil
}

// storeError fails the essay when its output is larger than the content
// store accepts (a retry cannot help) and retries anything else.
func storeError(op string, err error) error {
	if errors.Is(err, content.ErrTooLarge) {
		return &essayFailure{events.ErrorCodeContentServiceError, op + ": " + err.Error()}
	}
	return fmt.Errorf("%s: %w", op, err)
}

func (s *Service) readText(ctx context.Context, storageID string) (string, error) {
	id, err := content.ParseID(storageID)
	if err != nil {
		return "", &essayFailure{events.ErrorCodeResourceNotFound, "essay text: " + err.Error()}
	}
	b, err := s.content.Get(ctx, id)
	switch {
	case errors.Is(err, content.ErrNotFound):
		return "", &essayFailure{events.ErrorCodeResourceNotFound,
			fmt.Sprintf("essay text %s is not in the content store", storageID)}
	case err != nil:
		return "", fmt.Errorf("read essay text %s: %w", storageID, err)
	}
	if strings.TrimSpace(string(b.Data)) == "" {
		return "", &essayFailure{events.ErrorCodeValidationError, fmt.Sprintf("essay text %s is empty", storageID)}
	}
	return string(b.Data), nil
}

// checker returns the checker of lang, building it on first use. A
// language without a dictionary fails the essay with a clear message; the
// failure is not cached, so installing the dictionary helps at once.
func (s *Service) checker(lang string) (*spell.Checker, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if c, ok := s.checkers[lang]; ok {
		return c, nil
	}
	var (
		lex *lexicon.Lexicon
		err error
	)
	switch lang {
	case "en":
		lex, err = lexicon.English()
	case "sv":
		lex, err = lexicon.Swedish(s.cfg.DictDir)
	default:
		return nil, &essayFailure{events.ErrorCodeValidationError,
			fmt.Sprintf("language %q is not supported (en, sv)", lang)}
	}
	if errors.Is(err, lexicon.ErrNoDictionary) {
		return nil, &essayFailure{events.ErrorCodeConfigurationError,
			fmt.Sprintf("no %s dictionary on this server: %v", lang, err)}
	}
	if err != nil {
		return nil, &essayFailure{events.ErrorCodeConfigurationError, fmt.Sprintf("load %s lexicon: %v", lang, err)}
	}
	c, err := spell.NewChecker(lex, s.cfg.Options)
	if err != nil {
		return nil, &essayFailure{events.ErrorCodeSpellcheckServiceError, fmt.Sprintf("build %s checker: %v", lang, err)}
	}
	s.checkers[lang] = c
	return c, nil
}

func ptr[T any](v T) *T { return &v }

func durationMS(since time.Time) int { return int(time.Since(since).Milliseconds()) }

// failedEvent is the thin event of a failed essay.
func failedEvent(j job, f *essayFailure) bus.Outgoing {
	thin := events.SpellcheckPhaseCompletedV1{
		EntityID:             j.essayID,
		BatchID:              j.batchID,
		CorrelationID:        j.correlationID.String(),
		Status:               events.ProcessingStatusFailed,
		ErrorCode:            ptr(string(f.code)),
		ProcessingDurationMS: durationMS(j.started),
		Timestamp:            events.Now(),
	}
	env := events.NewEnvelope(thin.Topic(), Source, j.correlationID, thin)
	env.SetMeta(MetaErrorMessage, f.msg)
	setUser(&env, j.userID)
	return bus.Event(env)
}

// completedEvents are the thin and rich events of a checked essay.
func completedEvents(j job, req events.EssayLifecycleSpellcheckRequestV1, out outcome) (thin, rich bus.Outgoing) {
	now := events.Now()
	ms := durationMS(j.started)
	corrected := string(out.correctedID)
	t := events.SpellcheckPhaseCompletedV1{
		EntityID:               j.essayID,
		BatchID:                j.batchID,
		CorrelationID:          j.correlationID.String(),
		Status:                 events.ProcessingStatusCompleted,
		CorrectedTextStorageID: &corrected,
		ProcessingDurationMS:   ms,
		Timestamp:              now,
	}
	thinEnv := events.NewEnvelope(t.Topic(), Source, j.correlationID, t)
	setUser(&thinEnv, j.userID)

	m := out.result.Metrics
	stage := events.ProcessingStageCompleted
	r := events.SpellcheckResultV1{
		ProcessingUpdate: events.ProcessingUpdate{
			BaseEventData: events.BaseEventData{
				EventName:  events.EventSpellcheckResults,
				EntityID:   ptr(j.essayID),
				EntityType: ptr("essay"),
				ParentID:   optional(j.batchID),
				Timestamp:  now,
			},
			Status: events.UpdateStatus(events.EssayStatusSpellcheckedSuccess),
			SystemMetadata: events.SystemProcessingMetadata{
				EntityID:        j.essayID,
				EntityType:      "essay",
				ParentID:        optional(j.batchID),
				Timestamp:       now,
				ProcessingStage: &stage,
				StartedAt:       ptr(events.AsTime(j.started)),
				CompletedAt:     ptr(now),
				Event:           ptr(string(events.EventSpellcheckResults)),
				ErrorInfo:       events.Object("{}"),
			},
		},
		BatchID:         j.batchID,
		CorrelationID:   j.correlationID.String(),
		UserID:          optional(j.userID),
		CorrectionsMade: m.TotalCorrections,
		CorrectionMetrics: events.SpellcheckMetricsV1{
			TotalCorrections:        m.TotalCorrections,
			L2DictionaryCorrections: m.LearnerCorrections,
			SpellcheckerCorrections: m.DictionaryCorrections,
			WordCount:               m.Words,
			CorrectionDensity:       m.ErrorDensity,
		},
		OriginalTextStorageID:  req.TextStorageID,
		CorrectedTextStorageID: &corrected,
		ProcessingDurationMS:   ms,
		ProcessorVersion:       events.DefaultSpellcheckProcessorVersion,
	}
	richEnv := events.NewEnvelope(r.Topic(), Source, j.correlationID, r)
	richEnv.SetMeta(MetaCorrectionsStorageID, string(out.correctionsID))
	setUser(&richEnv, j.userID)
	return bus.Event(thinEnv), bus.Event(richEnv)
}

func optional(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

func setUser[T any](env *events.Envelope[T], userID string) {
	if userID != "" {
		env.SetMeta(events.MetaUserID, userID)
	}
}
