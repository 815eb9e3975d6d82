package lifecycle

import (
	"errors"
	"testing"

	"github.com/hule-dev/hule/internal/events"
)

func TestNext(t *testing.T) {
	const (
		sp = events.PhaseNameSpellcheck
		cj = events.PhaseNameCJAssessment
	)
	tests := []struct {
		name        string
		cur         events.EssayStatus
		trig        Trigger
		phase       events.PhaseName
		want        events.EssayStatus
		wantChanged bool
		wantErr     bool
	}{
		{"content assigned", events.EssayStatusUploaded, ContentAssigned, "", events.EssayStatusReadyForProcessing, true, false},
		{"content assigned twice", events.EssayStatusReadyForProcessing, ContentAssigned, "", events.EssayStatusReadyForProcessing, false, false},
		{"content after processing", events.EssayStatusSpellcheckedSuccess, ContentAssigned, "", events.EssayStatusSpellcheckedSuccess, false, true},
		{"request spellcheck", events.EssayStatusReadyForProcessing, PhaseRequested, sp, events.EssayStatusAwaitingSpellcheck, true, false},
		{"request before content", events.EssayStatusUploaded, PhaseRequested, sp, events.EssayStatusUploaded, false, true},
		{"request unknown phase", events.EssayStatusReadyForProcessing, PhaseRequested, "student_matching", events.EssayStatusReadyForProcessing, false, true},
		{"start", events.EssayStatusAwaitingSpellcheck, PhaseStarted, sp, events.EssayStatusSpellcheckingInProgress, true, false},
		{"succeed", events.EssayStatusSpellcheckingInProgress, PhaseSucceeded, sp, events.EssayStatusSpellcheckedSuccess, true, false},
		{"result overtakes start", events.EssayStatusAwaitingSpellcheck, PhaseSucceeded, sp, events.EssayStatusSpellcheckedSuccess, true, false},
		{"start after result", events.EssayStatusSpellcheckedSuccess, PhaseStarted, sp, events.EssayStatusSpellcheckedSuccess, false, false},
		{"duplicate success", events.EssayStatusSpellcheckedSuccess, PhaseSucceeded, sp, events.EssayStatusSpellcheckedSuccess, false, false},
		{"failure after success keeps success", events.EssayStatusSpellcheckedSuccess, PhaseFailed, sp, events.EssayStatusSpellcheckedSuccess, false, false},
		{"result of another phase", events.EssayStatusAwaitingSpellcheck, PhaseSucceeded, cj, events.EssayStatusAwaitingSpellcheck, false, true},
		{"next phase from success", events.EssayStatusSpellcheckedSuccess, PhaseRequested, cj, events.EssayStatusAwaitingCJAssessment, true, false},
		{"retry a failed phase", events.EssayStatusSpellcheckFailed, PhaseRequested, sp, events.EssayStatusAwaitingSpellcheck, true, false},
		{"next phase from failure", events.EssayStatusSpellcheckFailed, PhaseRequested, cj, events.EssayStatusSpellcheckFailed, false, true},
		{"cj failed", events.EssayStatusCJAssessmentProcessingInProgress, PhaseFailed, cj, events.EssayStatusCJAssessmentFailed, true, false},
		{"pipeline complete", events.EssayStatusCJAssessmentSuccess, PipelineCompleted, "", events.EssayStatusAllProcessingCompleted, true, false},
		{"another pipeline later", events.EssayStatusAllProcessingCompleted, PhaseRequested, cj, events.EssayStatusAwaitingCJAssessment, true, false},
		{"critical", events.EssayStatusAwaitingNLP, CriticalFailure, "", events.EssayStatusEssayCriticalFailure, true, false},
		{"nothing after critical", events.EssayStatusEssayCriticalFailure, PhaseRequested, sp, events.EssayStatusEssayCriticalFailure, false, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, changed, err := Next(tt.cur, tt.trig, tt.phase)
			if (err != nil) != tt.wantErr || (err != nil && !errors.Is(err, ErrInvalidTransition)) {
				t.Fatalf("err = %v, want error %v", err, tt.wantErr)
			}
			if got != tt.want || changed != tt.wantChanged {
				t.Errorf("got %s changed=%v, want %s changed=%v", got, changed, tt.want, tt.wantChanged)
			}
		})
	}
}

func TestTerminal(t *testing.T) {
	for s, want := range map[events.EssayStatus]bool{
		events.EssayStatusSpellcheckedSuccess:     true,
		events.EssayStatusSpellcheckFailed:        true,
		events.EssayStatusEssayCriticalFailure:    true,
		events.EssayStatusSpellcheckingInProgress: false,
		events.EssayStatusNLPSuccess:              false,
	} {
		if got := Terminal(s, events.PhaseNameSpellcheck); got != want {
			t.Errorf("Terminal(%s) = %v, want %v", s, got, want)
		}
	}
}
