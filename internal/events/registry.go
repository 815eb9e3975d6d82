package events

import (
	"reflect"
	"slices"

	"github.com/go-json-experiment/json/jsontext"
)

// ProcessingEvent is the original's name of an event kind, such as
// "cj_assessment.completed". Topics are derived from it by the registry,
// never from Go type names.
type ProcessingEvent string

var processingEventEnum = newEnum("ProcessingEvent", eventNames())

func eventNames() []ProcessingEvent {
	out := make([]ProcessingEvent, len(registry))
	for i, e := range registry {
		out[i] = e.Event
	}
	return out
}

// Values lists every ProcessingEvent in registry order.
func (ProcessingEvent) Values() []ProcessingEvent { return processingEventEnum.values() }

// Valid reports whether e is a registered event name.
func (e ProcessingEvent) Valid() bool { return processingEventEnum.valid(e) }

// UnmarshalJSON implements json.Unmarshaler and rejects unknown values.
func (e *ProcessingEvent) UnmarshalJSON(b []byte) error { return processingEventEnum.unmarshal(b, e) }

// UnmarshalJSONFrom is the fast path of UnmarshalJSON for json v2.
func (e *ProcessingEvent) UnmarshalJSONFrom(d *jsontext.Decoder) error {
	return processingEventEnum.unmarshalFrom(d, e)
}

// EventInfo is one registry entry: the event, its constant name in the
// original, its topic ("" for the two events the original maps to none) and
// the Go type of its data ("" when hule has none).
type EventInfo struct {
	Event  ProcessingEvent
	Name   string
	Topic  string
	GoType string
}

var (
	byEvent = map[ProcessingEvent]int{}
	byTopic = map[string]int{}
)

func init() {
	for i := range registry {
		e := &registry[i]
		byEvent[e.Event] = i
		if e.Topic != "" {
			byTopic[e.Topic] = i
			if f, ok := eventTypes[e.Topic]; ok {
				e.GoType = reflect.TypeOf(f()).Elem().Name()
			}
		}
	}
}

// Events returns every registry entry, in the order of the original's
// ProcessingEvent enum.
func Events() []EventInfo { return slices.Clone(registry) }

// TopicOf returns the topic of event e; ok is false for an unknown event
// and for the two events that have no topic.
func TopicOf(e ProcessingEvent) (topic string, ok bool) {
	i, ok := byEvent[e]
	if !ok || registry[i].Topic == "" {
		return "", false
	}
	return registry[i].Topic, true
}

// EventOf returns the event whose topic is topic.
func EventOf(topic string) (ProcessingEvent, bool) {
	i, ok := byTopic[topic]
	if !ok {
		return "", false
	}
	return registry[i].Event, true
}

// NewData returns a new, defaulted value of the Go type carried on topic,
// as a pointer (such as *CJAssessmentCompletedV1); ok is false when the
// topic has no Go type.
func NewData(topic string) (Event, bool) {
	f, ok := eventTypes[topic]
	if !ok {
		return nil, false
	}
	return f(), true
}

// Topics returns the topics that have a Go type, sorted.
func Topics() []string {
	out := make([]string, 0, len(eventTypes))
	for t := range eventTypes {
		out = append(out, t)
	}
	slices.Sort(out)
	return out
}
