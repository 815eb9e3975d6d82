package results

import (
	"context"
	"database/sql"
	"fmt"
	"strings"

	"github.com/google/uuid"

	"github.com/hule-dev/hule/internal/bus"
	"github.com/hule-dev/hule/internal/events"
)

// note is one teacher notification: its type (the WebSocket message's
// "type"), category, priority and payload. Every payload carries batch_id
// and a readable message; the rest depends on the type (see the package
// README section of the report and the route docs).
type note struct {
	typ     string
	cat     events.WebSocketEventCategory
	prio    events.NotificationPriority
	action  bool
	payload map[string]any
}

// notify publishes a TeacherNotificationRequestedV1 to the batch owner in
// tx. A batch whose owner is not known yet gets no notification.
func (s *Service) notify(ctx context.Context, tx *sql.Tx, b batchRow, corr uuid.UUID, n note) error {
	if b.UserID == "" {
		s.log.DebugContext(ctx, "notification without owner dropped", "batch_id", b.ID, "type", n.typ)
		return nil
	}
	if n.payload == nil {
		n.payload = map[string]any{}
	}
	n.payload["batch_id"] = b.ID
	payload, err := events.NewObject(n.payload)
	if err != nil {
		return fmt.Errorf("notification %s payload: %w", n.typ, err)
	}
	batchID := b.ID
	data := events.TeacherNotificationRequestedV1{
		TeacherID: b.UserID, NotificationType: n.typ, Category: n.cat, Priority: n.prio, Payload: payload,
		ActionRequired: n.action, CorrelationID: corr.String(), BatchID: &batchID, Timestamp: events.AsTime(s.now()),
	}
	env := events.NewEnvelope(events.TopicTeacherNotificationRequested, source, corr, data)
	env.SetMeta(events.MetaUserID, b.UserID)
	if err := s.pub.Publish(ctx, tx, bus.Event(env).WithKey(b.ID)); err != nil {
		return fmt.Errorf("publish notification %s: %w", n.typ, err)
	}
	return nil
}

// phasePayload is the payload of the phase notifications: the phase, its
// status and its counts.
func phasePayload(p phaseRow, msg string) map[string]any {
	out := map[string]any{
		"phase": p.Phase, "status": p.Status, "done": p.Done, "failed": p.Failed, "total": p.total(), "message": msg,
	}
	if d := p.duration(); d != nil {
		out["duration_seconds"] = *d
	}
	if p.Error != "" {
		out["reason"] = p.Error
	}
	return out
}

// phaseLabel names a phase for people.
func phaseLabel(phase string) string {
	switch phase {
	case string(events.PhaseNameSpellcheck):
		return "Spellcheck"
	case string(events.PhaseNameNLP):
		return "Text analysis"
	case string(events.PhaseNameCJAssessment):
		return "Comparative judgement"
	case string(events.PhaseNameAIFeedback):
		return "AI feedback"
	case phaseUpload:
		return "Upload"
	}
	return strings.ReplaceAll(phase, "_", " ")
}

// resultColumn is, per phase, the essay column its rich result fills: an
// essay done in the phase without it is still waiting for its result.
var resultColumn = map[string]string{
	string(events.PhaseNameSpellcheck):   "spell_total",
	string(events.PhaseNameNLP):          "nlp_words",
	string(events.PhaseNameCJAssessment): "grade",
}

// settle publishes what the stored state now allows: the assessment of a
// new comparative judgement job, and the results of every finished
// pipeline whose phases' results are all stored. Each is published once.
func (s *Service) settle(ctx context.Context, tx *sql.Tx, batchID string, corr uuid.UUID) error {
	b, err := loadBatch(ctx, tx, batchID)
	if err != nil {
		return err
	}
	if b.UserID == "" {
		return nil
	}
	if b.JobID != "" && b.AnnouncedJob != b.JobID {
		if err := s.announceAssessment(ctx, tx, b, corr); err != nil {
			return err
		}
	}
	runs, err := loadRuns(ctx, tx, batchID)
	if err != nil {
		return err
	}
	var phases []phaseRow
	for _, r := range runs {
		if r.FinalStatus == "" || r.ReadyPublished {
			continue
		}
		if phases == nil {
			if phases, err = loadPhases(ctx, tx, batchID); err != nil {
				return err
			}
		}
		ready, err := runReady(ctx, tx, batchID, r, phases)
		if err != nil {
			return err
		}
		if !ready {
			continue
		}
		if err := s.announceResults(ctx, tx, b, r, phases); err != nil {
			return err
		}
	}
	return nil
}

// runReady reports whether every phase a finished run completed has
// ended and has the rich result of each essay it did.
func runReady(ctx context.Context, tx *sql.Tx, batchID string, r runRow, phases []phaseRow) (bool, error) {
	for _, name := range r.Phases {
		var p *phaseRow
		for i := range phases {
			if phases[i].Phase == name {
				p = &phases[i]
			}
		}
		if p == nil || !phaseTerminal(p.Status) {
			return false, nil
		}
		col, ok := resultColumn[name]
		if !ok || p.Status == phaseSkipped {
			continue
		}
		var waiting int
		if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM results_essay_phases p JOIN results_essays e
			ON e.batch_id = p.batch_id AND e.essay_id = p.essay_id
			WHERE p.batch_id = $1 AND p.phase = $2 AND p.status = 'done' AND e.`+col+` IS NULL`, batchID, name).Scan(&waiting); err != nil {
			return false, fmt.Errorf("count essays waiting for %s results: %w", name, err)
		}
		if waiting > 0 {
			return false, nil
		}
	}
	return true, nil
}

func batchMeta(batchID string, at events.Time, event events.ProcessingEvent) events.SystemProcessingMetadata {
	stage := events.ProcessingStageCompleted
	name := string(event)
	return events.SystemProcessingMetadata{EntityID: batchID, EntityType: "batch", Timestamp: at,
		ProcessingStage: &stage, CompletedAt: &at, Event: &name, ErrorInfo: events.Object("{}")}
}

func batchBase(batchID string, at events.Time, event events.ProcessingEvent) events.BaseEventData {
	id, typ := batchID, "batch"
	return events.BaseEventData{EventName: event, EntityID: &id, EntityType: &typ, Timestamp: at}
}

// announceAssessment publishes BatchAssessmentCompletedV1 with the ranking
// of the students and tells the teacher.
func (s *Service) announceAssessment(ctx context.Context, tx *sql.Tx, b batchRow, corr uuid.UUID) error {
	essays, err := loadEssays(ctx, tx, b.ID)
	if err != nil {
		return err
	}
	ranked := rankedEssays(essays)
	summary := make([]events.Object, 0, len(ranked))
	for _, e := range ranked {
		o, err := events.NewObject(map[string]any{
			"essay_id": e.EssayID, "rank": e.Rank.Int64, "letter_grade": e.Grade.String,
			"normalized_score": e.Normalized.Float64, "confidence_label": e.ConfLabel.String, "file_name": e.FileName,
		})
		if err != nil {
			return fmt.Errorf("ranking summary: %w", err)
		}
		summary = append(summary, o)
	}
	at := events.AsTime(s.now())
	data := events.BatchAssessmentCompletedV1{
		ProcessingUpdate: events.ProcessingUpdate{
			BaseEventData:  batchBase(b.ID, at, events.EventBatchAssessmentCompleted),
			Status:         events.UpdateStatus(events.BatchStatusCompletedSuccessfully),
			SystemMetadata: batchMeta(b.ID, at, events.EventBatchAssessmentCompleted),
		},
		BatchID: b.ID, UserID: b.UserID, AssessmentJobID: b.JobID, RankingsSummary: summary,
	}
	env := events.NewEnvelope(events.TopicBatchAssessmentCompleted, source, corr, data)
	env.SetMeta(events.MetaUserID, b.UserID)
	if err := s.pub.Publish(ctx, tx, bus.Event(env)); err != nil {
		return fmt.Errorf("publish assessment completed: %w", err)
	}
	if _, err := tx.ExecContext(ctx, `UPDATE results_batches SET announced_job_id = $1 WHERE batch_id = $2`, b.JobID, b.ID); err != nil {
		return fmt.Errorf("mark assessment of %s announced: %w", b.ID, err)
	}
	payload := map[string]any{
		"phase": string(events.PhaseNameCJAssessment), "status": phaseCompleted, "job_id": b.JobID,
		"essays_assessed": len(ranked), "grade_distribution": gradeDistribution(ranked),
		"message": essaysText(len(ranked)) + " ranked and graded",
	}
	if b.SSR.Valid {
		payload["ssr"] = b.SSR.Float64
		payload["ssr_reading"] = readSSR(b.SSR.Float64)
	}
	return s.notify(ctx, tx, b, corr, note{typ: "assessment_completed", cat: events.WebSocketEventCategoryProcessingResults,
		prio: events.NotificationPriorityHigh, payload: payload})
}

// announceResults publishes BatchResultsReadyV1 for a finished run and
// tells the teacher the results are ready.
func (s *Service) announceResults(ctx context.Context, tx *sql.Tx, b batchRow, r runRow, phases []phaseRow) error {
	var total, failedEssays int
	if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM results_essays WHERE batch_id = $1`, b.ID).Scan(&total); err != nil {
		return fmt.Errorf("count essays of %s: %w", b.ID, err)
	}
	if err := tx.QueryRowContext(ctx, `SELECT COUNT(DISTINCT essay_id) FROM results_essay_phases WHERE batch_id = $1 AND status = 'failed'`,
		b.ID).Scan(&failedEssays); err != nil {
		return fmt.Errorf("count failed essays of %s: %w", b.ID, err)
	}
	total = max(total, b.Expected)
	completed := max(total-failedEssays, 0)
	if r.Successful.Valid {
		completed = int(r.Successful.Int64)
	}
	summaries := map[string]events.PhaseResultSummary{}
	notePhases := map[string]any{}
	for _, name := range r.Phases {
		for _, p := range phases {
			if p.Phase != name {
				continue
			}
			summaries[name] = events.PhaseResultSummary{PhaseName: name, Status: p.Status, CompletedCount: p.Done,
				FailedCount: p.Failed, ProcessingTimeSeconds: p.duration()}
			notePhases[name] = map[string]any{"status": p.Status, "done": p.Done, "failed": p.Failed, "total": p.total()}
		}
	}
	overall := events.BatchStatus(r.FinalStatus)
	at := events.AsTime(s.now())
	data := events.BatchResultsReadyV1{
		ProcessingUpdate: events.ProcessingUpdate{
			BaseEventData:  batchBase(b.ID, at, events.EventBatchResultsReady),
			Status:         events.UpdateStatus(overall),
			SystemMetadata: batchMeta(b.ID, at, events.EventBatchResultsReady),
		},
		BatchID: b.ID, UserID: b.UserID, TotalEssays: total, CompletedEssays: completed, PhaseResults: summaries,
		OverallStatus: overall, ProcessingDurationSeconds: r.Duration.Float64,
	}
	corr, err := uuid.Parse(r.CorrelationID)
	if err != nil {
		corr = uuid.New()
	}
	env := events.NewEnvelope(events.TopicBatchResultsReady, source, corr, data)
	env.SetMeta(events.MetaUserID, b.UserID)
	if err := s.pub.Publish(ctx, tx, bus.Event(env)); err != nil {
		return fmt.Errorf("publish results ready: %w", err)
	}
	if _, err := tx.ExecContext(ctx, `UPDATE results_runs SET ready_published = 1 WHERE batch_id = $1 AND correlation_id = $2`,
		b.ID, r.CorrelationID); err != nil {
		return fmt.Errorf("mark results of %s announced: %w", b.ID, err)
	}
	if _, err := tx.ExecContext(ctx, `UPDATE results_batches SET results_ready_at = $1 WHERE batch_id = $2`, at.Time, b.ID); err != nil {
		return fmt.Errorf("mark results of %s ready: %w", b.ID, err)
	}
	prio := events.NotificationPriorityHigh
	return s.notify(ctx, tx, b, corr, note{typ: "batch_results_ready", cat: events.WebSocketEventCategoryProcessingResults,
		prio: prio, payload: map[string]any{
			"status": r.FinalStatus, "pipeline": r.Pipeline, "total_essays": total, "completed_essays": completed,
			"failed_essays": failedEssays, "duration_seconds": r.Duration.Float64, "phases": notePhases,
			"message": fmt.Sprintf("Results for %d of %d essays are ready", completed, total),
		}})
}
