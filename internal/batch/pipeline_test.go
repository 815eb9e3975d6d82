package batch

import (
	"errors"
	"slices"
	"testing"

	"github.com/hule-dev/hule/internal/events"
)

const (
	sp = events.PhaseNameSpellcheck
	nl = events.PhaseNameNLP
	cj = events.PhaseNameCJAssessment
)

func TestResolve(t *testing.T) {
	tests := []struct {
		name        string
		pipeline    string
		completed   []events.PhaseName
		run, skip   []events.PhaseName
		wantErrCode events.BatchConductorErrorCode
	}{
		{"spellcheck alone", "spellcheck", nil, []events.PhaseName{sp}, nil, ""},
		{"nlp needs spellcheck", "nlp", nil, []events.PhaseName{sp, nl}, nil, ""},
		{"cj needs spellcheck", "cj_assessment", nil, []events.PhaseName{sp, cj}, nil, ""},
		{"comprehensive", "comprehensive", nil, []events.PhaseName{sp, nl, cj}, nil, ""},
		{"done phases skipped", "cj_assessment", []events.PhaseName{sp, nl}, []events.PhaseName{cj}, []events.PhaseName{sp}, ""},
		{"everything done", "nlp", []events.PhaseName{sp, nl}, nil, []events.PhaseName{sp, nl}, ""},
		{"unknown pipeline", "grammar", nil, nil, nil, events.BatchConductorErrorCodePipelineDependencyResolutionFailed},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			run, skip, err := Resolve(tt.pipeline, tt.completed)
			if tt.wantErrCode != "" {
				var re *ResolveError
				if !errors.As(err, &re) || re.Code != tt.wantErrCode {
					t.Fatalf("got %v, want %s", err, tt.wantErrCode)
				}
				return
			}
			if err != nil || !slices.Equal(run, tt.run) || !slices.Equal(skip, tt.skip) {
				t.Errorf("got run %v skip %v err %v; want run %v skip %v", run, skip, err, tt.run, tt.skip)
			}
		})
	}
}

func TestTopoOrderRejectsCycles(t *testing.T) {
	deps := map[events.PhaseName][]events.PhaseName{sp: {cj}, cj: {sp}}
	_, err := topoOrder([]events.PhaseName{cj}, deps)
	var re *ResolveError
	if !errors.As(err, &re) || re.Code != events.BatchConductorErrorCodePipelineDependencyCycleDetected {
		t.Errorf("got %v, want a cycle error", err)
	}
	_, err = topoOrder([]events.PhaseName{"student_matching"}, deps)
	if !errors.As(err, &re) || re.Code != events.BatchConductorErrorCodePipelineDependencyResolutionFailed {
		t.Errorf("got %v, want an unknown-phase error", err)
	}
}
