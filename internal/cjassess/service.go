package cjassess

import (
	"context"
	"errors"
	"fmt"
	"hash/fnv"
	"log/slog"
	"slices"
	"strings"

	"github.com/google/uuid"

	"github.com/hule-dev/hule/internal/cjassess/grading"
	"github.com/hule-dev/hule/internal/cjassess/judge"
	"github.com/hule-dev/hule/internal/cjassess/pairing"
	"github.com/hule-dev/hule/internal/events"
	"github.com/hule-dev/hule/internal/fault"
)

// ErrTextMissing is what a TextFunc returns when a stored text does not
// exist: the essay is then a failed essay, not a failed job.
var ErrTextMissing = errors.New("essay text missing")

// TextFunc reads a stored text by storage id. It returns ErrTextMissing
// (wrapped) when the text does not exist; any other error is treated as
// transient and fails the whole call so that it is retried. The composition
// root builds one over the content store (cjassess imports no other
// service): map content.ErrNotFound and content.ErrBadID to ErrTextMissing.
type TextFunc func(ctx context.Context, storageID string) (string, error)

type readResult struct{ text, missing string }

func readText(ctx context.Context, texts TextFunc, storageID string) (readResult, error) {
	t, err := texts(ctx, storageID)
	switch {
	case errors.Is(err, ErrTextMissing):
		return readResult{missing: err.Error()}, nil
	case err != nil:
		return readResult{}, err
	case strings.TrimSpace(t) == "":
		return readResult{missing: "essay text is empty"}, nil
	}
	return readResult{text: t}, nil
}

// Config configures the service.
type Config struct {
	// Scale is the grade scale of every job ("" = grading.DefaultScale).
	Scale string
	// Pairing configures the planner; set BothOrders for LLM judges.
	// The seed is derived from the job id.
	Pairing pairing.Options
	// Concurrency bounds the pairs of a wave judged at once.
	Concurrency int
	// MinSuccessRate: see Settings (0 = DefaultMinSuccessRate).
	MinSuccessRate float64
	// Temperature is the judge's configured temperature, for reporting.
	Temperature *float64
}

// Validate reports a configuration the service cannot run with.
func (c Config) Validate() error {
	if _, err := grading.LookupScale(c.Scale); err != nil {
		return fmt.Errorf("cjassess config: %w", err)
	}
	if err := c.Pairing.Validate(); err != nil {
		return fmt.Errorf("cjassess config: %w", err)
	}
	if c.MinSuccessRate < 0 || c.MinSuccessRate > 1 {
		return fmt.Errorf("cjassess config: min success rate %v outside [0, 1]", c.MinSuccessRate)
	}
	return nil
}

// Service is the cjassess service: it turns one ELS_CJAssessmentRequestV1
// into the events to publish. A bus handler is a thin adapter around Assess.
type Service struct {
	store  Store
	engine *Engine
	cfg    Config
	log    *slog.Logger
}

// NewService returns the service; j judges every job.
func NewService(st Store, j judge.Judge, cfg Config, log *slog.Logger) (*Service, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Service{
		store:  st,
		engine: NewEngine(st, j, EngineOptions{Temperature: cfg.Temperature, Log: log}),
		cfg:    cfg,
		log:    log,
	}, nil
}

// Published holds what a handled request publishes: Completed and Result
// together through PublishCompletion, or Failed alone through
// PublishFailure.
type Published struct {
	Completed *events.CJAssessmentCompletedV1
	Result    *events.AssessmentResultV1
	Failed    *events.CJAssessmentFailedV1
}

// JobID derives the job id of a request from its batch and essays, so a
// redelivered request resumes its job instead of starting another.
func JobID(batchID string, essayIDs []string) string {
	ids := slices.Clone(essayIDs)
	slices.Sort(ids)
	name := batchID + "\x00" + strings.Join(ids, "\x00")
	return uuid.NewSHA1(jobNamespace, []byte(name)).String()
}

var jobNamespace = uuid.MustParse("6f1c3c52-6a0e-4b53-9d55-0c7c0f6f8a21")

func seedOf(jobID string) uint64 {
	h := fnv.New64a()
	_, _ = h.Write([]byte(jobID))
	return h.Sum64()
}

// Assess runs the comparative judgement the request asks for, resuming the
// job if an earlier delivery started it. It reads essay texts (and anchor
// texts kept in the content store) through texts. A job that ends without a
// result gives Published.Failed and a nil error; an error means nothing is to
// be published: a permanent one (fault.IsPermanent) for a request that can
// never succeed, any other to be retried.
func (s *Service) Assess(ctx context.Context, req events.ELSCJAssessmentRequestV1, texts TextFunc) (Published, error) {
	batchID := req.SystemMetadata.EntityID
	if req.EntityID != nil && *req.EntityID != "" {
		batchID = *req.EntityID
	}
	if batchID == "" {
		return Published{}, fault.Permanent(errors.New("cj request: no batch id"))
	}
	ids := make([]string, len(req.EssaysForCJ))
	for i, e := range req.EssaysForCJ {
		ids[i] = e.EssayID
	}
	job := Job{
		ID:      JobID(batchID, ids),
		BatchID: batchID,
		Settings: Settings{
			Scale: s.cfg.Scale, Pairing: s.cfg.Pairing, Concurrency: s.cfg.Concurrency,
			MinSuccessRate: s.cfg.MinSuccessRate,
		},
	}
	job.Settings.Pairing.Seed = seedOf(job.ID)
	if req.AssignmentID != nil {
		job.AssignmentID = *req.AssignmentID
	}
	if o := req.LLMConfigOverrides; o != nil {
		ov := &job.Settings.Overrides
		if o.ModelOverride != nil {
			ov.Model = *o.ModelOverride
		}
		ov.Temperature = o.TemperatureOverride
		if o.MaxTokensOverride != nil {
			ov.MaxTokens = *o.MaxTokensOverride
		}
		if o.ProviderOverride != nil {
			ov.Provider = *o.ProviderOverride
		}
		if o.SystemPromptOverride != nil {
			job.Settings.Prompt.SystemPrompt = *o.SystemPromptOverride
		}
		if o.JudgeRubricOverride != nil {
			job.Settings.Prompt.Criteria = *o.JudgeRubricOverride
		}
	}
	if ref := req.StudentPromptRef; ref != nil {
		if id := ref.References[events.ContentTypeStudentPromptText]["storage_id"]; id != "" {
			t, err := readText(ctx, texts, id)
			if err != nil {
				return Published{}, fmt.Errorf("read student prompt of batch %s: %w", batchID, err)
			}
			job.Settings.Prompt.Assignment = t.text
		}
	}
	for _, ref := range req.EssaysForCJ {
		t, err := readText(ctx, texts, ref.TextStorageID)
		if err != nil {
			return Published{}, fmt.Errorf("read essay %s of batch %s: %w", ref.EssayID, batchID, err)
		}
		job.Essays = append(job.Essays, Essay{ID: ref.EssayID, Text: t.text, Missing: t.missing, StorageID: ref.TextStorageID})
	}
	if job.AssignmentID != "" {
		all, err := s.store.Anchors(ctx, job.AssignmentID)
		if err != nil {
			return Published{}, err
		}
		// A user's batch uses the assignment's shared anchors and the
		// user's own, never another user's.
		var anchors []AnchorRecord
		for _, a := range all {
			if a.Owner == "" || a.Owner == req.UserID {
				anchors = append(anchors, a)
			}
		}
		aes, err := anchorEssays(ctx, anchors, texts)
		if err != nil {
			return Published{}, err
		}
		job.Essays = append(job.Essays, aes...)
	}

	out, err := s.engine.Run(ctx, job)
	var jerr *JobError
	if errors.As(err, &jerr) {
		failed, ferr := ThinFailed(out, jerr)
		if ferr != nil {
			return Published{}, fault.Permanent(ferr)
		}
		return Published{Failed: &failed}, nil
	}
	if err != nil {
		return Published{}, err
	}
	thin, err := ThinCompleted(out)
	if err != nil {
		return Published{}, fault.Permanent(err)
	}
	rich, err := RichResult(out)
	if err != nil {
		return Published{}, fault.Permanent(err)
	}
	return Published{Completed: &thin, Result: &rich}, nil
}
