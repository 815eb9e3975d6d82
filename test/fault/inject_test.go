package fault

import (
	"errors"
	"testing"

	"github.com/hule-dev/hule/internal/bus"
	"github.com/hule-dev/hule/internal/events"
)

// reasonOf classifies a payload as the bus does on a topic: the envelope
// first (DecodeRaw, then its event type against the topic), then the data
// against the topic's Go type, which is what a handler decodes.
func reasonOf(topic string, payload []byte) string {
	raw, err := events.DecodeRaw(payload)
	if err == nil && raw.EventType != topic {
		return bus.ReasonUnknownType
	}
	if err == nil {
		_, err = events.Decode(payload)
	}
	var de *events.DecodeError
	var ve *events.ValidationError
	switch {
	case err == nil:
		return ""
	case errors.As(err, &ve):
		return bus.ReasonInvalid
	case errors.As(err, &de) && (de.Kind == events.KindUnknownEventType || de.Kind == events.KindTypeMismatch):
		return bus.ReasonUnknownType
	default:
		return bus.ReasonUndecodable
	}
}

// TestBadMessages checks, without any process, that each kind of bad
// message the injector makes is refused by the decoder for the reason the
// bus files it under, on topics of every service.
func TestBadMessages(t *testing.T) {
	topics := []string{events.TopicClientBatchPipelineRequest, events.TopicELSCJAssessmentRequested,
		events.TopicSpellcheckResults, events.TopicBatchEssaysRegistered, events.TopicTeacherNotificationRequested}
	for _, topic := range topics {
		for _, kind := range BadKinds {
			m, err := BadMessage(topic, kind, "batch-1")
			if err != nil {
				t.Fatal(err)
			}
			if got := reasonOf(topic, m.Payload); got != kind.Reason() {
				t.Errorf("%s on %s: refused as %q, want %q", kind, topic, got, kind.Reason())
			}
			if m.Metadata[MetaInjected] != string(kind) || m.Metadata["partition_key"] != "batch-1" {
				t.Errorf("%s on %s: metadata %v", kind, topic, m.Metadata)
			}
		}
		// The example the bad messages start from is valid: only the
		// injected flaw is wrong.
		env, ok := events.Example(topic)
		if !ok {
			t.Fatalf("no example of %s", topic)
		}
		b, err := events.Marshal(&env)
		if err != nil {
			t.Fatal(err)
		}
		if got := reasonOf(topic, b); got != "" {
			t.Errorf("example of %s refused as %q", topic, got)
		}
	}
}

// TestSpread checks the even spread of the LLM server's failures: the
// share asked for, and never two in a row below one half.
func TestSpread(t *testing.T) {
	for _, rate := range []float64{0, 0.1, 0.3, 0.5, 1} {
		n, run, longest := 0, 0, 0
		for i := 1; i <= 1000; i++ {
			if spread(i, rate) {
				n++
				run++
				longest = max(longest, run)
			} else {
				run = 0
			}
		}
		if want := int(rate * 1000); n != want {
			t.Errorf("rate %v: %d of 1000, want %d", rate, n, want)
		}
		if rate < 0.5 && longest > 1 {
			t.Errorf("rate %v: %d in a row", rate, longest)
		}
	}
}
