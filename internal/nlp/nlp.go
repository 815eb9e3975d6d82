// Package nlp is the text-metrics service: for a batch's NLP request it
// reads each essay's (spellchecked) text from the content store, computes
// its metrics and grammar findings with text/metrics, and publishes one rich
// EssayNlpCompletedV1 per essay for results and one thin
// BatchNlpAnalysisCompletedV1 per batch for lifecycle, with the ids of the
// essays that succeeded and failed. An essay whose text is missing fails
// alone; the others are analyzed.
package nlp

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"time"

	"github.com/hule-dev/hule/internal/bus"
	"github.com/hule-dev/hule/internal/content"
	"github.com/hule-dev/hule/internal/events"
	"github.com/hule-dev/hule/internal/fault"
	"github.com/hule-dev/hule/internal/store"
	"github.com/hule-dev/hule/internal/text/lexicon"
	"github.com/hule-dev/hule/internal/text/metrics"
)

// Group is the service's consumer group.
const Group = "nlp"

// Source is the source_service of the events the service publishes.
const Source = "hule-nlp"

// RequestTopic is the topic lifecycle sends a batch's NLP request on: the
// original's batch.nlp.processing.requested.v2. The events package has no Go
// type for it, so its data is read with the shape of
// BatchServiceNLPInitiateCommandDataV2 (essays_to_process, language,
// student_prompt_ref), which is what lifecycle forwards from batch's
// command.
const RequestTopic = events.TopicBatchNLPProcessingRequestedV2

// AnalyzerVersion names the analysis in each rich event's
// processing_metadata, so results can tell metrics of different versions
// apart.
const AnalyzerVersion = "hule-nlp-1"

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
	// DB is the service database; the service keeps no tables and handlers
	// use the bus's transaction, so it may be nil.
	DB *store.DB
	// Bus publishes the outgoing events. Required.
	Bus Publisher
	// Content holds the essay texts. Required.
	Content content.Store
	// Logger receives the service's logs; nil discards them.
	Logger *slog.Logger
}

// Config configures the service. The zero value is ready to use.
type Config struct {
	// NoFrequencies leaves the frequency metrics (mean Zipf, rare words) at
	// 0 instead of loading the English frequency list.
	NoFrequencies bool
}

// Service is the nlp service. Build it with New.
type Service struct {
	pub     Publisher
	content content.Store
	log     *slog.Logger
	cfg     Config
}

// New checks deps and returns the service.
func New(deps Deps, cfg Config) (*Service, error) {
	switch {
	case deps.Bus == nil:
		return nil, errors.New("nlp: no bus")
	case deps.Content == nil:
		return nil, errors.New("nlp: no content store")
	}
	logger := deps.Logger
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	return &Service{pub: deps.Bus, content: deps.Content, log: logger, cfg: cfg}, nil
}

// Schema returns the service's migrations: none, as the service keeps no
// state beyond the bus's idempotency record.
func Schema() store.Migrations { return store.Migrations{Name: "nlp"} }

// Register subscribes the service to the NLP requests.
func (s *Service) Register(r Registrar) {
	r.Handle(Group, RequestTopic, s.handleRequest)
}

// DecodeRequest decodes and validates the data of an event on RequestTopic.
// The contract is BatchServiceNLPInitiateCommandDataV2's; errors are
// permanent, like every decoding error of the events package.
func DecodeRequest(ev events.Raw) (events.BatchServiceNLPInitiateCommandDataV2, error) {
	if ev.EventType != RequestTopic {
		return events.BatchServiceNLPInitiateCommandDataV2{}, &events.DecodeError{Kind: events.KindTypeMismatch,
			EventType: ev.EventType, Err: fmt.Errorf("nlp requests travel on %s", RequestTopic)}
	}
	ev.EventType = events.TopicBatchNLPInitiateCommandV2
	return events.DecodeData[events.BatchServiceNLPInitiateCommandDataV2](ev)
}

// Summary is what the thin event's processing_summary holds.
type Summary struct {
	TotalEssays           int               `json:"total_essays"`
	Successful            int               `json:"successful"`
	Failed                int               `json:"failed"`
	SuccessfulEssayIDs    []string          `json:"successful_essay_ids"`
	FailedEssayIDs        []string          `json:"failed_essay_ids"`
	FailureReasons        map[string]string `json:"failure_reasons,omitempty"`
	ProcessingTimeSeconds float64           `json:"processing_time_seconds"`
}

// essayFailure is an essay that cannot be analyzed: it fails alone.
type essayFailure struct {
	code events.ErrorCode
	msg  string
}

func (f *essayFailure) Error() string { return string(f.code) + ": " + f.msg }

func (s *Service) handleRequest(ctx context.Context, tx *sql.Tx, ev events.Raw) error {
	req, err := DecodeRequest(ev)
	if err != nil {
		return err
	}
	started := time.Now()
	if req.EntityID == nil || *req.EntityID == "" {
		return fault.Permanent(fmt.Errorf("nlp request %s names no batch (entity_id)", ev.EventID))
	}
	batchID := *req.EntityID
	log := s.log.With("event_id", ev.EventID, "correlation_id", ev.CorrelationID, "batch_id", batchID)
	lang := language(req.Language)
	var freq metrics.Frequencies
	if lang == metrics.English && !s.cfg.NoFrequencies {
		lex, err := lexicon.English()
		if err != nil {
			return fmt.Errorf("load english frequencies: %w", err)
		}
		freq = lex
	}
	userID := ev.MetaString(events.MetaUserID)

	sum := Summary{SuccessfulEssayIDs: []string{}, FailedEssayIDs: []string{}, FailureReasons: map[string]string{}}
	var rich []bus.Outgoing
	seen := map[string]bool{}
	for _, ref := range req.EssaysToProcess {
		if seen[ref.EssayID] {
			continue
		}
		seen[ref.EssayID] = true
		sum.TotalEssays++
		data, err := s.analyze(ctx, batchID, ref, lang, freq)
		var fail *essayFailure
		switch {
		case errors.As(err, &fail):
			log.WarnContext(ctx, "nlp failed for essay", "essay_id", ref.EssayID, "error_code", fail.code, "err", fail.msg)
			sum.FailedEssayIDs = append(sum.FailedEssayIDs, ref.EssayID)
			sum.FailureReasons[ref.EssayID] = fail.Error()
			continue
		case err != nil:
			return err
		}
		env := events.NewEnvelope(data.Topic(), Source, ev.CorrelationID, data)
		if userID != "" {
			env.SetMeta(events.MetaUserID, userID)
		}
		rich = append(rich, bus.Event(env).WithKey(batchID))
		sum.SuccessfulEssayIDs = append(sum.SuccessfulEssayIDs, ref.EssayID)
	}
	sum.Successful, sum.Failed = len(sum.SuccessfulEssayIDs), len(sum.FailedEssayIDs)
	sum.ProcessingTimeSeconds = time.Since(started).Seconds()

	thin, err := thinEvent(batchID, sum, started)
	if err != nil {
		return err
	}
	thinEnv := events.NewEnvelope(thin.Topic(), Source, ev.CorrelationID, thin)
	if userID != "" {
		thinEnv.SetMeta(events.MetaUserID, userID)
	}
	out := bus.Event(thinEnv)
	log.DebugContext(ctx, "nlp batch analyzed", "successful", sum.Successful, "failed", sum.Failed)
	if sum.Failed > 0 && sum.Successful == 0 {
		return s.pub.PublishFailure(ctx, tx, out)
	}
	// One transaction: every essay's rich event and the batch's thin event
	// become visible together or not at all.
	return s.pub.Publish(ctx, tx, append(rich, out)...)
}

// language maps the request's language to the analysis's; an unknown code
// gets only the language-independent metrics.
func language(s string) metrics.Language {
	if l, err := metrics.ParseLanguage(s); err == nil {
		return l
	}
	return metrics.Language(strings.ToLower(strings.TrimSpace(s)))
}

// analyze reads and analyzes one essay. An *essayFailure fails the essay;
// any other error is transient and retries the whole request.
func (s *Service) analyze(ctx context.Context, batchID string, ref events.EssayProcessingInputRefV1,
	lang metrics.Language, freq metrics.Frequencies) (events.EssayNlpCompletedV1, error) {
	text, err := s.readText(ctx, ref.TextStorageID)
	if err != nil {
		return events.EssayNlpCompletedV1{}, err
	}
	corrections, known := spellingCorrections(ref.SpellcheckMetrics)
	t0 := time.Now()
	res := metrics.AnalyzeInput(metrics.Input{Text: text, Language: lang, Frequencies: freq, SpellingCorrections: corrections})
	ms := int(time.Since(t0).Milliseconds())
	return essayEvent(batchID, ref, text, res, ms, known), nil
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

// spellingCorrections reads total_corrections from the spellcheck metrics
// an essay reference may carry.
func spellingCorrections(raw events.RawValue) (n int, known bool) {
	if len(raw) == 0 || string(raw) == "null" {
		return 0, false
	}
	var m struct {
		TotalCorrections *int `json:"total_corrections"`
	}
	if err := json.Unmarshal(raw, &m); err != nil || m.TotalCorrections == nil {
		return 0, false
	}
	return *m.TotalCorrections, true
}

func ptr[T any](v T) *T { return &v }

// essayEvent maps a metrics.Result onto the rich event (see
// docs/text-metrics.md). Grammar offsets become code-point offsets, the
// original's (LanguageTool's) unit; metrics hule computes beyond the
// contract's nlp_metrics go into processing_metadata.
func essayEvent(batchID string, ref events.EssayProcessingInputRefV1, text string, res metrics.Result,
	ms int, correctionsKnown bool) events.EssayNlpCompletedV1 {
	now := events.Now()
	errs := make([]events.GrammarError, len(res.Grammar.Findings))
	for i, f := range res.Grammar.Findings {
		off, n := metrics.RuneSpan(text, f.Offset, f.Length)
		ctxOff, _ := metrics.RuneSpan(f.Context, f.ContextOffset, 0)
		errs[i] = events.GrammarError{
			RuleID: f.RuleID, Message: f.Message, ShortMessage: f.ShortMessage,
			Offset: off, Length: n, Replacements: f.Replacements,
			Category: f.Category, Severity: f.Severity, CategoryID: f.CategoryID, CategoryName: f.CategoryName,
			Context: f.Context, ContextOffset: ctxOff,
		}
	}
	return events.EssayNlpCompletedV1{
		BaseEventData: events.BaseEventData{
			EventName: events.EventEssayNLPCompleted, EntityID: ptr(ref.EssayID), EntityType: ptr("essay"),
			ParentID: ptr(batchID), Timestamp: now,
		},
		EssayID:       ref.EssayID,
		TextStorageID: ref.TextStorageID,
		NlpMetrics: events.NlpMetrics{
			WordCount:               res.WordCount,
			SentenceCount:           res.SentenceCount,
			AvgSentenceLength:       res.AvgSentenceLength,
			LanguageDetected:        string(res.Language),
			ProcessingTimeMS:        ms,
			MeanZipfFrequency:       res.MeanZipf,
			PercentTokensZipfBelow3: res.RareWordPercent,
			MTLDScore:               res.MTLD,
			HDDScore:                res.HDD,
			PhrasalIndices:          map[string]float64{},
			ClausalIndices:          map[string]float64{},
		},
		GrammarAnalysis: events.GrammarAnalysis{
			ErrorCount:            res.Grammar.ErrorCount,
			Errors:                errs,
			Language:              string(res.Language),
			ProcessingTimeMS:      ms,
			GrammarCategoryCounts: ptr(res.Grammar.CategoryCounts),
			GrammarRuleCounts:     ptr(res.Grammar.RuleCounts),
		},
		ProcessingMetadata: events.MustObject(map[string]any{
			"analyzer":                   AnalyzerVersion,
			"batch_id":                   batchID,
			"offsets":                    "code_points",
			"paragraph_count":            res.ParagraphCount,
			"character_count":            res.CharacterCount,
			"avg_word_length":            res.AvgWordLength,
			"sentence_length_std_dev":    res.SentenceLengthStdDev,
			"type_token_ratio":           res.TypeTokenRatio,
			"known_word_percent":         res.KnownWordPercent,
			"flesch_kincaid_grade":       res.FleschKincaidGrade,
			"flesch_reading_ease":        res.FleschReadingEase,
			"lix":                        res.LIX,
			"spelling_corrections":       res.SpellingCorrections,
			"spelling_corrections_known": correctionsKnown,
			"error_density":              res.ErrorDensity,
			"grammar_error_density":      res.GrammarErrorDensity,
		}),
	}
}

// thinEvent is the batch's thin event: completed_successfully,
// completed_with_failures (some essays failed) or failed_critically (all
// failed), with the summary and, on failures, the reasons in error_info.
func thinEvent(batchID string, sum Summary, started time.Time) (events.BatchNlpAnalysisCompletedV1, error) {
	now := events.Now()
	status, stage := events.BatchStatusCompletedSuccessfully, events.ProcessingStageCompleted
	switch {
	case sum.Failed > 0 && sum.Successful == 0:
		status, stage = events.BatchStatusFailedCritically, events.ProcessingStageFailed
	case sum.Failed > 0:
		status = events.BatchStatusCompletedWithFailures
	}
	info := events.Object("{}")
	if sum.Failed > 0 {
		var err error
		info, err = events.NewObject(map[string]any{
			"error_code": string(events.ErrorCodeNLPServiceError),
			"message":    fmt.Sprintf("%d of %d essays could not be analyzed", sum.Failed, sum.TotalEssays),
			"service":    Source,
			"operation":  "analyze_batch",
			"timestamp":  now,
			"details":    map[string]any{"failed_essays": sum.FailureReasons},
		})
		if err != nil {
			return events.BatchNlpAnalysisCompletedV1{}, fmt.Errorf("error info of batch %s: %w", batchID, err)
		}
	}
	summary, err := events.NewObject(sum)
	if err != nil {
		return events.BatchNlpAnalysisCompletedV1{}, fmt.Errorf("summary of batch %s: %w", batchID, err)
	}
	return events.BatchNlpAnalysisCompletedV1{
		ProcessingUpdate: events.ProcessingUpdate{
			BaseEventData: events.BaseEventData{
				EventName: events.EventBatchNLPAnalysisCompleted, EntityID: ptr(batchID),
				EntityType: ptr("batch"), Timestamp: now,
			},
			Status: events.UpdateStatus(status),
			SystemMetadata: events.SystemProcessingMetadata{
				EntityID: batchID, EntityType: "batch", Timestamp: now, ProcessingStage: &stage,
				StartedAt: ptr(events.AsTime(started)), CompletedAt: ptr(now),
				Event: ptr(string(events.EventBatchNLPAnalysisCompleted)), ErrorInfo: info,
			},
		},
		BatchID:           batchID,
		ProcessingSummary: summary,
	}, nil
}
