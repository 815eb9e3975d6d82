// Package events holds hule's event contracts: the envelope every message
// travels in, the registry of event names and topics, the enums, and one Go
// type per event with its validation. The JSON wire format is the original
// HuleEdu platform's, so a hule service can replace a Python one in place.
package events

import (
	"bytes"
	"encoding/json"
	"time"

	"github.com/go-json-experiment/json/jsontext"
	"github.com/google/uuid"
)

// SchemaVersion is the envelope schema version every hule producer writes.
const SchemaVersion = 1

// Metadata keys carried in Envelope.Metadata.
const (
	// MetaTraceparent holds the W3C trace context of the producing span.
	MetaTraceparent = "traceparent"
	// MetaTracestate holds the W3C tracestate that goes with MetaTraceparent.
	MetaTracestate = "tracestate"
	// MetaUserID names the user on whose behalf the event was produced.
	MetaUserID = "user_id"
	// MetaBatchName and MetaAssignmentID travel on a batch's registration:
	// labels the original contract has no field for, which the results
	// service shows.
	MetaBatchName    = "batch_name"
	MetaAssignmentID = "assignment_id"
)

// Envelope wraps every event on the bus. Field order and names are the
// original's; DataSchemaURI is always present (null when unset), and
// Metadata is an object (never omitted).
//
// The `hule` tags are the constraints DecodeRaw checks. hule requires
// event_id, event_timestamp and correlation_id, which the original fills by
// default and always sends: idempotency and tracing depend on them.
type Envelope[T any] struct {
	EventID        uuid.UUID      `json:"event_id" hule:"required"`
	EventType      string         `json:"event_type" hule:"required,minLength=1,eventType"`
	EventTimestamp Time           `json:"event_timestamp" hule:"required"`
	SourceService  string         `json:"source_service" hule:"required"`
	SchemaVersion  int            `json:"schema_version"`
	CorrelationID  uuid.UUID      `json:"correlation_id" hule:"required"`
	DataSchemaURI  *string        `json:"data_schema_uri"`
	Data           T              `json:"data" hule:"required"`
	Metadata       map[string]any `json:"metadata" hule:"nullable"`
}

// NewEnvelope wraps data for publishing on topic: a fresh event id, the
// current UTC time, schema version 1, and an empty metadata object.
// correlationID ties the event to the request that started the work.
//
// The event id is a UUIDv7, ordered by creation time: consumers index
// event ids (idempotency records, state keyed by event), and ordered ids
// append to those indexes where random ones would dirty a page per insert.
func NewEnvelope[T any](topic, source string, correlationID uuid.UUID, data T) Envelope[T] {
	return Envelope[T]{
		EventID:        uuid.Must(uuid.NewV7()),
		EventType:      topic,
		EventTimestamp: Now(),
		SourceService:  source,
		SchemaVersion:  SchemaVersion,
		CorrelationID:  correlationID,
		Data:           data,
		Metadata:       map[string]any{},
	}
}

// MarshalJSON encodes e in the wire format (see Marshal), so that
// encoding/json writes the same bytes as events.Marshal: empty lists as []
// rather than null, the original's field order.
func (e Envelope[T]) MarshalJSON() ([]byte, error) { return Marshal(&e) }

// MetaString returns the string value of metadata key k, or "".
func (e *Envelope[T]) MetaString(k string) string {
	s, _ := e.Metadata[k].(string)
	return s
}

// SetMeta sets metadata key k, creating the map when needed.
func (e *Envelope[T]) SetMeta(k string, v any) {
	if e.Metadata == nil {
		e.Metadata = map[string]any{}
	}
	e.Metadata[k] = v
}

// Raw is an envelope whose data has not been decoded yet: the first phase of
// two-phase decoding. The bus routes on EventType and hands the bytes of
// Data to the type registered for it.
type Raw = Envelope[json.RawMessage]

// Time is a UTC instant that encodes the way the original platform does:
// ISO 8601 with a trailing Z and microseconds only when they are non-zero
// (Python's datetime.isoformat). It decodes any RFC 3339 time, with or
// without fractional seconds, with Z or a numeric offset.
type Time struct{ time.Time }

// Now returns the current time truncated to microseconds, the precision the
// wire format keeps, so that encode/decode round trips are exact.
func Now() Time { return Time{time.Now().UTC().Truncate(time.Microsecond)} }

// AsTime converts t to a Time in UTC, truncated to microseconds.
func AsTime(t time.Time) Time { return Time{t.UTC().Truncate(time.Microsecond)} }

const (
	layoutSeconds = "2006-01-02T15:04:05Z"
	layoutMicros  = "2006-01-02T15:04:05.000000Z"
)

// MarshalJSON implements json.Marshaler.
func (t Time) MarshalJSON() ([]byte, error) {
	return t.AppendJSON(make([]byte, 0, 30)), nil
}

// AppendJSON appends the quoted wire form of t to b.
func (t Time) AppendJSON(b []byte) []byte {
	secs := t.Unix()
	micros := t.Nanosecond() / 1000
	days := secs / 86400
	if secs%86400 < 0 {
		days--
	}
	if year, month, day := civilDate(days); year >= 0 && year <= 9999 {
		// The layouts below, written two digits at a time: time's layout
		// machinery, and even t.Date, cost more than the rest of a small
		// event.
		rem := int(secs - days*86400)
		var buf [30]byte
		buf[0] = '"'
		put2(buf[1:], year/100)
		put2(buf[3:], year%100)
		buf[5] = '-'
		put2(buf[6:], month)
		buf[8] = '-'
		put2(buf[9:], day)
		buf[11] = 'T'
		put2(buf[12:], rem/3600)
		buf[14] = ':'
		put2(buf[15:], rem/60%60)
		buf[17] = ':'
		put2(buf[18:], rem%60)
		n := 20
		if micros != 0 {
			buf[20] = '.'
			put2(buf[21:], micros/10000)
			put2(buf[23:], micros/100%100)
			put2(buf[25:], micros%100)
			n = 27
		}
		buf[n], buf[n+1] = 'Z', '"'
		return append(b, buf[:n+2]...)
	}
	layout := layoutSeconds
	if micros != 0 {
		layout = layoutMicros
	}
	b = append(b, '"')
	b = t.UTC().AppendFormat(b, layout)
	return append(b, '"')
}

// put2 writes v (0..99) as two digits at b[0:2].
func put2(b []byte, v int) {
	b[0], b[1] = digitPairs[2*v], digitPairs[2*v+1]
}

// civilDate returns the proleptic Gregorian date days after 1970-01-01,
// the inverse of daysSinceEpoch.
func civilDate(days int64) (year, month, day int) {
	z := days + 719468 // days since 0000-03-01
	era := z / 146097
	if z < 0 {
		era = (z - 146096) / 146097
	}
	doe := z - era*146097                                  // day of the era, 0..146096
	yoe := (doe - doe/1460 + doe/36524 - doe/146096) / 365 // year of the era, 0..399
	doy := doe - (365*yoe + yoe/4 - yoe/100)               // day of the year from 1 March, 0..365
	mp := (5*doy + 2) / 153                                // month from March, 0..11
	day = int(doy - (153*mp+2)/5 + 1)
	month = int(mp + 3)
	if month > 12 {
		month -= 12
	}
	year = int(yoe + era*400)
	if month <= 2 {
		year++
	}
	return year, month, day
}

// digitsAt reads s[i:i+n] as a decimal number, or -1 if it has a non-digit.
func digitsAt(s []byte, i, n int) int {
	v := 0
	for _, ch := range s[i : i+n] {
		if ch < '0' || ch > '9' {
			return -1
		}
		v = v*10 + int(ch-'0')
	}
	return v
}

// MarshalJSONTo is the fast path of MarshalJSON for json v2.
func (t Time) MarshalJSONTo(e *jsontext.Encoder) error {
	var buf [32]byte
	return e.WriteValue(t.AppendJSON(buf[:0]))
}

// UnmarshalJSONFrom is the fast path of UnmarshalJSON for json v2.
func (t *Time) UnmarshalJSONFrom(d *jsontext.Decoder) error {
	v, err := d.ReadValue()
	if err != nil {
		return err
	}
	if v.Kind() == 'n' {
		*t = Time{}
		return nil
	}
	if v.Kind() != '"' || bytes.IndexByte(v, '\\') >= 0 {
		return t.UnmarshalJSON(v)
	}
	p, err := parseTime(string(v[1 : len(v)-1]))
	if err != nil {
		return err
	}
	*t = Time{p.UTC()}
	return nil
}

// UnmarshalJSON implements json.Unmarshaler. A JSON null leaves t zero.
func (t *Time) UnmarshalJSON(b []byte) error {
	if string(b) == "null" {
		*t = Time{}
		return nil
	}
	var s string
	if err := json.Unmarshal(b, &s); err != nil {
		return &time.ParseError{Value: string(b), Message: ": not a JSON string"}
	}
	v, err := parseTime(s)
	if err != nil {
		return err
	}
	*t = Time{v.UTC()}
	return nil
}

// parseTime accepts RFC 3339 and also a time without zone, which Python
// writes for naive datetimes; such a time is taken as UTC.
func parseTime(s string) (time.Time, error) {
	if v, ok := quickTime([]byte(s)); ok {
		return v, nil
	}
	if v, err := time.Parse(time.RFC3339Nano, s); err == nil {
		return v, nil
	}
	return time.Parse("2006-01-02T15:04:05.999999999", s)
}

// quickTime parses the forms hule and the original write,
// 2006-01-02T15:04:05[.fraction] followed by Z, +00:00, -00:00 or nothing,
// without the layout machinery of time.Parse, and gives the same instant
// in UTC. It reports false for anything else, valid or not, which is left
// to time.Parse.
func quickTime(s []byte) (time.Time, bool) {
	if len(s) < 19 || s[4] != '-' || s[7] != '-' || s[10] != 'T' || s[13] != ':' || s[16] != ':' {
		return time.Time{}, false
	}
	year, month, day := digitsAt(s, 0, 4), digitsAt(s, 5, 2), digitsAt(s, 8, 2)
	hour, minute, sec := digitsAt(s, 11, 2), digitsAt(s, 14, 2), digitsAt(s, 17, 2)
	if year < 0 || month < 1 || month > 12 || day < 1 || hour < 0 || hour > 23 ||
		minute < 0 || minute > 59 || sec < 0 || sec > 59 {
		return time.Time{}, false
	}
	i, nsec := 19, 0
	if i < len(s) && s[i] == '.' {
		i++
		start := i
		for i < len(s) && s[i] >= '0' && s[i] <= '9' {
			nsec = nsec*10 + int(s[i]-'0')
			i++
		}
		digits := i - start
		if digits < 1 || digits > 9 {
			return time.Time{}, false
		}
		for range 9 - digits {
			nsec *= 10
		}
	}
	switch rest := s[i:]; {
	case len(rest) == 0:
	case len(rest) == 1 && rest[0] == 'Z':
	case len(rest) == 6 && (rest[0] == '+' || rest[0] == '-') && string(rest[1:]) == "00:00":
	default:
		return time.Time{}, false
	}
	if day > daysIn(month, year) { // 30 February and the like: time.Parse rejects them
		return time.Time{}, false
	}
	secs := daysSinceEpoch(year, month, day)*86400 + int64(hour*3600+minute*60+sec)
	return time.Unix(secs, int64(nsec)).UTC(), true
}

// daysIn returns the number of days of month in year.
func daysIn(month, year int) int {
	switch month {
	case 2:
		if year%4 == 0 && (year%100 != 0 || year%400 == 0) {
			return 29
		}
		return 28
	case 4, 6, 9, 11:
		return 30
	}
	return 31
}

// daysSinceEpoch returns the number of days from 1970-01-01 to the given
// date of the proleptic Gregorian calendar, as time.Date counts them. It
// counts from March, so the leap day ends a year, in 400-year eras of
// 146097 days: cheaper than time.Date's normalization for the four
// timestamps of every event.
func daysSinceEpoch(year, month, day int) int64 {
	y := int64(year)
	if month <= 2 {
		y--
	}
	era := y / 400
	if y < 0 {
		era = (y - 399) / 400
	}
	yoe := y - era*400                     // year of era, 0..399
	m := int64(month+9) % 12               // March is 0
	doy := (153*m+2)/5 + int64(day) - 1    // day of the year from 1 March, 0..365
	doe := yoe*365 + yoe/4 - yoe/100 + doy // day of the era, 0..146096
	return era*146097 + doe - 719468       // 719468: days from 0000-03-01 to 1970-01-01
}
