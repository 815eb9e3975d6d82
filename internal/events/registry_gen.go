// Written from the ProcessingEvent registry of the original platform.
// Keep TestRegistryMatchesReference passing when editing.

package events

// ProcessingEvent values (the original's event names), one per registry entry.
const (
	EventBatchEssaysRegistered               ProcessingEvent = "batch.essays.registered"
	EventBatchEssaysReady                    ProcessingEvent = "batch.essays.ready"
	EventBatchPipelineCompleted              ProcessingEvent = "batch.pipeline.completed"
	EventBatchPhaseSkipped                   ProcessingEvent = "batch.phase.skipped"
	EventEssaySlotAssigned                   ProcessingEvent = "essay.slot.assigned"
	EventEssayContentProvisioned             ProcessingEvent = "essay.content.provisioned"
	EventExcessContentProvisioned            ProcessingEvent = "excess.content.provisioned"
	EventEssayValidationFailed               ProcessingEvent = "essay.validation.failed"
	EventBatchContentProvisioningCompleted   ProcessingEvent = "batch.content.provisioning.completed"
	EventBatchStudentMatchingInitiateCommand ProcessingEvent = "batch.student.matching.initiate.command"
	EventBatchStudentMatchingRequested       ProcessingEvent = "batch.student.matching.requested"
	EventBatchSpellcheckInitiateCommand      ProcessingEvent = "batch.spellcheck.initiate.command"
	EventBatchCJAssessmentInitiateCommand    ProcessingEvent = "batch.cj_assessment.initiate.command"
	EventBatchAIFeedbackInitiateCommand      ProcessingEvent = "batch.ai_feedback.initiate.command"
	EventBatchNLPInitiateCommand             ProcessingEvent = "batch.nlp.initiate.command"
	EventBatchNLPInitiateCommandV2           ProcessingEvent = "batch.nlp.initiate.command.v2"
	EventELSBatchPhaseOutcome                ProcessingEvent = "els.batch.phase.outcome"
	EventBatchValidationErrors               ProcessingEvent = "batch.validation.errors"
	EventClientBatchPipelineRequest          ProcessingEvent = "client.batch.pipeline.request"
	EventPipelineDenied                      ProcessingEvent = "pipeline.denied"
	EventEssaySpellcheckCompleted            ProcessingEvent = "essay.spellcheck.completed"
	EventEssaySpellcheckRequested            ProcessingEvent = "essay.spellcheck.requested"
	EventSpellcheckPhaseCompleted            ProcessingEvent = "spellcheck.phase.completed"
	EventSpellcheckResults                   ProcessingEvent = "spellcheck.results"
	EventBatchNLPProcessingRequested         ProcessingEvent = "batch.nlp.processing.requested"
	EventBatchNLPProcessingRequestedV2       ProcessingEvent = "batch.nlp.processing.requested.v2"
	EventELSCJAssessmentRequested            ProcessingEvent = "els.cj_assessment.requested"
	EventCJAssessmentCompleted               ProcessingEvent = "cj_assessment.completed"
	EventCJAssessmentFailed                  ProcessingEvent = "cj_assessment.failed"
	EventEssayNLPCompleted                   ProcessingEvent = "essay.nlp.completed"
	EventBatchNLPAnalysisCompleted           ProcessingEvent = "batch.nlp.analysis.completed"
	EventBatchAuthorMatchesSuggested         ProcessingEvent = "batch.author.matches.suggested"
	EventEssayAifeedbackCompleted            ProcessingEvent = "essay.aifeedback.completed"
	EventEssayEditorRevisionCompleted        ProcessingEvent = "essay.editor_revision.completed"
	EventEssayStudentAssociationUpdated      ProcessingEvent = "essay.student.association.updated"
	EventBatchFileAdded                      ProcessingEvent = "batch.file.added"
	EventBatchFileRemoved                    ProcessingEvent = "batch.file.removed"
	EventClassCreated                        ProcessingEvent = "class.created"
	EventClassUpdated                        ProcessingEvent = "class.updated"
	EventStudentCreated                      ProcessingEvent = "student.created"
	EventStudentUpdated                      ProcessingEvent = "student.updated"
	EventStudentAssociationsConfirmed        ProcessingEvent = "student.associations.confirmed"
	EventValidationTimeoutProcessed          ProcessingEvent = "validation.timeout.processed"
	EventTeacherNotificationRequested        ProcessingEvent = "teacher.notification.requested"
	EventBatchResultsReady                   ProcessingEvent = "batch.results.ready"
	EventBatchAssessmentCompleted            ProcessingEvent = "batch.assessment.completed"
	EventAssessmentResultPublished           ProcessingEvent = "assessment.result.published"
	EventResourceConsumptionReported         ProcessingEvent = "resource.consumption.reported"
	EventLLMRequestStarted                   ProcessingEvent = "llm_provider.request.started"
	EventLLMRequestCompleted                 ProcessingEvent = "llm_provider.request.completed"
	EventLLMProviderFailure                  ProcessingEvent = "llm_provider.failure"
	EventLLMUsageAnalytics                   ProcessingEvent = "llm_provider.usage.analytics"
	EventLLMCostAlert                        ProcessingEvent = "llm_provider.cost.alert"
	EventLLMCostTracking                     ProcessingEvent = "llm_provider.cost.tracking"
	EventLLMComparisonResult                 ProcessingEvent = "llm_provider.comparison_result"
	EventIdentityUserRegistered              ProcessingEvent = "identity.user.registered"
	EventIdentityEmailVerificationRequested  ProcessingEvent = "identity.email.verification.requested"
	EventIdentityEmailVerified               ProcessingEvent = "identity.email.verified"
	EventIdentityPasswordResetRequested      ProcessingEvent = "identity.password.reset.requested"
	EventIdentityPasswordResetCompleted      ProcessingEvent = "identity.password.reset.completed"
	EventIdentityLoginSucceeded              ProcessingEvent = "identity.login.succeeded"
	EventIdentityLoginFailed                 ProcessingEvent = "identity.login.failed"
	EventEmailNotificationRequested          ProcessingEvent = "email.notification.requested"
	EventEmailSent                           ProcessingEvent = "email.sent"
	EventEmailDeliveryFailed                 ProcessingEvent = "email.delivery_failed"
	EventEntitlementsSubscriptionActivated   ProcessingEvent = "entitlements.subscription.activated"
	EventEntitlementsSubscriptionChanged     ProcessingEvent = "entitlements.subscription.changed"
	EventEntitlementsSubscriptionCanceled    ProcessingEvent = "entitlements.subscription.canceled"
	EventEntitlementsUsageAuthorized         ProcessingEvent = "entitlements.usage.authorized"
	EventEntitlementsUsageRecorded           ProcessingEvent = "entitlements.usage.recorded"
	EventEntitlementsCreditBalanceChanged    ProcessingEvent = "entitlements.credit.balance.changed" //nolint:gosec // an event name, not a credential
	EventEntitlementsRateLimitExceeded       ProcessingEvent = "entitlements.rate_limit.exceeded"
	EventEntitlementsResourceAccessGranted   ProcessingEvent = "entitlements.resource.access.granted"
)

// Topics of the registry, named after their event. Two events of the
// original have no topic and so no constant here.
const (
	TopicBatchEssaysRegistered               = "huleedu.batch.essays.registered.v1"
	TopicBatchEssaysReady                    = "huleedu.els.batch.essays.ready.v1"
	TopicBatchPipelineCompleted              = "huleedu.batch.pipeline.completed.v1"
	TopicBatchPhaseSkipped                   = "huleedu.batch.phase.skipped.v1"
	TopicEssaySlotAssigned                   = "huleedu.els.essay.slot.assigned.v1"
	TopicEssayContentProvisioned             = "huleedu.file.essay.content.provisioned.v1"
	TopicExcessContentProvisioned            = "huleedu.els.excess.content.provisioned.v1"
	TopicEssayValidationFailed               = "huleedu.file.essay.validation.failed.v1"
	TopicBatchContentProvisioningCompleted   = "huleedu.batch.content.provisioning.completed.v1"
	TopicBatchStudentMatchingInitiateCommand = "huleedu.batch.student.matching.initiate.command.v1"
	TopicBatchStudentMatchingRequested       = "huleedu.batch.student.matching.requested.v1"
	TopicBatchSpellcheckInitiateCommand      = "huleedu.els.spellcheck.initiate.command.v1"
	TopicBatchCJAssessmentInitiateCommand    = "huleedu.batch.cj_assessment.initiate.command.v1"
	TopicBatchAIFeedbackInitiateCommand      = "huleedu.batch.ai_feedback.initiate.command.v1"
	TopicBatchNLPInitiateCommand             = "huleedu.batch.nlp.initiate.command.v1"
	TopicBatchNLPInitiateCommandV2           = "huleedu.batch.nlp.initiate.command.v2"
	TopicELSBatchPhaseOutcome                = "huleedu.els.batch.phase.outcome.v1"
	TopicBatchValidationErrors               = "huleedu.els.batch.validation.errors.v1"
	TopicClientBatchPipelineRequest          = "huleedu.commands.batch.pipeline.v1"
	TopicPipelineDenied                      = "huleedu.pipeline.denied.v1"
	TopicEssaySpellcheckCompleted            = "huleedu.essay.spellcheck.completed.v1"
	TopicEssaySpellcheckRequested            = "huleedu.essay.spellcheck.requested.v1"
	TopicSpellcheckPhaseCompleted            = "huleedu.batch.spellcheck.phase.completed.v1"
	TopicSpellcheckResults                   = "huleedu.essay.spellcheck.results.v1"
	TopicBatchNLPProcessingRequested         = "huleedu.batch.nlp.processing.requested.v1"
	TopicBatchNLPProcessingRequestedV2       = "huleedu.batch.nlp.processing.requested.v2"
	TopicELSCJAssessmentRequested            = "huleedu.els.cj_assessment.requested.v1"
	TopicCJAssessmentCompleted               = "huleedu.cj_assessment.completed.v1"
	TopicCJAssessmentFailed                  = "huleedu.cj_assessment.failed.v1"
	TopicEssayNLPCompleted                   = "huleedu.essay.nlp.completed.v1"
	TopicBatchNLPAnalysisCompleted           = "huleedu.batch.nlp.analysis.completed.v1"
	TopicBatchAuthorMatchesSuggested         = "huleedu.batch.author.matches.suggested.v1"
	TopicEssayStudentAssociationUpdated      = "huleedu.class.essay.association.updated.v1"
	TopicBatchFileAdded                      = "huleedu.file.batch.file.added.v1"
	TopicBatchFileRemoved                    = "huleedu.file.batch.file.removed.v1"
	TopicClassCreated                        = "huleedu.class.created.v1"
	TopicClassUpdated                        = "huleedu.class.updated.v1"
	TopicStudentCreated                      = "huleedu.class.student.created.v1"
	TopicStudentUpdated                      = "huleedu.class.student.updated.v1"
	TopicStudentAssociationsConfirmed        = "huleedu.class.student.associations.confirmed.v1"
	TopicValidationTimeoutProcessed          = "huleedu.class.validation.timeout.processed.v1"
	TopicTeacherNotificationRequested        = "huleedu.notification.teacher.requested.v1"
	TopicBatchResultsReady                   = "huleedu.ras.batch.results.ready.v1"
	TopicBatchAssessmentCompleted            = "huleedu.ras.batch.assessment.completed.v1"
	TopicAssessmentResultPublished           = "huleedu.assessment.result.published.v1"
	TopicResourceConsumptionReported         = "huleedu.resource.consumption.v1"
	TopicLLMRequestStarted                   = "huleedu.llm_provider.request_started.v1"
	TopicLLMRequestCompleted                 = "huleedu.llm_provider.request_completed.v1"
	TopicLLMProviderFailure                  = "huleedu.llm_provider.failure.v1"
	TopicLLMUsageAnalytics                   = "huleedu.llm_provider.usage_analytics.v1"
	TopicLLMCostAlert                        = "huleedu.llm_provider.cost_alert.v1"
	TopicLLMCostTracking                     = "huleedu.llm_provider.cost_tracking.v1"
	TopicLLMComparisonResult                 = "huleedu.llm_provider.comparison_result.v1"
	TopicIdentityUserRegistered              = "huleedu.identity.user.registered.v1"
	TopicIdentityEmailVerificationRequested  = "huleedu.identity.email.verification.requested.v1"
	TopicIdentityEmailVerified               = "huleedu.identity.email.verified.v1"
	TopicIdentityPasswordResetRequested      = "huleedu.identity.password.reset.requested.v1"
	TopicIdentityPasswordResetCompleted      = "huleedu.identity.password.reset.completed.v1"
	TopicIdentityLoginSucceeded              = "huleedu.identity.login.succeeded.v1"
	TopicIdentityLoginFailed                 = "huleedu.identity.login.failed.v1"
	TopicEmailNotificationRequested          = "huleedu.email.notification.requested.v1"
	TopicEmailSent                           = "huleedu.email.sent.v1"
	TopicEmailDeliveryFailed                 = "huleedu.email.delivery_failed.v1"
	TopicEntitlementsSubscriptionActivated   = "huleedu.entitlements.subscription.activated.v1"
	TopicEntitlementsSubscriptionChanged     = "huleedu.entitlements.subscription.changed.v1"
	TopicEntitlementsSubscriptionCanceled    = "huleedu.entitlements.subscription.canceled.v1"
	TopicEntitlementsUsageAuthorized         = "huleedu.entitlements.usage.authorized.v1"
	TopicEntitlementsUsageRecorded           = "huleedu.entitlements.usage.recorded.v1"
	TopicEntitlementsCreditBalanceChanged    = "huleedu.entitlements.credit.balance.changed.v1" //nolint:gosec // an event name, not a credential
	TopicEntitlementsRateLimitExceeded       = "huleedu.entitlements.rate_limit.exceeded.v1"
	TopicEntitlementsResourceAccessGranted   = "huleedu.entitlements.resource.access.granted.v1"
)

// registry lists every ProcessingEvent with its original constant name and topic ("" where none).
var registry = []EventInfo{
	{Event: EventBatchEssaysRegistered, Name: "BATCH_ESSAYS_REGISTERED", Topic: TopicBatchEssaysRegistered},
	{Event: EventBatchEssaysReady, Name: "BATCH_ESSAYS_READY", Topic: TopicBatchEssaysReady},
	{Event: EventBatchPipelineCompleted, Name: "BATCH_PIPELINE_COMPLETED", Topic: TopicBatchPipelineCompleted},
	{Event: EventBatchPhaseSkipped, Name: "BATCH_PHASE_SKIPPED", Topic: TopicBatchPhaseSkipped},
	{Event: EventEssaySlotAssigned, Name: "ESSAY_SLOT_ASSIGNED", Topic: TopicEssaySlotAssigned},
	{Event: EventEssayContentProvisioned, Name: "ESSAY_CONTENT_PROVISIONED", Topic: TopicEssayContentProvisioned},
	{Event: EventExcessContentProvisioned, Name: "EXCESS_CONTENT_PROVISIONED", Topic: TopicExcessContentProvisioned},
	{Event: EventEssayValidationFailed, Name: "ESSAY_VALIDATION_FAILED", Topic: TopicEssayValidationFailed},
	{Event: EventBatchContentProvisioningCompleted, Name: "BATCH_CONTENT_PROVISIONING_COMPLETED", Topic: TopicBatchContentProvisioningCompleted},
	{Event: EventBatchStudentMatchingInitiateCommand, Name: "BATCH_STUDENT_MATCHING_INITIATE_COMMAND", Topic: TopicBatchStudentMatchingInitiateCommand},
	{Event: EventBatchStudentMatchingRequested, Name: "BATCH_STUDENT_MATCHING_REQUESTED", Topic: TopicBatchStudentMatchingRequested},
	{Event: EventBatchSpellcheckInitiateCommand, Name: "BATCH_SPELLCHECK_INITIATE_COMMAND", Topic: TopicBatchSpellcheckInitiateCommand},
	{Event: EventBatchCJAssessmentInitiateCommand, Name: "BATCH_CJ_ASSESSMENT_INITIATE_COMMAND", Topic: TopicBatchCJAssessmentInitiateCommand},
	{Event: EventBatchAIFeedbackInitiateCommand, Name: "BATCH_AI_FEEDBACK_INITIATE_COMMAND", Topic: TopicBatchAIFeedbackInitiateCommand},
	{Event: EventBatchNLPInitiateCommand, Name: "BATCH_NLP_INITIATE_COMMAND", Topic: TopicBatchNLPInitiateCommand},
	{Event: EventBatchNLPInitiateCommandV2, Name: "BATCH_NLP_INITIATE_COMMAND_V2", Topic: TopicBatchNLPInitiateCommandV2},
	{Event: EventELSBatchPhaseOutcome, Name: "ELS_BATCH_PHASE_OUTCOME", Topic: TopicELSBatchPhaseOutcome},
	{Event: EventBatchValidationErrors, Name: "BATCH_VALIDATION_ERRORS", Topic: TopicBatchValidationErrors},
	{Event: EventClientBatchPipelineRequest, Name: "CLIENT_BATCH_PIPELINE_REQUEST", Topic: TopicClientBatchPipelineRequest},
	{Event: EventPipelineDenied, Name: "PIPELINE_DENIED", Topic: TopicPipelineDenied},
	{Event: EventEssaySpellcheckCompleted, Name: "ESSAY_SPELLCHECK_COMPLETED", Topic: TopicEssaySpellcheckCompleted},
	{Event: EventEssaySpellcheckRequested, Name: "ESSAY_SPELLCHECK_REQUESTED", Topic: TopicEssaySpellcheckRequested},
	{Event: EventSpellcheckPhaseCompleted, Name: "SPELLCHECK_PHASE_COMPLETED", Topic: TopicSpellcheckPhaseCompleted},
	{Event: EventSpellcheckResults, Name: "SPELLCHECK_RESULTS", Topic: TopicSpellcheckResults},
	{Event: EventBatchNLPProcessingRequested, Name: "BATCH_NLP_PROCESSING_REQUESTED", Topic: TopicBatchNLPProcessingRequested},
	{Event: EventBatchNLPProcessingRequestedV2, Name: "BATCH_NLP_PROCESSING_REQUESTED_V2", Topic: TopicBatchNLPProcessingRequestedV2},
	{Event: EventELSCJAssessmentRequested, Name: "ELS_CJ_ASSESSMENT_REQUESTED", Topic: TopicELSCJAssessmentRequested},
	{Event: EventCJAssessmentCompleted, Name: "CJ_ASSESSMENT_COMPLETED", Topic: TopicCJAssessmentCompleted},
	{Event: EventCJAssessmentFailed, Name: "CJ_ASSESSMENT_FAILED", Topic: TopicCJAssessmentFailed},
	{Event: EventEssayNLPCompleted, Name: "ESSAY_NLP_COMPLETED", Topic: TopicEssayNLPCompleted},
	{Event: EventBatchNLPAnalysisCompleted, Name: "BATCH_NLP_ANALYSIS_COMPLETED", Topic: TopicBatchNLPAnalysisCompleted},
	{Event: EventBatchAuthorMatchesSuggested, Name: "BATCH_AUTHOR_MATCHES_SUGGESTED", Topic: TopicBatchAuthorMatchesSuggested},
	{Event: EventEssayAifeedbackCompleted, Name: "ESSAY_AIFEEDBACK_COMPLETED", Topic: ""},
	{Event: EventEssayEditorRevisionCompleted, Name: "ESSAY_EDITOR_REVISION_COMPLETED", Topic: ""},
	{Event: EventEssayStudentAssociationUpdated, Name: "ESSAY_STUDENT_ASSOCIATION_UPDATED", Topic: TopicEssayStudentAssociationUpdated},
	{Event: EventBatchFileAdded, Name: "BATCH_FILE_ADDED", Topic: TopicBatchFileAdded},
	{Event: EventBatchFileRemoved, Name: "BATCH_FILE_REMOVED", Topic: TopicBatchFileRemoved},
	{Event: EventClassCreated, Name: "CLASS_CREATED", Topic: TopicClassCreated},
	{Event: EventClassUpdated, Name: "CLASS_UPDATED", Topic: TopicClassUpdated},
	{Event: EventStudentCreated, Name: "STUDENT_CREATED", Topic: TopicStudentCreated},
	{Event: EventStudentUpdated, Name: "STUDENT_UPDATED", Topic: TopicStudentUpdated},
	{Event: EventStudentAssociationsConfirmed, Name: "STUDENT_ASSOCIATIONS_CONFIRMED", Topic: TopicStudentAssociationsConfirmed},
	{Event: EventValidationTimeoutProcessed, Name: "VALIDATION_TIMEOUT_PROCESSED", Topic: TopicValidationTimeoutProcessed},
	{Event: EventTeacherNotificationRequested, Name: "TEACHER_NOTIFICATION_REQUESTED", Topic: TopicTeacherNotificationRequested},
	{Event: EventBatchResultsReady, Name: "BATCH_RESULTS_READY", Topic: TopicBatchResultsReady},
	{Event: EventBatchAssessmentCompleted, Name: "BATCH_ASSESSMENT_COMPLETED", Topic: TopicBatchAssessmentCompleted},
	{Event: EventAssessmentResultPublished, Name: "ASSESSMENT_RESULT_PUBLISHED", Topic: TopicAssessmentResultPublished},
	{Event: EventResourceConsumptionReported, Name: "RESOURCE_CONSUMPTION_REPORTED", Topic: TopicResourceConsumptionReported},
	{Event: EventLLMRequestStarted, Name: "LLM_REQUEST_STARTED", Topic: TopicLLMRequestStarted},
	{Event: EventLLMRequestCompleted, Name: "LLM_REQUEST_COMPLETED", Topic: TopicLLMRequestCompleted},
	{Event: EventLLMProviderFailure, Name: "LLM_PROVIDER_FAILURE", Topic: TopicLLMProviderFailure},
	{Event: EventLLMUsageAnalytics, Name: "LLM_USAGE_ANALYTICS", Topic: TopicLLMUsageAnalytics},
	{Event: EventLLMCostAlert, Name: "LLM_COST_ALERT", Topic: TopicLLMCostAlert},
	{Event: EventLLMCostTracking, Name: "LLM_COST_TRACKING", Topic: TopicLLMCostTracking},
	{Event: EventLLMComparisonResult, Name: "LLM_COMPARISON_RESULT", Topic: TopicLLMComparisonResult},
	{Event: EventIdentityUserRegistered, Name: "IDENTITY_USER_REGISTERED", Topic: TopicIdentityUserRegistered},
	{Event: EventIdentityEmailVerificationRequested, Name: "IDENTITY_EMAIL_VERIFICATION_REQUESTED", Topic: TopicIdentityEmailVerificationRequested},
	{Event: EventIdentityEmailVerified, Name: "IDENTITY_EMAIL_VERIFIED", Topic: TopicIdentityEmailVerified},
	{Event: EventIdentityPasswordResetRequested, Name: "IDENTITY_PASSWORD_RESET_REQUESTED", Topic: TopicIdentityPasswordResetRequested},
	{Event: EventIdentityPasswordResetCompleted, Name: "IDENTITY_PASSWORD_RESET_COMPLETED", Topic: TopicIdentityPasswordResetCompleted},
	{Event: EventIdentityLoginSucceeded, Name: "IDENTITY_LOGIN_SUCCEEDED", Topic: TopicIdentityLoginSucceeded},
	{Event: EventIdentityLoginFailed, Name: "IDENTITY_LOGIN_FAILED", Topic: TopicIdentityLoginFailed},
	{Event: EventEmailNotificationRequested, Name: "EMAIL_NOTIFICATION_REQUESTED", Topic: TopicEmailNotificationRequested},
	{Event: EventEmailSent, Name: "EMAIL_SENT", Topic: TopicEmailSent},
	{Event: EventEmailDeliveryFailed, Name: "EMAIL_DELIVERY_FAILED", Topic: TopicEmailDeliveryFailed},
	{Event: EventEntitlementsSubscriptionActivated, Name: "ENTITLEMENTS_SUBSCRIPTION_ACTIVATED", Topic: TopicEntitlementsSubscriptionActivated},
	{Event: EventEntitlementsSubscriptionChanged, Name: "ENTITLEMENTS_SUBSCRIPTION_CHANGED", Topic: TopicEntitlementsSubscriptionChanged},
	{Event: EventEntitlementsSubscriptionCanceled, Name: "ENTITLEMENTS_SUBSCRIPTION_CANCELED", Topic: TopicEntitlementsSubscriptionCanceled},
	{Event: EventEntitlementsUsageAuthorized, Name: "ENTITLEMENTS_USAGE_AUTHORIZED", Topic: TopicEntitlementsUsageAuthorized},
	{Event: EventEntitlementsUsageRecorded, Name: "ENTITLEMENTS_USAGE_RECORDED", Topic: TopicEntitlementsUsageRecorded},
	{Event: EventEntitlementsCreditBalanceChanged, Name: "ENTITLEMENTS_CREDIT_BALANCE_CHANGED", Topic: TopicEntitlementsCreditBalanceChanged},
	{Event: EventEntitlementsRateLimitExceeded, Name: "ENTITLEMENTS_RATE_LIMIT_EXCEEDED", Topic: TopicEntitlementsRateLimitExceeded},
	{Event: EventEntitlementsResourceAccessGranted, Name: "ENTITLEMENTS_RESOURCE_ACCESS_GRANTED", Topic: TopicEntitlementsResourceAccessGranted},
}
