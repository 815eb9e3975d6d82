package lifecycle

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/google/uuid"

	"github.com/hule-dev/hule/internal/bus"
	"github.com/hule-dev/hule/internal/events"
	"github.com/hule-dev/hule/internal/fault"
)

// startRun begins a run of phase p for the batch named by a command: it
// moves each listed essay to the phase's in-progress state and returns
// those it could move. An essay that is unknown or in a state the phase
// cannot start from is rejected (logged, counted) and counts as failed in
// the run. ok is false when the command is a duplicate or names an unknown
// batch: nothing is to be sent then.
func (s *Service) startRun(ctx context.Context, tx *sql.Tx, topic string, corr uuid.UUID, batchID string,
	p events.PhaseName, refs []events.EssayProcessingInputRefV1) (b *lbatch, started []events.EssayProcessingInputRefV1, ok bool, err error) {
	b, err = loadBatch(ctx, tx, batchID)
	if errors.Is(err, errNoBatch) {
		s.ignored(ctx, topic, "phase command for an unknown batch; ignored", "batch_id", batchID, "phase", p)
		return nil, nil, false, nil
	}
	if err != nil {
		return nil, nil, false, err
	}
	run, err := loadRun(ctx, tx, batchID, p)
	if err != nil {
		return nil, nil, false, err
	}
	if run != nil && run.correlationID == corr {
		s.ignored(ctx, topic, "phase command seen before; duplicate ignored", "batch_id", batchID, "phase", p)
		return nil, nil, false, nil
	}
	now := s.nowUTC()
	if _, err := tx.ExecContext(ctx, `DELETE FROM lifecycle_phase_essays WHERE batch_id = $1 AND phase = $2`, batchID, string(p)); err != nil {
		return nil, nil, false, fmt.Errorf("reset %s run of %s: %w", p, batchID, err)
	}
	if _, err := tx.ExecContext(ctx, `INSERT INTO lifecycle_phase_runs (batch_id, phase, correlation_id, reported, started_at)
		VALUES ($1, $2, $3, 0, $4) ON CONFLICT (batch_id, phase) DO UPDATE SET correlation_id = excluded.correlation_id,
		reported = 0, started_at = excluded.started_at, reported_at = NULL`, batchID, string(p), corr.String(), now); err != nil {
		return nil, nil, false, fmt.Errorf("start %s run of %s: %w", p, batchID, err)
	}
	seen := map[string]bool{}
	for i, ref := range refs {
		if seen[ref.EssayID] {
			continue
		}
		seen[ref.EssayID] = true
		result := resultFailed
		essay, err := loadEssay(ctx, tx, batchID, ref.EssayID)
		if err != nil {
			return nil, nil, false, err
		}
		if essay == nil {
			s.invalid(ctx, batchID, ref.EssayID, PhaseRequested, p, fmt.Errorf("%w: essay is not in the batch", ErrInvalidTransition))
		} else if err := s.startEssay(ctx, tx, batchID, essay, p, now); err == nil {
			result = resultPending
			started = append(started, ref)
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO lifecycle_phase_essays (batch_id, phase, essay_id, position, input_storage_id, result)
			VALUES ($1, $2, $3, $4, $5, $6)`, batchID, string(p), ref.EssayID, i, ref.TextStorageID, result); err != nil {
			return nil, nil, false, fmt.Errorf("add %s to %s run: %w", ref.EssayID, p, err)
		}
	}
	s.log.InfoContext(ctx, "phase run started", "batch_id", batchID, "phase", p, "essays", len(refs), "started", len(started))
	return b, started, true, nil
}

// startEssay moves an essay to awaiting, then in progress, for phase p.
// A rejected transition is logged, counted and returned.
func (s *Service) startEssay(ctx context.Context, tx *sql.Tx, batchID string, e *essayRow, p events.PhaseName, now time.Time) error {
	st := e.status
	for _, t := range []Trigger{PhaseRequested, PhaseStarted} {
		next, _, err := Next(st, t, p)
		if err != nil {
			s.invalid(ctx, batchID, e.id, t, p, err)
			return err
		}
		st = next
	}
	if st == e.status {
		return nil
	}
	return setEssayStatus(ctx, tx, e.id, st, now)
}

// commandBatchID is the batch a phase command is about.
func commandBatchID(topic string, b events.BaseEventData) (string, error) {
	if b.EntityID == nil || *b.EntityID == "" {
		return "", fault.Permanent(fmt.Errorf("%s command without entity_id (the batch id)", topic))
	}
	return *b.EntityID, nil
}

// handleSpellcheckCommand sends one spellcheck request per essay.
func (s *Service) handleSpellcheckCommand(ctx context.Context, tx *sql.Tx, ev events.Raw) error {
	cmd, err := events.DecodeData[events.BatchServiceSpellcheckInitiateCommandDataV1](ev)
	if err != nil {
		return err
	}
	batchID, err := commandBatchID(ev.EventType, cmd.BaseEventData)
	if err != nil {
		return err
	}
	p := events.PhaseNameSpellcheck
	b, started, ok, err := s.startRun(ctx, tx, ev.EventType, ev.CorrelationID, batchID, p, cmd.EssaysToProcess)
	if err != nil || !ok {
		return err
	}
	now := events.AsTime(s.nowUTC())
	outs := make([]bus.Outgoing, 0, len(started))
	for _, ref := range started {
		essayID, batch, essayType := ref.EssayID, b.id, "essay"
		stage, evName := events.ProcessingStagePending, string(events.EventEssaySpellcheckRequested)
		env := events.NewEnvelope(events.TopicEssaySpellcheckRequested, source, ev.CorrelationID,
			events.EssayLifecycleSpellcheckRequestV1{
				ProcessingUpdate: events.ProcessingUpdate{
					BaseEventData: events.BaseEventData{EventName: events.EventEssaySpellcheckRequested,
						EntityID: &essayID, EntityType: &essayType, ParentID: &batch, Timestamp: now},
					Status: events.UpdateStatus(events.EssayStatusAwaitingSpellcheck),
					SystemMetadata: events.SystemProcessingMetadata{EntityID: essayID, EntityType: essayType,
						ParentID: &batch, Timestamp: now, ProcessingStage: &stage, Event: &evName},
				},
				TextStorageID: ref.TextStorageID, Language: cmd.Language,
			})
		env.SetMeta(events.MetaUserID, b.userID)
		// Keyed by essay, not batch: the requests of one batch need no
		// order among themselves, and on Kafka this spreads a batch over
		// the partitions, so every spellcheck copy takes part of it.
		outs = append(outs, bus.Event(env).WithKey(essayID))
	}
	if len(outs) > 0 {
		if err := s.pub.Publish(ctx, tx, outs...); err != nil {
			return fmt.Errorf("publish spellcheck requests: %w", err)
		}
	}
	return s.maybeReport(ctx, tx, b, p)
}

// handleNLPCommand sends one NLP request for the batch's essays.
func (s *Service) handleNLPCommand(ctx context.Context, tx *sql.Tx, ev events.Raw) error {
	cmd, err := events.DecodeData[events.BatchServiceNLPInitiateCommandDataV2](ev)
	if err != nil {
		return err
	}
	batchID, err := commandBatchID(ev.EventType, cmd.BaseEventData)
	if err != nil {
		return err
	}
	p := events.PhaseNameNLP
	b, started, ok, err := s.startRun(ctx, tx, ev.EventType, ev.CorrelationID, batchID, p, cmd.EssaysToProcess)
	if err != nil || !ok {
		return err
	}
	if len(started) > 0 {
		req := cmd
		name, known := events.EventOf(s.nlpTopic)
		if !known {
			name = events.EventBatchNLPProcessingRequestedV2
		}
		req.EventName, req.Timestamp, req.EssaysToProcess = name, events.AsTime(s.nowUTC()), started
		env := events.NewEnvelope(s.nlpTopic, source, ev.CorrelationID, req)
		env.SetMeta(events.MetaUserID, b.userID)
		if err := s.pub.Publish(ctx, tx, bus.Event(env).WithKey(b.id)); err != nil {
			return fmt.Errorf("publish nlp request: %w", err)
		}
	}
	return s.maybeReport(ctx, tx, b, p)
}

// handleCJCommand sends one comparative judgement request for the batch.
func (s *Service) handleCJCommand(ctx context.Context, tx *sql.Tx, ev events.Raw) error {
	cmd, err := events.DecodeData[events.BatchServiceCJAssessmentInitiateCommandDataV1](ev)
	if err != nil {
		return err
	}
	batchID, err := commandBatchID(ev.EventType, cmd.BaseEventData)
	if err != nil {
		return err
	}
	p := events.PhaseNameCJAssessment
	b, started, ok, err := s.startRun(ctx, tx, ev.EventType, ev.CorrelationID, batchID, p, cmd.EssaysToProcess)
	if err != nil || !ok {
		return err
	}
	if len(started) > 0 {
		now := events.AsTime(s.nowUTC())
		batch, batchType := b.id, "batch"
		stage, evName := events.ProcessingStageInitialized, string(events.EventELSCJAssessmentRequested)
		env := events.NewEnvelope(events.TopicELSCJAssessmentRequested, source, ev.CorrelationID, events.ELSCJAssessmentRequestV1{
			BaseEventData: events.BaseEventData{EventName: events.EventELSCJAssessmentRequested, EntityID: &batch,
				EntityType: &batchType, Timestamp: now},
			SystemMetadata: events.SystemProcessingMetadata{EntityID: batch, EntityType: batchType, Timestamp: now,
				ProcessingStage: &stage, Event: &evName},
			EssaysForCJ: started, Language: cmd.Language, CourseCode: cmd.CourseCode, StudentPromptRef: cmd.StudentPromptRef,
			AssignmentID: cmd.AssignmentID, UserID: b.userID, OrgID: b.orgID,
		})
		env.SetMeta(events.MetaUserID, b.userID)
		if err := s.pub.Publish(ctx, tx, bus.Event(env).WithKey(b.id)); err != nil {
			return fmt.Errorf("publish cj request: %w", err)
		}
	}
	return s.maybeReport(ctx, tx, b, p)
}

// essayOutcome is what a thin event says of one essay.
type essayOutcome struct {
	ok     bool
	output *string
}

// settle applies a thin event's outcomes to the essays of the running
// phase run; with failRest, every essay of the run the event does not
// name as successful fails (batch-level events are final). Outcomes for
// essays that are not pending in the run are duplicates or stale: ignored.
// It does not lock the batch: on PostgreSQL topics one subscriber
// transaction handles results of several batches, and a batch lock taken
// per result would let two routes lock two batches in opposite order. Two
// results of one batch settled at once on different topics may each leave
// the report to the other; Sweep reports such a run.
func (s *Service) settle(ctx context.Context, tx *sql.Tx, topic, batchID string, p events.PhaseName,
	outcomes map[string]essayOutcome, failRest bool) error {
	b, err := loadBatch(ctx, tx, batchID)
	if errors.Is(err, errNoBatch) {
		s.ignored(ctx, topic, "result for an unknown batch; ignored", "batch_id", batchID, "phase", p)
		return nil
	}
	if err != nil {
		return err
	}
	run, err := loadRun(ctx, tx, batchID, p)
	if err != nil {
		return err
	}
	if run == nil || run.reported {
		s.ignored(ctx, topic, "result for no running phase run; ignored", "batch_id", batchID, "phase", p)
		return nil
	}
	var essays []runEssay
	if failRest {
		essays, err = loadRunEssays(ctx, tx, batchID, p)
	} else {
		essays, err = loadRunEssaysByID(ctx, tx, batchID, p, outcomes)
	}
	if err != nil {
		return err
	}
	now := s.nowUTC()
	inRun := map[string]bool{}
	for _, e := range essays {
		inRun[e.id] = true
		if e.result != resultPending {
			if _, named := outcomes[e.id]; named {
				s.ignored(ctx, topic, "result for an essay already settled; ignored", "batch_id", batchID, "essay_id", e.id, "phase", p)
			}
			continue
		}
		o, named := outcomes[e.id]
		if !named && !failRest {
			continue
		}
		trig := PhaseFailed
		if named && o.ok {
			trig = PhaseSucceeded
		}
		row, err := loadEssay(ctx, tx, batchID, e.id)
		if err != nil {
			return err
		}
		result, output := resultFailed, (*string)(nil)
		if row != nil {
			next, changed, err := Next(row.status, trig, p)
			if err != nil {
				s.invalid(ctx, batchID, e.id, trig, p, err)
			} else if changed {
				if err := setEssayStatus(ctx, tx, e.id, next, now); err != nil {
					return err
				}
			}
			if next == phases[p].success {
				result, output = resultSuccess, o.output
				if output == nil || *output == "" {
					in := e.input
					output = &in
				}
			}
		}
		if err := setRunResult(ctx, tx, batchID, p, e.id, result, output); err != nil {
			return err
		}
	}
	for id := range outcomes {
		if !inRun[id] {
			s.ignored(ctx, topic, "result for an essay outside the phase run; ignored", "batch_id", batchID, "essay_id", id, "phase", p)
		}
	}
	return s.maybeReport(ctx, tx, b, p)
}

// maybeReport publishes the phase outcome to batch once every essay of
// the run is settled, exactly once per run.
func (s *Service) maybeReport(ctx context.Context, tx *sql.Tx, b *lbatch, p events.PhaseName) error {
	run, err := loadRun(ctx, tx, b.id, p)
	if err != nil || run == nil || run.reported {
		return err
	}
	var pending int
	if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM lifecycle_phase_essays WHERE batch_id = $1 AND phase = $2 AND result = $3`,
		b.id, string(p), resultPending).Scan(&pending); err != nil {
		return fmt.Errorf("count pending %s essays of %s: %w", p, b.id, err)
	}
	if pending > 0 {
		return nil
	}
	essays, err := loadRunEssays(ctx, tx, b.id, p)
	if err != nil {
		return err
	}
	processed := []events.EssayProcessingInputRefV1{}
	failed := []string{}
	for _, e := range essays {
		switch e.result {
		case resultPending:
			return nil
		case resultSuccess:
			out := e.input
			if e.output != nil {
				out = *e.output
			}
			processed = append(processed, events.EssayProcessingInputRefV1{EssayID: e.id, TextStorageID: out})
		default:
			failed = append(failed, e.id)
		}
	}
	res, err := tx.ExecContext(ctx, `UPDATE lifecycle_phase_runs SET reported = 1, reported_at = $1
		WHERE batch_id = $2 AND phase = $3 AND reported = 0`, s.nowUTC(), b.id, string(p))
	if err != nil {
		return fmt.Errorf("mark %s run of %s reported: %w", p, b.id, err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return nil
	}
	status := events.BatchStatusCompletedSuccessfully
	switch {
	case len(processed) == 0:
		status = events.BatchStatusFailedCritically
	case len(failed) > 0:
		status = events.BatchStatusCompletedWithFailures
	}
	env := events.NewEnvelope(events.TopicELSBatchPhaseOutcome, source, run.correlationID, events.ELSBatchPhaseOutcomeV1{
		BatchID: b.id, PhaseName: p, PhaseStatus: status, ProcessedEssays: processed, FailedEssayIDs: failed,
		CorrelationID: run.correlationID,
	})
	env.SetMeta(events.MetaUserID, b.userID)
	if err := s.pub.Publish(ctx, tx, bus.Event(env)); err != nil {
		return fmt.Errorf("publish phase outcome: %w", err)
	}
	s.log.InfoContext(ctx, "phase outcome reported", "batch_id", b.id, "phase", p, "status", status,
		"succeeded", len(processed), "failed", len(failed))
	return nil
}

// handleSpellcheckCompleted settles one essay's spellcheck.
func (s *Service) handleSpellcheckCompleted(ctx context.Context, tx *sql.Tx, ev events.Raw) error {
	data, err := events.DecodeData[events.SpellcheckPhaseCompletedV1](ev)
	if err != nil {
		return err
	}
	var o essayOutcome
	switch data.Status {
	case events.ProcessingStatusCompleted:
		o = essayOutcome{ok: true, output: data.CorrectedTextStorageID}
	case events.ProcessingStatusFailed:
		o = essayOutcome{}
	default:
		s.ignored(ctx, ev.EventType, "spellcheck progress without an outcome; ignored", "batch_id", data.BatchID,
			"essay_id", data.EntityID, "status", data.Status)
		return nil
	}
	return s.settle(ctx, tx, ev.EventType, data.BatchID, events.PhaseNameSpellcheck, map[string]essayOutcome{data.EntityID: o}, false)
}

// summaryOutcomes reads the successful essay ids of a processing summary.
func summaryOutcomes(summary events.Object) (map[string]essayOutcome, error) {
	var sum events.CJProcessingSummary
	if err := summary.Decode(&sum); err != nil {
		return nil, fault.Permanent(fmt.Errorf("decode processing summary: %w", err))
	}
	out := map[string]essayOutcome{}
	for _, id := range sum.FailedEssayIDs {
		out[id] = essayOutcome{}
	}
	for _, id := range sum.SuccessfulEssayIDs {
		out[id] = essayOutcome{ok: true}
	}
	return out, nil
}

// handleNLPCompleted settles the NLP phase of a batch.
func (s *Service) handleNLPCompleted(ctx context.Context, tx *sql.Tx, ev events.Raw) error {
	data, err := events.DecodeData[events.BatchNlpAnalysisCompletedV1](ev)
	if err != nil {
		return err
	}
	outcomes, err := summaryOutcomes(data.ProcessingSummary)
	if err != nil {
		return err
	}
	return s.settle(ctx, tx, ev.EventType, data.BatchID, events.PhaseNameNLP, outcomes, true)
}

// thinBatchID is the batch a batch-level thin event is about.
func thinBatchID(topic string, u events.ProcessingUpdate) (string, error) {
	if u.EntityID != nil && *u.EntityID != "" {
		return *u.EntityID, nil
	}
	if u.SystemMetadata.EntityID != "" {
		return u.SystemMetadata.EntityID, nil
	}
	return "", fault.Permanent(fmt.Errorf("%s without a batch id", topic))
}

// handleCJCompleted settles the comparative judgement phase of a batch.
func (s *Service) handleCJCompleted(ctx context.Context, tx *sql.Tx, ev events.Raw) error {
	data, err := events.DecodeData[events.CJAssessmentCompletedV1](ev)
	if err != nil {
		return err
	}
	batchID, err := thinBatchID(ev.EventType, data.ProcessingUpdate)
	if err != nil {
		return err
	}
	outcomes, err := summaryOutcomes(data.ProcessingSummary)
	if err != nil {
		return err
	}
	return s.settle(ctx, tx, ev.EventType, batchID, events.PhaseNameCJAssessment, outcomes, true)
}

// handleCJFailed fails the comparative judgement phase for every essay
// still pending in it (the original never listened to this event).
func (s *Service) handleCJFailed(ctx context.Context, tx *sql.Tx, ev events.Raw) error {
	data, err := events.DecodeData[events.CJAssessmentFailedV1](ev)
	if err != nil {
		return err
	}
	batchID, err := thinBatchID(ev.EventType, data.ProcessingUpdate)
	if err != nil {
		return err
	}
	s.log.WarnContext(ctx, "comparative judgement failed for the batch", "batch_id", batchID, "job_id", data.CJAssessmentJobID)
	return s.settle(ctx, tx, ev.EventType, batchID, events.PhaseNameCJAssessment, map[string]essayOutcome{}, true)
}
