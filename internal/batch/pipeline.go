package batch

import (
	"fmt"
	"slices"

	"github.com/hule-dev/hule/internal/events"
)

// Phase dependencies, as data: a phase runs only on the essays that came
// through every phase it depends on. Adding a phase is adding a row here.
var phaseDeps = map[events.PhaseName][]events.PhaseName{
	events.PhaseNameSpellcheck:   nil,
	events.PhaseNameNLP:          {events.PhaseNameSpellcheck},
	events.PhaseNameCJAssessment: {events.PhaseNameSpellcheck},
}

// phaseOrder breaks ties between phases whose dependencies are all met,
// so that a resolved pipeline is the same every time.
var phaseOrder = []events.PhaseName{
	events.PhaseNameSpellcheck,
	events.PhaseNameNLP,
	events.PhaseNameCJAssessment,
}

// Pipelines maps a requestable pipeline name to its final phases.
var Pipelines = map[string][]events.PhaseName{
	"spellcheck":    {events.PhaseNameSpellcheck},
	"nlp":           {events.PhaseNameNLP},
	"cj_assessment": {events.PhaseNameCJAssessment},
	"comprehensive": {events.PhaseNameNLP, events.PhaseNameCJAssessment},
}

// ResolveError says why a pipeline could not be resolved; Code is a
// BatchConductorErrorCode value.
type ResolveError struct {
	Code    events.BatchConductorErrorCode
	Message string
}

func (e *ResolveError) Error() string { return string(e.Code) + ": " + e.Message }

// Permanent marks the error as one that no retry will heal.
func (e *ResolveError) Permanent() bool { return true }

// Resolve turns a requested pipeline into the ordered phases to run, given
// the phases the batch already completed: those are returned apart as
// skipped, in the order they would have run.
func Resolve(pipeline string, completed []events.PhaseName) (run, skipped []events.PhaseName, err error) {
	finals, ok := Pipelines[pipeline]
	if !ok {
		return nil, nil, &ResolveError{events.BatchConductorErrorCodePipelineDependencyResolutionFailed,
			fmt.Sprintf("unknown pipeline %q (known: spellcheck, nlp, cj_assessment, comprehensive)", pipeline)}
	}
	order, err := topoOrder(finals, phaseDeps)
	if err != nil {
		return nil, nil, err
	}
	for _, p := range order {
		if slices.Contains(completed, p) {
			skipped = append(skipped, p)
		} else {
			run = append(run, p)
		}
	}
	return run, skipped, nil
}

// topoOrder returns finals and everything they depend on, dependencies
// first, ties broken by phaseOrder; a cycle in deps is an error.
func topoOrder(finals []events.PhaseName, deps map[events.PhaseName][]events.PhaseName) ([]events.PhaseName, error) {
	const (
		unseen = iota
		visiting
		done
	)
	state := map[events.PhaseName]int{}
	var out []events.PhaseName
	var visit func(p events.PhaseName, path []events.PhaseName) error
	visit = func(p events.PhaseName, path []events.PhaseName) error {
		switch state[p] {
		case done:
			return nil
		case visiting:
			return &ResolveError{events.BatchConductorErrorCodePipelineDependencyCycleDetected,
				fmt.Sprintf("phase dependencies form a cycle: %v", append(path, p))}
		}
		d, known := deps[p]
		if !known {
			return &ResolveError{events.BatchConductorErrorCodePipelineDependencyResolutionFailed,
				fmt.Sprintf("no phase %q", p)}
		}
		state[p] = visiting
		for _, q := range sortByOrder(d) {
			if err := visit(q, append(path, p)); err != nil {
				return err
			}
		}
		state[p] = done
		out = append(out, p)
		return nil
	}
	for _, p := range sortByOrder(finals) {
		if err := visit(p, nil); err != nil {
			return nil, err
		}
	}
	return out, nil
}

func sortByOrder(ps []events.PhaseName) []events.PhaseName {
	s := slices.Clone(ps)
	slices.SortStableFunc(s, func(a, b events.PhaseName) int {
		return slices.Index(phaseOrder, a) - slices.Index(phaseOrder, b)
	})
	return s
}
