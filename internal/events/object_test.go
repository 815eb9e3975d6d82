package events

import (
	"bytes"
	"errors"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/go-json-experiment/json"
)

// Object.Decode fills a struct through the codec; it must agree with the
// json library on everything the library accepts for that struct.
func TestObjectDecodeMatchesJSONLibrary(t *testing.T) {
	tests := []string{
		`{}`,
		`{"total_essays":3,"successful":2,"failed":1,"successful_essay_ids":["a","b\u00e9"],"failed_essay_ids":["c"],"processing_time_seconds":1.5}`,
		`{"successful_essay_ids":[],"unknown":{"nested":[1,2,{"x":null}]},"total_essays":0}`,
		`{"failed_essay_ids":["x\"y","\\u"],"processing_time_seconds":-2e-3}`,
		// A free-form object: a producer may write null for a list, a
		// count or an id, which the json library takes.
		`{"successful_essay_ids":null,"failed_essay_ids":null,"total_essays":1}`,
		`{"total_essays":null,"processing_time_seconds":null,"successful_essay_ids":["a",null]}`,
		` { "total_essays" : 7 , "successful_essay_ids" : [ "a" , "b" ] } `,
	}
	for _, in := range tests {
		var got, want CJProcessingSummary
		if err := Object(in).Decode(&got); err != nil {
			t.Fatalf("Decode(%s): %v", in, err)
		}
		if err := json.Unmarshal([]byte(in), &want); err != nil {
			t.Fatalf("json.Unmarshal(%s): %v", in, err)
		}
		if !reflect.DeepEqual(got, want) {
			t.Errorf("Decode(%s) = %+v, json library %+v", in, got, want)
		}
	}
}

func TestObjectDecodeRejects(t *testing.T) {
	tests := []struct{ in, path string }{
		{`{"total_essays":"3"}`, "total_essays"},
		{`{"successful_essay_ids":["a",2]}`, "successful_essay_ids[1]"},
		{`{"processing_time_seconds":true}`, "processing_time_seconds"},
	}
	for _, tt := range tests {
		var s CJProcessingSummary
		err := Object(tt.in).Decode(&s)
		var verr *ValidationError
		if !errors.As(err, &verr) {
			t.Fatalf("Decode(%s) = %v, want a *ValidationError", tt.in, err)
		}
		if verr.Violations[0].Path != tt.path {
			t.Errorf("Decode(%s): violation at %q, want %q (%v)", tt.in, verr.Violations[0].Path, tt.path, err)
		}
	}
	var s CJProcessingSummary
	var derr *DecodeError
	if err := Object(`{"total_essays":3`).Decode(&s); !errors.As(err, &derr) {
		t.Errorf("truncated object: %v, want a *DecodeError", err)
	}
	// Not a codec shape: the json library, as before, with what only it
	// knows (a time from its string form).
	var m map[string]any
	if err := Object(`{"a":[1]}`).Decode(&m); err != nil || len(m["a"].([]any)) != 1 {
		t.Errorf("map: %v, %v", m, err)
	}
	var st struct {
		At time.Time `json:"at"`
	}
	if err := Object(`{"at":"2026-11-27T10:00:00Z"}`).Decode(&st); err != nil || st.At.Hour() != 10 {
		t.Errorf("struct with a time: %v, %v", st, err)
	}
}

// A decoded Object shares the input (see keep) but must not let an append
// write into it.
func TestDecodedObjectCannotWriteIntoInput(t *testing.T) {
	b, err := Marshal(benchThin(5))
	if err != nil {
		t.Fatal(err)
	}
	orig := bytes.Clone(b)
	env, err := Decode(b)
	if err != nil {
		t.Fatal(err)
	}
	sum := env.Data.(*CJAssessmentCompletedV1).ProcessingSummary
	if !strings.Contains(string(b), string(sum)) {
		t.Fatalf("summary %s not in the input", sum)
	}
	_ = append(sum, `,"x":1}`...)
	if !bytes.Equal(b, orig) {
		t.Fatal("appending to a decoded Object changed the input")
	}
	// Whitespace between tokens: the kept bytes are a compacted copy.
	spaced := bytes.Replace(b, []byte(`"total_essays":`), []byte(`"total_essays" :  `), 1)
	env, err = Decode(spaced)
	if err != nil {
		t.Fatal(err)
	}
	if sum := env.Data.(*CJAssessmentCompletedV1).ProcessingSummary; bytes.Contains(sum, []byte(" ")) {
		t.Errorf("summary kept whitespace: %s", sum)
	}
}
