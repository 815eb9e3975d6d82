package lifecycle

import (
	"errors"
	"fmt"

	"github.com/hule-dev/hule/internal/events"
)

// phaseStates are the four states each processing phase gives an essay.
type phaseStates struct {
	awaiting, inProgress, success, failed events.EssayStatus
}

// phases holds the states of every phase an essay can go through, as in
// the original platform's essay state machine.
var phases = map[events.PhaseName]phaseStates{
	events.PhaseNameSpellcheck: {events.EssayStatusAwaitingSpellcheck, events.EssayStatusSpellcheckingInProgress,
		events.EssayStatusSpellcheckedSuccess, events.EssayStatusSpellcheckFailed},
	events.PhaseNameNLP: {events.EssayStatusAwaitingNLP, events.EssayStatusNLPProcessingInProgress,
		events.EssayStatusNLPSuccess, events.EssayStatusNLPFailed},
	events.PhaseNameCJAssessment: {events.EssayStatusAwaitingCJAssessment, events.EssayStatusCJAssessmentProcessingInProgress,
		events.EssayStatusCJAssessmentSuccess, events.EssayStatusCJAssessmentFailed},
	events.PhaseNameAIFeedback: {events.EssayStatusAwaitingAIFeedback, events.EssayStatusAIFeedbackProcessingInProgress,
		events.EssayStatusAIFeedbackSuccess, events.EssayStatusAIFeedbackFailed},
}

// Trigger is what happens to an essay.
type Trigger int

// The triggers of the essay state machine.
const (
	// ContentAssigned: the essay's slot got its text.
	ContentAssigned Trigger = iota
	// PhaseRequested: batch asked for a phase; the essay waits for it.
	PhaseRequested
	// PhaseStarted: the request went out to the phase's service.
	PhaseStarted
	// PhaseSucceeded and PhaseFailed: the service's thin event came back.
	PhaseSucceeded
	PhaseFailed
	// PipelineCompleted: every requested phase is done for the essay.
	PipelineCompleted
	// CriticalFailure: the essay cannot be processed any further.
	CriticalFailure
)

func (t Trigger) String() string {
	return [...]string{"content_assigned", "phase_requested", "phase_started", "phase_succeeded",
		"phase_failed", "pipeline_completed", "critical_failure"}[t]
}

// ErrInvalidTransition is returned for a trigger the current state does
// not allow. The caller logs and counts it and leaves the essay as it is:
// with at-least-once delivery a stale or misrouted event must never crash
// the consumer or dead-letter a valid message.
var ErrInvalidTransition = errors.New("invalid essay state transition")

// Next returns the state after trigger t (for phase p, where t concerns a
// phase) and whether the state changes. A repeated trigger that already
// took effect, as a redelivered event causes, returns the current state
// and changed=false without an error.
func Next(cur events.EssayStatus, t Trigger, p events.PhaseName) (next events.EssayStatus, changed bool, err error) {
	invalid := func() (events.EssayStatus, bool, error) {
		return cur, false, fmt.Errorf("%w: %s on %s (phase %q)", ErrInvalidTransition, t, cur, p)
	}
	if cur == events.EssayStatusEssayCriticalFailure {
		if t == CriticalFailure {
			return cur, false, nil
		}
		return invalid()
	}
	st, isPhase := phases[p]
	switch t {
	case ContentAssigned:
		switch cur {
		case events.EssayStatusUploaded, events.EssayStatusTextExtracted, events.EssayStatusContentIngesting:
			return events.EssayStatusReadyForProcessing, true, nil
		case events.EssayStatusReadyForProcessing:
			return cur, false, nil
		}
		return invalid()
	case PhaseRequested:
		if !isPhase {
			return invalid()
		}
		if cur == st.awaiting || cur == st.inProgress {
			return cur, false, nil
		}
		// A new run of a phase that failed for the essay retries it.
		if cur == st.failed || cur == events.EssayStatusReadyForProcessing || cur == events.EssayStatusAllProcessingCompleted || isSuccess(cur) {
			return st.awaiting, true, nil
		}
		return invalid()
	case PhaseStarted:
		switch {
		case !isPhase:
			return invalid()
		case cur == st.awaiting:
			return st.inProgress, true, nil
		case cur == st.inProgress, cur == st.success, cur == st.failed:
			return cur, false, nil // the result overtook the start marker
		}
		return invalid()
	case PhaseSucceeded, PhaseFailed:
		if !isPhase {
			return invalid()
		}
		target := st.success
		if t == PhaseFailed {
			target = st.failed
		}
		switch cur {
		case st.awaiting, st.inProgress:
			return target, true, nil
		case st.success, st.failed:
			return cur, false, nil // a duplicate; the first outcome stands
		}
		return invalid()
	case PipelineCompleted:
		if isSuccess(cur) {
			return events.EssayStatusAllProcessingCompleted, true, nil
		}
		if cur == events.EssayStatusAllProcessingCompleted {
			return cur, false, nil
		}
		return invalid()
	case CriticalFailure:
		return events.EssayStatusEssayCriticalFailure, true, nil
	}
	return invalid()
}

// isSuccess reports whether s is some phase's success state.
func isSuccess(s events.EssayStatus) bool {
	for _, st := range phases {
		if s == st.success {
			return true
		}
	}
	return false
}

// Terminal reports whether s ends phase p for the essay (success or
// failure of p, or a critical failure).
func Terminal(s events.EssayStatus, p events.PhaseName) bool {
	st := phases[p]
	return s == st.success || s == st.failed || s == events.EssayStatusEssayCriticalFailure
}
