package events

import "github.com/google/uuid"

// Event is implemented by every event data type: it names the topic it
// travels on and checks the contract's constraints.
type Event interface {
	Topic() string
	Validate() error
}

// CJAssessmentCompletedV1 (thin) says a comparative judgement job finished.
// Published by cjassess, consumed by lifecycle, which marks the essays and
// reports the phase outcome. ProcessingSummary carries counts and the ids of
// successful and failed essays (see CJProcessingSummary), never scores.
type CJAssessmentCompletedV1 struct {
	ProcessingUpdate
	CJAssessmentJobID string `json:"cj_assessment_job_id" hule:"required"`
	ProcessingSummary Object `json:"processing_summary"`
}

// CJProcessingSummary is the shape hule writes into
// CJAssessmentCompletedV1.ProcessingSummary. The summary is a free-form
// object in the contract, so a producer may write null for a list: it
// decodes as empty.
type CJProcessingSummary struct {
	TotalEssays           int      `json:"total_essays"`
	Successful            int      `json:"successful"`
	Failed                int      `json:"failed"`
	SuccessfulEssayIDs    []string `json:"successful_essay_ids" hule:"nullable"`
	FailedEssayIDs        []string `json:"failed_essay_ids" hule:"nullable"`
	ProcessingTimeSeconds float64  `json:"processing_time_seconds"`
}

func (*CJProcessingSummary) codecObject() {}

// CJAssessmentFailedV1 (thin) says a comparative judgement job failed as a
// whole; SystemMetadata.ErrorInfo says why. Published by cjassess, consumed
// by lifecycle, which fails the phase for those essays.
type CJAssessmentFailedV1 struct {
	ProcessingUpdate
	CJAssessmentJobID string `json:"cj_assessment_job_id" hule:"required"`
}

// AssessmentResultV1 (rich) carries the full results of a comparative
// judgement job: per essay score, grade, confidence and rank. Published by
// cjassess, consumed by results.
type AssessmentResultV1 struct {
	BaseEventData
	BatchID            string          `json:"batch_id" hule:"required"`
	CJAssessmentJobID  string          `json:"cj_assessment_job_id" hule:"required"`
	AssignmentID       *string         `json:"assignment_id" hule:"maxLength=100"`
	AssessmentMethod   string          `json:"assessment_method" hule:"required"`
	ModelUsed          string          `json:"model_used" hule:"required"`
	ModelProvider      string          `json:"model_provider" hule:"required"`
	ModelVersion       *string         `json:"model_version"`
	EssayResults       []EssayResultV1 `json:"essay_results" hule:"required"`
	AssessmentMetadata Object          `json:"assessment_metadata"`
	AssessedAt         Time            `json:"assessed_at"`
}

// EssayResultV1 is one essay's result inside AssessmentResultV1.
type EssayResultV1 struct {
	EssayID         string          `json:"essay_id" hule:"required"`
	NormalizedScore float64         `json:"normalized_score" hule:"required,minimum=0,maximum=1"`
	LetterGrade     string          `json:"letter_grade" hule:"required,pattern=letter_grade"`
	ConfidenceScore float64         `json:"confidence_score" hule:"required,minimum=0,maximum=1"`
	ConfidenceLabel ConfidenceLabel `json:"confidence_label" hule:"required"`
	BTScore         float64         `json:"bt_score" hule:"required"`
	Rank            int             `json:"rank" hule:"required,exclusiveMinimum=0"`
	IsAnchor        bool            `json:"is_anchor"`
	FeedbackURI     *string         `json:"feedback_uri"`
	MetricsURI      *string         `json:"metrics_uri"`
	DisplayName     *string         `json:"display_name"`
}

// ELSCJAssessmentRequestV1 asks for comparative judgement of a batch's
// essays (the original's ELS_CJAssessmentRequestV1). Published by lifecycle,
// one per batch, consumed by cjassess.
type ELSCJAssessmentRequestV1 struct {
	BaseEventData
	SystemMetadata     SystemProcessingMetadata    `json:"system_metadata" hule:"required"`
	EssaysForCJ        []EssayProcessingInputRefV1 `json:"essays_for_cj" hule:"required"`
	Language           string                      `json:"language" hule:"required"`
	CourseCode         CourseCode                  `json:"course_code" hule:"required"`
	StudentPromptRef   *StorageReferenceMetadata   `json:"student_prompt_ref"`
	LLMConfigOverrides *LLMConfigOverrides         `json:"llm_config_overrides"`
	AssignmentID       *string                     `json:"assignment_id" hule:"maxLength=100"`
	UserID             string                      `json:"user_id" hule:"required"`
	OrgID              *string                     `json:"org_id"`
}

// LLMConfigOverrides lets a request override the judge's model settings.
type LLMConfigOverrides struct {
	ModelOverride        *string  `json:"model_override"`
	TemperatureOverride  *float64 `json:"temperature_override" hule:"minimum=0,maximum=2"`
	MaxTokensOverride    *int     `json:"max_tokens_override" hule:"exclusiveMinimum=0"`
	ProviderOverride     *string  `json:"provider_override"`
	SystemPromptOverride *string  `json:"system_prompt_override"`
	JudgeRubricOverride  *string  `json:"judge_rubric_override"`
	ReasoningEffort      *string  `json:"reasoning_effort"`
	OutputVerbosity      *string  `json:"output_verbosity"`
}

// SpellcheckPhaseCompletedV1 (thin) reports one essay's spellcheck outcome.
// Published by spellcheck, consumed by lifecycle. Unlike most thin events
// the original defines it as a flat model, without the ProcessingUpdate base.
type SpellcheckPhaseCompletedV1 struct {
	EntityID               string           `json:"entity_id" hule:"required"`
	BatchID                string           `json:"batch_id" hule:"required"`
	CorrelationID          string           `json:"correlation_id" hule:"required"`
	Status                 ProcessingStatus `json:"status" hule:"required"`
	CorrectedTextStorageID *string          `json:"corrected_text_storage_id"`
	ErrorCode              *string          `json:"error_code"`
	ProcessingDurationMS   int              `json:"processing_duration_ms" hule:"required"`
	Timestamp              Time             `json:"timestamp" hule:"required"`
}

// SpellcheckResultV1 (rich) carries one essay's spellcheck result and
// metrics. Published by spellcheck, consumed by results. The original builds
// it on the ProcessingUpdate base, so it carries status and system_metadata.
type SpellcheckResultV1 struct {
	ProcessingUpdate       `hule:"required=event_name"`
	BatchID                string              `json:"batch_id" hule:"required"`
	CorrelationID          string              `json:"correlation_id" hule:"required"`
	UserID                 *string             `json:"user_id"`
	CorrectionsMade        int                 `json:"corrections_made" hule:"required"`
	CorrectionMetrics      SpellcheckMetricsV1 `json:"correction_metrics" hule:"required"`
	OriginalTextStorageID  string              `json:"original_text_storage_id" hule:"required"`
	CorrectedTextStorageID *string             `json:"corrected_text_storage_id"`
	ProcessingDurationMS   int                 `json:"processing_duration_ms" hule:"required"`
	ProcessorVersion       string              `json:"processor_version"`
}

// SpellcheckMetricsV1 counts the corrections made in one essay.
type SpellcheckMetricsV1 struct {
	TotalCorrections        int     `json:"total_corrections" hule:"required"`
	L2DictionaryCorrections int     `json:"l2_dictionary_corrections" hule:"required"`
	SpellcheckerCorrections int     `json:"spellchecker_corrections" hule:"required"`
	WordCount               int     `json:"word_count" hule:"required"`
	CorrectionDensity       float64 `json:"correction_density" hule:"required"`
}

// EssayLifecycleSpellcheckRequestV1 asks for one essay to be spellchecked.
// Published by lifecycle, one per essay, consumed by spellcheck.
type EssayLifecycleSpellcheckRequestV1 struct {
	ProcessingUpdate `hule:"required=event_name"`
	TextStorageID    string `json:"text_storage_id" hule:"required"`
	Language         string `json:"language" hule:"required"`
}

// BatchEssaysRegistered announces a new batch and its essay slots.
// Published by batch, consumed by lifecycle (creates the slots) and results.
type BatchEssaysRegistered struct {
	Event              string                    `json:"event"`
	EntityID           string                    `json:"entity_id" hule:"required"`
	ExpectedEssayCount int                       `json:"expected_essay_count" hule:"required"`
	EssayIDs           []string                  `json:"essay_ids" hule:"required"`
	Metadata           SystemProcessingMetadata  `json:"metadata" hule:"required"`
	CourseCode         CourseCode                `json:"course_code" hule:"required"`
	StudentPromptRef   *StorageReferenceMetadata `json:"student_prompt_ref"`
	UserID             string                    `json:"user_id" hule:"required"`
	OrgID              *string                   `json:"org_id"`
	ClassID            *string                   `json:"class_id"`
}

// BatchContentProvisioningCompletedV1 says every essay of a batch has its
// text stored. Published by lifecycle, consumed by batch, which may then
// start a requested pipeline.
type BatchContentProvisioningCompletedV1 struct {
	Event               string                      `json:"event"`
	BatchID             string                      `json:"batch_id" hule:"required"`
	ProvisionedCount    int                         `json:"provisioned_count" hule:"required"`
	ExpectedCount       int                         `json:"expected_count" hule:"required"`
	CourseCode          CourseCode                  `json:"course_code" hule:"required"`
	UserID              string                      `json:"user_id" hule:"required"`
	EssaysForProcessing []EssayProcessingInputRefV1 `json:"essays_for_processing" hule:"required"`
	CorrelationID       uuid.UUID                   `json:"correlation_id"`
	Timestamp           Time                        `json:"timestamp"`
}

// BatchEssaysReady says a batch's essays are ready for processing (the
// original's path for batches tied to a class). Published by lifecycle,
// consumed by batch.
type BatchEssaysReady struct {
	Event            string                      `json:"event"`
	BatchID          string                      `json:"batch_id" hule:"required"`
	ReadyEssays      []EssayProcessingInputRefV1 `json:"ready_essays" hule:"required"`
	Metadata         SystemProcessingMetadata    `json:"metadata" hule:"required"`
	CourseCode       CourseCode                  `json:"course_code" hule:"required"`
	CourseLanguage   string                      `json:"course_language" hule:"required"`
	StudentPromptRef *StorageReferenceMetadata   `json:"student_prompt_ref"`
	ClassType        string                      `json:"class_type" hule:"required"`
}

// BatchPipelineCompletedV1 says every phase of a batch's pipeline is done.
// Published by batch, consumed by results.
type BatchPipelineCompletedV1 struct {
	Event                     string                   `json:"event"`
	BatchID                   string                   `json:"batch_id" hule:"required"`
	CompletedPhases           []string                 `json:"completed_phases" hule:"required"`
	FinalStatus               BatchStatus              `json:"final_status" hule:"required"`
	ProcessingDurationSeconds float64                  `json:"processing_duration_seconds" hule:"required"`
	SuccessfulEssayCount      int                      `json:"successful_essay_count" hule:"required"`
	FailedEssayCount          int                      `json:"failed_essay_count" hule:"required"`
	CorrelationID             uuid.UUID                `json:"correlation_id" hule:"required"`
	Metadata                  SystemProcessingMetadata `json:"metadata" hule:"required"`
}

// PhaseSkippedV1 says batch skipped a phase of a pipeline, usually because
// it already ran. Published by batch, consumed by results.
type PhaseSkippedV1 struct {
	Event         string                   `json:"event"`
	BatchID       string                   `json:"batch_id" hule:"required"`
	PhaseName     string                   `json:"phase_name" hule:"required"`
	SkipReason    string                   `json:"skip_reason"`
	StorageID     *string                  `json:"storage_id"`
	CorrelationID uuid.UUID                `json:"correlation_id" hule:"required"`
	Metadata      SystemProcessingMetadata `json:"metadata" hule:"required"`
}

// ELSBatchPhaseOutcomeV1 reports how a phase ended for a batch: the essays
// that go on (with the text the next phase should use) and those that
// failed. Published by lifecycle, consumed by batch.
type ELSBatchPhaseOutcomeV1 struct {
	BatchID         string                      `json:"batch_id" hule:"required"`
	PhaseName       PhaseName                   `json:"phase_name" hule:"required"`
	PhaseStatus     BatchStatus                 `json:"phase_status" hule:"required"`
	ProcessedEssays []EssayProcessingInputRefV1 `json:"processed_essays" hule:"required"`
	FailedEssayIDs  []string                    `json:"failed_essay_ids" hule:"required"`
	CorrelationID   uuid.UUID                   `json:"correlation_id"`
}

// ClientBatchPipelineRequestV1 asks for a pipeline to run on a batch.
// Published by gateway on a client's request, consumed by batch.
type ClientBatchPipelineRequestV1 struct {
	BatchID             string                 `json:"batch_id" hule:"required,minLength=1,maxLength=255"`
	RequestedPipeline   string                 `json:"requested_pipeline" hule:"required,minLength=1,maxLength=100"`
	ClientCorrelationID uuid.UUID              `json:"client_correlation_id"`
	UserID              string                 `json:"user_id" hule:"required,minLength=1,maxLength=255"`
	IsRetry             bool                   `json:"is_retry"`
	RetryReason         *string                `json:"retry_reason" hule:"maxLength=500"`
	PromptPayload       *PipelinePromptPayload `json:"prompt_payload"`
}

// PipelinePromptPayload carries the assignment and prompt of a pipeline request.
type PipelinePromptPayload struct {
	AssignmentID *string                   `json:"assignment_id" hule:"maxLength=100"`
	CMSPromptRef *StorageReferenceMetadata `json:"cms_prompt_ref"`
}

// BatchResultsReadyV1 says all results of a batch are stored and can be
// queried. Published by results, consumed by gateway (live notifications
// and clients waiting on a batch).
type BatchResultsReadyV1 struct {
	ProcessingUpdate
	BatchID                   string                        `json:"batch_id" hule:"required"`
	UserID                    string                        `json:"user_id" hule:"required"`
	TotalEssays               int                           `json:"total_essays" hule:"required"`
	CompletedEssays           int                           `json:"completed_essays" hule:"required"`
	PhaseResults              map[string]PhaseResultSummary `json:"phase_results" hule:"required"`
	OverallStatus             BatchStatus                   `json:"overall_status" hule:"required"`
	ProcessingDurationSeconds float64                       `json:"processing_duration_seconds" hule:"required"`
}

// PhaseResultSummary summarizes one phase inside BatchResultsReadyV1.
type PhaseResultSummary struct {
	PhaseName             string   `json:"phase_name" hule:"required"`
	Status                string   `json:"status" hule:"required"`
	CompletedCount        int      `json:"completed_count" hule:"required"`
	FailedCount           int      `json:"failed_count" hule:"required"`
	ProcessingTimeSeconds *float64 `json:"processing_time_seconds"`
}

// BatchAssessmentCompletedV1 says a batch's comparative judgement results
// are stored, with a short ranking summary. Published by results, consumed
// by gateway for live notifications.
type BatchAssessmentCompletedV1 struct {
	ProcessingUpdate
	BatchID         string   `json:"batch_id" hule:"required"`
	UserID          string   `json:"user_id" hule:"required"`
	AssessmentJobID string   `json:"assessment_job_id" hule:"required"`
	RankingsSummary []Object `json:"rankings_summary" hule:"required"`
}

// EssayContentProvisionedV1 says an uploaded file's text is stored.
// Published by gateway (upload handling, with content), consumed by
// lifecycle, which assigns the text to a free essay slot.
type EssayContentProvisionedV1 struct {
	Event            string    `json:"event"`
	EntityID         string    `json:"entity_id" hule:"required"`
	FileUploadID     string    `json:"file_upload_id" hule:"required"`
	OriginalFileName string    `json:"original_file_name" hule:"required"`
	RawFileStorageID string    `json:"raw_file_storage_id" hule:"required"`
	TextStorageID    string    `json:"text_storage_id" hule:"required"`
	FileSizeBytes    int       `json:"file_size_bytes" hule:"required"`
	ContentMD5Hash   *string   `json:"content_md5_hash"`
	CorrelationID    uuid.UUID `json:"correlation_id"`
	Timestamp        Time      `json:"timestamp"`
}

// EssayValidationFailedV1 says an uploaded file was rejected. Published by
// gateway (upload handling), consumed by lifecycle, which counts it against
// the batch's expected essays.
type EssayValidationFailedV1 struct {
	Event                 string                  `json:"event"`
	EntityID              string                  `json:"entity_id" hule:"required"`
	FileUploadID          string                  `json:"file_upload_id" hule:"required"`
	OriginalFileName      string                  `json:"original_file_name" hule:"required"`
	RawFileStorageID      string                  `json:"raw_file_storage_id" hule:"required"`
	ValidationErrorCode   FileValidationErrorCode `json:"validation_error_code" hule:"required"`
	ValidationErrorDetail ErrorDetail             `json:"validation_error_detail" hule:"required"`
	FileSizeBytes         int                     `json:"file_size_bytes" hule:"required"`
	CorrelationID         uuid.UUID               `json:"correlation_id"`
	Timestamp             Time                    `json:"timestamp"`
}

// EssaySlotAssignedV1 says an uploaded text filled an essay slot. Published
// by lifecycle, consumed by results (to map uploads to essays).
type EssaySlotAssignedV1 struct {
	Event            string    `json:"event"`
	BatchID          string    `json:"batch_id" hule:"required"`
	EssayID          string    `json:"essay_id" hule:"required"`
	FileUploadID     string    `json:"file_upload_id" hule:"required"`
	TextStorageID    string    `json:"text_storage_id" hule:"required"`
	OriginalFileName string    `json:"original_file_name" hule:"required"`
	CorrelationID    uuid.UUID `json:"correlation_id"`
	Timestamp        Time      `json:"timestamp"`
}

// BatchNlpAnalysisCompletedV1 (thin) says the NLP phase finished for a
// batch. Published by nlp, consumed by lifecycle.
type BatchNlpAnalysisCompletedV1 struct {
	ProcessingUpdate
	BatchID           string `json:"batch_id" hule:"required"`
	ProcessingSummary Object `json:"processing_summary"`
}

// EssayNlpCompletedV1 (rich) carries one essay's text metrics and grammar
// analysis. Published by nlp, consumed by results.
type EssayNlpCompletedV1 struct {
	BaseEventData
	EssayID            string          `json:"essay_id" hule:"required"`
	TextStorageID      string          `json:"text_storage_id" hule:"required"`
	NlpMetrics         NlpMetrics      `json:"nlp_metrics" hule:"required"`
	GrammarAnalysis    GrammarAnalysis `json:"grammar_analysis" hule:"required"`
	ProcessingMetadata Object          `json:"processing_metadata"`
}

// NlpMetrics are the text metrics of one essay.
type NlpMetrics struct {
	WordCount               int                `json:"word_count" hule:"required"`
	SentenceCount           int                `json:"sentence_count" hule:"required"`
	AvgSentenceLength       float64            `json:"avg_sentence_length" hule:"required"`
	LanguageDetected        string             `json:"language_detected" hule:"required"`
	ProcessingTimeMS        int                `json:"processing_time_ms"`
	MeanZipfFrequency       float64            `json:"mean_zipf_frequency"`
	PercentTokensZipfBelow3 float64            `json:"percent_tokens_zipf_below_3"`
	MTLDScore               float64            `json:"mtld_score"`
	HDDScore                float64            `json:"hdd_score"`
	MeanDependencyDistance  float64            `json:"mean_dependency_distance"`
	PhrasalIndices          map[string]float64 `json:"phrasal_indices"`
	ClausalIndices          map[string]float64 `json:"clausal_indices"`
	FirstOrderCoherence     float64            `json:"first_order_coherence"`
	SecondOrderCoherence    float64            `json:"second_order_coherence"`
	AvgBigramPMI            float64            `json:"avg_bigram_pmi"`
	AvgTrigramPMI           float64            `json:"avg_trigram_pmi"`
	AvgBigramNPMI           float64            `json:"avg_bigram_npmi"`
	AvgTrigramNPMI          float64            `json:"avg_trigram_npmi"`
}

// GrammarAnalysis lists the grammar errors found in one essay.
type GrammarAnalysis struct {
	ErrorCount            int             `json:"error_count" hule:"required"`
	Errors                []GrammarError  `json:"errors"`
	Language              string          `json:"language" hule:"required"`
	ProcessingTimeMS      int             `json:"processing_time_ms"`
	GrammarCategoryCounts *map[string]int `json:"grammar_category_counts"`
	GrammarRuleCounts     *map[string]int `json:"grammar_rule_counts"`
}

// GrammarError is one grammar finding, LanguageTool style.
type GrammarError struct {
	RuleID        string   `json:"rule_id" hule:"required"`
	Message       string   `json:"message" hule:"required"`
	ShortMessage  string   `json:"short_message" hule:"required"`
	Offset        int      `json:"offset" hule:"required"`
	Length        int      `json:"length" hule:"required"`
	Replacements  []string `json:"replacements"`
	Category      string   `json:"category" hule:"required"`
	Severity      string   `json:"severity"`
	CategoryID    string   `json:"category_id" hule:"required"`
	CategoryName  string   `json:"category_name" hule:"required"`
	Context       string   `json:"context" hule:"required"`
	ContextOffset int      `json:"context_offset" hule:"required"`
}

// BatchServiceSpellcheckInitiateCommandDataV1 commands the spellcheck phase
// for a batch. Published by batch, consumed by lifecycle, which fans it out
// into one EssayLifecycleSpellcheckRequestV1 per essay.
type BatchServiceSpellcheckInitiateCommandDataV1 struct {
	BaseEventData   `hule:"required=event_name"`
	EssaysToProcess []EssayProcessingInputRefV1 `json:"essays_to_process" hule:"required"`
	Language        string                      `json:"language" hule:"required"`
}

// BatchServiceCJAssessmentInitiateCommandDataV1 commands the comparative
// judgement phase for a batch's successful essays. Published by batch,
// consumed by lifecycle, which sends one ELSCJAssessmentRequestV1.
type BatchServiceCJAssessmentInitiateCommandDataV1 struct {
	BaseEventData    `hule:"required=event_name"`
	EssaysToProcess  []EssayProcessingInputRefV1 `json:"essays_to_process" hule:"required"`
	Language         string                      `json:"language" hule:"required"`
	CourseCode       CourseCode                  `json:"course_code" hule:"required"`
	StudentPromptRef *StorageReferenceMetadata   `json:"student_prompt_ref"`
	ClassType        string                      `json:"class_type" hule:"required"`
	AssignmentID     *string                     `json:"assignment_id" hule:"maxLength=100"`
}

// BatchServiceNLPInitiateCommandDataV2 commands the NLP phase for a batch.
// Published by batch, consumed by lifecycle, which forwards it to nlp.
type BatchServiceNLPInitiateCommandDataV2 struct {
	BaseEventData    `hule:"required=event_name"`
	EssaysToProcess  []EssayProcessingInputRefV1 `json:"essays_to_process" hule:"required"`
	Language         string                      `json:"language" hule:"required"`
	StudentPromptRef *StorageReferenceMetadata   `json:"student_prompt_ref"`
}

// TeacherNotificationRequestedV1 asks for a live notification to a teacher.
// Published by results (and other services with news for a teacher),
// consumed by gateway, which pushes it over WebSocket.
type TeacherNotificationRequestedV1 struct {
	TeacherID         string                 `json:"teacher_id" hule:"required"`
	NotificationType  string                 `json:"notification_type" hule:"required"`
	Category          WebSocketEventCategory `json:"category" hule:"required"`
	Priority          NotificationPriority   `json:"priority" hule:"required"`
	Payload           Object                 `json:"payload" hule:"required"`
	ActionRequired    bool                   `json:"action_required"`
	DeadlineTimestamp *Time                  `json:"deadline_timestamp"`
	CorrelationID     string                 `json:"correlation_id" hule:"required"`
	BatchID           *string                `json:"batch_id"`
	ClassID           *string                `json:"class_id"`
	Timestamp         Time                   `json:"timestamp"`
}
