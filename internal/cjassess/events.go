package cjassess

import (
	"fmt"
	"time"

	"github.com/hule-dev/hule/internal/cjassess/grading"
	"github.com/hule-dev/hule/internal/events"
)

// AssessmentMethod is the rich event's assessment_method.
const AssessmentMethod = "cj_assessment"

// sourceService names cjassess in thin events' error info.
const sourceService = "cj_assessment_service"

// Metadata is the shape of the rich event's assessment_metadata.
type Metadata struct {
	AnchorEssaysUsed  int              `json:"anchor_essays_used"`
	CalibrationMethod string           `json:"calibration_method"`
	GradeScale        string           `json:"grade_scale"`
	ComparisonCount   int              `json:"comparison_count"`
	FailedComparisons int              `json:"failed_comparisons"`
	Abandoned         int              `json:"abandoned_comparisons"`
	SuccessRate       float64          `json:"success_rate"`
	SSR               float64          `json:"scale_separation_reliability"`
	Converged         bool             `json:"converged"`
	StopReason        string           `json:"stop_reason"`
	JudgeProvider     string           `json:"judge_provider"`
	JudgeModel        string           `json:"judge_model"`
	Temperature       *float64         `json:"temperature"`
	DurationSeconds   float64          `json:"duration_seconds"`
	InputTokens       int64            `json:"input_tokens"`
	OutputTokens      int64            `json:"output_tokens"`
	CostUSD           float64          `json:"estimated_cost_usd"`
	JudgeFit          []JudgeFitRecord `json:"judge_fit,omitempty"`
	// Essays carries what EssayResultV1 has no field for: each essay's
	// standard error, fit and grade probabilities (the original dropped
	// them; teachers need them to read a grade's confidence).
	Essays []EssayMetaRecord `json:"essays"`
	// ComparisonsStorageID names the content blob listing the job's
	// comparisons with the judge's justifications (set by the worker).
	ComparisonsStorageID string `json:"comparisons_storage_id,omitempty"`
}

// EssayMetaRecord is one essay's detail in Metadata.Essays.
type EssayMetaRecord struct {
	EssayID            string             `json:"essay_id"`
	SE                 float64            `json:"se"`
	Infit              float64            `json:"infit"`
	Outfit             float64            `json:"outfit"`
	Comparisons        int                `json:"comparisons"`
	Wins               int                `json:"wins"`
	GradeProbabilities map[string]float64 `json:"grade_probabilities,omitempty"`
}

// JudgeFitRecord is one judge's (model's) fit in the rich event.
type JudgeFitRecord struct {
	Judge       string  `json:"judge"`
	Comparisons int     `json:"comparisons"`
	Infit       float64 `json:"infit"`
	Outfit      float64 `json:"outfit"`
}

func ptr[T any](v T) *T { return &v }

func batchMeta(batchID string, stage events.ProcessingStage, event events.ProcessingEvent, started, at time.Time) events.SystemProcessingMetadata {
	m := events.SystemProcessingMetadata{
		EntityID:        batchID,
		EntityType:      "batch",
		Timestamp:       events.AsTime(at),
		ProcessingStage: &stage,
		CompletedAt:     ptr(events.AsTime(at)),
		Event:           ptr(string(event)),
		ErrorInfo:       events.Object("{}"),
	}
	if !started.IsZero() {
		m.StartedAt = ptr(events.AsTime(started))
	}
	return m
}

func batchBase(event events.ProcessingEvent, batchID string, at time.Time) events.BaseEventData {
	return events.BaseEventData{EventName: event, EntityID: ptr(batchID), EntityType: ptr("batch"), Timestamp: events.AsTime(at)}
}

// ThinCompleted builds the thin CJAssessmentCompletedV1 for lifecycle:
// counts and ids of the student essays that were assessed and of those that
// failed, and the processing time; anchors are not counted and no score
// appears.
func ThinCompleted(o *Outcome) (events.CJAssessmentCompletedV1, error) {
	sum := events.CJProcessingSummary{
		SuccessfulEssayIDs:    []string{},
		FailedEssayIDs:        []string{},
		ProcessingTimeSeconds: o.Duration().Seconds(),
	}
	for _, e := range o.Essays {
		if !e.Anchor {
			sum.SuccessfulEssayIDs = append(sum.SuccessfulEssayIDs, e.ID)
		}
	}
	for _, f := range o.Failed {
		sum.FailedEssayIDs = append(sum.FailedEssayIDs, f.ID)
	}
	sum.Successful, sum.Failed = len(sum.SuccessfulEssayIDs), len(sum.FailedEssayIDs)
	sum.TotalEssays = sum.Successful + sum.Failed
	obj, err := events.NewObject(sum)
	if err != nil {
		return events.CJAssessmentCompletedV1{}, fmt.Errorf("processing summary of job %s: %w", o.JobID, err)
	}
	status := events.BatchStatusCompletedSuccessfully
	if sum.Failed > 0 {
		status = events.BatchStatusCompletedWithFailures
	}
	e := events.CJAssessmentCompletedV1{
		ProcessingUpdate: events.ProcessingUpdate{
			BaseEventData:  batchBase(events.EventCJAssessmentCompleted, o.BatchID, o.Finished),
			Status:         events.UpdateStatus(status),
			SystemMetadata: batchMeta(o.BatchID, events.ProcessingStageCompleted, events.EventCJAssessmentCompleted, o.Started, o.Finished),
		},
		CJAssessmentJobID: o.JobID,
		ProcessingSummary: obj,
	}
	if err := e.Validate(); err != nil {
		return events.CJAssessmentCompletedV1{}, fmt.Errorf("thin completion of job %s: %w", o.JobID, err)
	}
	return e, nil
}

// RichResult builds the rich AssessmentResultV1 for results: every scored
// essay (anchors flagged is_anchor) and the job's assessment metadata.
func RichResult(o *Outcome) (events.AssessmentResultV1, error) {
	method := grading.Method
	if o.AnchorsUsed == 0 {
		method = "none"
	}
	meta := Metadata{
		AnchorEssaysUsed: o.AnchorsUsed, CalibrationMethod: method, GradeScale: o.Scale,
		ComparisonCount: o.Comparisons, FailedComparisons: o.FailedCalls, Abandoned: o.Abandoned,
		SuccessRate: o.SuccessRate, SSR: o.SSR, Converged: o.Converged, StopReason: string(o.Stop),
		JudgeProvider: o.Provider, JudgeModel: o.Model, Temperature: o.Temperature,
		DurationSeconds: o.Duration().Seconds(),
		InputTokens:     o.Usage.InputTokens, OutputTokens: o.Usage.OutputTokens, CostUSD: o.Usage.CostUSD,
	}
	for _, j := range o.Judges {
		meta.JudgeFit = append(meta.JudgeFit, JudgeFitRecord{Judge: j.ID, Comparisons: j.Comparisons, Infit: j.Infit, Outfit: j.Outfit})
	}
	var grades []string
	if sc, err := grading.LookupScale(o.Scale); err == nil {
		grades = sc.Grades
	}
	meta.Essays = make([]EssayMetaRecord, 0, len(o.Essays))
	for _, e := range o.Essays {
		rec := EssayMetaRecord{EssayID: e.ID, SE: e.SE, Infit: e.Infit, Outfit: e.Outfit, Comparisons: e.Comparisons, Wins: e.Wins}
		if len(e.Probabilities) == len(grades) && len(grades) > 0 {
			rec.GradeProbabilities = make(map[string]float64, len(grades))
			for i, g := range grades {
				rec.GradeProbabilities[g] = e.Probabilities[i]
			}
		}
		meta.Essays = append(meta.Essays, rec)
	}
	obj, err := events.NewObject(meta)
	if err != nil {
		return events.AssessmentResultV1{}, fmt.Errorf("assessment metadata of job %s: %w", o.JobID, err)
	}
	results := make([]events.EssayResultV1, len(o.Essays))
	for i, e := range o.Essays {
		results[i] = events.EssayResultV1{
			EssayID: e.ID, NormalizedScore: e.NormalizedScore, LetterGrade: e.Grade,
			ConfidenceScore: e.ConfidenceScore, ConfidenceLabel: events.ConfidenceLabel(e.ConfidenceLabel),
			BTScore: e.Score, Rank: e.Rank, IsAnchor: e.Anchor,
		}
		if e.DisplayName != "" {
			results[i].DisplayName = ptr(e.DisplayName)
		}
	}
	r := events.AssessmentResultV1{
		BaseEventData:      batchBase(events.EventAssessmentResultPublished, o.BatchID, o.Finished),
		BatchID:            o.BatchID,
		CJAssessmentJobID:  o.JobID,
		AssessmentMethod:   AssessmentMethod,
		ModelUsed:          o.Model,
		ModelProvider:      o.Provider,
		EssayResults:       results,
		AssessmentMetadata: obj,
		AssessedAt:         events.AsTime(o.Finished),
	}
	if o.AssignmentID != "" {
		r.AssignmentID = ptr(o.AssignmentID)
	}
	if err := r.Validate(); err != nil {
		return events.AssessmentResultV1{}, fmt.Errorf("rich result of job %s: %w", o.JobID, err)
	}
	return r, nil
}

// ThinFailed builds the CJAssessmentFailedV1 for lifecycle from a job
// error; o may be the partial outcome Run returned with it (for the ids and
// timing) and must at least name the job and batch.
func ThinFailed(o *Outcome, jerr *JobError) (events.CJAssessmentFailedV1, error) {
	at := o.Finished
	if at.IsZero() {
		at = time.Now().UTC()
	}
	meta := batchMeta(o.BatchID, events.ProcessingStageFailed, events.EventCJAssessmentFailed, o.Started, at)
	info, err := events.NewObject(map[string]any{
		"error_code": string(jerr.Code),
		"message":    jerr.Message,
		"service":    sourceService,
		"operation":  "cj_assessment",
		"timestamp":  events.AsTime(at),
		"details":    map[string]any{"cj_assessment_job_id": o.JobID, "comparisons": o.Comparisons, "abandoned": o.Abandoned},
	})
	if err != nil {
		return events.CJAssessmentFailedV1{}, fmt.Errorf("error info of job %s: %w", o.JobID, err)
	}
	meta.ErrorInfo = info
	e := events.CJAssessmentFailedV1{
		ProcessingUpdate: events.ProcessingUpdate{
			BaseEventData:  batchBase(events.EventCJAssessmentFailed, o.BatchID, at),
			Status:         events.UpdateStatus(events.BatchStatusFailedCritically),
			SystemMetadata: meta,
		},
		CJAssessmentJobID: o.JobID,
	}
	if err := e.Validate(); err != nil {
		return events.CJAssessmentFailedV1{}, fmt.Errorf("thin failure of job %s: %w", o.JobID, err)
	}
	return e, nil
}
