package events

import (
	"fmt"
	"reflect"
	"strconv"
	"strings"

	"github.com/go-json-experiment/json"
)

// Violation is one broken constraint: where (a path such as
// data.essay_results[3].letter_grade) and why.
type Violation struct {
	Path   string
	Reason string
}

// String formats the violation as "path: reason".
func (v Violation) String() string { return v.Path + ": " + v.Reason }

// maxViolations bounds the report for one event; a hostile payload could
// otherwise produce millions.
const maxViolations = 100

// ValidationError lists every constraint an event breaks. It is permanent:
// the same bytes fail the same way on every retry.
type ValidationError struct {
	EventType  string
	Violations []Violation
}

func (e *ValidationError) Error() string {
	var b strings.Builder
	b.WriteString("invalid event")
	if e.EventType != "" {
		b.WriteString(" " + e.EventType)
	}
	for i, v := range e.Violations {
		if i == 3 {
			fmt.Fprintf(&b, " (and %d more)", len(e.Violations)-3)
			break
		}
		sep := ", "
		if i == 0 {
			sep = ": "
		}
		b.WriteString(sep + v.String())
	}
	return b.String()
}

// Permanent marks the error as not worth retrying (see fault.IsPermanent).
func (e *ValidationError) Permanent() bool { return true }

// DecodeKind says why bytes could not be decoded into an event.
type DecodeKind string

// Kinds of DecodeError.
const (
	// KindTooLarge: the message exceeds MaxEventSize.
	KindTooLarge DecodeKind = "too_large"
	// KindSyntax: the bytes are not one well-formed JSON object.
	KindSyntax DecodeKind = "syntax"
	// KindUnknownEventType: no Go type is registered for the event_type.
	KindUnknownEventType DecodeKind = "unknown_event_type"
	// KindTypeMismatch: DecodeData was asked for a type other than the
	// one the envelope's event_type names.
	KindTypeMismatch DecodeKind = "type_mismatch"
)

// DecodeError reports bytes that cannot become an event at all. It is
// permanent.
type DecodeError struct {
	Kind      DecodeKind
	EventType string
	Err       error
}

func (e *DecodeError) Error() string {
	msg := "decode event: " + string(e.Kind)
	if e.EventType != "" {
		msg += " " + strconv.Quote(e.EventType)
	}
	if e.Err != nil {
		msg += ": " + e.Err.Error()
	}
	return msg
}

func (e *DecodeError) Unwrap() error { return e.Err }

// Permanent marks the error as not worth retrying (see fault.IsPermanent).
func (e *DecodeError) Permanent() bool { return true }

// marshalOptions are the options every hule encoder uses: map keys sorted,
// so the same value always encodes to the same bytes.
var marshalOptions = json.Deterministic(true)

// validateValue checks a Go event value by encoding it and walking the
// bytes, so values and wire data are held to the very same rules.
func validateValue(v any) error {
	buf := getBuffer()
	defer putBuffer(buf)
	b, err := appendAny((*buf)[:0], v)
	*buf = b
	if err != nil {
		return fmt.Errorf("encode %T: %w", v, err)
	}
	t := reflect.TypeOf(v).Elem()
	viol, err := check(nodeOf(t), b, "data")
	if err != nil {
		return fmt.Errorf("encode %T: %w", v, err)
	}
	if len(viol) > 0 {
		topic := ""
		if e, ok := v.(Event); ok {
			topic = e.Topic()
		}
		return &ValidationError{EventType: topic, Violations: viol}
	}
	return nil
}
