package events

import (
	"fmt"
	"reflect"
	"unsafe"
)

// MaxEventSize is the largest envelope hule decodes (1 MiB). Larger rich
// payloads belong in the content store, traveling as a storage reference.
const MaxEventSize = 1 << 20

var (
	rawNode      = nodeOf(reflect.TypeFor[Raw]())
	envelopeNode = nodeOf(reflect.TypeFor[Envelope[Event]]())
)

func tooLarge(n int) error {
	return &DecodeError{Kind: KindTooLarge, Err: fmt.Errorf("%d bytes exceed %d", n, MaxEventSize)}
}

// DecodeRaw is the first phase of decoding: it checks the envelope (size,
// JSON syntax, required fields and their types) and returns it with data
// still undecoded. Errors are *DecodeError or *ValidationError, both
// permanent. Like Decode, the result may share memory with b.
func DecodeRaw(b []byte) (Raw, error) {
	if len(b) > MaxEventSize {
		return Raw{}, tooLarge(len(b))
	}
	c := getCodec(b, "")
	defer putCodec(c)
	// The envelope is filled in the pooled codec, so it need not escape
	// to the heap, and copied out.
	err := c.run(rawNode, unsafe.Pointer(&c.raw)) //nolint:gosec // G103: a Raw, rawNode's type
	raw := c.raw
	c.raw = Raw{}
	if err != nil {
		return Raw{}, &DecodeError{Kind: KindSyntax, Err: err}
	}
	if len(c.errs) > 0 {
		return Raw{}, &ValidationError{EventType: c.eventType, Violations: c.errs}
	}
	return raw, nil
}

// Decode decodes and validates a whole envelope in one pass: the envelope,
// and its data as the Go type registered for its event_type. The returned
// Data is a pointer to that type, such as *CJAssessmentCompletedV1. Errors
// are *DecodeError or *ValidationError, both permanent.
//
// Members kept as JSON bytes (Object, RawValue, Raw.Data) share memory
// with b rather than copying it, so b must not be modified while the event
// is in use. Bus payloads and request bodies never are; strings are always
// copies.
func Decode(b []byte) (Envelope[Event], error) {
	if len(b) > MaxEventSize {
		return Envelope[Event]{}, tooLarge(len(b))
	}
	c := getCodec(b, "")
	defer putCodec(c)
	err := c.run(envelopeNode, unsafe.Pointer(&c.env)) //nolint:gosec // G103: an Envelope[Event], envelopeNode's type
	env := c.env
	c.env = Envelope[Event]{}
	if err != nil {
		return Envelope[Event]{}, &DecodeError{Kind: KindSyntax, Err: err}
	}
	if len(c.errs) > 0 {
		return Envelope[Event]{}, &ValidationError{EventType: c.eventType, Violations: c.errs}
	}
	dt := c.data
	if dt == nil {
		return Envelope[Event]{}, &DecodeError{Kind: KindUnknownEventType, EventType: c.eventType}
	}
	if c.dataSkipped { // data came before event_type: decode it now
		data := dt.new()
		if err := decodeData(c.eventType, c.skippedData, data); err != nil {
			return Envelope[Event]{}, err
		}
		env.Data = data
	}
	return env, nil
}

// DecodeData is the second phase of decoding: it validates raw's data and
// decodes it into T, which must be the type registered for raw.EventType.
// The result may share memory with raw.Data (see Decode).
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
	return decodeInto(eventType, "data", b, reflect.ValueOf(dst))
}

// decodeInto validates b against the contract of the type pv points to and
// decodes it there; root starts the paths of violations.
func decodeInto(eventType, root string, b []byte, pv reflect.Value) error {
	c := getCodec(b, root)
	defer putCodec(c)
	if err := c.run(nodeOf(pv.Type().Elem()), pv.UnsafePointer()); err != nil {
		return &DecodeError{Kind: KindSyntax, EventType: eventType, Err: err}
	}
	if len(c.errs) > 0 {
		return &ValidationError{EventType: eventType, Violations: c.errs}
	}
	return nil
}
