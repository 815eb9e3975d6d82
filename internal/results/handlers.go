package results

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/hule-dev/hule/internal/events"
)

// eventTime is when the event happened: its envelope timestamp, in UTC.
func (s *Service) eventTime(ev events.Raw) time.Time {
	if ev.EventTimestamp.IsZero() {
		return s.now()
	}
	return ev.EventTimestamp.UTC()
}

// begin makes sure the batch exists (a placeholder when registration has
// not arrived yet) and returns it.
func (s *Service) begin(ctx context.Context, tx *sql.Tx, batchID string, ev events.Raw) (batchRow, error) {
	at := s.eventTime(ev)
	if err := ensureBatch(ctx, tx, batchID, ev.MetaString(events.MetaUserID), at); err != nil {
		return batchRow{}, err
	}
	if err := touchBatch(ctx, tx, batchID, at); err != nil {
		return batchRow{}, err
	}
	if testHookBegun != nil {
		testHookBegun(batchID)
	}
	return loadBatch(ctx, tx, batchID)
}

// testHookBegun, when a test sets it, runs once begin has touched the
// batch, so a test can interleave two handlers there; nil in production.
var testHookBegun func(batchID string)

// finish applies the batch's parked results whose essays became known,
// re-derives the batch status and publishes what the new state allows
// (assessment completed, results ready).
func (s *Service) finish(ctx context.Context, tx *sql.Tx, batchID string, corr uuid.UUID) error {
	if err := s.adoptParked(ctx, tx, batchID); err != nil {
		return err
	}
	if err := refreshStatus(ctx, tx, batchID); err != nil {
		return err
	}
	return s.settle(ctx, tx, batchID, corr)
}

func (s *Service) handleRegistered(ctx context.Context, tx *sql.Tx, ev events.Raw) error {
	d, err := events.DecodeData[events.BatchEssaysRegistered](ev)
	if err != nil {
		return err
	}
	at := s.eventTime(ev)
	if err := ensureBatch(ctx, tx, d.EntityID, d.UserID, at); err != nil {
		return err
	}
	if err := touchBatch(ctx, tx, d.EntityID, at); err != nil { // the lock (when in order), before the read
		return err
	}
	before, err := loadBatch(ctx, tx, d.EntityID)
	if err != nil {
		return err
	}
	// Registration is the batch's birth: its time orders the list, and its
	// owner is the truth even if a placeholder guessed otherwise.
	if _, err := tx.ExecContext(ctx, `UPDATE results_batches SET user_id = $1, registered = 1, course_code = $2,
		expected_count = $3, created_at = $4, created_us = $5,
		name = CASE WHEN $6 = '' THEN name ELSE $7 END,
		assignment_id = CASE WHEN $8 = '' THEN assignment_id ELSE $9 END
		WHERE batch_id = $10`,
		d.UserID, string(d.CourseCode), d.ExpectedEssayCount, at, at.UnixMicro(),
		ev.MetaString(metaBatchName), ev.MetaString(metaBatchName),
		ev.MetaString(metaAssignmentID), ev.MetaString(metaAssignmentID), d.EntityID); err != nil {
		return fmt.Errorf("register batch %s: %w", d.EntityID, err)
	}
	for i, id := range d.EssayIDs {
		if _, err := tx.ExecContext(ctx, `INSERT INTO results_essays (batch_id, essay_id, position) VALUES ($1, $2, $3)
			ON CONFLICT (batch_id, essay_id) DO UPDATE SET position = excluded.position`, d.EntityID, id, i); err != nil {
			return fmt.Errorf("register essay %s: %w", id, err)
		}
	}
	b, err := loadBatch(ctx, tx, d.EntityID)
	if err != nil {
		return err
	}
	if before.Registered {
		return s.finish(ctx, tx, d.EntityID, ev.CorrelationID)
	}
	if err := s.notify(ctx, tx, b, ev.CorrelationID, note{typ: "batch_registered", cat: events.WebSocketEventCategoryBatchProgress,
		prio: events.NotificationPriorityLow, payload: map[string]any{
			"status": b.Status, "essay_count": d.ExpectedEssayCount, "course_code": string(d.CourseCode),
			"message": "Batch registered for " + essaysText(d.ExpectedEssayCount),
		}}); err != nil {
		return err
	}
	return s.finish(ctx, tx, d.EntityID, ev.CorrelationID)
}

func (s *Service) handleSlotAssigned(ctx context.Context, tx *sql.Tx, ev events.Raw) error {
	d, err := events.DecodeData[events.EssaySlotAssignedV1](ev)
	if err != nil {
		return err
	}
	b, err := s.begin(ctx, tx, d.BatchID, ev)
	if err != nil {
		return err
	}
	if err := ensureEssay(ctx, tx, d.BatchID, d.EssayID); err != nil {
		return err
	}
	res, err := tx.ExecContext(ctx, `UPDATE results_essays SET file_name = $1, file_upload_id = $2, text_storage_id = $3
		WHERE batch_id = $4 AND essay_id = $5 AND (file_upload_id <> $6 OR file_name <> $7 OR text_storage_id <> $8)`,
		d.OriginalFileName, d.FileUploadID, d.TextStorageID, d.BatchID, d.EssayID, d.FileUploadID, d.OriginalFileName, d.TextStorageID)
	if err != nil {
		return fmt.Errorf("assign essay %s: %w", d.EssayID, err)
	}
	if n, _ := res.RowsAffected(); n > 0 {
		var assigned int
		if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM results_essays WHERE batch_id = $1 AND file_upload_id <> ''`,
			d.BatchID).Scan(&assigned); err != nil {
			return fmt.Errorf("count assigned essays of %s: %w", d.BatchID, err)
		}
		if err := s.notify(ctx, tx, b, ev.CorrelationID, note{typ: "file_accepted", cat: events.WebSocketEventCategoryFileOperations,
			prio: events.NotificationPriorityLow, payload: map[string]any{
				"essay_id": d.EssayID, "file_name": d.OriginalFileName, "assigned": assigned, "expected": b.Expected,
				"message": fmt.Sprintf("%s received", d.OriginalFileName),
			}}); err != nil {
			return err
		}
	}
	return s.finish(ctx, tx, d.BatchID, ev.CorrelationID)
}

func (s *Service) handleValidationFailed(ctx context.Context, tx *sql.Tx, ev events.Raw) error {
	d, err := events.DecodeData[events.EssayValidationFailedV1](ev)
	if err != nil {
		return err
	}
	b, err := s.begin(ctx, tx, d.EntityID, ev)
	if err != nil {
		return err
	}
	reason := d.ValidationErrorDetail.Message
	if reason == "" {
		reason = string(d.ValidationErrorCode)
	}
	res, err := tx.ExecContext(ctx, `INSERT INTO results_file_failures (batch_id, file_upload_id, file_name, error_code, reason, failed_at)
		VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (batch_id, file_upload_id) DO NOTHING`,
		d.EntityID, d.FileUploadID, d.OriginalFileName, string(d.ValidationErrorCode), reason, s.eventTime(ev))
	if err != nil {
		return fmt.Errorf("record refused file %s: %w", d.FileUploadID, err)
	}
	if n, _ := res.RowsAffected(); n > 0 {
		if err := s.notify(ctx, tx, b, ev.CorrelationID, note{typ: "file_rejected", cat: events.WebSocketEventCategoryFileOperations,
			prio: events.NotificationPriorityHigh, action: true, payload: map[string]any{
				"phase": phaseUpload, "status": stateFailed, "file_name": d.OriginalFileName,
				"error_code": string(d.ValidationErrorCode), "reason": reason,
				"message": fmt.Sprintf("%s was refused: %s", d.OriginalFileName, reason),
			}}); err != nil {
			return err
		}
	}
	return s.finish(ctx, tx, d.EntityID, ev.CorrelationID)
}

// phaseUpload names the upload step in failures and notifications.
const phaseUpload = "upload"

func (s *Service) handleProvisioned(ctx context.Context, tx *sql.Tx, ev events.Raw) error {
	d, err := events.DecodeData[events.BatchContentProvisioningCompletedV1](ev)
	if err != nil {
		return err
	}
	b, err := s.begin(ctx, tx, d.BatchID, ev)
	if err != nil {
		return err
	}
	at := s.eventTime(ev)
	res, err := tx.ExecContext(ctx, `UPDATE results_batches SET provisioned_count = $1, provisioned_at = $2
		WHERE batch_id = $3 AND (provisioned_at IS NULL OR provisioned_at < $4)`, d.ProvisionedCount, at, d.BatchID, at)
	if err != nil {
		return fmt.Errorf("record content of %s: %w", d.BatchID, err)
	}
	for _, e := range d.EssaysForProcessing {
		if err := ensureEssay(ctx, tx, d.BatchID, e.EssayID); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `UPDATE results_essays SET text_storage_id = $1 WHERE batch_id = $2 AND essay_id = $3
			AND text_storage_id = ''`, e.TextStorageID, d.BatchID, e.EssayID); err != nil {
			return fmt.Errorf("record text of essay %s: %w", e.EssayID, err)
		}
	}
	if n, _ := res.RowsAffected(); n > 0 {
		if err := s.notify(ctx, tx, b, ev.CorrelationID, note{typ: "content_ready", cat: events.WebSocketEventCategoryBatchProgress,
			prio: events.NotificationPriorityStandard, payload: map[string]any{
				"phase": phaseUpload, "status": phaseCompleted, "provisioned": d.ProvisionedCount, "expected": d.ExpectedCount,
				"message": fmt.Sprintf("%d of %d essays are ready for processing", d.ProvisionedCount, d.ExpectedCount),
			}}); err != nil {
			return err
		}
	}
	return s.finish(ctx, tx, d.BatchID, ev.CorrelationID)
}

func (s *Service) handlePipelineRequest(ctx context.Context, tx *sql.Tx, ev events.Raw) error {
	d, err := events.DecodeData[events.ClientBatchPipelineRequestV1](ev)
	if err != nil {
		return err
	}
	if err := ensureBatch(ctx, tx, d.BatchID, d.UserID, s.eventTime(ev)); err != nil {
		return err
	}
	b, err := s.begin(ctx, tx, d.BatchID, ev)
	if err != nil {
		return err
	}
	at := s.eventTime(ev)
	assignment := ""
	if d.PromptPayload != nil && d.PromptPayload.AssignmentID != nil {
		assignment = *d.PromptPayload.AssignmentID
	}
	retry := 0
	if d.IsRetry {
		retry = 1
	}
	res, err := tx.ExecContext(ctx, `INSERT INTO results_runs (batch_id, correlation_id, pipeline, assignment_id, is_retry, requested_at)
		VALUES ($1, $2, $3, $4, $5, $6)
		ON CONFLICT (batch_id, correlation_id) DO UPDATE SET pipeline = excluded.pipeline, assignment_id = excluded.assignment_id,
			is_retry = excluded.is_retry, requested_at = excluded.requested_at
		WHERE results_runs.requested_at IS NULL`,
		d.BatchID, ev.CorrelationID.String(), d.RequestedPipeline, assignment, retry, at)
	if err != nil {
		return fmt.Errorf("record pipeline request of %s: %w", d.BatchID, err)
	}
	if err := setAssignment(ctx, tx, d.BatchID, assignment); err != nil {
		return err
	}
	if n, _ := res.RowsAffected(); n > 0 {
		if isPhase(d.RequestedPipeline) {
			if _, err := tx.ExecContext(ctx, `INSERT INTO results_phases (batch_id, phase, status) VALUES ($1, $2, $3)
				ON CONFLICT (batch_id, phase) DO NOTHING`, d.BatchID, d.RequestedPipeline, phaseRequested); err != nil {
				return fmt.Errorf("record requested phase of %s: %w", d.BatchID, err)
			}
		}
		if err := s.notify(ctx, tx, b, ev.CorrelationID, note{typ: "pipeline_requested", cat: events.WebSocketEventCategoryBatchProgress,
			prio: events.NotificationPriorityStandard, payload: map[string]any{
				"pipeline": d.RequestedPipeline, "status": phaseRequested,
				"message": fmt.Sprintf("Pipeline %s requested", d.RequestedPipeline),
			}}); err != nil {
			return err
		}
	}
	return s.finish(ctx, tx, d.BatchID, ev.CorrelationID)
}

func setAssignment(ctx context.Context, q queryer, batchID, assignment string) error {
	if assignment == "" {
		return nil
	}
	if _, err := q.ExecContext(ctx, `UPDATE results_batches SET assignment_id = $1 WHERE batch_id = $2`, assignment, batchID); err != nil {
		return fmt.Errorf("set assignment of %s: %w", batchID, err)
	}
	return nil
}

// isPhase reports whether name is a phase (a pipeline named after its
// final phase).
func isPhase(name string) bool { return events.PhaseName(name).Valid() }

func (s *Service) handleSpellcheckCommand(ctx context.Context, tx *sql.Tx, ev events.Raw) error {
	d, err := events.DecodeData[events.BatchServiceSpellcheckInitiateCommandDataV1](ev)
	if err != nil {
		return err
	}
	return s.phaseStarted(ctx, tx, ev, d.EntityID, events.PhaseNameSpellcheck, d.EssaysToProcess, "")
}

func (s *Service) handleNLPCommand(ctx context.Context, tx *sql.Tx, ev events.Raw) error {
	d, err := events.DecodeData[events.BatchServiceNLPInitiateCommandDataV2](ev)
	if err != nil {
		return err
	}
	return s.phaseStarted(ctx, tx, ev, d.EntityID, events.PhaseNameNLP, d.EssaysToProcess, "")
}

func (s *Service) handleCJCommand(ctx context.Context, tx *sql.Tx, ev events.Raw) error {
	d, err := events.DecodeData[events.BatchServiceCJAssessmentInitiateCommandDataV1](ev)
	if err != nil {
		return err
	}
	assignment := ""
	if d.AssignmentID != nil {
		assignment = *d.AssignmentID
	}
	return s.phaseStarted(ctx, tx, ev, d.EntityID, events.PhaseNameCJAssessment, d.EssaysToProcess, assignment)
}

// phaseStarted records a phase command: the phase runs, on these essays.
func (s *Service) phaseStarted(ctx context.Context, tx *sql.Tx, ev events.Raw, entityID *string, phase events.PhaseName,
	essays []events.EssayProcessingInputRefV1, assignment string) error {
	if entityID == nil || *entityID == "" {
		s.log.WarnContext(ctx, "phase command without batch id ignored", "event_id", ev.EventID, "phase", phase)
		return nil
	}
	batchID := *entityID
	b, err := s.begin(ctx, tx, batchID, ev)
	if err != nil {
		return err
	}
	at := s.eventTime(ev)
	if err := setAssignment(ctx, tx, batchID, assignment); err != nil {
		return err
	}
	started, err := startPhase(ctx, tx, batchID, string(phase), len(essays), at)
	if err != nil {
		return err
	}
	for _, e := range essays {
		if err := ensureEssay(ctx, tx, batchID, e.EssayID); err != nil {
			return err
		}
		if _, err := setEssayState(ctx, tx, batchID, e.EssayID, string(phase), statePending, "", "", at); err != nil {
			return err
		}
	}
	if err := markRunsStarted(ctx, tx, batchID, at); err != nil {
		return err
	}
	if started {
		p, err := loadPhase(ctx, tx, batchID, string(phase))
		if err != nil {
			return err
		}
		if err := s.notify(ctx, tx, b, ev.CorrelationID, note{typ: "phase_started", cat: events.WebSocketEventCategoryBatchProgress,
			prio: events.NotificationPriorityStandard, payload: phasePayload(p, phaseLabel(string(phase))+" started for "+essaysText(len(essays)))}); err != nil {
			return err
		}
	}
	return s.finish(ctx, tx, batchID, ev.CorrelationID)
}

func (s *Service) handlePhaseSkipped(ctx context.Context, tx *sql.Tx, ev events.Raw) error {
	d, err := events.DecodeData[events.PhaseSkippedV1](ev)
	if err != nil {
		return err
	}
	b, err := s.begin(ctx, tx, d.BatchID, ev)
	if err != nil {
		return err
	}
	at := s.eventTime(ev)
	res, err := tx.ExecContext(ctx, `INSERT INTO results_phases (batch_id, phase, status, started_at, finished_at, skip_reason)
		VALUES ($1, $2, $3, $4, $5, $6)
		ON CONFLICT (batch_id, phase) DO UPDATE SET status = excluded.status, skip_reason = excluded.skip_reason,
			finished_at = excluded.finished_at
		WHERE results_phases.status = 'requested' OR results_phases.status = 'skipped' AND results_phases.skip_reason <> excluded.skip_reason`,
		d.BatchID, d.PhaseName, phaseSkipped, at, at, d.SkipReason)
	if err != nil {
		return fmt.Errorf("record skipped phase of %s: %w", d.BatchID, err)
	}
	if err := markRunsStarted(ctx, tx, d.BatchID, at); err != nil {
		return err
	}
	if n, _ := res.RowsAffected(); n > 0 {
		p, err := loadPhase(ctx, tx, d.BatchID, d.PhaseName)
		if err != nil {
			return err
		}
		payload := phasePayload(p, fmt.Sprintf("%s skipped: %s", phaseLabel(d.PhaseName), d.SkipReason))
		payload["reason"] = d.SkipReason
		if err := s.notify(ctx, tx, b, ev.CorrelationID, note{typ: "phase_skipped", cat: events.WebSocketEventCategoryBatchProgress,
			prio: events.NotificationPriorityLow, payload: payload}); err != nil {
			return err
		}
	}
	return s.finish(ctx, tx, d.BatchID, ev.CorrelationID)
}

// essayProgress moves one essay's state in a phase and, when it changed,
// tells the teacher: one progress notification per event, plus an alert
// for a failure.
func (s *Service) essayProgress(ctx context.Context, tx *sql.Tx, b batchRow, corr uuid.UUID, phase, essayID, state, code, reason string, at time.Time) error {
	if err := ensureEssay(ctx, tx, b.ID, essayID); err != nil {
		return err
	}
	if err := touchPhase(ctx, tx, b.ID, phase, b.Expected, at); err != nil {
		return err
	}
	changed, err := setEssayState(ctx, tx, b.ID, essayID, phase, state, code, reason, at)
	if err != nil || !changed {
		return err
	}
	if err := markRunsStarted(ctx, tx, b.ID, at); err != nil {
		return err
	}
	if state == stateFailed {
		if err := s.essayFailed(ctx, tx, b, corr, phase, essayID, code, reason); err != nil {
			return err
		}
	}
	return s.phaseProgress(ctx, tx, b, corr, phase, essayID)
}

func (s *Service) phaseProgress(ctx context.Context, tx *sql.Tx, b batchRow, corr uuid.UUID, phase, essayID string) error {
	p, err := loadPhase(ctx, tx, b.ID, phase)
	if err != nil {
		return err
	}
	payload := phasePayload(p, fmt.Sprintf("%s: %d of %d essays done", phaseLabel(phase), p.Done, p.total()))
	if essayID != "" {
		payload["essay_id"] = essayID
	}
	return s.notify(ctx, tx, b, corr, note{typ: "phase_progress", cat: events.WebSocketEventCategoryBatchProgress,
		prio: events.NotificationPriorityLow, payload: payload})
}

func (s *Service) essayFailed(ctx context.Context, tx *sql.Tx, b batchRow, corr uuid.UUID, phase, essayID, code, reason string) error {
	var file string
	err := tx.QueryRowContext(ctx, `SELECT file_name FROM results_essays WHERE batch_id = $1 AND essay_id = $2`, b.ID, essayID).Scan(&file)
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return fmt.Errorf("file of essay %s: %w", essayID, err)
	}
	name := file
	if name == "" {
		name = "essay " + essayID
	}
	return s.notify(ctx, tx, b, corr, note{typ: "essay_failed", cat: events.WebSocketEventCategorySystemAlerts,
		prio: events.NotificationPriorityHigh, payload: map[string]any{
			"phase": phase, "essay_id": essayID, "file_name": file, "status": stateFailed, "error_code": code, "reason": reason,
			"message": fmt.Sprintf("%s failed in %s: %s", name, phaseLabel(phase), reason),
		}})
}

func (s *Service) handleSpellcheckThin(ctx context.Context, tx *sql.Tx, ev events.Raw) error {
	d, err := events.DecodeData[events.SpellcheckPhaseCompletedV1](ev)
	if err != nil {
		return err
	}
	b, err := s.begin(ctx, tx, d.BatchID, ev)
	if err != nil {
		return err
	}
	at := s.eventTime(ev)
	switch d.Status {
	case events.ProcessingStatusCompleted:
		err = s.essayProgress(ctx, tx, b, ev.CorrelationID, string(events.PhaseNameSpellcheck), d.EntityID, stateDone, "", "", at)
	case events.ProcessingStatusFailed:
		code := deref(d.ErrorCode)
		reason := ev.MetaString(metaErrorMessage)
		if reason == "" {
			reason = failureText(code, "spellcheck failed")
		}
		err = s.essayProgress(ctx, tx, b, ev.CorrelationID, string(events.PhaseNameSpellcheck), d.EntityID, stateFailed, code, reason, at)
	default:
		return nil // pending or in progress: nothing to count
	}
	if err != nil {
		return err
	}
	return s.finish(ctx, tx, d.BatchID, ev.CorrelationID)
}

func (s *Service) handleSpellcheckRich(ctx context.Context, tx *sql.Tx, ev events.Raw) error {
	d, err := events.DecodeData[events.SpellcheckResultV1](ev)
	if err != nil {
		return err
	}
	essayID := d.SystemMetadata.EntityID
	b, err := s.begin(ctx, tx, d.BatchID, ev)
	if err != nil {
		return err
	}
	if err := ensureEssay(ctx, tx, d.BatchID, essayID); err != nil {
		return err
	}
	m := d.CorrectionMetrics
	if _, err := tx.ExecContext(ctx, `UPDATE results_essays SET spell_total = $1, spell_l2 = $2, spell_dictionary = $3,
		spell_words = $4, spell_density = $5, corrected_storage_id = $6,
		corrections_storage_id = CASE WHEN $7 = '' THEN corrections_storage_id ELSE $8 END,
		text_storage_id = CASE WHEN text_storage_id = '' THEN $9 ELSE text_storage_id END
		WHERE batch_id = $10 AND essay_id = $11`,
		m.TotalCorrections, m.L2DictionaryCorrections, m.SpellcheckerCorrections, m.WordCount, m.CorrectionDensity,
		deref(d.CorrectedTextStorageID), ev.MetaString(metaCorrectionsID), ev.MetaString(metaCorrectionsID),
		d.OriginalTextStorageID, d.BatchID, essayID); err != nil {
		return fmt.Errorf("store spellcheck result of %s: %w", essayID, err)
	}
	if err := s.essayProgress(ctx, tx, b, ev.CorrelationID, string(events.PhaseNameSpellcheck), essayID, stateDone, "", "", s.eventTime(ev)); err != nil {
		return err
	}
	return s.finish(ctx, tx, d.BatchID, ev.CorrelationID)
}

func (s *Service) handleNLPThin(ctx context.Context, tx *sql.Tx, ev events.Raw) error {
	d, err := events.DecodeData[events.BatchNlpAnalysisCompletedV1](ev)
	if err != nil {
		return err
	}
	b, err := s.begin(ctx, tx, d.BatchID, ev)
	if err != nil {
		return err
	}
	var sum struct {
		Successful []string          `json:"successful_essay_ids"`
		Failed     []string          `json:"failed_essay_ids"`
		Reasons    map[string]string `json:"failure_reasons"`
	}
	if len(d.ProcessingSummary) > 0 {
		if err := json.Unmarshal(d.ProcessingSummary, &sum); err != nil {
			s.log.WarnContext(ctx, "nlp processing summary unreadable", "batch_id", d.BatchID, "err", err)
		}
	}
	code, reason := errorInfo(d.SystemMetadata.ErrorInfo)
	reason = failureText(reason, "text analysis failed")
	at := s.eventTime(ev)
	phase := string(events.PhaseNameNLP)
	if err := touchPhase(ctx, tx, b.ID, phase, b.Expected, at); err != nil {
		return err
	}
	changed := false
	for _, id := range sum.Successful {
		if err := ensureEssay(ctx, tx, b.ID, id); err != nil {
			return err
		}
		c, err := setEssayState(ctx, tx, b.ID, id, phase, stateDone, "", "", at)
		if err != nil {
			return err
		}
		changed = changed || c
	}
	for _, id := range sum.Failed {
		if err := ensureEssay(ctx, tx, b.ID, id); err != nil {
			return err
		}
		why := failureText(sum.Reasons[id], reason)
		c, err := setEssayState(ctx, tx, b.ID, id, phase, stateFailed, code, why, at)
		if err != nil {
			return err
		}
		if c {
			if err := s.essayFailed(ctx, tx, b, ev.CorrelationID, phase, id, code, why); err != nil {
				return err
			}
		}
		changed = changed || c
	}
	if changed {
		if err := s.phaseProgress(ctx, tx, b, ev.CorrelationID, phase, ""); err != nil {
			return err
		}
	}
	return s.finish(ctx, tx, d.BatchID, ev.CorrelationID)
}

func (s *Service) handleNLPRich(ctx context.Context, tx *sql.Tx, ev events.Raw) error {
	d, err := events.DecodeData[events.EssayNlpCompletedV1](ev)
	if err != nil {
		return err
	}
	batchID := deref(d.ParentID)
	if batchID == "" {
		batchID, err = batchOfEssay(ctx, tx, d.EssayID)
		if errors.Is(err, errNoBatch) {
			if testHookParking != nil {
				testHookParking(d.EssayID)
			}
			return s.park(ctx, tx, d.EssayID, ev)
		}
		if err != nil {
			return err
		}
	}
	return s.applyNLP(ctx, tx, batchID, ev, d)
}

// park keeps an essay result whose batch is unknown until the essay is.
func (s *Service) park(ctx context.Context, tx *sql.Tx, essayID string, ev events.Raw) error {
	env, err := events.Marshal(&ev)
	if err != nil {
		return fmt.Errorf("encode parked event %s: %w", ev.EventID, err)
	}
	if _, err := tx.ExecContext(ctx, `INSERT INTO results_parked (essay_id, event_id, envelope, parked_at) VALUES ($1, $2, $3, $4)
		ON CONFLICT (essay_id, event_id) DO NOTHING`, essayID, ev.EventID.String(), string(env), s.now()); err != nil {
		return fmt.Errorf("park result of essay %s: %w", essayID, err)
	}
	s.log.InfoContext(ctx, "result parked until its essay is known", "essay_id", essayID, "event_id", ev.EventID)
	return nil
}

// testHookParking, when a test sets it, runs once handleNLPRich has found
// the essay unknown and before it parks the result, so a test can make the
// essay known meanwhile; nil in production.
var testHookParking func(essayID string)

// testHookParkedRead, when a test sets it, runs once adoptParked has read
// the batch's adoptable results and before it deletes them, so a test can
// run a second adopter there; nil in production.
var testHookParkedRead func(batchID string)

// parkedResult is a parked result whose essay is now known.
type parkedResult struct{ essayID, eventID, batchID, env string }

// findAdoptable reads the parked results whose essays are known in batchID.
func findAdoptable(ctx context.Context, tx *sql.Tx, batchID string) ([]parkedResult, error) {
	rows, err := tx.QueryContext(ctx, `SELECT p.essay_id, p.event_id, e.batch_id, p.envelope FROM results_parked p
		JOIN results_essays e ON e.essay_id = p.essay_id WHERE e.batch_id = $1 ORDER BY p.parked_at, p.event_id`, batchID)
	if err != nil {
		return nil, fmt.Errorf("find parked results of %s: %w", batchID, err)
	}
	defer rows.Close()
	var found []parkedResult
	for rows.Next() {
		var p parkedResult
		if err := rows.Scan(&p.essayID, &p.eventID, &p.batchID, &p.env); err != nil {
			return nil, fmt.Errorf("scan parked result: %w", err)
		}
		found = append(found, p)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("find parked results of %s: %w", batchID, err)
	}
	return found, nil
}

// adoptParked applies the parked results whose essays are now known in
// batchID. Only the batch's own essays: a handler makes known only essays
// of its batch, and Sweep adopts what a handler could not see.
func (s *Service) adoptParked(ctx context.Context, tx *sql.Tx, batchID string) error {
	found, err := findAdoptable(ctx, tx, batchID)
	if err != nil {
		return err
	}
	if testHookParkedRead != nil {
		testHookParkedRead(batchID)
	}
	// Delete every result read before applying any: applying one finishes
	// the batch, which adopts again and must not find the others. Apply
	// only the results this delete removed: under READ COMMITTED (Sweep)
	// a result whose delete removes nothing was taken by a concurrent
	// adopter that committed first (the row lock made this one wait), and
	// that adopter applied it.
	mine := found[:0]
	for _, p := range found {
		res, err := tx.ExecContext(ctx, `DELETE FROM results_parked WHERE essay_id = $1 AND event_id = $2`, p.essayID, p.eventID)
		if err != nil {
			return fmt.Errorf("unpark result of essay %s: %w", p.essayID, err)
		}
		if n, err := res.RowsAffected(); err != nil || n > 0 {
			mine = append(mine, p)
		}
	}
	for _, p := range mine {
		ev, err := events.DecodeRaw([]byte(p.env))
		if err != nil {
			return fmt.Errorf("decode parked result of essay %s: %w", p.essayID, err)
		}
		d, err := events.DecodeData[events.EssayNlpCompletedV1](ev)
		if err != nil {
			return fmt.Errorf("decode parked result of essay %s: %w", p.essayID, err)
		}
		if err := s.applyNLP(ctx, tx, p.batchID, ev, d); err != nil {
			return err
		}
		s.log.InfoContext(ctx, "parked result applied", "batch_id", p.batchID, "essay_id", p.essayID, "event_id", p.eventID)
	}
	return nil
}

// applyNLP stores one essay's text analysis.
func (s *Service) applyNLP(ctx context.Context, tx *sql.Tx, batchID string, ev events.Raw, d events.EssayNlpCompletedV1) error {
	b, err := s.begin(ctx, tx, batchID, ev)
	if err != nil {
		return err
	}
	if err := ensureEssay(ctx, tx, batchID, d.EssayID); err != nil {
		return err
	}
	metrics, err := json.Marshal(d.NlpMetrics)
	if err != nil {
		return fmt.Errorf("encode nlp metrics of %s: %w", d.EssayID, err)
	}
	grammar, err := json.Marshal(d.GrammarAnalysis)
	if err != nil {
		return fmt.Errorf("encode grammar of %s: %w", d.EssayID, err)
	}
	flesch, lix := readability(d.ProcessingMetadata)
	extra := string(d.ProcessingMetadata)
	if extra == "" {
		extra = "{}"
	}
	m := d.NlpMetrics
	if _, err := tx.ExecContext(ctx, `UPDATE results_essays SET nlp_words = $1, nlp_sentences = $2, nlp_avg_sentence = $3,
		nlp_mtld = $4, nlp_hdd = $5, nlp_flesch = $6, nlp_lix = $7, nlp_metrics = $8, nlp_extra = $9, grammar_count = $10,
		grammar = $11 WHERE batch_id = $12 AND essay_id = $13`,
		m.WordCount, m.SentenceCount, m.AvgSentenceLength, m.MTLDScore, m.HDDScore, flesch, lix, string(metrics), extra,
		d.GrammarAnalysis.ErrorCount, string(grammar), batchID, d.EssayID); err != nil {
		return fmt.Errorf("store nlp result of %s: %w", d.EssayID, err)
	}
	if err := s.essayProgress(ctx, tx, b, ev.CorrelationID, string(events.PhaseNameNLP), d.EssayID, stateDone, "", "", s.eventTime(ev)); err != nil {
		return err
	}
	return s.finish(ctx, tx, batchID, ev.CorrelationID)
}

func (s *Service) handleCJFailed(ctx context.Context, tx *sql.Tx, ev events.Raw) error {
	d, err := events.DecodeData[events.CJAssessmentFailedV1](ev)
	if err != nil {
		return err
	}
	batchID := d.SystemMetadata.EntityID
	b, err := s.begin(ctx, tx, batchID, ev)
	if err != nil {
		return err
	}
	code, reason := errorInfo(d.SystemMetadata.ErrorInfo)
	reason = failureText(reason, "comparative judgement failed")
	at := s.eventTime(ev)
	phase := string(events.PhaseNameCJAssessment)
	if err := touchPhase(ctx, tx, batchID, phase, b.Expected, at); err != nil {
		return err
	}
	res, err := tx.ExecContext(ctx, `UPDATE results_phases SET error = $1 WHERE batch_id = $2 AND phase = $3 AND error <> $4`,
		reason, batchID, phase, reason)
	if err != nil {
		return fmt.Errorf("record cj failure of %s: %w", batchID, err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return s.finish(ctx, tx, batchID, ev.CorrelationID) // already recorded
	}
	pending, err := phaseEssays(ctx, tx, batchID, phase, statePending)
	if err != nil {
		return err
	}
	for _, id := range pending {
		if _, err := setEssayState(ctx, tx, batchID, id, phase, stateFailed, code, reason, at); err != nil {
			return err
		}
	}
	if err := s.notify(ctx, tx, b, ev.CorrelationID, note{typ: "phase_failed", cat: events.WebSocketEventCategorySystemAlerts,
		prio: events.NotificationPriorityHigh, payload: map[string]any{
			"phase": phase, "status": phaseFailed, "error_code": code, "reason": reason, "job_id": d.CJAssessmentJobID,
			"failed": len(pending), "message": fmt.Sprintf("%s failed: %s", phaseLabel(phase), reason),
		}}); err != nil {
		return err
	}
	return s.finish(ctx, tx, batchID, ev.CorrelationID)
}

func (s *Service) handlePhaseOutcome(ctx context.Context, tx *sql.Tx, ev events.Raw) error {
	d, err := events.DecodeData[events.ELSBatchPhaseOutcomeV1](ev)
	if err != nil {
		return err
	}
	b, err := s.begin(ctx, tx, d.BatchID, ev)
	if err != nil {
		return err
	}
	at := s.eventTime(ev)
	phase := string(d.PhaseName)
	status := phaseCompleted
	switch d.PhaseStatus {
	case events.BatchStatusCompletedWithFailures:
		status = phaseCompletedWithFailures
	case events.BatchStatusFailedCritically, events.BatchStatusCancelled, events.BatchStatusContentIngestionFailed:
		status = phaseFailed
	}
	if _, err := tx.ExecContext(ctx, `INSERT INTO results_phases (batch_id, phase, status, total, started_at)
		VALUES ($1, $2, $3, $4, $5) ON CONFLICT (batch_id, phase) DO NOTHING`,
		d.BatchID, phase, phaseRunning, len(d.ProcessedEssays)+len(d.FailedEssayIDs), at); err != nil {
		return fmt.Errorf("record phase %s of %s: %w", phase, d.BatchID, err)
	}
	for _, e := range d.ProcessedEssays {
		if err := ensureEssay(ctx, tx, d.BatchID, e.EssayID); err != nil {
			return err
		}
		if _, err := setEssayState(ctx, tx, d.BatchID, e.EssayID, phase, stateDone, "", "", at); err != nil {
			return err
		}
	}
	for _, id := range d.FailedEssayIDs {
		if err := ensureEssay(ctx, tx, d.BatchID, id); err != nil {
			return err
		}
		changed, err := setEssayState(ctx, tx, d.BatchID, id, phase, stateFailed, "", "failed in "+phaseLabel(phase), at)
		if err != nil {
			return err
		}
		if changed {
			if err := s.essayFailed(ctx, tx, b, ev.CorrelationID, phase, id, "", "failed in "+phaseLabel(phase)); err != nil {
				return err
			}
		}
	}
	finished, err := finishPhase(ctx, tx, d.BatchID, phase, status, "", at)
	if err != nil {
		return err
	}
	if finished {
		p, err := loadPhase(ctx, tx, d.BatchID, phase)
		if err != nil {
			return err
		}
		prio, cat := events.NotificationPriorityStandard, events.WebSocketEventCategoryBatchProgress
		if status != phaseCompleted {
			prio = events.NotificationPriorityHigh
		}
		msg := fmt.Sprintf("%s finished: %d done, %d failed", phaseLabel(phase), p.Done, p.Failed)
		if status == phaseFailed {
			msg = fmt.Sprintf("%s failed", phaseLabel(phase))
			if p.Error != "" {
				msg += ": " + p.Error
			}
		}
		if err := s.notify(ctx, tx, b, ev.CorrelationID, note{typ: "phase_completed", cat: cat, prio: prio,
			payload: phasePayload(p, msg)}); err != nil {
			return err
		}
	}
	return s.finish(ctx, tx, d.BatchID, ev.CorrelationID)
}

func (s *Service) handlePipelineCompleted(ctx context.Context, tx *sql.Tx, ev events.Raw) error {
	d, err := events.DecodeData[events.BatchPipelineCompletedV1](ev)
	if err != nil {
		return err
	}
	b, err := s.begin(ctx, tx, d.BatchID, ev)
	if err != nil {
		return err
	}
	corr := d.CorrelationID
	if corr == uuid.Nil {
		corr = ev.CorrelationID
	}
	at := s.eventTime(ev)
	res, err := tx.ExecContext(ctx, `INSERT INTO results_runs (batch_id, correlation_id, started_at, completed_at, final_status,
		completed_phases, duration_seconds, successful_count, failed_count) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
		ON CONFLICT (batch_id, correlation_id) DO UPDATE SET completed_at = excluded.completed_at,
			final_status = excluded.final_status, completed_phases = excluded.completed_phases,
			duration_seconds = excluded.duration_seconds, successful_count = excluded.successful_count,
			failed_count = excluded.failed_count, started_at = COALESCE(results_runs.started_at, excluded.started_at)
		WHERE results_runs.final_status = ''`,
		d.BatchID, corr.String(), at.Add(-time.Duration(d.ProcessingDurationSeconds*float64(time.Second))), at,
		string(d.FinalStatus), strings.Join(d.CompletedPhases, ","), d.ProcessingDurationSeconds,
		d.SuccessfulEssayCount, d.FailedEssayCount)
	if err != nil {
		return fmt.Errorf("record pipeline completion of %s: %w", d.BatchID, err)
	}
	if n, _ := res.RowsAffected(); n > 0 {
		prio := events.NotificationPriorityStandard
		if d.FinalStatus != events.BatchStatusCompletedSuccessfully {
			prio = events.NotificationPriorityHigh
		}
		if err := s.notify(ctx, tx, b, ev.CorrelationID, note{typ: "pipeline_completed", cat: events.WebSocketEventCategoryBatchProgress,
			prio: prio, payload: map[string]any{
				"status": string(d.FinalStatus), "completed_phases": d.CompletedPhases,
				"successful": d.SuccessfulEssayCount, "failed": d.FailedEssayCount,
				"duration_seconds": d.ProcessingDurationSeconds,
				"message": fmt.Sprintf("Processing finished (%s): %s succeeded, %d failed",
					strings.ReplaceAll(string(d.FinalStatus), "_", " "), essaysText(d.SuccessfulEssayCount), d.FailedEssayCount),
			}}); err != nil {
			return err
		}
	}
	return s.finish(ctx, tx, d.BatchID, corr)
}

// essaysText is "1 essay" or "n essays".
func essaysText(n int) string {
	if n == 1 {
		return "1 essay"
	}
	return fmt.Sprintf("%d essays", n)
}

func deref(p *string) string {
	if p == nil {
		return ""
	}
	return *p
}

// failureText is text, or def when text is empty.
func failureText(text, def string) string {
	if strings.TrimSpace(text) == "" {
		return def
	}
	return text
}

// errorInfo reads the error code and message of a thin event's
// system_metadata.error_info.
func errorInfo(obj events.Object) (code, message string) {
	if len(obj) == 0 {
		return "", ""
	}
	var info struct {
		Code    any    `json:"error_code"`
		Message string `json:"message"`
	}
	if err := json.Unmarshal(obj, &info); err != nil {
		return "", ""
	}
	if info.Code != nil {
		code = fmt.Sprint(info.Code)
	}
	return code, info.Message
}
