package events

import (
	"bytes"
	"errors"
	"fmt"
	"reflect"

	"github.com/go-json-experiment/json"
	"github.com/go-json-experiment/json/jsontext"
	"github.com/google/uuid"
)

// Struct tags in this package: `json` gives the wire name, `hule` the
// constraints of the original schema (required, minLength=, maxLength=,
// minimum=, maximum=, exclusiveMinimum=, pattern=<name>, nullable for a
// non-pointer that may be null, eventType for the envelope field that
// selects the data's type). Pointer fields may be null; enum types are
// recognized by name. The same tags drive validation, decoding, encoding
// and the JSON Schemas printed by `hule events schema`, so they cannot
// drift apart. An embedded base struct may carry `hule:"required=a+b"` to
// make some of its fields required in one event.

// BaseEventData is the common head of the original's event models: which
// event this is, the entity it is about, and when it happened.
type BaseEventData struct {
	EventName  ProcessingEvent `json:"event_name"`
	EntityID   *string         `json:"entity_id"`
	EntityType *string         `json:"entity_type"`
	ParentID   *string         `json:"parent_id"`
	Timestamp  Time            `json:"timestamp"`
}

// ProcessingUpdate is the base of thin events: BaseEventData plus the new
// status of the entity and the processing metadata orchestrators act on.
type ProcessingUpdate struct {
	BaseEventData
	Status         UpdateStatus             `json:"status" hule:"required"`
	SystemMetadata SystemProcessingMetadata `json:"system_metadata" hule:"required"`
}

// SystemProcessingMetadata records where an entity is in processing and,
// on failure, what went wrong (ErrorInfo).
type SystemProcessingMetadata struct {
	EntityID        string           `json:"entity_id" hule:"required"`
	EntityType      string           `json:"entity_type" hule:"required"`
	ParentID        *string          `json:"parent_id"`
	Timestamp       Time             `json:"timestamp"`
	ProcessingStage *ProcessingStage `json:"processing_stage"`
	StartedAt       *Time            `json:"started_at"`
	CompletedAt     *Time            `json:"completed_at"`
	Event           *string          `json:"event"`
	ErrorInfo       Object           `json:"error_info"`
}

// StorageReferenceMetadata points at stored content: content type ->
// {"storage_id": ..., "path": ...}-style string maps.
type StorageReferenceMetadata struct {
	References map[ContentType]map[string]string `json:"references"`
}

// EssayProcessingInputRefV1 names one essay and the stored text a phase
// should work on (the corrected text after spellcheck).
type EssayProcessingInputRefV1 struct {
	EssayID           string   `json:"essay_id" hule:"required"`
	TextStorageID     string   `json:"text_storage_id" hule:"required"`
	SpellcheckMetrics RawValue `json:"spellcheck_metrics"`
}

// ErrorDetail is the original's structured error: a code from ErrorCode or
// one of the service error code enums, a message and where it happened.
type ErrorDetail struct {
	ErrorCode     AnyErrorCode `json:"error_code" hule:"required"`
	Message       string       `json:"message" hule:"required"`
	CorrelationID uuid.UUID    `json:"correlation_id" hule:"required"`
	Timestamp     Time         `json:"timestamp" hule:"required"`
	Service       string       `json:"service" hule:"required"`
	Operation     string       `json:"operation" hule:"required"`
	Details       Object       `json:"details"`
	StackTrace    *string      `json:"stack_trace"`
	TraceID       *string      `json:"trace_id"`
	SpanID        *string      `json:"span_id"`
}

// UpdateStatus is the status of a ProcessingUpdate: an EssayStatus or a
// BatchStatus value, exactly as the original allows.
type UpdateStatus string

var updateStatusEnum = newUnion[UpdateStatus]("UpdateStatus", essayStatusEnum.info(), batchStatusEnum.info())

// Valid reports whether s is an EssayStatus or a BatchStatus value.
func (s UpdateStatus) Valid() bool { return updateStatusEnum.valid(s) }

// UnmarshalJSON implements json.Unmarshaler and rejects unknown values.
func (s *UpdateStatus) UnmarshalJSON(b []byte) error { return updateStatusEnum.unmarshal(b, s) }

// UnmarshalJSONFrom is the fast path of UnmarshalJSON for json v2.
func (s *UpdateStatus) UnmarshalJSONFrom(d *jsontext.Decoder) error {
	return updateStatusEnum.unmarshalFrom(d, s)
}

// AnyErrorCode is the code of an ErrorDetail: a value of ErrorCode or of any
// service error code enum.
type AnyErrorCode string

var anyErrorCodeEnum = newUnion[AnyErrorCode]("AnyErrorCode",
	errorCodeEnum.info(), batchConductorErrorCodeEnum.info(), cJAssessmentErrorCodeEnum.info(),
	classManagementErrorCodeEnum.info(), fileValidationErrorCodeEnum.info(), identityErrorCodeEnum.info(),
	lLMErrorCodeEnum.info(), spellcheckerErrorCodeEnum.info())

// Valid reports whether c belongs to ErrorCode or a service error code enum.
func (c AnyErrorCode) Valid() bool { return anyErrorCodeEnum.valid(c) }

// UnmarshalJSON implements json.Unmarshaler and rejects unknown values.
func (c *AnyErrorCode) UnmarshalJSON(b []byte) error { return anyErrorCodeEnum.unmarshal(b, c) }

// UnmarshalJSONFrom is the fast path of UnmarshalJSON for json v2.
func (c *AnyErrorCode) UnmarshalJSONFrom(d *jsontext.Decoder) error {
	return anyErrorCodeEnum.unmarshalFrom(d, c)
}

// Object is a free-form JSON object (the original's dict[str, Any]). It
// keeps the exact bytes it was decoded from, so key order and number forms
// survive a round trip; the zero Object encodes as {}.
type Object []byte

// NewObject encodes v (a map or struct) as an Object.
func NewObject(v any) (Object, error) {
	b, err := json.Marshal(v, marshalOptions)
	if err != nil {
		return nil, fmt.Errorf("encode object: %w", err)
	}
	if jsontext.Value(b).Kind() != '{' {
		return nil, fmt.Errorf("encode object: %T is not a JSON object", v)
	}
	return Object(b), nil
}

// MustObject is NewObject for values known to encode, such as literals in
// examples and tests. It panics on error.
func MustObject(v any) Object {
	o, err := NewObject(v)
	if err != nil {
		panic(err)
	}
	return o
}

// Decode decodes the object into v. The shapes hule defines for free-form
// objects, such as *CJProcessingSummary, are filled by the contract codec,
// several times faster than the json library on a summary's long id lists;
// what the codec refuses as a value of the shape (a null count, a null in
// a list) is given to the json library, which is more lenient, so that a
// producer's free-form object is refused only when neither takes it.
// Anything else goes to the json library, which knows Unmarshalers, time
// strings and the like.
func (o Object) Decode(v any) error {
	b := []byte(o)
	if len(b) == 0 {
		b = []byte("{}")
	}
	if _, ok := v.(codecObject); ok {
		pv := reflect.ValueOf(v)
		err := decodeInto("", "", b, pv)
		var verr *ValidationError
		if !errors.As(err, &verr) {
			return err
		}
		pv.Elem().SetZero()
		if json.Unmarshal(b, v) != nil {
			return err // the codec's error names the field
		}
		return nil
	}
	return json.Unmarshal(b, v)
}

// codecObject marks the pointer types Object.Decode fills through the
// codec first: structs of plain fields (numbers, strings, lists of them).
type codecObject interface{ codecObject() }

// MarshalJSON implements json.Marshaler.
func (o Object) MarshalJSON() ([]byte, error) {
	if len(o) == 0 {
		return []byte("{}"), nil
	}
	return o, nil
}

// MarshalJSONTo is the fast path of MarshalJSON for json v2.
func (o Object) MarshalJSONTo(e *jsontext.Encoder) error {
	if len(o) == 0 {
		return e.WriteValue(jsontext.Value("{}"))
	}
	return e.WriteValue(jsontext.Value(o))
}

// UnmarshalJSON implements json.Unmarshaler; it accepts only an object.
func (o *Object) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	if len(b) == 0 || b[0] != '{' {
		return fmt.Errorf("want a JSON object, got %.20s", b)
	}
	*o = bytes.Clone(b)
	return nil
}

// UnmarshalJSONFrom is the fast path of UnmarshalJSON for json v2.
func (o *Object) UnmarshalJSONFrom(d *jsontext.Decoder) error {
	v, err := d.ReadValue()
	if err != nil {
		return err
	}
	if v.Kind() != '{' {
		return fmt.Errorf("want a JSON object, got %.20s", v)
	}
	*o = bytes.Clone(v)
	return nil
}

// RawValue is any JSON value, kept as its bytes; nil encodes as null.
type RawValue []byte

// MarshalJSON implements json.Marshaler.
func (r RawValue) MarshalJSON() ([]byte, error) {
	if len(r) == 0 {
		return []byte("null"), nil
	}
	return r, nil
}

// MarshalJSONTo is the fast path of MarshalJSON for json v2.
func (r RawValue) MarshalJSONTo(e *jsontext.Encoder) error {
	if len(r) == 0 {
		return e.WriteToken(jsontext.Null)
	}
	return e.WriteValue(jsontext.Value(r))
}

// UnmarshalJSON implements json.Unmarshaler; null gives a nil RawValue.
func (r *RawValue) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	if string(b) == "null" {
		*r = nil
		return nil
	}
	*r = bytes.Clone(b)
	return nil
}

// UnmarshalJSONFrom is the fast path of UnmarshalJSON for json v2.
func (r *RawValue) UnmarshalJSONFrom(d *jsontext.Decoder) error {
	v, err := d.ReadValue()
	if err != nil {
		return err
	}
	if v.Kind() == 'n' {
		*r = nil
		return nil
	}
	*r = bytes.Clone(v)
	return nil
}
