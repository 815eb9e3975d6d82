package events

import (
	"bytes"
	"errors"
	"fmt"
	"reflect"
	"strconv"
	"strings"
	"sync"
	"unicode/utf8"

	"github.com/go-json-experiment/json"
	"github.com/go-json-experiment/json/jsontext"
	"github.com/google/uuid"
)

// Violation is one broken constraint: where (a path such as
// data.essay_results[3].letter_grade) and why.
type Violation struct {
	Path   string
	Reason string
}

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
	// KindInvalidValue: a value passed validation but does not fit its Go
	// type, such as a number beyond float64's range.
	KindInvalidValue DecodeKind = "invalid_value"
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

// walker checks raw JSON against a node in one streaming pass, without
// building the Go value: it sees what decoding into a struct hides (a
// missing field, a string where a number belongs) and names the path.
type walker struct {
	dec  jsontext.Decoder
	src  bytes.Buffer
	path []seg
	errs []Violation
	tmp  []byte
	root string

	eventType   string // the envelope's event_type, once seen
	dataSkipped bool   // data came before event_type and was not checked
}

type seg struct {
	name  string
	index int // -1 for a name
}

var walkers = sync.Pool{New: func() any { return new(walker) }}

// check validates b against n. It returns the violations found, or an
// error when b is not well-formed JSON.
func check(n *node, b []byte, root string) ([]Violation, error) {
	viol, _, _, err := checkEnvelope(n, b, root)
	return viol, err
}

// checkEnvelope is check that also reports the event_type it saw and
// whether a kDispatch data value had to be skipped.
func checkEnvelope(n *node, b []byte, root string) (viol []Violation, eventType string, skipped bool, err error) {
	w := walkers.Get().(*walker)
	defer func() {
		w.src = bytes.Buffer{}
		w.dec.Reset(&w.src, decodeOptions)
		w.errs, w.path = nil, w.path[:0]
		w.eventType, w.dataSkipped = "", false
		walkers.Put(w)
	}()
	w.src = *bytes.NewBuffer(b)
	w.dec.Reset(&w.src, decodeOptions)
	w.root = root
	if err := w.value(n); err != nil {
		return nil, "", false, err
	}
	if _, err := w.dec.ReadToken(); err == nil {
		return nil, "", false, errors.New("data after the top-level value")
	}
	return w.errs, w.eventType, w.dataSkipped, nil
}

func (w *walker) pathString(extra string) string {
	var b strings.Builder
	b.WriteString(w.root)
	for _, s := range w.path {
		if s.index >= 0 {
			b.WriteByte('[')
			b.WriteString(strconv.Itoa(s.index))
			b.WriteByte(']')
			continue
		}
		if b.Len() > 0 {
			b.WriteByte('.')
		}
		b.WriteString(s.name)
	}
	if extra != "" {
		if b.Len() > 0 {
			b.WriteByte('.')
		}
		b.WriteString(extra)
	}
	if b.Len() == 0 {
		return "(root)"
	}
	return b.String()
}

func (w *walker) violate(reason string) {
	if len(w.errs) < maxViolations {
		w.errs = append(w.errs, Violation{Path: w.pathString(""), Reason: reason})
	}
}

// mismatch records a wrong JSON type and skips the value.
func (w *walker) mismatch(want string) error {
	w.violate("must be " + want)
	return w.dec.SkipValue()
}

// str returns the unquoted content of a string value; it points into the
// decoder's buffer or w.tmp and is valid until the next read.
func (w *walker) str(raw jsontext.Value) ([]byte, error) {
	s := raw[1 : len(raw)-1]
	if bytes.IndexByte(s, '\\') < 0 {
		return s, nil
	}
	var err error
	w.tmp, err = jsontext.AppendUnquote(w.tmp[:0], raw)
	return w.tmp, err
}

func (w *walker) value(n *node) error {
	k := w.dec.PeekKind()
	if k == 0 {
		_, err := w.dec.ReadValue()
		if err == nil {
			err = errors.New("unexpected end of input")
		}
		return err
	}
	if k == 'n' {
		if n.nullable || n.kind == kAny {
			return w.dec.SkipValue()
		}
		w.violate("must not be null")
		return w.dec.SkipValue()
	}
	switch n.kind {
	case kAny:
		return w.dec.SkipValue()
	case kDispatch:
		dn := dataNodes()[w.eventType]
		if dn == nil {
			w.dataSkipped = true
			return w.dec.SkipValue()
		}
		return w.value(dn)
	case kAnyObject:
		if k != '{' {
			return w.mismatch("an object")
		}
		return w.dec.SkipValue()
	case kString, kEnum, kTime, kUUID:
		if k != '"' {
			return w.mismatch("a string")
		}
		raw, err := w.dec.ReadValue()
		if err != nil {
			return err
		}
		s, err := w.str(raw)
		if err != nil {
			return err
		}
		w.checkString(n, s)
		return nil
	case kInteger, kNumber:
		if k != '0' {
			if n.kind == kInteger {
				return w.mismatch("an integer")
			}
			return w.mismatch("a number")
		}
		raw, err := w.dec.ReadValue()
		if err != nil {
			return err
		}
		w.checkNumber(n, raw)
		return nil
	case kBool:
		if k != 't' && k != 'f' {
			return w.mismatch("a boolean")
		}
		return w.dec.SkipValue()
	case kArray:
		if k != '[' {
			return w.mismatch("an array")
		}
		if _, err := w.dec.ReadToken(); err != nil {
			return err
		}
		w.path = append(w.path, seg{index: 0})
		for i := 0; w.dec.PeekKind() != ']'; i++ {
			w.path[len(w.path)-1].index = i
			if err := w.value(n.elem); err != nil {
				return err
			}
		}
		w.path = w.path[:len(w.path)-1]
		_, err := w.dec.ReadToken()
		return err
	case kMap:
		if k != '{' {
			return w.mismatch("an object")
		}
		if _, err := w.dec.ReadToken(); err != nil {
			return err
		}
		for w.dec.PeekKind() != '}' {
			raw, err := w.dec.ReadValue()
			if err != nil {
				return err
			}
			name, err := w.str(raw)
			if err != nil {
				return err
			}
			key := string(name)
			w.path = append(w.path, seg{name: key, index: -1})
			if n.keyEnum != nil {
				if _, ok := n.keyEnum.set[key]; !ok {
					w.violate("key is not a valid " + n.keyEnum.name)
				}
			}
			if err := w.value(n.elem); err != nil {
				return err
			}
			w.path = w.path[:len(w.path)-1]
		}
		_, err := w.dec.ReadToken()
		return err
	case kStruct:
		if k != '{' {
			return w.mismatch("an object")
		}
		return w.object(n)
	}
	return fmt.Errorf("events: node kind %d", n.kind)
}

func (w *walker) object(n *node) error {
	if _, err := w.dec.ReadToken(); err != nil {
		return err
	}
	var seen uint64
	for w.dec.PeekKind() != '}' {
		raw, err := w.dec.ReadValue()
		if err != nil {
			return err
		}
		name, err := w.str(raw)
		if err != nil {
			return err
		}
		i, ok := n.byName[string(name)]
		if !ok {
			// Unknown members are ignored, as the original does.
			if err := w.dec.SkipValue(); err != nil {
				return err
			}
			continue
		}
		seen |= 1 << i
		p := &n.props[i]
		w.path = append(w.path, seg{name: p.name, index: -1})
		if err := w.value(p.node); err != nil {
			return err
		}
		w.path = w.path[:len(w.path)-1]
	}
	if missing := n.required &^ seen; missing != 0 {
		for i := range n.props {
			if missing&(1<<i) != 0 && len(w.errs) < maxViolations {
				w.errs = append(w.errs, Violation{Path: w.pathString(n.props[i].name), Reason: "required field is missing"})
			}
		}
	}
	_, err := w.dec.ReadToken()
	return err
}

func (w *walker) checkString(n *node, s []byte) {
	if n.captureType {
		w.eventType = string(s)
	}
	switch n.kind {
	case kEnum:
		if _, ok := n.enum.set[string(s)]; !ok {
			w.violate(fmt.Sprintf("%q is not a valid %s", s, n.enum.name))
		}
		return
	case kTime:
		if _, err := parseTime(string(s)); err != nil {
			w.violate(fmt.Sprintf("%q is not a date-time", s))
		}
		return
	case kUUID:
		if _, err := uuid.ParseBytes(s); err != nil {
			w.violate(fmt.Sprintf("%q is not a UUID", s))
		}
		return
	}
	if n.minLen >= 0 || n.maxLen >= 0 {
		l := utf8.RuneCount(s)
		if n.minLen >= 0 && l < n.minLen {
			w.violate(fmt.Sprintf("length %d is below the minimum %d", l, n.minLen))
		}
		if n.maxLen >= 0 && l > n.maxLen {
			w.violate(fmt.Sprintf("length %d exceeds the maximum %d", l, n.maxLen))
		}
	}
	if n.pattern != nil && !n.pattern.match(string(s)) {
		w.violate(fmt.Sprintf("%q does not match %s", s, n.pattern.expr))
	}
}

func (w *walker) checkNumber(n *node, raw []byte) {
	if n.kind == kInteger {
		if bytes.ContainsAny(raw, ".eE") {
			w.violate(fmt.Sprintf("%s is not an integer", raw))
			return
		}
		v, err := strconv.ParseInt(string(raw), 10, 64)
		if err != nil {
			w.violate(fmt.Sprintf("%s is out of the integer range", raw))
			return
		}
		w.bounds(n, float64(v), raw)
		return
	}
	if n.min == nil && n.max == nil && n.exclMin == nil {
		return
	}
	v, err := strconv.ParseFloat(string(raw), 64)
	if err != nil {
		w.violate(fmt.Sprintf("%s is out of range", raw))
		return
	}
	w.bounds(n, v, raw)
}

func (w *walker) bounds(n *node, v float64, raw []byte) {
	if n.min != nil && v < *n.min {
		w.violate(fmt.Sprintf("%s is below the minimum %g", raw, *n.min))
	}
	if n.max != nil && v > *n.max {
		w.violate(fmt.Sprintf("%s exceeds the maximum %g", raw, *n.max))
	}
	if n.exclMin != nil && v <= *n.exclMin {
		w.violate(fmt.Sprintf("%s must be greater than %g", raw, *n.exclMin))
	}
}

// marshalOptions are the options every hule encoder uses: map keys sorted,
// so the same value always encodes to the same bytes.
var marshalOptions = json.Deterministic(true)

// Marshal encodes v (an envelope or event data) in the wire format: field
// order as declared, null fields present, empty lists as [] and empty
// objects as {}. Use it rather than encoding/json, which writes nil slices
// as null.
func Marshal(v any) ([]byte, error) {
	return json.Marshal(v, marshalOptions)
}

// validateValue checks a Go event value by encoding it and walking the
// bytes, so values and wire data are held to the very same rules.
func validateValue(v any) error {
	b, err := Marshal(v)
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

// decodeOptions let duplicate member names through (the last one wins, as
// in the original) instead of paying for duplicate detection on every object.
var decodeOptions = jsontext.AllowDuplicateNames(true)
