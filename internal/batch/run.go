package batch

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"

	"github.com/google/uuid"

	"github.com/hule-dev/hule/internal/bus"
	"github.com/hule-dev/hule/internal/events"
)

// Refusal codes: why a pipeline request was not accepted.
const (
	RefusedNotFound        = "batch_not_found"
	RefusedUnknownPipeline = "unknown_pipeline"
	RefusedNotReady        = "batch_not_ready"
	RefusedRunning         = "pipeline_already_running"
)

// Refusal says why a pipeline request was refused.
type Refusal struct {
	Code   string
	Reason string
}

func (r *Refusal) Error() string { return r.Code + ": " + r.Reason }

// HTTPStatus is the status an HTTP request refused for r gets.
func (r *Refusal) HTTPStatus() int {
	switch r.Code {
	case RefusedNotFound:
		return http.StatusNotFound
	case RefusedUnknownPipeline:
		return http.StatusBadRequest
	default:
		return http.StatusConflict
	}
}

// knownPipelines lists the requestable pipelines, sorted.
func knownPipelines() []string {
	var names []string
	for n := range Pipelines {
		names = append(names, n)
	}
	slices.Sort(names)
	return names
}

// check decides whether userID may start pipeline on the batch now. It
// returns the batch, or the refusal.
func check(ctx context.Context, q querier, userID, batchID, pipeline string) (*Batch, *Refusal, error) {
	b, err := loadBatch(ctx, q, batchID)
	if errors.Is(err, errNoBatch) || err == nil && b.UserID != userID {
		return nil, &Refusal{RefusedNotFound, fmt.Sprintf("batch %s not found", batchID)}, nil
	}
	if err != nil {
		return nil, nil, err
	}
	if _, ok := Pipelines[pipeline]; !ok {
		return b, &Refusal{RefusedUnknownPipeline, fmt.Sprintf("unknown pipeline %q; known pipelines: %s",
			pipeline, strings.Join(knownPipelines(), ", "))}, nil
	}
	if !b.Ready {
		return b, &Refusal{RefusedNotReady, fmt.Sprintf("batch %s is not ready: essay content is still arriving", batchID)}, nil
	}
	run, err := runningRun(ctx, q, batchID)
	if err != nil {
		return nil, nil, err
	}
	if run != nil {
		return b, &Refusal{RefusedRunning, fmt.Sprintf("batch %s is already running pipeline %q", batchID, run.Pipeline)}, nil
	}
	return b, nil, nil
}

// PipelineRequest is a client's request to run a pipeline on a batch.
type PipelineRequest struct {
	UserID       string
	BatchID      string
	Pipeline     string
	AssignmentID *string
	// CorrelationID ties the work to the request; nil gets a fresh id.
	CorrelationID uuid.UUID
}

// RequestPipeline checks req at once (a refused request is a *Refusal)
// and publishes ClientBatchPipelineRequestV1 for the batch's consumer,
// which checks again and starts the pipeline. It returns the correlation
// id of the work.
func (s *Service) RequestPipeline(ctx context.Context, tx *sql.Tx, req PipelineRequest) (uuid.UUID, error) {
	if req.AssignmentID != nil && len(*req.AssignmentID) > maxIDLen {
		return uuid.Nil, &InputError{Msg: fmt.Sprintf("assignment_id is longer than %d characters", maxIDLen)}
	}
	_, ref, err := check(ctx, tx, req.UserID, req.BatchID, req.Pipeline)
	if err != nil {
		return uuid.Nil, err
	}
	if ref != nil {
		return uuid.Nil, ref
	}
	if req.CorrelationID == uuid.Nil {
		req.CorrelationID = uuid.New()
	}
	data := events.ClientBatchPipelineRequestV1{
		BatchID: req.BatchID, RequestedPipeline: req.Pipeline, ClientCorrelationID: req.CorrelationID, UserID: req.UserID,
	}
	if req.AssignmentID != nil {
		data.PromptPayload = &events.PipelinePromptPayload{AssignmentID: req.AssignmentID}
	}
	env := events.NewEnvelope(events.TopicClientBatchPipelineRequest, source, req.CorrelationID, data)
	env.SetMeta(events.MetaUserID, req.UserID)
	if err := s.pub.Publish(ctx, tx, bus.Event(env)); err != nil {
		return uuid.Nil, fmt.Errorf("publish pipeline request: %w", err)
	}
	return req.CorrelationID, nil
}

// handlePipelineRequest checks a pipeline request again (it may come
// straight from the bus) and starts it, or records the refusal.
func (s *Service) handlePipelineRequest(ctx context.Context, tx *sql.Tx, ev events.Raw) error {
	data, err := events.DecodeData[events.ClientBatchPipelineRequestV1](ev)
	if err != nil {
		return err
	}
	corr := ev.CorrelationID
	b, ref, err := check(ctx, tx, data.UserID, data.BatchID, data.RequestedPipeline)
	if err != nil {
		return err
	}
	var assignment *string
	if data.PromptPayload != nil {
		assignment = data.PromptPayload.AssignmentID
	}
	now := s.nowUTC()
	if ref != nil {
		s.log.WarnContext(ctx, "pipeline request refused", "batch_id", data.BatchID, "pipeline", data.RequestedPipeline,
			"code", ref.Code, "reason", ref.Reason)
		return insertRun(ctx, tx, &Run{
			ID: uuid.NewString(), BatchID: data.BatchID, Pipeline: data.RequestedPipeline, Status: RunRefused,
			RefusalCode: ref.Code, RefusalReason: ref.Reason, CorrelationID: corr, AssignmentID: assignment,
			StartedAt: now, FinishedAt: &now,
		})
	}
	phases, skipped, err := Resolve(data.RequestedPipeline, b.CompletedPhases)
	if err != nil {
		return err // a broken phase table: permanent
	}
	run := &Run{
		ID: uuid.NewString(), BatchID: b.ID, Pipeline: data.RequestedPipeline, Phases: phases, Skipped: skipped,
		Status: RunRunning, CorrelationID: corr, AssignmentID: assignment, StartedAt: now,
	}
	if err := insertRun(ctx, tx, run); err != nil {
		return err
	}
	if err := setBatchStatus(ctx, tx, b.ID, events.BatchStatusProcessingPipelines, now); err != nil {
		return err
	}
	s.log.InfoContext(ctx, "pipeline started", "batch_id", b.ID, "pipeline", run.Pipeline, "phases", joinPhases(phases),
		"skipped", joinPhases(skipped))
	for _, p := range skipped {
		env := events.NewEnvelope(events.TopicBatchPhaseSkipped, source, corr, events.PhaseSkippedV1{
			Event: string(events.EventBatchPhaseSkipped), BatchID: b.ID, PhaseName: string(p),
			SkipReason: events.DefaultSkipReason, CorrelationID: corr,
			Metadata: meta(b.ID, now, events.ProcessingStageCompleted, events.EventBatchPhaseSkipped),
		})
		env.SetMeta(events.MetaUserID, b.UserID)
		if err := s.pub.Publish(ctx, tx, bus.Event(env)); err != nil {
			return fmt.Errorf("publish phase skipped: %w", err)
		}
	}
	return s.startPhase(ctx, tx, b, run, 0)
}

// phasesBefore returns the phases that precede p in the pipeline's full
// order (skipped ones included): p starts with the essays that came through
// all of them.
func phasesBefore(pipeline string, p events.PhaseName) []events.PhaseName {
	full, _, err := Resolve(pipeline, nil)
	if err != nil {
		return nil
	}
	if i := slices.Index(full, p); i >= 0 {
		return full[:i]
	}
	return full
}

// startPhase starts phase idx of run with the essays that came through
// the phases before it, or finishes the run when no phase is left.
func (s *Service) startPhase(ctx context.Context, tx *sql.Tx, b *Batch, run *Run, idx int) error {
	if idx >= len(run.Phases) {
		run.CurrentIndex = idx
		return s.finish(ctx, tx, b, run, false)
	}
	p := run.Phases[idx]
	essays, err := inputEssays(ctx, tx, b.ID, phasesBefore(run.Pipeline, p))
	if err != nil {
		return err
	}
	run.CurrentIndex = idx
	if err := advanceRun(ctx, tx, run.ID, idx); err != nil {
		return err
	}
	if len(essays) == 0 {
		s.log.WarnContext(ctx, "no essays left for phase; pipeline stops", "batch_id", b.ID, "phase", p)
		return s.finish(ctx, tx, b, run, true)
	}
	out, err := s.command(b, run, p, essays)
	if err != nil {
		return err
	}
	if err := s.pub.Publish(ctx, tx, out); err != nil {
		return fmt.Errorf("publish %s command: %w", p, err)
	}
	s.log.InfoContext(ctx, "phase started", "batch_id", b.ID, "phase", p, "essays", len(essays))
	return nil
}

// command builds the batch→lifecycle command that starts phase p.
func (s *Service) command(b *Batch, run *Run, p events.PhaseName, essays []essayRef) (bus.Outgoing, error) {
	refs := make([]events.EssayProcessingInputRefV1, len(essays))
	for i, e := range essays {
		refs[i] = events.EssayProcessingInputRefV1{EssayID: e.id, TextStorageID: e.storageID}
	}
	now := s.nowUTC()
	lang := string(b.CourseCode.Language())
	var out bus.Outgoing
	switch p {
	case events.PhaseNameSpellcheck:
		env := events.NewEnvelope(events.TopicBatchSpellcheckInitiateCommand, source, run.CorrelationID,
			events.BatchServiceSpellcheckInitiateCommandDataV1{
				BaseEventData:   base(b.ID, now, events.EventBatchSpellcheckInitiateCommand),
				EssaysToProcess: refs, Language: lang,
			})
		env.SetMeta(events.MetaUserID, b.UserID)
		out = bus.Event(env)
	case events.PhaseNameNLP:
		env := events.NewEnvelope(events.TopicBatchNLPInitiateCommandV2, source, run.CorrelationID,
			events.BatchServiceNLPInitiateCommandDataV2{
				BaseEventData:   base(b.ID, now, events.EventBatchNLPInitiateCommandV2),
				EssaysToProcess: refs, Language: lang, StudentPromptRef: b.PromptRef,
			})
		env.SetMeta(events.MetaUserID, b.UserID)
		out = bus.Event(env)
	case events.PhaseNameCJAssessment:
		assignment := run.AssignmentID
		if assignment == nil {
			assignment = b.AssignmentID
		}
		classType := "GUEST"
		if b.ClassID != nil {
			classType = "REGULAR"
		}
		env := events.NewEnvelope(events.TopicBatchCJAssessmentInitiateCommand, source, run.CorrelationID,
			events.BatchServiceCJAssessmentInitiateCommandDataV1{
				BaseEventData:   base(b.ID, now, events.EventBatchCJAssessmentInitiateCommand),
				EssaysToProcess: refs, Language: lang, CourseCode: b.CourseCode, StudentPromptRef: b.PromptRef,
				ClassType: classType, AssignmentID: assignment,
			})
		env.SetMeta(events.MetaUserID, b.UserID)
		out = bus.Event(env)
	default:
		return bus.Outgoing{}, fmt.Errorf("phase %s has no command", p)
	}
	return out.WithKey(b.ID), nil
}

// handlePhaseOutcome records how a phase ended for the batch's essays and
// starts the next phase, or ends the pipeline. An outcome that is not the
// running phase's (a duplicate, or a stale one) is ignored.
func (s *Service) handlePhaseOutcome(ctx context.Context, tx *sql.Tx, ev events.Raw) error {
	data, err := events.DecodeData[events.ELSBatchPhaseOutcomeV1](ev)
	if err != nil {
		return err
	}
	corr := data.CorrelationID
	if corr == uuid.Nil {
		corr = ev.CorrelationID
	}
	run, err := runningRun(ctx, tx, data.BatchID)
	if err != nil {
		return err
	}
	cur, ok := phaseOf(run)
	if run == nil || !ok || cur != data.PhaseName || corr != run.CorrelationID {
		s.log.InfoContext(ctx, "stale or duplicate phase outcome ignored", "batch_id", data.BatchID,
			"phase", data.PhaseName, "correlation_id", corr)
		return nil
	}
	b, err := loadBatch(ctx, tx, data.BatchID)
	if err != nil {
		return err
	}
	now := s.nowUTC()
	for _, e := range data.ProcessedEssays {
		if !slices.Contains(b.EssayIDs, e.EssayID) {
			s.log.WarnContext(ctx, "outcome names an essay outside the batch", "batch_id", b.ID, "essay_id", e.EssayID)
			continue
		}
		if err := recordResult(ctx, tx, b.ID, e.EssayID, cur, true, e.TextStorageID, now); err != nil {
			return err
		}
	}
	for _, id := range data.FailedEssayIDs {
		if !slices.Contains(b.EssayIDs, id) {
			s.log.WarnContext(ctx, "outcome names an essay outside the batch", "batch_id", b.ID, "essay_id", id)
			continue
		}
		if err := recordResult(ctx, tx, b.ID, id, cur, false, "", now); err != nil {
			return err
		}
	}
	s.log.InfoContext(ctx, "phase ended", "batch_id", b.ID, "phase", cur, "status", data.PhaseStatus,
		"succeeded", len(data.ProcessedEssays), "failed", len(data.FailedEssayIDs))
	if data.PhaseStatus == events.BatchStatusFailedCritically || len(data.ProcessedEssays) == 0 {
		return s.finish(ctx, tx, b, run, true)
	}
	if err := markPhaseCompleted(ctx, tx, b.ID, cur, now); err != nil {
		return err
	}
	return s.startPhase(ctx, tx, b, run, run.CurrentIndex+1)
}

func phaseOf(run *Run) (events.PhaseName, bool) {
	if run == nil {
		return "", false
	}
	return run.current()
}

// finish ends run: stopped means a phase failed critically (or had no
// essays) and the rest of the pipeline is dropped. It publishes
// BatchPipelineCompletedV1 with the essays that came through every phase
// of the pipeline as successes and every other registered essay as a
// failure.
func (s *Service) finish(ctx context.Context, tx *sql.Tx, b *Batch, run *Run, stopped bool) error {
	now := s.nowUTC()
	full, _, err := Resolve(run.Pipeline, nil)
	if err != nil {
		return err
	}
	through, err := inputEssays(ctx, tx, b.ID, full)
	if err != nil {
		return err
	}
	successful := len(through)
	completed := run.Phases
	final, status := events.BatchStatusCompletedSuccessfully, RunCompleted
	if stopped {
		successful, completed = 0, run.Phases[:min(run.CurrentIndex, len(run.Phases))]
		final, status = events.BatchStatusFailedCritically, RunFailed
	}
	failed := max(b.ExpectedEssayCount-successful, 0)
	if !stopped && failed > 0 {
		final = events.BatchStatusCompletedWithFailures
	}
	if err := finishRun(ctx, tx, run.ID, status, final, now); err != nil {
		return err
	}
	if err := setBatchStatus(ctx, tx, b.ID, final, now); err != nil {
		return err
	}
	names := make([]string, len(completed))
	for i, p := range completed {
		names[i] = string(p)
	}
	env := events.NewEnvelope(events.TopicBatchPipelineCompleted, source, run.CorrelationID, events.BatchPipelineCompletedV1{
		Event: string(events.EventBatchPipelineCompleted), BatchID: b.ID, CompletedPhases: names, FinalStatus: final,
		ProcessingDurationSeconds: now.Sub(run.StartedAt).Seconds(), SuccessfulEssayCount: successful,
		FailedEssayCount: failed, CorrelationID: run.CorrelationID,
		Metadata: meta(b.ID, now, events.ProcessingStageCompleted, events.EventBatchPipelineCompleted),
	})
	env.SetMeta(events.MetaUserID, b.UserID)
	if err := s.pub.Publish(ctx, tx, bus.Event(env)); err != nil {
		return fmt.Errorf("publish pipeline completed: %w", err)
	}
	s.log.InfoContext(ctx, "pipeline completed", "batch_id", b.ID, "pipeline", run.Pipeline, "final_status", final,
		"successful", successful, "failed", failed)
	return nil
}
