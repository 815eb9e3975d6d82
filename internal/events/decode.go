package events

import (
	"fmt"
	"reflect"
	"sync"

	"github.com/go-json-experiment/json"
)

// MaxEventSize is the largest envelope hule decodes (1 MiB). Larger rich
// payloads belong in the content store, travelling as a storage reference.
const MaxEventSize = 1 << 20

var (
	rawNode      = nodeOf(reflect.TypeFor[Envelope[RawValue]]())
	envelopeNode = nodeOf(reflect.TypeFor[Envelope[dispatchData]]())
)

// dataNodes maps each topic with a Go type to the contract of its data.
var dataNodes = sync.OnceValue(func() map[string]*node {
	m := make(map[string]*node, len(eventTypes))
	for topic, f := range eventTypes {
		m[topic] = nodeOf(reflect.TypeOf(f()).Elem())
	}
	return m
})

func tooLarge(n int) error {
	return &DecodeError{Kind: KindTooLarge, Err: fmt.Errorf("%d bytes exceed %d", n, MaxEventSize)}
}

// DecodeRaw is the first phase of decoding: it checks the envelope (size,
// JSON syntax, required fields and their types) and returns it with data
// still undecoded. Errors are *DecodeError or *ValidationError, both
// permanent.
func DecodeRaw(b []byte) (Raw, error) {
	var raw Raw
	if len(b) > MaxEventSize {
		return raw, tooLarge(len(b))
	}
	viol, eventType, _, err := checkEnvelope(rawNode, b, "")
	if err != nil {
		return raw, &DecodeError{Kind: KindSyntax, Err: err}
	}
	if len(viol) > 0 {
		return raw, &ValidationError{EventType: eventType, Violations: viol}
	}
	if err := json.Unmarshal(b, &raw, decodeOptions); err != nil {
		return raw, &DecodeError{Kind: KindInvalidValue, Err: err}
	}
	return raw, nil
}

// Decode decodes and validates a whole envelope: the envelope, then its
// data as the Go type registered for its event_type. The returned Data is a
// pointer to that type, such as *CJAssessmentCompletedV1. Errors are
// *DecodeError or *ValidationError, both permanent.
func Decode(b []byte) (Envelope[Event], error) {
	if len(b) > MaxEventSize {
		return Envelope[Event]{}, tooLarge(len(b))
	}
	// One pass checks envelope and data (event_type precedes data on the
	// wire), one pass decodes both.
	viol, eventType, skipped, err := checkEnvelope(envelopeNode, b, "")
	if err != nil {
		return Envelope[Event]{}, &DecodeError{Kind: KindSyntax, Err: err}
	}
	if len(viol) > 0 {
		return Envelope[Event]{}, &ValidationError{EventType: eventType, Violations: viol}
	}
	newData, ok := eventTypes[eventType]
	if !ok {
		return Envelope[Event]{}, &DecodeError{Kind: KindUnknownEventType, EventType: eventType}
	}
	if skipped { // data before event_type: check it on its own
		raw, err := DecodeRaw(b)
		if err != nil {
			return Envelope[Event]{}, err
		}
		data := newData()
		if err := decodeData(eventType, raw.Data, data); err != nil {
			return Envelope[Event]{}, err
		}
		return withData(raw, data), nil
	}
	env := Envelope[Event]{Data: newData()}
	if err := json.Unmarshal(b, &env, decodeOptions); err != nil {
		return Envelope[Event]{}, &DecodeError{Kind: KindInvalidValue, EventType: eventType, Err: err}
	}
	return env, nil
}

// withData returns the envelope of raw around data.
func withData(e Raw, data Event) Envelope[Event] {
	return Envelope[Event]{
		EventID:        e.EventID,
		EventType:      e.EventType,
		EventTimestamp: e.EventTimestamp,
		SourceService:  e.SourceService,
		SchemaVersion:  e.SchemaVersion,
		CorrelationID:  e.CorrelationID,
		DataSchemaURI:  e.DataSchemaURI,
		Data:           data,
		Metadata:       e.Metadata,
	}
}

// DecodeData is the second phase of decoding: it validates raw's data and
// decodes it into T, which must be the type registered for raw.EventType.
func DecodeData[T any, P interface {
	*T
	Event
}](raw Raw) (T, error) {
	var v T
	p := P(&v)
	if p.Topic() != raw.EventType {
		return v, &DecodeError{Kind: KindTypeMismatch, EventType: raw.EventType,
			Err: fmt.Errorf("%T is the data of %s", v, p.Topic())}
	}
	if d, ok := any(p).(interface{ SetDefaults() }); ok {
		d.SetDefaults()
	}
	err := decodeData(raw.EventType, raw.Data, p)
	return v, err
}

// decodeData validates b against the contract of dst's type and decodes it.
func decodeData(eventType string, b []byte, dst Event) error {
	viol, err := check(nodeOf(reflect.TypeOf(dst).Elem()), b, "data")
	if err != nil {
		return &DecodeError{Kind: KindSyntax, EventType: eventType, Err: err}
	}
	if len(viol) > 0 {
		return &ValidationError{EventType: eventType, Violations: viol}
	}
	if err := json.Unmarshal(b, dst, decodeOptions); err != nil {
		return &DecodeError{Kind: KindInvalidValue, EventType: eventType, Err: err}
	}
	return nil
}
