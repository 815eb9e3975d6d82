package events

import (
	"bytes"
	stdjson "encoding/json"
	"testing"
)

// TestStdlibMarshalMatches checks that encoding/json, which other packages
// may use, writes the same bytes as events.Marshal.
func TestStdlibMarshalMatches(t *testing.T) {
	for _, topic := range Topics() {
		env, _ := Example(topic)
		a, err := stdjson.Marshal(env)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := Marshal(env)
		if !bytes.Equal(a, b) {
			t.Errorf("%s: encoding/json\n%s\nevents.Marshal\n%s", topic, a, b)
		}
		c, err := stdjson.Marshal(env.Data)
		if err != nil {
			t.Fatal(err)
		}
		d, _ := Marshal(env.Data)
		if !bytes.Equal(c, d) {
			t.Errorf("%s data differs", topic)
		}
	}
}
