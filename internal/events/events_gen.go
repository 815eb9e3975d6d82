package events

// Defaults the original gives fields a producer may leave out.
const (
	// DefaultSpellcheckProcessorVersion is SpellcheckResultV1.ProcessorVersion's default.
	DefaultSpellcheckProcessorVersion = "pyspellchecker_1.0_L2_swedish"
	// DefaultSkipReason is PhaseSkippedV1.SkipReason's default.
	DefaultSkipReason = "already_completed"
)

// eventTypes maps every topic that has a Go type to a constructor of a
// value with the original's defaults filled in.
var eventTypes = map[string]func() Event{
	TopicCJAssessmentCompleted:             func() Event { e := new(CJAssessmentCompletedV1); e.SetDefaults(); return e },
	TopicCJAssessmentFailed:                func() Event { e := new(CJAssessmentFailedV1); e.SetDefaults(); return e },
	TopicAssessmentResultPublished:         func() Event { e := new(AssessmentResultV1); e.SetDefaults(); return e },
	TopicELSCJAssessmentRequested:          func() Event { e := new(ELSCJAssessmentRequestV1); e.SetDefaults(); return e },
	TopicSpellcheckPhaseCompleted:          func() Event { e := new(SpellcheckPhaseCompletedV1); e.SetDefaults(); return e },
	TopicSpellcheckResults:                 func() Event { e := new(SpellcheckResultV1); e.SetDefaults(); return e },
	TopicEssaySpellcheckRequested:          func() Event { e := new(EssayLifecycleSpellcheckRequestV1); e.SetDefaults(); return e },
	TopicBatchEssaysRegistered:             func() Event { e := new(BatchEssaysRegistered); e.SetDefaults(); return e },
	TopicBatchContentProvisioningCompleted: func() Event { e := new(BatchContentProvisioningCompletedV1); e.SetDefaults(); return e },
	TopicBatchEssaysReady:                  func() Event { e := new(BatchEssaysReady); e.SetDefaults(); return e },
	TopicBatchPipelineCompleted:            func() Event { e := new(BatchPipelineCompletedV1); e.SetDefaults(); return e },
	TopicBatchPhaseSkipped:                 func() Event { e := new(PhaseSkippedV1); e.SetDefaults(); return e },
	TopicELSBatchPhaseOutcome:              func() Event { e := new(ELSBatchPhaseOutcomeV1); e.SetDefaults(); return e },
	TopicClientBatchPipelineRequest:        func() Event { e := new(ClientBatchPipelineRequestV1); e.SetDefaults(); return e },
	TopicBatchResultsReady:                 func() Event { e := new(BatchResultsReadyV1); e.SetDefaults(); return e },
	TopicBatchAssessmentCompleted:          func() Event { e := new(BatchAssessmentCompletedV1); e.SetDefaults(); return e },
	TopicEssayContentProvisioned:           func() Event { e := new(EssayContentProvisionedV1); e.SetDefaults(); return e },
	TopicEssayValidationFailed:             func() Event { e := new(EssayValidationFailedV1); e.SetDefaults(); return e },
	TopicEssaySlotAssigned:                 func() Event { e := new(EssaySlotAssignedV1); e.SetDefaults(); return e },
	TopicBatchNLPAnalysisCompleted:         func() Event { e := new(BatchNlpAnalysisCompletedV1); e.SetDefaults(); return e },
	TopicEssayNLPCompleted:                 func() Event { e := new(EssayNlpCompletedV1); e.SetDefaults(); return e },
	TopicBatchSpellcheckInitiateCommand:    func() Event { e := new(BatchServiceSpellcheckInitiateCommandDataV1); e.SetDefaults(); return e },
	TopicBatchCJAssessmentInitiateCommand:  func() Event { e := new(BatchServiceCJAssessmentInitiateCommandDataV1); e.SetDefaults(); return e },
	TopicBatchNLPInitiateCommandV2:         func() Event { e := new(BatchServiceNLPInitiateCommandDataV2); e.SetDefaults(); return e },
	TopicTeacherNotificationRequested:      func() Event { e := new(TeacherNotificationRequestedV1); e.SetDefaults(); return e },
}

// Topic returns TopicCJAssessmentCompleted.
func (CJAssessmentCompletedV1) Topic() string { return TopicCJAssessmentCompleted }

// Validate checks every constraint of the contract; a failure is a *ValidationError.
func (e CJAssessmentCompletedV1) Validate() error { return validateValue(&e) }

// SetDefaults fills the fields the original gives a default (the event name and the like).
func (e *CJAssessmentCompletedV1) SetDefaults() {
	e.EventName = EventCJAssessmentCompleted
}

// Topic returns TopicCJAssessmentFailed.
func (CJAssessmentFailedV1) Topic() string { return TopicCJAssessmentFailed }

// Validate checks every constraint of the contract; a failure is a *ValidationError.
func (e CJAssessmentFailedV1) Validate() error { return validateValue(&e) }

// SetDefaults fills the fields the original gives a default (the event name and the like).
func (e *CJAssessmentFailedV1) SetDefaults() {
	e.EventName = EventCJAssessmentFailed
}

// Topic returns TopicAssessmentResultPublished.
func (AssessmentResultV1) Topic() string { return TopicAssessmentResultPublished }

// Validate checks every constraint of the contract; a failure is a *ValidationError.
func (e AssessmentResultV1) Validate() error { return validateValue(&e) }

// SetDefaults fills the fields the original gives a default (the event name and the like).
func (e *AssessmentResultV1) SetDefaults() {
	e.EventName = EventAssessmentResultPublished
}

// Topic returns TopicELSCJAssessmentRequested.
func (ELSCJAssessmentRequestV1) Topic() string { return TopicELSCJAssessmentRequested }

// Validate checks every constraint of the contract; a failure is a *ValidationError.
func (e ELSCJAssessmentRequestV1) Validate() error { return validateValue(&e) }

// SetDefaults fills the fields the original gives a default (the event name and the like).
func (e *ELSCJAssessmentRequestV1) SetDefaults() {
	e.EventName = EventELSCJAssessmentRequested
}

// Topic returns TopicSpellcheckPhaseCompleted.
func (SpellcheckPhaseCompletedV1) Topic() string { return TopicSpellcheckPhaseCompleted }

// Validate checks every constraint of the contract; a failure is a *ValidationError.
func (e SpellcheckPhaseCompletedV1) Validate() error { return validateValue(&e) }

// SetDefaults fills the fields the original gives a default (the event name and the like).
func (e *SpellcheckPhaseCompletedV1) SetDefaults() {}

// Topic returns TopicSpellcheckResults.
func (SpellcheckResultV1) Topic() string { return TopicSpellcheckResults }

// Validate checks every constraint of the contract; a failure is a *ValidationError.
func (e SpellcheckResultV1) Validate() error { return validateValue(&e) }

// SetDefaults fills the fields the original gives a default (the event name and the like).
func (e *SpellcheckResultV1) SetDefaults() {
	e.EventName = EventSpellcheckResults
	e.ProcessorVersion = DefaultSpellcheckProcessorVersion
}

// Topic returns TopicEssaySpellcheckRequested.
func (EssayLifecycleSpellcheckRequestV1) Topic() string { return TopicEssaySpellcheckRequested }

// Validate checks every constraint of the contract; a failure is a *ValidationError.
func (e EssayLifecycleSpellcheckRequestV1) Validate() error { return validateValue(&e) }

// SetDefaults fills the fields the original gives a default (the event name and the like).
func (e *EssayLifecycleSpellcheckRequestV1) SetDefaults() {
	e.EventName = EventEssaySpellcheckRequested
}

// Topic returns TopicBatchEssaysRegistered.
func (BatchEssaysRegistered) Topic() string { return TopicBatchEssaysRegistered }

// Validate checks every constraint of the contract; a failure is a *ValidationError.
func (e BatchEssaysRegistered) Validate() error { return validateValue(&e) }

// SetDefaults fills the fields the original gives a default (the event name and the like).
func (e *BatchEssaysRegistered) SetDefaults() {
	e.Event = string(EventBatchEssaysRegistered)
}

// Topic returns TopicBatchContentProvisioningCompleted.
func (BatchContentProvisioningCompletedV1) Topic() string {
	return TopicBatchContentProvisioningCompleted
}

// Validate checks every constraint of the contract; a failure is a *ValidationError.
func (e BatchContentProvisioningCompletedV1) Validate() error { return validateValue(&e) }

// SetDefaults fills the fields the original gives a default (the event name and the like).
func (e *BatchContentProvisioningCompletedV1) SetDefaults() {
	e.Event = string(EventBatchContentProvisioningCompleted)
}

// Topic returns TopicBatchEssaysReady.
func (BatchEssaysReady) Topic() string { return TopicBatchEssaysReady }

// Validate checks every constraint of the contract; a failure is a *ValidationError.
func (e BatchEssaysReady) Validate() error { return validateValue(&e) }

// SetDefaults fills the fields the original gives a default (the event name and the like).
func (e *BatchEssaysReady) SetDefaults() {
	e.Event = string(EventBatchEssaysReady)
}

// Topic returns TopicBatchPipelineCompleted.
func (BatchPipelineCompletedV1) Topic() string { return TopicBatchPipelineCompleted }

// Validate checks every constraint of the contract; a failure is a *ValidationError.
func (e BatchPipelineCompletedV1) Validate() error { return validateValue(&e) }

// SetDefaults fills the fields the original gives a default (the event name and the like).
func (e *BatchPipelineCompletedV1) SetDefaults() {
	e.Event = string(EventBatchPipelineCompleted)
}

// Topic returns TopicBatchPhaseSkipped.
func (PhaseSkippedV1) Topic() string { return TopicBatchPhaseSkipped }

// Validate checks every constraint of the contract; a failure is a *ValidationError.
func (e PhaseSkippedV1) Validate() error { return validateValue(&e) }

// SetDefaults fills the fields the original gives a default (the event name and the like).
func (e *PhaseSkippedV1) SetDefaults() {
	e.Event = string(EventBatchPhaseSkipped)
	e.SkipReason = DefaultSkipReason
}

// Topic returns TopicELSBatchPhaseOutcome.
func (ELSBatchPhaseOutcomeV1) Topic() string { return TopicELSBatchPhaseOutcome }

// Validate checks every constraint of the contract; a failure is a *ValidationError.
func (e ELSBatchPhaseOutcomeV1) Validate() error { return validateValue(&e) }

// SetDefaults fills the fields the original gives a default (the event name and the like).
func (e *ELSBatchPhaseOutcomeV1) SetDefaults() {}

// Topic returns TopicClientBatchPipelineRequest.
func (ClientBatchPipelineRequestV1) Topic() string { return TopicClientBatchPipelineRequest }

// Validate checks every constraint of the contract; a failure is a *ValidationError.
func (e ClientBatchPipelineRequestV1) Validate() error { return validateValue(&e) }

// SetDefaults fills the fields the original gives a default (the event name and the like).
func (e *ClientBatchPipelineRequestV1) SetDefaults() {}

// Topic returns TopicBatchResultsReady.
func (BatchResultsReadyV1) Topic() string { return TopicBatchResultsReady }

// Validate checks every constraint of the contract; a failure is a *ValidationError.
func (e BatchResultsReadyV1) Validate() error { return validateValue(&e) }

// SetDefaults fills the fields the original gives a default (the event name and the like).
func (e *BatchResultsReadyV1) SetDefaults() {
	e.EventName = EventBatchResultsReady
}

// Topic returns TopicBatchAssessmentCompleted.
func (BatchAssessmentCompletedV1) Topic() string { return TopicBatchAssessmentCompleted }

// Validate checks every constraint of the contract; a failure is a *ValidationError.
func (e BatchAssessmentCompletedV1) Validate() error { return validateValue(&e) }

// SetDefaults fills the fields the original gives a default (the event name and the like).
func (e *BatchAssessmentCompletedV1) SetDefaults() {
	e.EventName = EventBatchAssessmentCompleted
}

// Topic returns TopicEssayContentProvisioned.
func (EssayContentProvisionedV1) Topic() string { return TopicEssayContentProvisioned }

// Validate checks every constraint of the contract; a failure is a *ValidationError.
func (e EssayContentProvisionedV1) Validate() error { return validateValue(&e) }

// SetDefaults fills the fields the original gives a default (the event name and the like).
func (e *EssayContentProvisionedV1) SetDefaults() {
	e.Event = string(EventEssayContentProvisioned)
}

// Topic returns TopicEssayValidationFailed.
func (EssayValidationFailedV1) Topic() string { return TopicEssayValidationFailed }

// Validate checks every constraint of the contract; a failure is a *ValidationError.
func (e EssayValidationFailedV1) Validate() error { return validateValue(&e) }

// SetDefaults fills the fields the original gives a default (the event name and the like).
func (e *EssayValidationFailedV1) SetDefaults() {
	e.Event = string(EventEssayValidationFailed)
}

// Topic returns TopicEssaySlotAssigned.
func (EssaySlotAssignedV1) Topic() string { return TopicEssaySlotAssigned }

// Validate checks every constraint of the contract; a failure is a *ValidationError.
func (e EssaySlotAssignedV1) Validate() error { return validateValue(&e) }

// SetDefaults fills the fields the original gives a default (the event name and the like).
func (e *EssaySlotAssignedV1) SetDefaults() {
	e.Event = string(EventEssaySlotAssigned)
}

// Topic returns TopicBatchNLPAnalysisCompleted.
func (BatchNlpAnalysisCompletedV1) Topic() string { return TopicBatchNLPAnalysisCompleted }

// Validate checks every constraint of the contract; a failure is a *ValidationError.
func (e BatchNlpAnalysisCompletedV1) Validate() error { return validateValue(&e) }

// SetDefaults fills the fields the original gives a default (the event name and the like).
func (e *BatchNlpAnalysisCompletedV1) SetDefaults() {
	e.EventName = EventBatchNLPAnalysisCompleted
}

// Topic returns TopicEssayNLPCompleted.
func (EssayNlpCompletedV1) Topic() string { return TopicEssayNLPCompleted }

// Validate checks every constraint of the contract; a failure is a *ValidationError.
func (e EssayNlpCompletedV1) Validate() error { return validateValue(&e) }

// SetDefaults fills the fields the original gives a default (the event name and the like).
func (e *EssayNlpCompletedV1) SetDefaults() {
	e.EventName = EventEssayNLPCompleted
}

// Topic returns TopicBatchSpellcheckInitiateCommand.
func (BatchServiceSpellcheckInitiateCommandDataV1) Topic() string {
	return TopicBatchSpellcheckInitiateCommand
}

// Validate checks every constraint of the contract; a failure is a *ValidationError.
func (e BatchServiceSpellcheckInitiateCommandDataV1) Validate() error { return validateValue(&e) }

// SetDefaults fills the fields the original gives a default (the event name and the like).
func (e *BatchServiceSpellcheckInitiateCommandDataV1) SetDefaults() {
	e.EventName = EventBatchSpellcheckInitiateCommand
}

// Topic returns TopicBatchCJAssessmentInitiateCommand.
func (BatchServiceCJAssessmentInitiateCommandDataV1) Topic() string {
	return TopicBatchCJAssessmentInitiateCommand
}

// Validate checks every constraint of the contract; a failure is a *ValidationError.
func (e BatchServiceCJAssessmentInitiateCommandDataV1) Validate() error { return validateValue(&e) }

// SetDefaults fills the fields the original gives a default (the event name and the like).
func (e *BatchServiceCJAssessmentInitiateCommandDataV1) SetDefaults() {
	e.EventName = EventBatchCJAssessmentInitiateCommand
}

// Topic returns TopicBatchNLPInitiateCommandV2.
func (BatchServiceNLPInitiateCommandDataV2) Topic() string { return TopicBatchNLPInitiateCommandV2 }

// Validate checks every constraint of the contract; a failure is a *ValidationError.
func (e BatchServiceNLPInitiateCommandDataV2) Validate() error { return validateValue(&e) }

// SetDefaults fills the fields the original gives a default (the event name and the like).
func (e *BatchServiceNLPInitiateCommandDataV2) SetDefaults() {
	e.EventName = EventBatchNLPInitiateCommandV2
}

// Topic returns TopicTeacherNotificationRequested.
func (TeacherNotificationRequestedV1) Topic() string { return TopicTeacherNotificationRequested }

// Validate checks every constraint of the contract; a failure is a *ValidationError.
func (e TeacherNotificationRequestedV1) Validate() error { return validateValue(&e) }

// SetDefaults fills the fields the original gives a default (the event name and the like).
func (e *TeacherNotificationRequestedV1) SetDefaults() {}

// MarshalJSON encodes e in the wire format (see Marshal), also under encoding/json.
func (e CJAssessmentCompletedV1) MarshalJSON() ([]byte, error) { return Marshal(&e) }

// MarshalJSON encodes e in the wire format (see Marshal), also under encoding/json.
func (e CJAssessmentFailedV1) MarshalJSON() ([]byte, error) { return Marshal(&e) }

// MarshalJSON encodes e in the wire format (see Marshal), also under encoding/json.
func (e AssessmentResultV1) MarshalJSON() ([]byte, error) { return Marshal(&e) }

// MarshalJSON encodes e in the wire format (see Marshal), also under encoding/json.
func (e ELSCJAssessmentRequestV1) MarshalJSON() ([]byte, error) { return Marshal(&e) }

// MarshalJSON encodes e in the wire format (see Marshal), also under encoding/json.
func (e SpellcheckPhaseCompletedV1) MarshalJSON() ([]byte, error) { return Marshal(&e) }

// MarshalJSON encodes e in the wire format (see Marshal), also under encoding/json.
func (e SpellcheckResultV1) MarshalJSON() ([]byte, error) { return Marshal(&e) }

// MarshalJSON encodes e in the wire format (see Marshal), also under encoding/json.
func (e EssayLifecycleSpellcheckRequestV1) MarshalJSON() ([]byte, error) { return Marshal(&e) }

// MarshalJSON encodes e in the wire format (see Marshal), also under encoding/json.
func (e BatchEssaysRegistered) MarshalJSON() ([]byte, error) { return Marshal(&e) }

// MarshalJSON encodes e in the wire format (see Marshal), also under encoding/json.
func (e BatchContentProvisioningCompletedV1) MarshalJSON() ([]byte, error) { return Marshal(&e) }

// MarshalJSON encodes e in the wire format (see Marshal), also under encoding/json.
func (e BatchEssaysReady) MarshalJSON() ([]byte, error) { return Marshal(&e) }

// MarshalJSON encodes e in the wire format (see Marshal), also under encoding/json.
func (e BatchPipelineCompletedV1) MarshalJSON() ([]byte, error) { return Marshal(&e) }

// MarshalJSON encodes e in the wire format (see Marshal), also under encoding/json.
func (e PhaseSkippedV1) MarshalJSON() ([]byte, error) { return Marshal(&e) }

// MarshalJSON encodes e in the wire format (see Marshal), also under encoding/json.
func (e ELSBatchPhaseOutcomeV1) MarshalJSON() ([]byte, error) { return Marshal(&e) }

// MarshalJSON encodes e in the wire format (see Marshal), also under encoding/json.
func (e ClientBatchPipelineRequestV1) MarshalJSON() ([]byte, error) { return Marshal(&e) }

// MarshalJSON encodes e in the wire format (see Marshal), also under encoding/json.
func (e BatchResultsReadyV1) MarshalJSON() ([]byte, error) { return Marshal(&e) }

// MarshalJSON encodes e in the wire format (see Marshal), also under encoding/json.
func (e BatchAssessmentCompletedV1) MarshalJSON() ([]byte, error) { return Marshal(&e) }

// MarshalJSON encodes e in the wire format (see Marshal), also under encoding/json.
func (e EssayContentProvisionedV1) MarshalJSON() ([]byte, error) { return Marshal(&e) }

// MarshalJSON encodes e in the wire format (see Marshal), also under encoding/json.
func (e EssayValidationFailedV1) MarshalJSON() ([]byte, error) { return Marshal(&e) }

// MarshalJSON encodes e in the wire format (see Marshal), also under encoding/json.
func (e EssaySlotAssignedV1) MarshalJSON() ([]byte, error) { return Marshal(&e) }

// MarshalJSON encodes e in the wire format (see Marshal), also under encoding/json.
func (e BatchNlpAnalysisCompletedV1) MarshalJSON() ([]byte, error) { return Marshal(&e) }

// MarshalJSON encodes e in the wire format (see Marshal), also under encoding/json.
func (e EssayNlpCompletedV1) MarshalJSON() ([]byte, error) { return Marshal(&e) }

// MarshalJSON encodes e in the wire format (see Marshal), also under encoding/json.
func (e BatchServiceSpellcheckInitiateCommandDataV1) MarshalJSON() ([]byte, error) {
	return Marshal(&e)
}

// MarshalJSON encodes e in the wire format (see Marshal), also under encoding/json.
func (e BatchServiceCJAssessmentInitiateCommandDataV1) MarshalJSON() ([]byte, error) {
	return Marshal(&e)
}

// MarshalJSON encodes e in the wire format (see Marshal), also under encoding/json.
func (e BatchServiceNLPInitiateCommandDataV2) MarshalJSON() ([]byte, error) { return Marshal(&e) }

// MarshalJSON encodes e in the wire format (see Marshal), also under encoding/json.
func (e TeacherNotificationRequestedV1) MarshalJSON() ([]byte, error) { return Marshal(&e) }
