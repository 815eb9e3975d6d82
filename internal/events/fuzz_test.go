package events

import (
	"errors"
	"os"
	"testing"

	"github.com/go-json-experiment/json/jsontext"
)

// FuzzDecode checks that Decode never panics and returns either an event
// that validates and re-encodes to bytes that decode again, or a typed,
// permanent error.
func FuzzDecode(f *testing.F) {
	for _, topic := range Topics() {
		b, err := os.ReadFile(goldenPath(topic))
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	f.Add([]byte(`{"data": {}, "event_type": "huleedu.cj_assessment.failed.v1"}`))
	f.Add([]byte(`{"event_type": 1}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		env, err := Decode(b)
		if err != nil {
			var de *DecodeError
			var ve *ValidationError
			if !errors.As(err, &de) && !errors.As(err, &ve) {
				t.Fatalf("untyped error %T: %v", err, err)
			}
			return
		}
		if env.Data == nil {
			t.Fatal("nil data without error")
		}
		if err := env.Data.Validate(); err != nil {
			t.Fatalf("decoded event does not validate: %v", err)
		}
		out, err := Marshal(env)
		if err != nil {
			t.Fatalf("re-encode: %v", err)
		}
		if _, err := Decode(out); err != nil {
			t.Fatalf("re-encoded event does not decode: %v\n%s", err, out)
		}
	})
}

// FuzzScanner checks that the codec's scanner accepts exactly the JSON
// values the json library accepts.
func FuzzScanner(f *testing.F) {
	for _, s := range []string{`{}`, `[1,2.5e-3,-0,"a\u00e9\n"]`, `{"a":{"b":[true,false,null]}}`, `"\ud800"`, `01`, `1.`, `"\x01"`, "\"\xff\"", `{"a":1,"a":2}`, ` [ ] `} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		_, err := check(&node{kind: kAny}, b, "")
		want := jsontext.Value(b).IsValid(jsontext.AllowDuplicateNames(true))
		if (err == nil) != want {
			t.Fatalf("scanner err = %v, json library valid = %v for %q", err, want, b)
		}
	})
}
