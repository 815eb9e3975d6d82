package bustest_test

import (
	"context"
	"errors"
	"testing"

	"github.com/hule-dev/hule/internal/bus"
	"github.com/hule-dev/hule/internal/bus/bustest"
	"github.com/hule-dev/hule/internal/events"
)

func example(t *testing.T, topic string) bus.Outgoing {
	t.Helper()
	env, ok := events.Example(topic)
	if !ok {
		t.Fatalf("no example for %s", topic)
	}
	return bus.Event(env)
}

func TestRecorder(t *testing.T) {
	ctx := context.Background()
	var r bustest.Recorder
	thin := example(t, events.TopicCJAssessmentCompleted)
	rich := example(t, events.TopicAssessmentResultPublished)
	if err := r.PublishCompletion(ctx, nil, thin, rich); err != nil {
		t.Fatal(err)
	}
	if err := r.PublishFailure(ctx, nil, example(t, events.TopicCJAssessmentFailed)); err != nil {
		t.Fatal(err)
	}
	all := r.All()
	if len(all) != 3 || all[0].Kind != bustest.KindCompletion || all[2].Kind != bustest.KindFailure {
		t.Fatalf("recorded %+v", all)
	}
	got := bustest.Data[events.AssessmentResultV1](t, &r, events.TopicAssessmentResultPublished)
	if len(got) != 1 || len(got[0].EssayResults) == 0 {
		t.Errorf("decoded rich data %+v", got)
	}
	if _, err := all[0].Decode(); err != nil {
		t.Errorf("decode thin: %v", err)
	}
	r.Err = errors.New("broker down")
	if err := r.Publish(ctx, nil, thin); !errors.Is(err, r.Err) {
		t.Errorf("Publish with Err set: %v", err)
	}
	r.Reset()
	if len(r.All()) != 0 {
		t.Error("Reset kept events")
	}
}
