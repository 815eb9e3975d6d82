// Written from the enum values in the original platform's registry.json.
// Keep TestEnumsMatchRegistry passing when editing.

package events

import "github.com/go-json-experiment/json/jsontext"

// AssociationConfidenceLevel grades how sure a student-to-essay match is.
type AssociationConfidenceLevel string

// Values of AssociationConfidenceLevel.
const (
	AssociationConfidenceLevelHigh    AssociationConfidenceLevel = "high"
	AssociationConfidenceLevelMedium  AssociationConfidenceLevel = "medium"
	AssociationConfidenceLevelLow     AssociationConfidenceLevel = "low"
	AssociationConfidenceLevelNoMatch AssociationConfidenceLevel = "no_match"
)

var associationConfidenceLevelEnum = newEnum("AssociationConfidenceLevel", []AssociationConfidenceLevel{"high", "medium", "low", "no_match"})

// Values lists every AssociationConfidenceLevel in the original's order.
func (AssociationConfidenceLevel) Values() []AssociationConfidenceLevel {
	return associationConfidenceLevelEnum.values()
}

// Valid reports whether v is a known AssociationConfidenceLevel.
func (v AssociationConfidenceLevel) Valid() bool { return associationConfidenceLevelEnum.valid(v) }

// UnmarshalJSON implements json.Unmarshaler and rejects unknown values.
func (v *AssociationConfidenceLevel) UnmarshalJSON(b []byte) error {
	return associationConfidenceLevelEnum.unmarshal(b, v)
}

// UnmarshalJSONFrom is the fast path of UnmarshalJSON for json v2.
func (v *AssociationConfidenceLevel) UnmarshalJSONFrom(d *jsontext.Decoder) error {
	return associationConfidenceLevelEnum.unmarshalFrom(d, v)
}

// AssociationValidationMethod says how a student-to-essay match was confirmed.
type AssociationValidationMethod string

// Values of AssociationValidationMethod.
const (
	AssociationValidationMethodHuman   AssociationValidationMethod = "human"
	AssociationValidationMethodTimeout AssociationValidationMethod = "timeout"
	AssociationValidationMethodAuto    AssociationValidationMethod = "auto"
)

var associationValidationMethodEnum = newEnum("AssociationValidationMethod", []AssociationValidationMethod{"human", "timeout", "auto"})

// Values lists every AssociationValidationMethod in the original's order.
func (AssociationValidationMethod) Values() []AssociationValidationMethod {
	return associationValidationMethodEnum.values()
}

// Valid reports whether v is a known AssociationValidationMethod.
func (v AssociationValidationMethod) Valid() bool { return associationValidationMethodEnum.valid(v) }

// UnmarshalJSON implements json.Unmarshaler and rejects unknown values.
func (v *AssociationValidationMethod) UnmarshalJSON(b []byte) error {
	return associationValidationMethodEnum.unmarshal(b, v)
}

// UnmarshalJSONFrom is the fast path of UnmarshalJSON for json v2.
func (v *AssociationValidationMethod) UnmarshalJSONFrom(d *jsontext.Decoder) error {
	return associationValidationMethodEnum.unmarshalFrom(d, v)
}

// BatchClientStatus is the simplified batch state shown to API clients.
type BatchClientStatus string

// Values of BatchClientStatus.
const (
	BatchClientStatusPendingContent        BatchClientStatus = "pending_content"
	BatchClientStatusReady                 BatchClientStatus = "ready"
	BatchClientStatusProcessing            BatchClientStatus = "processing"
	BatchClientStatusCompletedSuccessfully BatchClientStatus = "completed_successfully"
	BatchClientStatusCompletedWithFailures BatchClientStatus = "completed_with_failures"
	BatchClientStatusFailed                BatchClientStatus = "failed"
	BatchClientStatusCancelled             BatchClientStatus = "cancelled" //nolint:misspell // the original's wire value
)

var batchClientStatusEnum = newEnum("BatchClientStatus", []BatchClientStatus{"pending_content", "ready", "processing", "completed_successfully", "completed_with_failures", "failed", "cancelled"}) //nolint:misspell // the original's wire value

// Values lists every BatchClientStatus in the original's order.
func (BatchClientStatus) Values() []BatchClientStatus { return batchClientStatusEnum.values() }

// Valid reports whether v is a known BatchClientStatus.
func (v BatchClientStatus) Valid() bool { return batchClientStatusEnum.valid(v) }

// UnmarshalJSON implements json.Unmarshaler and rejects unknown values.
func (v *BatchClientStatus) UnmarshalJSON(b []byte) error {
	return batchClientStatusEnum.unmarshal(b, v)
}

// UnmarshalJSONFrom is the fast path of UnmarshalJSON for json v2.
func (v *BatchClientStatus) UnmarshalJSONFrom(d *jsontext.Decoder) error {
	return batchClientStatusEnum.unmarshalFrom(d, v)
}

// BatchConductorErrorCode is an error code of pipeline resolution in the batch service.
type BatchConductorErrorCode string

// Values of BatchConductorErrorCode.
const (
	BatchConductorErrorCodePipelineDependencyResolutionFailed BatchConductorErrorCode = "BCS_PIPELINE_DEPENDENCY_RESOLUTION_FAILED"
	BatchConductorErrorCodePipelineDependencyCycleDetected    BatchConductorErrorCode = "BCS_PIPELINE_DEPENDENCY_CYCLE_DETECTED"
	BatchConductorErrorCodePipelineCompatibilityFailed        BatchConductorErrorCode = "BCS_PIPELINE_COMPATIBILITY_FAILED"
)

var batchConductorErrorCodeEnum = newEnum("BatchConductorErrorCode", []BatchConductorErrorCode{"BCS_PIPELINE_DEPENDENCY_RESOLUTION_FAILED", "BCS_PIPELINE_DEPENDENCY_CYCLE_DETECTED", "BCS_PIPELINE_COMPATIBILITY_FAILED"})

// Values lists every BatchConductorErrorCode in the original's order.
func (BatchConductorErrorCode) Values() []BatchConductorErrorCode {
	return batchConductorErrorCodeEnum.values()
}

// Valid reports whether v is a known BatchConductorErrorCode.
func (v BatchConductorErrorCode) Valid() bool { return batchConductorErrorCodeEnum.valid(v) }

// UnmarshalJSON implements json.Unmarshaler and rejects unknown values.
func (v *BatchConductorErrorCode) UnmarshalJSON(b []byte) error {
	return batchConductorErrorCodeEnum.unmarshal(b, v)
}

// UnmarshalJSONFrom is the fast path of UnmarshalJSON for json v2.
func (v *BatchConductorErrorCode) UnmarshalJSONFrom(d *jsontext.Decoder) error {
	return batchConductorErrorCodeEnum.unmarshalFrom(d, v)
}

// BatchStatus is the state of a batch as the batch service tracks it.
type BatchStatus string

// Values of BatchStatus.
const (
	BatchStatusAwaitingContentValidation     BatchStatus = "awaiting_content_validation"
	BatchStatusContentIngestionFailed        BatchStatus = "content_ingestion_failed"
	BatchStatusAwaitingPipelineConfiguration BatchStatus = "awaiting_pipeline_configuration"
	BatchStatusReadyForPipelineExecution     BatchStatus = "ready_for_pipeline_execution"
	BatchStatusProcessingPipelines           BatchStatus = "processing_pipelines"
	BatchStatusAwaitingStudentValidation     BatchStatus = "awaiting_student_validation"
	BatchStatusStudentValidationCompleted    BatchStatus = "student_validation_completed"
	BatchStatusValidationTimeoutProcessed    BatchStatus = "validation_timeout_processed"
	BatchStatusCompletedSuccessfully         BatchStatus = "completed_successfully"
	BatchStatusCompletedWithFailures         BatchStatus = "completed_with_failures"
	BatchStatusFailedCritically              BatchStatus = "failed_critically"
	BatchStatusCancelled                     BatchStatus = "cancelled" //nolint:misspell // the original's wire value
)

var batchStatusEnum = newEnum("BatchStatus", []BatchStatus{"awaiting_content_validation", "content_ingestion_failed", "awaiting_pipeline_configuration", "ready_for_pipeline_execution", "processing_pipelines", "awaiting_student_validation", "student_validation_completed", "validation_timeout_processed", "completed_successfully", "completed_with_failures", "failed_critically", "cancelled"}) //nolint:misspell // the original's wire value

// Values lists every BatchStatus in the original's order.
func (BatchStatus) Values() []BatchStatus { return batchStatusEnum.values() }

// Valid reports whether v is a known BatchStatus.
func (v BatchStatus) Valid() bool { return batchStatusEnum.valid(v) }

// UnmarshalJSON implements json.Unmarshaler and rejects unknown values.
func (v *BatchStatus) UnmarshalJSON(b []byte) error { return batchStatusEnum.unmarshal(b, v) }

// UnmarshalJSONFrom is the fast path of UnmarshalJSON for json v2.
func (v *BatchStatus) UnmarshalJSONFrom(d *jsontext.Decoder) error {
	return batchStatusEnum.unmarshalFrom(d, v)
}

// CJAssessmentErrorCode is an error code of the comparative judgement service.
type CJAssessmentErrorCode string

// Values of CJAssessmentErrorCode.
const (
	CJAssessmentErrorCodeInsufficientComparisons   CJAssessmentErrorCode = "CJ_INSUFFICIENT_COMPARISONS"
	CJAssessmentErrorCodeScoreConvergenceFailed    CJAssessmentErrorCode = "CJ_SCORE_CONVERGENCE_FAILED"
	CJAssessmentErrorCodeComparisonImbalance       CJAssessmentErrorCode = "CJ_COMPARISON_IMBALANCE"
	CJAssessmentErrorCodeCallbackCorrelationFailed CJAssessmentErrorCode = "CJ_CALLBACK_CORRELATION_FAILED"
)

var cJAssessmentErrorCodeEnum = newEnum("CJAssessmentErrorCode", []CJAssessmentErrorCode{"CJ_INSUFFICIENT_COMPARISONS", "CJ_SCORE_CONVERGENCE_FAILED", "CJ_COMPARISON_IMBALANCE", "CJ_CALLBACK_CORRELATION_FAILED"})

// Values lists every CJAssessmentErrorCode in the original's order.
func (CJAssessmentErrorCode) Values() []CJAssessmentErrorCode {
	return cJAssessmentErrorCodeEnum.values()
}

// Valid reports whether v is a known CJAssessmentErrorCode.
func (v CJAssessmentErrorCode) Valid() bool { return cJAssessmentErrorCodeEnum.valid(v) }

// UnmarshalJSON implements json.Unmarshaler and rejects unknown values.
func (v *CJAssessmentErrorCode) UnmarshalJSON(b []byte) error {
	return cJAssessmentErrorCodeEnum.unmarshal(b, v)
}

// UnmarshalJSONFrom is the fast path of UnmarshalJSON for json v2.
func (v *CJAssessmentErrorCode) UnmarshalJSONFrom(d *jsontext.Decoder) error {
	return cJAssessmentErrorCodeEnum.unmarshalFrom(d, v)
}

// CJBatchState is the state of one comparative judgement batch job.
type CJBatchState string

// Values of CJBatchState.
const (
	CJBatchStateInitializing     CJBatchState = "INITIALIZING"
	CJBatchStateGeneratingPairs  CJBatchState = "GENERATING_PAIRS"
	CJBatchStateWaitingCallbacks CJBatchState = "WAITING_CALLBACKS"
	CJBatchStateScoring          CJBatchState = "SCORING"
	CJBatchStateCompleted        CJBatchState = "COMPLETED"
	CJBatchStateFailed           CJBatchState = "FAILED"
	CJBatchStateCancelled        CJBatchState = "CANCELLED" //nolint:misspell // the original's wire value
)

var cJBatchStateEnum = newEnum("CJBatchState", []CJBatchState{"INITIALIZING", "GENERATING_PAIRS", "WAITING_CALLBACKS", "SCORING", "COMPLETED", "FAILED", "CANCELLED"}) //nolint:misspell // the original's wire value

// Values lists every CJBatchState in the original's order.
func (CJBatchState) Values() []CJBatchState { return cJBatchStateEnum.values() }

// Valid reports whether v is a known CJBatchState.
func (v CJBatchState) Valid() bool { return cJBatchStateEnum.valid(v) }

// UnmarshalJSON implements json.Unmarshaler and rejects unknown values.
func (v *CJBatchState) UnmarshalJSON(b []byte) error { return cJBatchStateEnum.unmarshal(b, v) }

// UnmarshalJSONFrom is the fast path of UnmarshalJSON for json v2.
func (v *CJBatchState) UnmarshalJSONFrom(d *jsontext.Decoder) error {
	return cJBatchStateEnum.unmarshalFrom(d, v)
}

// CacheStatus reports a cache lookup outcome.
type CacheStatus string

// Values of CacheStatus.
const (
	CacheStatusOK    CacheStatus = "ok"
	CacheStatusHit   CacheStatus = "hit"
	CacheStatusMiss  CacheStatus = "miss"
	CacheStatusError CacheStatus = "error"
)

var cacheStatusEnum = newEnum("CacheStatus", []CacheStatus{"ok", "hit", "miss", "error"})

// Values lists every CacheStatus in the original's order.
func (CacheStatus) Values() []CacheStatus { return cacheStatusEnum.values() }

// Valid reports whether v is a known CacheStatus.
func (v CacheStatus) Valid() bool { return cacheStatusEnum.valid(v) }

// UnmarshalJSON implements json.Unmarshaler and rejects unknown values.
func (v *CacheStatus) UnmarshalJSON(b []byte) error { return cacheStatusEnum.unmarshal(b, v) }

// UnmarshalJSONFrom is the fast path of UnmarshalJSON for json v2.
func (v *CacheStatus) UnmarshalJSONFrom(d *jsontext.Decoder) error {
	return cacheStatusEnum.unmarshalFrom(d, v)
}

// CircuitBreakerState is the state of a circuit breaker around an external call.
type CircuitBreakerState string

// Values of CircuitBreakerState.
const (
	CircuitBreakerStateClosed   CircuitBreakerState = "closed"
	CircuitBreakerStateOpen     CircuitBreakerState = "open"
	CircuitBreakerStateHalfOpen CircuitBreakerState = "half_open"
)

var circuitBreakerStateEnum = newEnum("CircuitBreakerState", []CircuitBreakerState{"closed", "open", "half_open"})

// Values lists every CircuitBreakerState in the original's order.
func (CircuitBreakerState) Values() []CircuitBreakerState { return circuitBreakerStateEnum.values() }

// Valid reports whether v is a known CircuitBreakerState.
func (v CircuitBreakerState) Valid() bool { return circuitBreakerStateEnum.valid(v) }

// UnmarshalJSON implements json.Unmarshaler and rejects unknown values.
func (v *CircuitBreakerState) UnmarshalJSON(b []byte) error {
	return circuitBreakerStateEnum.unmarshal(b, v)
}

// UnmarshalJSONFrom is the fast path of UnmarshalJSON for json v2.
func (v *CircuitBreakerState) UnmarshalJSONFrom(d *jsontext.Decoder) error {
	return circuitBreakerStateEnum.unmarshalFrom(d, v)
}

// ClassManagementErrorCode is an error code of the (not ported) class management service.
type ClassManagementErrorCode string

// Values of ClassManagementErrorCode.
const (
	ClassManagementErrorCodeCourseNotFound        ClassManagementErrorCode = "COURSE_NOT_FOUND"
	ClassManagementErrorCodeCourseValidationError ClassManagementErrorCode = "COURSE_VALIDATION_ERROR"
	ClassManagementErrorCodeMultipleCourseError   ClassManagementErrorCode = "MULTIPLE_COURSE_ERROR"
	ClassManagementErrorCodeClassNotFound         ClassManagementErrorCode = "CLASS_NOT_FOUND"
	ClassManagementErrorCodeStudentNotFound       ClassManagementErrorCode = "STUDENT_NOT_FOUND"
)

var classManagementErrorCodeEnum = newEnum("ClassManagementErrorCode", []ClassManagementErrorCode{"COURSE_NOT_FOUND", "COURSE_VALIDATION_ERROR", "MULTIPLE_COURSE_ERROR", "CLASS_NOT_FOUND", "STUDENT_NOT_FOUND"})

// Values lists every ClassManagementErrorCode in the original's order.
func (ClassManagementErrorCode) Values() []ClassManagementErrorCode {
	return classManagementErrorCodeEnum.values()
}

// Valid reports whether v is a known ClassManagementErrorCode.
func (v ClassManagementErrorCode) Valid() bool { return classManagementErrorCodeEnum.valid(v) }

// UnmarshalJSON implements json.Unmarshaler and rejects unknown values.
func (v *ClassManagementErrorCode) UnmarshalJSON(b []byte) error {
	return classManagementErrorCodeEnum.unmarshal(b, v)
}

// UnmarshalJSONFrom is the fast path of UnmarshalJSON for json v2.
func (v *ClassManagementErrorCode) UnmarshalJSONFrom(d *jsontext.Decoder) error {
	return classManagementErrorCodeEnum.unmarshalFrom(d, v)
}

// ConfidenceLabel is the coarse confidence band of a grade projection.
type ConfidenceLabel string

// Values of ConfidenceLabel.
const (
	ConfidenceLabelHigh ConfidenceLabel = "HIGH"
	ConfidenceLabelMid  ConfidenceLabel = "MID"
	ConfidenceLabelLow  ConfidenceLabel = "LOW"
)

var confidenceLabelEnum = newEnum("ConfidenceLabel", []ConfidenceLabel{"HIGH", "MID", "LOW"})

// Values lists every ConfidenceLabel in the original's order.
func (ConfidenceLabel) Values() []ConfidenceLabel { return confidenceLabelEnum.values() }

// Valid reports whether v is a known ConfidenceLabel.
func (v ConfidenceLabel) Valid() bool { return confidenceLabelEnum.valid(v) }

// UnmarshalJSON implements json.Unmarshaler and rejects unknown values.
func (v *ConfidenceLabel) UnmarshalJSON(b []byte) error { return confidenceLabelEnum.unmarshal(b, v) }

// UnmarshalJSONFrom is the fast path of UnmarshalJSON for json v2.
func (v *ConfidenceLabel) UnmarshalJSONFrom(d *jsontext.Decoder) error {
	return confidenceLabelEnum.unmarshalFrom(d, v)
}

// ContentType names a kind of stored content in a StorageReferenceMetadata.
type ContentType string

// Values of ContentType.
const (
	ContentTypeOriginalEssay               ContentType = "original_essay"
	ContentTypeCorrectedText               ContentType = "corrected_text"
	ContentTypeProcessingLog               ContentType = "processing_log"
	ContentTypeNLPMetricsJSON              ContentType = "nlp_metrics_json"
	ContentTypeStudentFacingAIFeedbackText ContentType = "student_facing_ai_feedback_text"
	ContentTypeAIEditorRevisionText        ContentType = "ai_editor_revision_text"
	ContentTypeAIDetailedAnalysisJSON      ContentType = "ai_detailed_analysis_json"
	ContentTypeGrammarAnalysisJSON         ContentType = "grammar_analysis_json"
	ContentTypeCJResultsJSON               ContentType = "cj_results_json"
	ContentTypeRawUploadBlob               ContentType = "raw_upload_blob"
	ContentTypeExtractedPlaintext          ContentType = "extracted_plaintext"
	ContentTypeStudentPromptText           ContentType = "student_prompt_text"
)

var contentTypeEnum = newEnum("ContentType", []ContentType{"original_essay", "corrected_text", "processing_log", "nlp_metrics_json", "student_facing_ai_feedback_text", "ai_editor_revision_text", "ai_detailed_analysis_json", "grammar_analysis_json", "cj_results_json", "raw_upload_blob", "extracted_plaintext", "student_prompt_text"})

// Values lists every ContentType in the original's order.
func (ContentType) Values() []ContentType { return contentTypeEnum.values() }

// Valid reports whether v is a known ContentType.
func (v ContentType) Valid() bool { return contentTypeEnum.valid(v) }

// UnmarshalJSON implements json.Unmarshaler and rejects unknown values.
func (v *ContentType) UnmarshalJSON(b []byte) error { return contentTypeEnum.unmarshal(b, v) }

// UnmarshalJSONFrom is the fast path of UnmarshalJSON for json v2.
func (v *ContentType) UnmarshalJSONFrom(d *jsontext.Decoder) error {
	return contentTypeEnum.unmarshalFrom(d, v)
}

// CourseCode names the course an essay batch belongs to; it decides the language.
type CourseCode string

// Values of CourseCode.
const (
	CourseCodeENG5 CourseCode = "ENG5"
	CourseCodeENG6 CourseCode = "ENG6"
	CourseCodeENG7 CourseCode = "ENG7"
	CourseCodeSV1  CourseCode = "SV1"
	CourseCodeSV2  CourseCode = "SV2"
	CourseCodeSV3  CourseCode = "SV3"
)

var courseCodeEnum = newEnum("CourseCode", []CourseCode{"ENG5", "ENG6", "ENG7", "SV1", "SV2", "SV3"})

// Values lists every CourseCode in the original's order.
func (CourseCode) Values() []CourseCode { return courseCodeEnum.values() }

// Valid reports whether v is a known CourseCode.
func (v CourseCode) Valid() bool { return courseCodeEnum.valid(v) }

// UnmarshalJSON implements json.Unmarshaler and rejects unknown values.
func (v *CourseCode) UnmarshalJSON(b []byte) error { return courseCodeEnum.unmarshal(b, v) }

// UnmarshalJSONFrom is the fast path of UnmarshalJSON for json v2.
func (v *CourseCode) UnmarshalJSONFrom(d *jsontext.Decoder) error {
	return courseCodeEnum.unmarshalFrom(d, v)
}

// ErrorCode is a platform-wide error code carried in ErrorDetail.
type ErrorCode string

// Values of ErrorCode.
const (
	ErrorCodeUnknownError             ErrorCode = "UNKNOWN_ERROR"
	ErrorCodeValidationError          ErrorCode = "VALIDATION_ERROR"
	ErrorCodeResourceNotFound         ErrorCode = "RESOURCE_NOT_FOUND"
	ErrorCodeConfigurationError       ErrorCode = "CONFIGURATION_ERROR"
	ErrorCodeExternalServiceError     ErrorCode = "EXTERNAL_SERVICE_ERROR"
	ErrorCodeKafkaPublishError        ErrorCode = "KAFKA_PUBLISH_ERROR"
	ErrorCodeContentServiceError      ErrorCode = "CONTENT_SERVICE_ERROR"
	ErrorCodeSpellcheckServiceError   ErrorCode = "SPELLCHECK_SERVICE_ERROR"
	ErrorCodeNLPServiceError          ErrorCode = "NLP_SERVICE_ERROR"
	ErrorCodeAIFeedbackServiceError   ErrorCode = "AI_FEEDBACK_SERVICE_ERROR"
	ErrorCodeCJAssessmentServiceError ErrorCode = "CJ_ASSESSMENT_SERVICE_ERROR"
	ErrorCodeLLMProviderServiceError  ErrorCode = "LLM_PROVIDER_SERVICE_ERROR"
	ErrorCodeMissingRequiredField     ErrorCode = "MISSING_REQUIRED_FIELD"
	ErrorCodeInvalidConfiguration     ErrorCode = "INVALID_CONFIGURATION"
	ErrorCodeTimeout                  ErrorCode = "TIMEOUT"
	ErrorCodeConnectionError          ErrorCode = "CONNECTION_ERROR"
	ErrorCodeServiceUnavailable       ErrorCode = "SERVICE_UNAVAILABLE"
	ErrorCodeRateLimit                ErrorCode = "RATE_LIMIT"
	ErrorCodeQuotaExceeded            ErrorCode = "QUOTA_EXCEEDED"
	ErrorCodeAuthenticationError      ErrorCode = "AUTHENTICATION_ERROR"
	ErrorCodeAuthorizationError       ErrorCode = "AUTHORIZATION_ERROR"
	ErrorCodeInvalidAPIKey            ErrorCode = "INVALID_API_KEY" //nolint:gosec // an error code, not a credential
	ErrorCodeInvalidRequest           ErrorCode = "INVALID_REQUEST"
	ErrorCodeInvalidResponse          ErrorCode = "INVALID_RESPONSE"
	ErrorCodeParsingError             ErrorCode = "PARSING_ERROR"
	ErrorCodeCircuitBreakerOpen       ErrorCode = "CIRCUIT_BREAKER_OPEN"
	ErrorCodeRequestQueued            ErrorCode = "REQUEST_QUEUED"
	ErrorCodeProcessingError          ErrorCode = "PROCESSING_ERROR"
	ErrorCodeInitializationFailed     ErrorCode = "INITIALIZATION_FAILED"
)

var errorCodeEnum = newEnum("ErrorCode", []ErrorCode{"UNKNOWN_ERROR", "VALIDATION_ERROR", "RESOURCE_NOT_FOUND", "CONFIGURATION_ERROR", "EXTERNAL_SERVICE_ERROR", "KAFKA_PUBLISH_ERROR", "CONTENT_SERVICE_ERROR", "SPELLCHECK_SERVICE_ERROR", "NLP_SERVICE_ERROR", "AI_FEEDBACK_SERVICE_ERROR", "CJ_ASSESSMENT_SERVICE_ERROR", "LLM_PROVIDER_SERVICE_ERROR", "MISSING_REQUIRED_FIELD", "INVALID_CONFIGURATION", "TIMEOUT", "CONNECTION_ERROR", "SERVICE_UNAVAILABLE", "RATE_LIMIT", "QUOTA_EXCEEDED", "AUTHENTICATION_ERROR", "AUTHORIZATION_ERROR", "INVALID_API_KEY", "INVALID_REQUEST", "INVALID_RESPONSE", "PARSING_ERROR", "CIRCUIT_BREAKER_OPEN", "REQUEST_QUEUED", "PROCESSING_ERROR", "INITIALIZATION_FAILED"})

// Values lists every ErrorCode in the original's order.
func (ErrorCode) Values() []ErrorCode { return errorCodeEnum.values() }

// Valid reports whether v is a known ErrorCode.
func (v ErrorCode) Valid() bool { return errorCodeEnum.valid(v) }

// UnmarshalJSON implements json.Unmarshaler and rejects unknown values.
func (v *ErrorCode) UnmarshalJSON(b []byte) error { return errorCodeEnum.unmarshal(b, v) }

// UnmarshalJSONFrom is the fast path of UnmarshalJSON for json v2.
func (v *ErrorCode) UnmarshalJSONFrom(d *jsontext.Decoder) error {
	return errorCodeEnum.unmarshalFrom(d, v)
}

// EssayComparisonWinner names the winner of one pairwise comparison.
type EssayComparisonWinner string

// Values of EssayComparisonWinner.
const (
	EssayComparisonWinnerEssayA EssayComparisonWinner = "Essay A"
	EssayComparisonWinnerEssayB EssayComparisonWinner = "Essay B"
)

var essayComparisonWinnerEnum = newEnum("EssayComparisonWinner", []EssayComparisonWinner{"Essay A", "Essay B"})

// Values lists every EssayComparisonWinner in the original's order.
func (EssayComparisonWinner) Values() []EssayComparisonWinner {
	return essayComparisonWinnerEnum.values()
}

// Valid reports whether v is a known EssayComparisonWinner.
func (v EssayComparisonWinner) Valid() bool { return essayComparisonWinnerEnum.valid(v) }

// UnmarshalJSON implements json.Unmarshaler and rejects unknown values.
func (v *EssayComparisonWinner) UnmarshalJSON(b []byte) error {
	return essayComparisonWinnerEnum.unmarshal(b, v)
}

// UnmarshalJSONFrom is the fast path of UnmarshalJSON for json v2.
func (v *EssayComparisonWinner) UnmarshalJSONFrom(d *jsontext.Decoder) error {
	return essayComparisonWinnerEnum.unmarshalFrom(d, v)
}

// EssayStatus is the state of one essay in the lifecycle state machine.
type EssayStatus string

// Values of EssayStatus.
const (
	EssayStatusUploaded                           EssayStatus = "uploaded"
	EssayStatusTextExtracted                      EssayStatus = "text_extracted"
	EssayStatusContentIngesting                   EssayStatus = "content_ingesting"
	EssayStatusContentIngestionFailed             EssayStatus = "content_ingestion_failed"
	EssayStatusReadyForProcessing                 EssayStatus = "ready_for_processing"
	EssayStatusAwaitingSpellcheck                 EssayStatus = "awaiting_spellcheck"
	EssayStatusSpellcheckingInProgress            EssayStatus = "spellchecking_in_progress"
	EssayStatusSpellcheckedSuccess                EssayStatus = "spellchecked_success"
	EssayStatusSpellcheckFailed                   EssayStatus = "spellcheck_failed"
	EssayStatusAwaitingNLP                        EssayStatus = "awaiting_nlp"
	EssayStatusNLPProcessingInProgress            EssayStatus = "nlp_processing_in_progress"
	EssayStatusNLPSuccess                         EssayStatus = "nlp_success"
	EssayStatusNLPFailed                          EssayStatus = "nlp_failed"
	EssayStatusAwaitingAIFeedback                 EssayStatus = "awaiting_ai_feedback"
	EssayStatusAIFeedbackProcessingInProgress     EssayStatus = "ai_feedback_processing_in_progress"
	EssayStatusAIFeedbackSuccess                  EssayStatus = "ai_feedback_success"
	EssayStatusAIFeedbackFailed                   EssayStatus = "ai_feedback_failed"
	EssayStatusAwaitingEditorRevision             EssayStatus = "awaiting_editor_revision"
	EssayStatusEditorRevisionProcessingInProgress EssayStatus = "editor_revision_processing_in_progress"
	EssayStatusEditorRevisionSuccess              EssayStatus = "editor_revision_success"
	EssayStatusEditorRevisionFailed               EssayStatus = "editor_revision_failed"
	EssayStatusAwaitingGrammarCheck               EssayStatus = "awaiting_grammar_check"
	EssayStatusGrammarCheckProcessingInProgress   EssayStatus = "grammar_check_processing_in_progress"
	EssayStatusGrammarCheckSuccess                EssayStatus = "grammar_check_success"
	EssayStatusGrammarCheckFailed                 EssayStatus = "grammar_check_failed"
	EssayStatusAwaitingCJAssessment               EssayStatus = "awaiting_cj_assessment"
	EssayStatusCJAssessmentProcessingInProgress   EssayStatus = "cj_assessment_processing_in_progress"
	EssayStatusCJAssessmentSuccess                EssayStatus = "cj_assessment_success"
	EssayStatusCJAssessmentFailed                 EssayStatus = "cj_assessment_failed"
	EssayStatusAllProcessingCompleted             EssayStatus = "all_processing_completed"
	EssayStatusEssayCriticalFailure               EssayStatus = "essay_critical_failure"
)

var essayStatusEnum = newEnum("EssayStatus", []EssayStatus{"uploaded", "text_extracted", "content_ingesting", "content_ingestion_failed", "ready_for_processing", "awaiting_spellcheck", "spellchecking_in_progress", "spellchecked_success", "spellcheck_failed", "awaiting_nlp", "nlp_processing_in_progress", "nlp_success", "nlp_failed", "awaiting_ai_feedback", "ai_feedback_processing_in_progress", "ai_feedback_success", "ai_feedback_failed", "awaiting_editor_revision", "editor_revision_processing_in_progress", "editor_revision_success", "editor_revision_failed", "awaiting_grammar_check", "grammar_check_processing_in_progress", "grammar_check_success", "grammar_check_failed", "awaiting_cj_assessment", "cj_assessment_processing_in_progress", "cj_assessment_success", "cj_assessment_failed", "all_processing_completed", "essay_critical_failure"})

// Values lists every EssayStatus in the original's order.
func (EssayStatus) Values() []EssayStatus { return essayStatusEnum.values() }

// Valid reports whether v is a known EssayStatus.
func (v EssayStatus) Valid() bool { return essayStatusEnum.valid(v) }

// UnmarshalJSON implements json.Unmarshaler and rejects unknown values.
func (v *EssayStatus) UnmarshalJSON(b []byte) error { return essayStatusEnum.unmarshal(b, v) }

// UnmarshalJSONFrom is the fast path of UnmarshalJSON for json v2.
func (v *EssayStatus) UnmarshalJSONFrom(d *jsontext.Decoder) error {
	return essayStatusEnum.unmarshalFrom(d, v)
}

// FileValidationErrorCode says why an uploaded file was rejected.
type FileValidationErrorCode string

// Values of FileValidationErrorCode.
const (
	FileValidationErrorCodeEmptyContent             FileValidationErrorCode = "EMPTY_CONTENT"
	FileValidationErrorCodeContentTooShort          FileValidationErrorCode = "CONTENT_TOO_SHORT"
	FileValidationErrorCodeContentTooLong           FileValidationErrorCode = "CONTENT_TOO_LONG"
	FileValidationErrorCodeRawStorageFailed         FileValidationErrorCode = "RAW_STORAGE_FAILED"
	FileValidationErrorCodeTextExtractionFailed     FileValidationErrorCode = "TEXT_EXTRACTION_FAILED"
	FileValidationErrorCodeEncryptedFileUnsupported FileValidationErrorCode = "ENCRYPTED_FILE_UNSUPPORTED"
	FileValidationErrorCodeUnknownValidationError   FileValidationErrorCode = "UNKNOWN_VALIDATION_ERROR"
)

var fileValidationErrorCodeEnum = newEnum("FileValidationErrorCode", []FileValidationErrorCode{"EMPTY_CONTENT", "CONTENT_TOO_SHORT", "CONTENT_TOO_LONG", "RAW_STORAGE_FAILED", "TEXT_EXTRACTION_FAILED", "ENCRYPTED_FILE_UNSUPPORTED", "UNKNOWN_VALIDATION_ERROR"})

// Values lists every FileValidationErrorCode in the original's order.
func (FileValidationErrorCode) Values() []FileValidationErrorCode {
	return fileValidationErrorCodeEnum.values()
}

// Valid reports whether v is a known FileValidationErrorCode.
func (v FileValidationErrorCode) Valid() bool { return fileValidationErrorCodeEnum.valid(v) }

// UnmarshalJSON implements json.Unmarshaler and rejects unknown values.
func (v *FileValidationErrorCode) UnmarshalJSON(b []byte) error {
	return fileValidationErrorCodeEnum.unmarshal(b, v)
}

// UnmarshalJSONFrom is the fast path of UnmarshalJSON for json v2.
func (v *FileValidationErrorCode) UnmarshalJSONFrom(d *jsontext.Decoder) error {
	return fileValidationErrorCodeEnum.unmarshalFrom(d, v)
}

// IdentityErrorCode is an error code of the (not ported) identity service.
type IdentityErrorCode string

// Values of IdentityErrorCode.
const (
	IdentityErrorCodeInvalidCredentials        IdentityErrorCode = "IDENTITY_INVALID_CREDENTIALS"
	IdentityErrorCodeUserNotFound              IdentityErrorCode = "IDENTITY_USER_NOT_FOUND"
	IdentityErrorCodeUserAlreadyExists         IdentityErrorCode = "IDENTITY_USER_ALREADY_EXISTS"
	IdentityErrorCodeEmailNotVerified          IdentityErrorCode = "IDENTITY_EMAIL_NOT_VERIFIED"
	IdentityErrorCodeAccountLocked             IdentityErrorCode = "IDENTITY_ACCOUNT_LOCKED"
	IdentityErrorCodeTokenExpired              IdentityErrorCode = "IDENTITY_TOKEN_EXPIRED"
	IdentityErrorCodeTokenInvalid              IdentityErrorCode = "IDENTITY_TOKEN_INVALID"
	IdentityErrorCodeRefreshTokenInvalid       IdentityErrorCode = "IDENTITY_REFRESH_TOKEN_INVALID"
	IdentityErrorCodeRefreshTokenExpired       IdentityErrorCode = "IDENTITY_REFRESH_TOKEN_EXPIRED"
	IdentityErrorCodeVerificationTokenExpired  IdentityErrorCode = "IDENTITY_VERIFICATION_TOKEN_EXPIRED"
	IdentityErrorCodeVerificationTokenInvalid  IdentityErrorCode = "IDENTITY_VERIFICATION_TOKEN_INVALID"
	IdentityErrorCodeEmailAlreadyVerified      IdentityErrorCode = "IDENTITY_EMAIL_ALREADY_VERIFIED"
	IdentityErrorCodeResetTokenExpired         IdentityErrorCode = "IDENTITY_RESET_TOKEN_EXPIRED"
	IdentityErrorCodeResetTokenInvalid         IdentityErrorCode = "IDENTITY_RESET_TOKEN_INVALID"
	IdentityErrorCodePasswordResetNotRequested IdentityErrorCode = "IDENTITY_PASSWORD_RESET_NOT_REQUESTED"
)

var identityErrorCodeEnum = newEnum("IdentityErrorCode", []IdentityErrorCode{"IDENTITY_INVALID_CREDENTIALS", "IDENTITY_USER_NOT_FOUND", "IDENTITY_USER_ALREADY_EXISTS", "IDENTITY_EMAIL_NOT_VERIFIED", "IDENTITY_ACCOUNT_LOCKED", "IDENTITY_TOKEN_EXPIRED", "IDENTITY_TOKEN_INVALID", "IDENTITY_REFRESH_TOKEN_INVALID", "IDENTITY_REFRESH_TOKEN_EXPIRED", "IDENTITY_VERIFICATION_TOKEN_EXPIRED", "IDENTITY_VERIFICATION_TOKEN_INVALID", "IDENTITY_EMAIL_ALREADY_VERIFIED", "IDENTITY_RESET_TOKEN_EXPIRED", "IDENTITY_RESET_TOKEN_INVALID", "IDENTITY_PASSWORD_RESET_NOT_REQUESTED"})

// Values lists every IdentityErrorCode in the original's order.
func (IdentityErrorCode) Values() []IdentityErrorCode { return identityErrorCodeEnum.values() }

// Valid reports whether v is a known IdentityErrorCode.
func (v IdentityErrorCode) Valid() bool { return identityErrorCodeEnum.valid(v) }

// UnmarshalJSON implements json.Unmarshaler and rejects unknown values.
func (v *IdentityErrorCode) UnmarshalJSON(b []byte) error {
	return identityErrorCodeEnum.unmarshal(b, v)
}

// UnmarshalJSONFrom is the fast path of UnmarshalJSON for json v2.
func (v *IdentityErrorCode) UnmarshalJSONFrom(d *jsontext.Decoder) error {
	return identityErrorCodeEnum.unmarshalFrom(d, v)
}

// LLMErrorCode is an error code of the LLM provider layer.
type LLMErrorCode string

// Values of LLMErrorCode.
const (
	LLMErrorCodeProviderUnavailable  LLMErrorCode = "LLM_PROVIDER_UNAVAILABLE"
	LLMErrorCodeProviderRateLimit    LLMErrorCode = "LLM_PROVIDER_RATE_LIMIT"
	LLMErrorCodeProviderTimeout      LLMErrorCode = "LLM_PROVIDER_TIMEOUT"
	LLMErrorCodeProviderAPIError     LLMErrorCode = "LLM_PROVIDER_API_ERROR"
	LLMErrorCodeInvalidPrompt        LLMErrorCode = "LLM_INVALID_PROMPT"
	LLMErrorCodeContentTooLong       LLMErrorCode = "LLM_CONTENT_TOO_LONG"
	LLMErrorCodeInvalidConfig        LLMErrorCode = "LLM_INVALID_CONFIG"
	LLMErrorCodeQueueFull            LLMErrorCode = "LLM_QUEUE_FULL"
	LLMErrorCodeInternalError        LLMErrorCode = "LLM_INTERNAL_ERROR"
	LLMErrorCodeCallbackTopicMissing LLMErrorCode = "LLM_CALLBACK_TOPIC_MISSING"
	LLMErrorCodeInvalidCallbackTopic LLMErrorCode = "LLM_INVALID_CALLBACK_TOPIC"
	LLMErrorCodeParsingError         LLMErrorCode = "LLM_PARSING_ERROR"
	LLMErrorCodeInvalidResponse      LLMErrorCode = "LLM_INVALID_RESPONSE"
	LLMErrorCodeCostLimitExceeded    LLMErrorCode = "LLM_COST_LIMIT_EXCEEDED"
	LLMErrorCodeConfigurationError   LLMErrorCode = "LLM_CONFIGURATION_ERROR"
)

var lLMErrorCodeEnum = newEnum("LLMErrorCode", []LLMErrorCode{"LLM_PROVIDER_UNAVAILABLE", "LLM_PROVIDER_RATE_LIMIT", "LLM_PROVIDER_TIMEOUT", "LLM_PROVIDER_API_ERROR", "LLM_INVALID_PROMPT", "LLM_CONTENT_TOO_LONG", "LLM_INVALID_CONFIG", "LLM_QUEUE_FULL", "LLM_INTERNAL_ERROR", "LLM_CALLBACK_TOPIC_MISSING", "LLM_INVALID_CALLBACK_TOPIC", "LLM_PARSING_ERROR", "LLM_INVALID_RESPONSE", "LLM_COST_LIMIT_EXCEEDED", "LLM_CONFIGURATION_ERROR"})

// Values lists every LLMErrorCode in the original's order.
func (LLMErrorCode) Values() []LLMErrorCode { return lLMErrorCodeEnum.values() }

// Valid reports whether v is a known LLMErrorCode.
func (v LLMErrorCode) Valid() bool { return lLMErrorCodeEnum.valid(v) }

// UnmarshalJSON implements json.Unmarshaler and rejects unknown values.
func (v *LLMErrorCode) UnmarshalJSON(b []byte) error { return lLMErrorCodeEnum.unmarshal(b, v) }

// UnmarshalJSONFrom is the fast path of UnmarshalJSON for json v2.
func (v *LLMErrorCode) UnmarshalJSONFrom(d *jsontext.Decoder) error {
	return lLMErrorCodeEnum.unmarshalFrom(d, v)
}

// Language is an essay language (ISO 639-1).
type Language string

// Values of Language.
const (
	LanguageEN Language = "en"
	LanguageSV Language = "sv"
)

var languageEnum = newEnum("Language", []Language{"en", "sv"})

// Values lists every Language in the original's order.
func (Language) Values() []Language { return languageEnum.values() }

// Valid reports whether v is a known Language.
func (v Language) Valid() bool { return languageEnum.valid(v) }

// UnmarshalJSON implements json.Unmarshaler and rejects unknown values.
func (v *Language) UnmarshalJSON(b []byte) error { return languageEnum.unmarshal(b, v) }

// UnmarshalJSONFrom is the fast path of UnmarshalJSON for json v2.
func (v *Language) UnmarshalJSONFrom(d *jsontext.Decoder) error {
	return languageEnum.unmarshalFrom(d, v)
}

// NotificationPriority orders teacher notifications by urgency.
type NotificationPriority string

// Values of NotificationPriority.
const (
	NotificationPriorityCritical  NotificationPriority = "critical"
	NotificationPriorityImmediate NotificationPriority = "immediate"
	NotificationPriorityHigh      NotificationPriority = "high"
	NotificationPriorityStandard  NotificationPriority = "standard"
	NotificationPriorityLow       NotificationPriority = "low"
)

var notificationPriorityEnum = newEnum("NotificationPriority", []NotificationPriority{"critical", "immediate", "high", "standard", "low"})

// Values lists every NotificationPriority in the original's order.
func (NotificationPriority) Values() []NotificationPriority { return notificationPriorityEnum.values() }

// Valid reports whether v is a known NotificationPriority.
func (v NotificationPriority) Valid() bool { return notificationPriorityEnum.valid(v) }

// UnmarshalJSON implements json.Unmarshaler and rejects unknown values.
func (v *NotificationPriority) UnmarshalJSON(b []byte) error {
	return notificationPriorityEnum.unmarshal(b, v)
}

// UnmarshalJSONFrom is the fast path of UnmarshalJSON for json v2.
func (v *NotificationPriority) UnmarshalJSONFrom(d *jsontext.Decoder) error {
	return notificationPriorityEnum.unmarshalFrom(d, v)
}

// OperationStatus is the outcome of a generic operation.
type OperationStatus string

// Values of OperationStatus.
const (
	OperationStatusSuccess  OperationStatus = "success"
	OperationStatusFailed   OperationStatus = "failed"
	OperationStatusError    OperationStatus = "error"
	OperationStatusNotFound OperationStatus = "not_found"
)

var operationStatusEnum = newEnum("OperationStatus", []OperationStatus{"success", "failed", "error", "not_found"})

// Values lists every OperationStatus in the original's order.
func (OperationStatus) Values() []OperationStatus { return operationStatusEnum.values() }

// Valid reports whether v is a known OperationStatus.
func (v OperationStatus) Valid() bool { return operationStatusEnum.valid(v) }

// UnmarshalJSON implements json.Unmarshaler and rejects unknown values.
func (v *OperationStatus) UnmarshalJSON(b []byte) error { return operationStatusEnum.unmarshal(b, v) }

// UnmarshalJSONFrom is the fast path of UnmarshalJSON for json v2.
func (v *OperationStatus) UnmarshalJSONFrom(d *jsontext.Decoder) error {
	return operationStatusEnum.unmarshalFrom(d, v)
}

// PhaseName names a pipeline phase.
type PhaseName string

// Values of PhaseName.
const (
	PhaseNameSpellcheck      PhaseName = "spellcheck"
	PhaseNameAIFeedback      PhaseName = "ai_feedback"
	PhaseNameCJAssessment    PhaseName = "cj_assessment"
	PhaseNameNLP             PhaseName = "nlp"
	PhaseNameStudentMatching PhaseName = "student_matching"
)

var phaseNameEnum = newEnum("PhaseName", []PhaseName{"spellcheck", "ai_feedback", "cj_assessment", "nlp", "student_matching"})

// Values lists every PhaseName in the original's order.
func (PhaseName) Values() []PhaseName { return phaseNameEnum.values() }

// Valid reports whether v is a known PhaseName.
func (v PhaseName) Valid() bool { return phaseNameEnum.valid(v) }

// UnmarshalJSON implements json.Unmarshaler and rejects unknown values.
func (v *PhaseName) UnmarshalJSON(b []byte) error { return phaseNameEnum.unmarshal(b, v) }

// UnmarshalJSONFrom is the fast path of UnmarshalJSON for json v2.
func (v *PhaseName) UnmarshalJSONFrom(d *jsontext.Decoder) error {
	return phaseNameEnum.unmarshalFrom(d, v)
}

// PipelineExecutionStatus is the state of one phase inside a pipeline run.
type PipelineExecutionStatus string

// Values of PipelineExecutionStatus.
const (
	PipelineExecutionStatusRequestedByUser               PipelineExecutionStatus = "requested_by_user"
	PipelineExecutionStatusPendingDependencies           PipelineExecutionStatus = "pending_dependencies"
	PipelineExecutionStatusDispatchInitiated             PipelineExecutionStatus = "dispatch_initiated"
	PipelineExecutionStatusInProgress                    PipelineExecutionStatus = "in_progress"
	PipelineExecutionStatusCompletedSuccessfully         PipelineExecutionStatus = "completed_successfully"
	PipelineExecutionStatusCompletedWithPartialSuccess   PipelineExecutionStatus = "completed_with_partial_success"
	PipelineExecutionStatusFailed                        PipelineExecutionStatus = "failed"
	PipelineExecutionStatusSkippedDueToDependencyFailure PipelineExecutionStatus = "skipped_due_to_dependency_failure"
	PipelineExecutionStatusSkippedByUserConfig           PipelineExecutionStatus = "skipped_by_user_config"
	PipelineExecutionStatusCancelled                     PipelineExecutionStatus = "cancelled" //nolint:misspell // the original's wire value
)

var pipelineExecutionStatusEnum = newEnum("PipelineExecutionStatus", []PipelineExecutionStatus{"requested_by_user", "pending_dependencies", "dispatch_initiated", "in_progress", "completed_successfully", "completed_with_partial_success", "failed", "skipped_due_to_dependency_failure", "skipped_by_user_config", "cancelled"}) //nolint:misspell // the original's wire value

// Values lists every PipelineExecutionStatus in the original's order.
func (PipelineExecutionStatus) Values() []PipelineExecutionStatus {
	return pipelineExecutionStatusEnum.values()
}

// Valid reports whether v is a known PipelineExecutionStatus.
func (v PipelineExecutionStatus) Valid() bool { return pipelineExecutionStatusEnum.valid(v) }

// UnmarshalJSON implements json.Unmarshaler and rejects unknown values.
func (v *PipelineExecutionStatus) UnmarshalJSON(b []byte) error {
	return pipelineExecutionStatusEnum.unmarshal(b, v)
}

// UnmarshalJSONFrom is the fast path of UnmarshalJSON for json v2.
func (v *PipelineExecutionStatus) UnmarshalJSONFrom(d *jsontext.Decoder) error {
	return pipelineExecutionStatusEnum.unmarshalFrom(d, v)
}

// ProcessingStage is the coarse stage of a unit of work in SystemProcessingMetadata.
type ProcessingStage string

// Values of ProcessingStage.
const (
	ProcessingStagePending     ProcessingStage = "pending"
	ProcessingStageInitialized ProcessingStage = "initialized"
	ProcessingStageProcessing  ProcessingStage = "processing"
	ProcessingStageCompleted   ProcessingStage = "completed"
	ProcessingStageFailed      ProcessingStage = "failed"
	ProcessingStageCancelled   ProcessingStage = "cancelled" //nolint:misspell // the original's wire value
)

var processingStageEnum = newEnum("ProcessingStage", []ProcessingStage{"pending", "initialized", "processing", "completed", "failed", "cancelled"}) //nolint:misspell // the original's wire value

// Values lists every ProcessingStage in the original's order.
func (ProcessingStage) Values() []ProcessingStage { return processingStageEnum.values() }

// Valid reports whether v is a known ProcessingStage.
func (v ProcessingStage) Valid() bool { return processingStageEnum.valid(v) }

// UnmarshalJSON implements json.Unmarshaler and rejects unknown values.
func (v *ProcessingStage) UnmarshalJSON(b []byte) error { return processingStageEnum.unmarshal(b, v) }

// UnmarshalJSONFrom is the fast path of UnmarshalJSON for json v2.
func (v *ProcessingStage) UnmarshalJSONFrom(d *jsontext.Decoder) error {
	return processingStageEnum.unmarshalFrom(d, v)
}

// ProcessingStatus is the status of one unit of work in a phase-completed event.
type ProcessingStatus string

// Values of ProcessingStatus.
const (
	ProcessingStatusPending    ProcessingStatus = "pending"
	ProcessingStatusInProgress ProcessingStatus = "in_progress"
	ProcessingStatusCompleted  ProcessingStatus = "completed"
	ProcessingStatusFailed     ProcessingStatus = "failed"
)

var processingStatusEnum = newEnum("ProcessingStatus", []ProcessingStatus{"pending", "in_progress", "completed", "failed"})

// Values lists every ProcessingStatus in the original's order.
func (ProcessingStatus) Values() []ProcessingStatus { return processingStatusEnum.values() }

// Valid reports whether v is a known ProcessingStatus.
func (v ProcessingStatus) Valid() bool { return processingStatusEnum.valid(v) }

// UnmarshalJSON implements json.Unmarshaler and rejects unknown values.
func (v *ProcessingStatus) UnmarshalJSON(b []byte) error { return processingStatusEnum.unmarshal(b, v) }

// UnmarshalJSONFrom is the fast path of UnmarshalJSON for json v2.
func (v *ProcessingStatus) UnmarshalJSONFrom(d *jsontext.Decoder) error {
	return processingStatusEnum.unmarshalFrom(d, v)
}

// QueueStatus is the state of a queued LLM request.
type QueueStatus string

// Values of QueueStatus.
const (
	QueueStatusQueued     QueueStatus = "queued"
	QueueStatusProcessing QueueStatus = "processing"
	QueueStatusCompleted  QueueStatus = "completed"
	QueueStatusExpired    QueueStatus = "expired"
	QueueStatusFailed     QueueStatus = "failed"
)

var queueStatusEnum = newEnum("QueueStatus", []QueueStatus{"queued", "processing", "completed", "expired", "failed"})

// Values lists every QueueStatus in the original's order.
func (QueueStatus) Values() []QueueStatus { return queueStatusEnum.values() }

// Valid reports whether v is a known QueueStatus.
func (v QueueStatus) Valid() bool { return queueStatusEnum.valid(v) }

// UnmarshalJSON implements json.Unmarshaler and rejects unknown values.
func (v *QueueStatus) UnmarshalJSON(b []byte) error { return queueStatusEnum.unmarshal(b, v) }

// UnmarshalJSONFrom is the fast path of UnmarshalJSON for json v2.
func (v *QueueStatus) UnmarshalJSONFrom(d *jsontext.Decoder) error {
	return queueStatusEnum.unmarshalFrom(d, v)
}

// SpellcheckJobStatus is the state of one spellcheck job.
type SpellcheckJobStatus string

// Values of SpellcheckJobStatus.
const (
	SpellcheckJobStatusPending    SpellcheckJobStatus = "pending"
	SpellcheckJobStatusInProgress SpellcheckJobStatus = "in_progress"
	SpellcheckJobStatusSuccess    SpellcheckJobStatus = "success"
	SpellcheckJobStatusFailed     SpellcheckJobStatus = "failed"
)

var spellcheckJobStatusEnum = newEnum("SpellcheckJobStatus", []SpellcheckJobStatus{"pending", "in_progress", "success", "failed"})

// Values lists every SpellcheckJobStatus in the original's order.
func (SpellcheckJobStatus) Values() []SpellcheckJobStatus { return spellcheckJobStatusEnum.values() }

// Valid reports whether v is a known SpellcheckJobStatus.
func (v SpellcheckJobStatus) Valid() bool { return spellcheckJobStatusEnum.valid(v) }

// UnmarshalJSON implements json.Unmarshaler and rejects unknown values.
func (v *SpellcheckJobStatus) UnmarshalJSON(b []byte) error {
	return spellcheckJobStatusEnum.unmarshal(b, v)
}

// UnmarshalJSONFrom is the fast path of UnmarshalJSON for json v2.
func (v *SpellcheckJobStatus) UnmarshalJSONFrom(d *jsontext.Decoder) error {
	return spellcheckJobStatusEnum.unmarshalFrom(d, v)
}

// SpellcheckerErrorCode is an error code of the spellcheck service.
type SpellcheckerErrorCode string

// Values of SpellcheckerErrorCode.
const (
	SpellcheckerErrorCodeEventCorrelationError SpellcheckerErrorCode = "SPELL_EVENT_CORRELATION_ERROR"
)

var spellcheckerErrorCodeEnum = newEnum("SpellcheckerErrorCode", []SpellcheckerErrorCode{"SPELL_EVENT_CORRELATION_ERROR"})

// Values lists every SpellcheckerErrorCode in the original's order.
func (SpellcheckerErrorCode) Values() []SpellcheckerErrorCode {
	return spellcheckerErrorCodeEnum.values()
}

// Valid reports whether v is a known SpellcheckerErrorCode.
func (v SpellcheckerErrorCode) Valid() bool { return spellcheckerErrorCodeEnum.valid(v) }

// UnmarshalJSON implements json.Unmarshaler and rejects unknown values.
func (v *SpellcheckerErrorCode) UnmarshalJSON(b []byte) error {
	return spellcheckerErrorCodeEnum.unmarshal(b, v)
}

// UnmarshalJSONFrom is the fast path of UnmarshalJSON for json v2.
func (v *SpellcheckerErrorCode) UnmarshalJSONFrom(d *jsontext.Decoder) error {
	return spellcheckerErrorCodeEnum.unmarshalFrom(d, v)
}

// StudentAssociationStatus is the state of a student-to-essay association.
type StudentAssociationStatus string

// Values of StudentAssociationStatus.
const (
	StudentAssociationStatusPendingValidation StudentAssociationStatus = "pending_validation"
	StudentAssociationStatusConfirmed         StudentAssociationStatus = "confirmed"
	StudentAssociationStatusRejected          StudentAssociationStatus = "rejected"
	StudentAssociationStatusTimeoutConfirmed  StudentAssociationStatus = "timeout_confirmed"
	StudentAssociationStatusNoMatch           StudentAssociationStatus = "no_match"
)

var studentAssociationStatusEnum = newEnum("StudentAssociationStatus", []StudentAssociationStatus{"pending_validation", "confirmed", "rejected", "timeout_confirmed", "no_match"})

// Values lists every StudentAssociationStatus in the original's order.
func (StudentAssociationStatus) Values() []StudentAssociationStatus {
	return studentAssociationStatusEnum.values()
}

// Valid reports whether v is a known StudentAssociationStatus.
func (v StudentAssociationStatus) Valid() bool { return studentAssociationStatusEnum.valid(v) }

// UnmarshalJSON implements json.Unmarshaler and rejects unknown values.
func (v *StudentAssociationStatus) UnmarshalJSON(b []byte) error {
	return studentAssociationStatusEnum.unmarshal(b, v)
}

// UnmarshalJSONFrom is the fast path of UnmarshalJSON for json v2.
func (v *StudentAssociationStatus) UnmarshalJSONFrom(d *jsontext.Decoder) error {
	return studentAssociationStatusEnum.unmarshalFrom(d, v)
}

// ValidationStatus is the outcome of a validation step.
type ValidationStatus string

// Values of ValidationStatus.
const (
	ValidationStatusSuccess ValidationStatus = "success"
	ValidationStatusFailure ValidationStatus = "failure"
	ValidationStatusPending ValidationStatus = "pending"
)

var validationStatusEnum = newEnum("ValidationStatus", []ValidationStatus{"success", "failure", "pending"})

// Values lists every ValidationStatus in the original's order.
func (ValidationStatus) Values() []ValidationStatus { return validationStatusEnum.values() }

// Valid reports whether v is a known ValidationStatus.
func (v ValidationStatus) Valid() bool { return validationStatusEnum.valid(v) }

// UnmarshalJSON implements json.Unmarshaler and rejects unknown values.
func (v *ValidationStatus) UnmarshalJSON(b []byte) error { return validationStatusEnum.unmarshal(b, v) }

// UnmarshalJSONFrom is the fast path of UnmarshalJSON for json v2.
func (v *ValidationStatus) UnmarshalJSONFrom(d *jsontext.Decoder) error {
	return validationStatusEnum.unmarshalFrom(d, v)
}

// WebSocketEventCategory groups teacher notifications for the live feed.
type WebSocketEventCategory string

// Values of WebSocketEventCategory.
const (
	WebSocketEventCategoryBatchProgress     WebSocketEventCategory = "batch_progress"
	WebSocketEventCategoryProcessingResults WebSocketEventCategory = "processing_results"
	WebSocketEventCategoryFileOperations    WebSocketEventCategory = "file_operations"
	WebSocketEventCategoryClassManagement   WebSocketEventCategory = "class_management"
	WebSocketEventCategoryStudentWorkflow   WebSocketEventCategory = "student_workflow"
	WebSocketEventCategorySystemAlerts      WebSocketEventCategory = "system_alerts"
)

var webSocketEventCategoryEnum = newEnum("WebSocketEventCategory", []WebSocketEventCategory{"batch_progress", "processing_results", "file_operations", "class_management", "student_workflow", "system_alerts"})

// Values lists every WebSocketEventCategory in the original's order.
func (WebSocketEventCategory) Values() []WebSocketEventCategory {
	return webSocketEventCategoryEnum.values()
}

// Valid reports whether v is a known WebSocketEventCategory.
func (v WebSocketEventCategory) Valid() bool { return webSocketEventCategoryEnum.valid(v) }

// UnmarshalJSON implements json.Unmarshaler and rejects unknown values.
func (v *WebSocketEventCategory) UnmarshalJSON(b []byte) error {
	return webSocketEventCategoryEnum.unmarshal(b, v)
}

// UnmarshalJSONFrom is the fast path of UnmarshalJSON for json v2.
func (v *WebSocketEventCategory) UnmarshalJSONFrom(d *jsontext.Decoder) error {
	return webSocketEventCategoryEnum.unmarshalFrom(d, v)
}

// registryEnums maps the original enum names to their Go types' values, for tests and schemas.
var registryEnums = map[string][]string{
	"AssociationConfidenceLevel":  associationConfidenceLevelEnum.strings(),
	"AssociationValidationMethod": associationValidationMethodEnum.strings(),
	"BatchClientStatus":           batchClientStatusEnum.strings(),
	"BatchConductorErrorCode":     batchConductorErrorCodeEnum.strings(),
	"BatchStatus":                 batchStatusEnum.strings(),
	"CJAssessmentErrorCode":       cJAssessmentErrorCodeEnum.strings(),
	"CJBatchStateEnum":            cJBatchStateEnum.strings(),
	"CacheStatus":                 cacheStatusEnum.strings(),
	"CircuitBreakerState":         circuitBreakerStateEnum.strings(),
	"ClassManagementErrorCode":    classManagementErrorCodeEnum.strings(),
	"ConfidenceLabel":             confidenceLabelEnum.strings(),
	"ContentType":                 contentTypeEnum.strings(),
	"CourseCode":                  courseCodeEnum.strings(),
	"ErrorCode":                   errorCodeEnum.strings(),
	"EssayComparisonWinner":       essayComparisonWinnerEnum.strings(),
	"EssayStatus":                 essayStatusEnum.strings(),
	"FileValidationErrorCode":     fileValidationErrorCodeEnum.strings(),
	"IdentityErrorCode":           identityErrorCodeEnum.strings(),
	"LLMErrorCode":                lLMErrorCodeEnum.strings(),
	"Language":                    languageEnum.strings(),
	"NotificationPriority":        notificationPriorityEnum.strings(),
	"OperationStatus":             operationStatusEnum.strings(),
	"PhaseName":                   phaseNameEnum.strings(),
	"PipelineExecutionStatus":     pipelineExecutionStatusEnum.strings(),
	"ProcessingStage":             processingStageEnum.strings(),
	"ProcessingStatus":            processingStatusEnum.strings(),
	"QueueStatus":                 queueStatusEnum.strings(),
	"SpellcheckJobStatus":         spellcheckJobStatusEnum.strings(),
	"SpellcheckerErrorCode":       spellcheckerErrorCodeEnum.strings(),
	"StudentAssociationStatus":    studentAssociationStatusEnum.strings(),
	"ValidationStatus":            validationStatusEnum.strings(),
	"WebSocketEventCategory":      webSocketEventCategoryEnum.strings(),
}
