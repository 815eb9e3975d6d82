package events

import (
	"time"

	"github.com/google/uuid"
)

// Example returns a valid, realistic envelope for topic, the same every
// time (fixed ids and times), as `hule events example` prints it and the
// golden files lock it. ok is false for a topic without a Go type.
func Example(topic string) (env Envelope[Event], ok bool) {
	f, ok := examples[topic]
	if !ok {
		return env, false
	}
	data, source := f()
	env = Envelope[Event]{
		EventID:        exampleEventID,
		EventType:      topic,
		EventTimestamp: exampleTime,
		SourceService:  source,
		SchemaVersion:  SchemaVersion,
		CorrelationID:  exampleCorrelationID,
		Data:           data,
		Metadata:       map[string]any{MetaTraceparent: "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"},
	}
	return env, true
}

var (
	exampleEventID       = uuid.MustParse("0b6f4c1e-9a52-4f0e-8a61-3f2d8c7e5a10")
	exampleCorrelationID = uuid.MustParse("5d1e2f3a-4b5c-4d6e-8f70-819a2b3c4d5e")
	exampleTime          = AsTime(time.Date(2025, 3, 14, 9, 26, 53, 589793000, time.UTC))
	exampleStart         = AsTime(time.Date(2025, 3, 14, 9, 21, 7, 0, time.UTC))
)

func ptr[T any](v T) *T { return &v }

const (
	exBatch   = "b7e3c2a1-batch-2025-eng5-7a"
	exJob     = "cj-job-1842"
	exUser    = "teacher-31f0"
	exEssay1  = "e-4a1f9c"
	exEssay2  = "e-8b2d17"
	exEssay3  = "e-c93e44"
	exStorage = "9f3c2b1a0d8e4f6a7b5c4d3e2f1a0b9c"
)

func exMeta(entityID, entityType string, stage ProcessingStage, event ProcessingEvent) SystemProcessingMetadata {
	return SystemProcessingMetadata{
		EntityID:        entityID,
		EntityType:      entityType,
		Timestamp:       exampleTime,
		ProcessingStage: &stage,
		StartedAt:       ptr(exampleStart),
		CompletedAt:     ptr(exampleTime),
		Event:           ptr(string(event)),
		ErrorInfo:       Object("{}"),
	}
}

func exBase(event ProcessingEvent, entityID, entityType string) BaseEventData {
	return BaseEventData{EventName: event, EntityID: &entityID, EntityType: &entityType, Timestamp: exampleTime}
}

func exRefs(withMetrics bool) []EssayProcessingInputRefV1 {
	refs := []EssayProcessingInputRefV1{
		{EssayID: exEssay1, TextStorageID: "txt-corrected-4a1f9c"},
		{EssayID: exEssay2, TextStorageID: "txt-corrected-8b2d17"},
		{EssayID: exEssay3, TextStorageID: "txt-corrected-c93e44"},
	}
	if withMetrics {
		refs[0].SpellcheckMetrics = RawValue(`{"total_corrections":7,"l2_dictionary_corrections":3,"spellchecker_corrections":4,"word_count":412,"correction_density":1.7}`)
	}
	return refs
}

func exPrompt() *StorageReferenceMetadata {
	return &StorageReferenceMetadata{References: map[ContentType]map[string]string{
		ContentTypeStudentPromptText: {"storage_id": "prompt-2f6e91", "path": ""},
	}}
}

var examples = map[string]func() (Event, string){
	TopicCJAssessmentCompleted: func() (Event, string) {
		e := &CJAssessmentCompletedV1{ProcessingUpdate: ProcessingUpdate{
			BaseEventData:  exBase(EventCJAssessmentCompleted, exBatch, "batch"),
			Status:         UpdateStatus(BatchStatusCompletedSuccessfully),
			SystemMetadata: exMeta(exBatch, "batch", ProcessingStageCompleted, EventCJAssessmentCompleted),
		}, CJAssessmentJobID: exJob}
		e.ProcessingSummary = MustObject(CJProcessingSummary{
			TotalEssays: 3, Successful: 3, SuccessfulEssayIDs: []string{exEssay1, exEssay2, exEssay3},
			FailedEssayIDs: []string{}, ProcessingTimeSeconds: 318.4,
		})
		return e, "cj_assessment_service"
	},
	TopicCJAssessmentFailed: func() (Event, string) {
		meta := exMeta(exBatch, "batch", ProcessingStageFailed, EventCJAssessmentFailed)
		meta.ErrorInfo = MustObject(map[string]any{
			"error_code": string(CJAssessmentErrorCodeInsufficientComparisons),
			"message":    "only 4 of 9 comparisons returned a usable judgement",
		})
		return &CJAssessmentFailedV1{ProcessingUpdate: ProcessingUpdate{
			BaseEventData:  exBase(EventCJAssessmentFailed, exBatch, "batch"),
			Status:         UpdateStatus(BatchStatusFailedCritically),
			SystemMetadata: meta,
		}, CJAssessmentJobID: exJob}, "cj_assessment_service"
	},
	TopicAssessmentResultPublished: func() (Event, string) {
		return &AssessmentResultV1{
			BaseEventData:     exBase(EventAssessmentResultPublished, exBatch, "batch"),
			BatchID:           exBatch,
			CJAssessmentJobID: exJob,
			AssignmentID:      ptr("eng5-argumentative-2025"),
			AssessmentMethod:  "cj_assessment",
			ModelUsed:         "offline-features",
			ModelProvider:     "internal",
			EssayResults: []EssayResultV1{
				{EssayID: exEssay2, NormalizedScore: 0.91, LetterGrade: "A", ConfidenceScore: 0.82, ConfidenceLabel: ConfidenceLabelHigh, BTScore: 1.37, Rank: 1},
				{EssayID: exEssay1, NormalizedScore: 0.55, LetterGrade: "C+", ConfidenceScore: 0.61, ConfidenceLabel: ConfidenceLabelMid, BTScore: 0.12, Rank: 2, DisplayName: ptr("Essay 1")},
				{EssayID: exEssay3, NormalizedScore: 0.18, LetterGrade: "E", ConfidenceScore: 0.44, ConfidenceLabel: ConfidenceLabelLow, BTScore: -1.49, Rank: 3},
			},
			AssessmentMetadata: MustObject(map[string]any{"anchor_essays_used": 0, "comparison_count": 9}),
			AssessedAt:         exampleTime,
		}, "cj_assessment_service"
	},
	TopicELSCJAssessmentRequested: func() (Event, string) {
		return &ELSCJAssessmentRequestV1{
			BaseEventData:      exBase(EventELSCJAssessmentRequested, exBatch, "batch"),
			SystemMetadata:     exMeta(exBatch, "batch", ProcessingStageInitialized, EventELSCJAssessmentRequested),
			EssaysForCJ:        exRefs(true),
			Language:           string(LanguageEN),
			CourseCode:         CourseCodeENG5,
			StudentPromptRef:   exPrompt(),
			LLMConfigOverrides: &LLMConfigOverrides{ModelOverride: ptr("gpt-4.1-mini"), TemperatureOverride: ptr(0.2), MaxTokensOverride: ptr(800)},
			AssignmentID:       ptr("eng5-argumentative-2025"),
			UserID:             exUser,
		}, "essay_lifecycle_service"
	},
	TopicSpellcheckPhaseCompleted: func() (Event, string) {
		return &SpellcheckPhaseCompletedV1{
			EntityID: exEssay1, BatchID: exBatch, CorrelationID: exampleCorrelationID.String(),
			Status: ProcessingStatusCompleted, CorrectedTextStorageID: ptr("txt-corrected-4a1f9c"),
			ProcessingDurationMS: 142, Timestamp: exampleTime,
		}, "spellchecker_service"
	},
	TopicSpellcheckResults: func() (Event, string) {
		e := &SpellcheckResultV1{
			ProcessingUpdate: ProcessingUpdate{
				BaseEventData:  exBase(EventSpellcheckResults, exEssay1, "essay"),
				Status:         UpdateStatus(EssayStatusSpellcheckedSuccess),
				SystemMetadata: exMeta(exEssay1, "essay", ProcessingStageCompleted, EventSpellcheckResults),
			},
			BatchID: exBatch, CorrelationID: exampleCorrelationID.String(), UserID: ptr(exUser),
			CorrectionsMade: 7,
			CorrectionMetrics: SpellcheckMetricsV1{TotalCorrections: 7, L2DictionaryCorrections: 3,
				SpellcheckerCorrections: 4, WordCount: 412, CorrectionDensity: 1.7},
			OriginalTextStorageID: "txt-original-4a1f9c", CorrectedTextStorageID: ptr("txt-corrected-4a1f9c"),
			ProcessingDurationMS: 142,
		}
		e.ProcessorVersion = "hule-spellcheck-1"
		e.ParentID = ptr(exBatch)
		return e, "spellchecker_service"
	},
	TopicEssaySpellcheckRequested: func() (Event, string) {
		return &EssayLifecycleSpellcheckRequestV1{
			ProcessingUpdate: ProcessingUpdate{
				BaseEventData:  exBase(EventEssaySpellcheckRequested, exEssay1, "essay"),
				Status:         UpdateStatus(EssayStatusAwaitingSpellcheck),
				SystemMetadata: exMeta(exEssay1, "essay", ProcessingStagePending, EventEssaySpellcheckRequested),
			},
			TextStorageID: "txt-original-4a1f9c", Language: string(LanguageEN),
		}, "essay_lifecycle_service"
	},
	TopicBatchEssaysRegistered: func() (Event, string) {
		return &BatchEssaysRegistered{
			Event: string(EventBatchEssaysRegistered), EntityID: exBatch, ExpectedEssayCount: 3,
			EssayIDs:   []string{exEssay1, exEssay2, exEssay3},
			Metadata:   exMeta(exBatch, "batch", ProcessingStageInitialized, EventBatchEssaysRegistered),
			CourseCode: CourseCodeENG5, StudentPromptRef: exPrompt(), UserID: exUser, OrgID: ptr("org-uppsala-gy"),
		}, "batch_orchestrator_service"
	},
	TopicBatchContentProvisioningCompleted: func() (Event, string) {
		return &BatchContentProvisioningCompletedV1{
			Event: string(EventBatchContentProvisioningCompleted), BatchID: exBatch,
			ProvisionedCount: 3, ExpectedCount: 3, CourseCode: CourseCodeENG5, UserID: exUser,
			EssaysForProcessing: exRefs(false), CorrelationID: exampleCorrelationID, Timestamp: exampleTime,
		}, "essay_lifecycle_service"
	},
	TopicBatchEssaysReady: func() (Event, string) {
		return &BatchEssaysReady{
			Event: string(EventBatchEssaysReady), BatchID: exBatch, ReadyEssays: exRefs(false),
			Metadata:   exMeta(exBatch, "batch", ProcessingStageCompleted, EventBatchEssaysReady),
			CourseCode: CourseCodeSV2, CourseLanguage: string(CourseCodeSV2.Language()),
			StudentPromptRef: exPrompt(), ClassType: "REGULAR",
		}, "essay_lifecycle_service"
	},
	TopicBatchPipelineCompleted: func() (Event, string) {
		return &BatchPipelineCompletedV1{
			Event: string(EventBatchPipelineCompleted), BatchID: exBatch,
			CompletedPhases: []string{string(PhaseNameSpellcheck), string(PhaseNameCJAssessment)},
			FinalStatus:     BatchStatusCompletedSuccessfully, ProcessingDurationSeconds: 346.5,
			SuccessfulEssayCount: 3, FailedEssayCount: 0, CorrelationID: exampleCorrelationID,
			Metadata: exMeta(exBatch, "batch", ProcessingStageCompleted, EventBatchPipelineCompleted),
		}, "batch_orchestrator_service"
	},
	TopicBatchPhaseSkipped: func() (Event, string) {
		return &PhaseSkippedV1{
			Event: string(EventBatchPhaseSkipped), BatchID: exBatch, PhaseName: string(PhaseNameSpellcheck),
			SkipReason: DefaultSkipReason, StorageID: ptr("txt-corrected-4a1f9c"), CorrelationID: exampleCorrelationID,
			Metadata: exMeta(exBatch, "batch", ProcessingStageCompleted, EventBatchPhaseSkipped),
		}, "batch_orchestrator_service"
	},
	TopicELSBatchPhaseOutcome: func() (Event, string) {
		return &ELSBatchPhaseOutcomeV1{
			BatchID: exBatch, PhaseName: PhaseNameSpellcheck, PhaseStatus: BatchStatusCompletedWithFailures,
			ProcessedEssays: exRefs(false)[:2], FailedEssayIDs: []string{exEssay3}, CorrelationID: exampleCorrelationID,
		}, "essay_lifecycle_service"
	},
	TopicClientBatchPipelineRequest: func() (Event, string) {
		return &ClientBatchPipelineRequestV1{
			BatchID: exBatch, RequestedPipeline: string(PhaseNameCJAssessment), ClientCorrelationID: exampleCorrelationID,
			UserID: exUser, PromptPayload: &PipelinePromptPayload{AssignmentID: ptr("eng5-argumentative-2025"), CMSPromptRef: exPrompt()},
		}, "api_gateway_service"
	},
	TopicBatchResultsReady: func() (Event, string) {
		return &BatchResultsReadyV1{
			ProcessingUpdate: ProcessingUpdate{
				BaseEventData:  exBase(EventBatchResultsReady, exBatch, "batch"),
				Status:         UpdateStatus(BatchStatusCompletedSuccessfully),
				SystemMetadata: exMeta(exBatch, "batch", ProcessingStageCompleted, EventBatchResultsReady),
			},
			BatchID: exBatch, UserID: exUser, TotalEssays: 3, CompletedEssays: 3,
			PhaseResults: map[string]PhaseResultSummary{
				string(PhaseNameSpellcheck):   {PhaseName: string(PhaseNameSpellcheck), Status: "completed", CompletedCount: 3, ProcessingTimeSeconds: ptr(21.3)},
				string(PhaseNameCJAssessment): {PhaseName: string(PhaseNameCJAssessment), Status: "completed", CompletedCount: 3, ProcessingTimeSeconds: ptr(318.4)},
			},
			OverallStatus: BatchStatusCompletedSuccessfully, ProcessingDurationSeconds: 346.5,
		}, "result_aggregator_service"
	},
	TopicBatchAssessmentCompleted: func() (Event, string) {
		return &BatchAssessmentCompletedV1{
			ProcessingUpdate: ProcessingUpdate{
				BaseEventData:  exBase(EventBatchAssessmentCompleted, exBatch, "batch"),
				Status:         UpdateStatus(BatchStatusCompletedSuccessfully),
				SystemMetadata: exMeta(exBatch, "batch", ProcessingStageCompleted, EventBatchAssessmentCompleted),
			},
			BatchID: exBatch, UserID: exUser, AssessmentJobID: exJob,
			RankingsSummary: []Object{
				MustObject(map[string]any{"essay_id": exEssay2, "rank": 1, "letter_grade": "A"}),
				MustObject(map[string]any{"essay_id": exEssay1, "rank": 2, "letter_grade": "C+"}),
			},
		}, "result_aggregator_service"
	},
	TopicEssayContentProvisioned: func() (Event, string) {
		return &EssayContentProvisionedV1{
			Event: string(EventEssayContentProvisioned), EntityID: exBatch, FileUploadID: "upl-61c0e2",
			OriginalFileName: "anna_svensson_essay.docx", RawFileStorageID: "raw-61c0e2", TextStorageID: "txt-original-4a1f9c",
			FileSizeBytes: 18342, ContentMD5Hash: ptr("3b5d5c3712955042212316173ccf37be"),
			CorrelationID: exampleCorrelationID, Timestamp: exampleTime,
		}, "file_service"
	},
	TopicEssayValidationFailed: func() (Event, string) {
		return &EssayValidationFailedV1{
			Event: string(EventEssayValidationFailed), EntityID: exBatch, FileUploadID: "upl-77a4d9",
			OriginalFileName: "empty.txt", RawFileStorageID: "raw-77a4d9",
			ValidationErrorCode: FileValidationErrorCodeEmptyContent,
			ValidationErrorDetail: ErrorDetail{
				ErrorCode: AnyErrorCode(FileValidationErrorCodeEmptyContent), Message: "the file contains no text",
				CorrelationID: exampleCorrelationID, Timestamp: exampleTime, Service: "file_service",
				Operation: "validate_content", Details: MustObject(map[string]any{"file_size_bytes": 0}),
			},
			FileSizeBytes: 0, CorrelationID: exampleCorrelationID, Timestamp: exampleTime,
		}, "file_service"
	},
	TopicEssaySlotAssigned: func() (Event, string) {
		return &EssaySlotAssignedV1{
			Event: string(EventEssaySlotAssigned), BatchID: exBatch, EssayID: exEssay1, FileUploadID: "upl-61c0e2",
			TextStorageID: "txt-original-4a1f9c", OriginalFileName: "anna_svensson_essay.docx",
			CorrelationID: exampleCorrelationID, Timestamp: exampleTime,
		}, "essay_lifecycle_service"
	},
	TopicBatchNLPAnalysisCompleted: func() (Event, string) {
		return &BatchNlpAnalysisCompletedV1{
			ProcessingUpdate: ProcessingUpdate{
				BaseEventData:  exBase(EventBatchNLPAnalysisCompleted, exBatch, "batch"),
				Status:         UpdateStatus(BatchStatusCompletedSuccessfully),
				SystemMetadata: exMeta(exBatch, "batch", ProcessingStageCompleted, EventBatchNLPAnalysisCompleted),
			},
			BatchID: exBatch,
			ProcessingSummary: MustObject(map[string]any{"total_essays": 3, "successful": 3, "failed": 0,
				"successful_essay_ids": []string{exEssay1, exEssay2, exEssay3}, "failed_essay_ids": []string{}}),
		}, "nlp_service"
	},
	TopicEssayNLPCompleted: func() (Event, string) {
		return &EssayNlpCompletedV1{
			BaseEventData: exBase(EventEssayNLPCompleted, exEssay1, "essay"),
			EssayID:       exEssay1, TextStorageID: "txt-corrected-4a1f9c",
			NlpMetrics: NlpMetrics{WordCount: 412, SentenceCount: 23, AvgSentenceLength: 17.9, LanguageDetected: "en",
				ProcessingTimeMS: 88, MeanZipfFrequency: 5.12, PercentTokensZipfBelow3: 4.6, MTLDScore: 71.3, HDDScore: 0.82,
				MeanDependencyDistance: 2.41, PhrasalIndices: map[string]float64{"np_per_sentence": 3.2},
				ClausalIndices: map[string]float64{"clauses_per_sentence": 1.8}, FirstOrderCoherence: 0.43,
				SecondOrderCoherence: 0.39, AvgBigramPMI: 3.1, AvgTrigramPMI: 4.2, AvgBigramNPMI: 0.21, AvgTrigramNPMI: 0.18},
			GrammarAnalysis: GrammarAnalysis{ErrorCount: 1, Language: "en", ProcessingTimeMS: 35,
				Errors: []GrammarError{{RuleID: "HE_VERB_AGR", Message: "The pronoun 'he' must be used with a third-person verb.",
					ShortMessage: "Agreement", Offset: 118, Length: 4, Replacements: []string{"goes"}, Category: "GRAMMAR",
					Severity: "warning", CategoryID: "GRAMMAR", CategoryName: "Grammar", Context: "...and then he go to the...", ContextOffset: 14}},
				GrammarCategoryCounts: &map[string]int{"GRAMMAR": 1}},
			ProcessingMetadata: MustObject(map[string]any{"analyzer": "hule-nlp-1"}),
		}, "nlp_service"
	},
	TopicBatchSpellcheckInitiateCommand: func() (Event, string) {
		return &BatchServiceSpellcheckInitiateCommandDataV1{
			BaseEventData:   exBase(EventBatchSpellcheckInitiateCommand, exBatch, "batch"),
			EssaysToProcess: exRefs(false), Language: string(LanguageEN),
		}, "batch_orchestrator_service"
	},
	TopicBatchCJAssessmentInitiateCommand: func() (Event, string) {
		return &BatchServiceCJAssessmentInitiateCommandDataV1{
			BaseEventData:   exBase(EventBatchCJAssessmentInitiateCommand, exBatch, "batch"),
			EssaysToProcess: exRefs(true), Language: string(LanguageEN), CourseCode: CourseCodeENG5,
			StudentPromptRef: exPrompt(), ClassType: "REGULAR", AssignmentID: ptr("eng5-argumentative-2025"),
		}, "batch_orchestrator_service"
	},
	TopicBatchNLPInitiateCommandV2: func() (Event, string) {
		return &BatchServiceNLPInitiateCommandDataV2{
			BaseEventData:   exBase(EventBatchNLPInitiateCommandV2, exBatch, "batch"),
			EssaysToProcess: exRefs(false), Language: string(LanguageSV), StudentPromptRef: exPrompt(),
		}, "batch_orchestrator_service"
	},
	TopicTeacherNotificationRequested: func() (Event, string) {
		return &TeacherNotificationRequestedV1{
			TeacherID: exUser, NotificationType: "batch_results_ready", Category: WebSocketEventCategoryProcessingResults,
			Priority:      NotificationPriorityStandard,
			Payload:       MustObject(map[string]any{"batch_id": exBatch, "message": "Results for 3 essays are ready"}),
			CorrelationID: exampleCorrelationID.String(), BatchID: ptr(exBatch), Timestamp: exampleTime,
		}, "result_aggregator_service"
	},
}
