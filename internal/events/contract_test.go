package events

import (
	"bytes"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/go-json-experiment/json/jsontext"
	"github.com/santhosh-tekuri/jsonschema/v6"

	"github.com/hule-dev/hule/internal/repotest"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/golden")

func readJSON(t testing.TB, path string, v any) {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(b, v); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
}

type referenceRegistry struct {
	Enums            map[string][]string `json:"enums"`
	ProcessingEvents map[string]struct {
		Name  string  `json:"name"`
		Topic *string `json:"topic"`
	} `json:"processing_events"`
}

func goldenPath(topic string) string {
	return filepath.Join("testdata", "golden", topic+".json")
}

// exampleBytes is the wire form of Example(topic), indented for review.
func exampleBytes(t testing.TB, topic string) []byte {
	t.Helper()
	env, ok := Example(topic)
	if !ok {
		t.Fatalf("no example for %s", topic)
	}
	b, err := Marshal(env)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func indent(t testing.TB, b []byte) []byte {
	t.Helper()
	v := jsontext.Value(bytes.Clone(b))
	if err := v.Indent(jsontext.WithIndent("  ")); err != nil {
		t.Fatal(err)
	}
	return append(v, '\n')
}

func compactJSON(t testing.TB, b []byte) []byte {
	t.Helper()
	v := jsontext.Value(bytes.Clone(b))
	if err := v.Compact(); err != nil {
		t.Fatal(err)
	}
	return v
}

func TestGolden(t *testing.T) {
	for _, topic := range Topics() {
		t.Run(topic, func(t *testing.T) {
			got := indent(t, exampleBytes(t, topic))
			path := goldenPath(topic)
			if *update {
				if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
					t.Fatal(err)
				}
				if err := os.WriteFile(path, got, 0o644); err != nil {
					t.Fatal(err)
				}
			}
			want, err := os.ReadFile(path)
			if err != nil {
				t.Fatalf("%v (run go test -update)", err)
			}
			if !bytes.Equal(got, want) {
				t.Errorf("wire form of %s changed; got:\n%s\nwant:\n%s", topic, got, want)
			}
		})
	}
}

func TestGoldenRoundTrip(t *testing.T) {
	for _, topic := range Topics() {
		t.Run(topic, func(t *testing.T) {
			b, err := os.ReadFile(goldenPath(topic))
			if err != nil {
				t.Fatal(err)
			}
			env, err := Decode(b)
			if err != nil {
				t.Fatalf("Decode: %v", err)
			}
			if env.Data.Topic() != topic {
				t.Errorf("Data.Topic() = %s, want %s", env.Data.Topic(), topic)
			}
			if err := env.Data.Validate(); err != nil {
				t.Errorf("Validate: %v", err)
			}
			out, err := Marshal(env)
			if err != nil {
				t.Fatal(err)
			}
			if got, want := out, compactJSON(t, b); !bytes.Equal(got, want) {
				t.Errorf("round trip changed the bytes:\n got %s\nwant %s", got, want)
			}
			// The two-phase path gives the same result.
			raw, err := DecodeRaw(b)
			if err != nil {
				t.Fatalf("DecodeRaw: %v", err)
			}
			if raw.EventType != topic {
				t.Errorf("raw.EventType = %s, want %s", raw.EventType, topic)
			}
		})
	}
}

// compileReference compiles the reference schema of a model.
func compileReference(t *testing.T, ref, model string) *jsonschema.Schema {
	t.Helper()
	path := filepath.Join(ref, model+".schema.json")
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	doc, err := jsonschema.UnmarshalJSON(f)
	if err != nil {
		t.Fatal(err)
	}
	c := jsonschema.NewCompiler()
	c.AssertFormat()
	url := "file:///" + model + ".schema.json"
	if err := c.AddResource(url, doc); err != nil {
		t.Fatal(err)
	}
	s, err := c.Compile(url)
	if err != nil {
		t.Fatalf("compile %s: %v", model, err)
	}
	return s
}

func compileOwn(t *testing.T, topic string) *jsonschema.Schema {
	t.Helper()
	b, ok := Schema(topic)
	if !ok {
		t.Fatalf("no schema for %s", topic)
	}
	doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	c := jsonschema.NewCompiler()
	c.AssertFormat()
	url := "file:///own/" + topic + ".json"
	if err := c.AddResource(url, doc); err != nil {
		t.Fatal(err)
	}
	s, err := c.Compile(url)
	if err != nil {
		t.Fatalf("compile own schema of %s: %v", topic, err)
	}
	return s
}

// validateEnvelopeBytes checks an envelope and its data against the
// reference schemas: the contract test for goldens and examples.
func validateEnvelopeBytes(t *testing.T, ref string, topics map[string]string, b []byte) {
	t.Helper()
	inst, err := jsonschema.UnmarshalJSON(bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	if err := compileReference(t, ref, "EventEnvelope").Validate(inst); err != nil {
		t.Errorf("envelope: %v", err)
	}
	m := inst.(map[string]any)
	topic := m["event_type"].(string)
	model, ok := topics[topic]
	if !ok {
		t.Fatalf("topics.json has no %s", topic)
	}
	if err := compileReference(t, ref, model).Validate(m["data"]); err != nil {
		t.Errorf("data of %s against %s: %v", topic, model, err)
	}
	if err := compileOwn(t, topic).Validate(m["data"]); err != nil {
		t.Errorf("data of %s against hule's own schema: %v", topic, err)
	}
}

func TestGoldenMatchesReferenceSchemas(t *testing.T) {
	ref := repotest.ReferenceDir(t)
	var topics map[string]string
	readJSON(t, filepath.Join(ref, "topics.json"), &topics)
	for _, topic := range Topics() {
		t.Run(topic, func(t *testing.T) {
			b, err := os.ReadFile(goldenPath(topic))
			if err != nil {
				t.Fatal(err)
			}
			validateEnvelopeBytes(t, ref, topics, b)
		})
	}
}

func TestTopicsMatchReference(t *testing.T) {
	ref := repotest.ReferenceDir(t)
	var topics map[string]string
	readJSON(t, filepath.Join(ref, "topics.json"), &topics)
	var want []string
	for topic, model := range topics {
		want = append(want, topic)
		d, ok := NewData(topic)
		if !ok {
			t.Errorf("no Go type for %s (%s)", topic, model)
			continue
		}
		goName := strings.TrimPrefix(strings.TrimPrefix(strings.ReplaceAll(typeName(d), "_", ""), "*"), "events.")
		if goName != strings.ReplaceAll(model, "_", "") {
			t.Errorf("%s: Go type %s, reference model %s", topic, goName, model)
		}
	}
	slices.Sort(want)
	if got := Topics(); !slices.Equal(got, want) {
		t.Errorf("Topics() = %v\nwant %v", got, want)
	}
}

// schemaShape is what TestSchemaMatchesReference compares: property names
// in order, the required set, and the enum values of each $def.
type schemaShape struct {
	Properties jsontext.Value            `json:"properties"`
	Required   []string                  `json:"required"`
	Defs       map[string]jsontext.Value `json:"$defs"`
	Enum       []string                  `json:"enum"`
}

// propertyOrder lists the member names of a JSON object in order.
func propertyOrder(t *testing.T, v jsontext.Value) []string {
	t.Helper()
	if len(v) == 0 {
		return nil
	}
	d := jsontext.NewDecoder(bytes.NewReader(v))
	if _, err := d.ReadToken(); err != nil {
		t.Fatal(err)
	}
	var names []string
	for d.PeekKind() != '}' {
		tok, err := d.ReadToken()
		if err != nil {
			t.Fatal(err)
		}
		names = append(names, tok.String())
		if err := d.SkipValue(); err != nil {
			t.Fatal(err)
		}
	}
	return names
}

func TestSchemaMatchesReference(t *testing.T) {
	ref := repotest.ReferenceDir(t)
	var topics map[string]string
	readJSON(t, filepath.Join(ref, "topics.json"), &topics)
	for topic, model := range topics {
		t.Run(topic, func(t *testing.T) {
			var want, got schemaShape
			readJSON(t, filepath.Join(ref, model+".schema.json"), &want)
			own, _ := Schema(topic)
			if err := json.Unmarshal(own, &got); err != nil {
				t.Fatal(err)
			}
			compareShape(t, "", want, got)
			for name, wdef := range want.Defs {
				var w, g schemaShape
				if err := json.Unmarshal(wdef, &w); err != nil {
					t.Fatal(err)
				}
				gdef, ok := got.Defs[name]
				if !ok {
					if w.Properties != nil { // enums may be inlined under another name
						t.Errorf("$defs/%s missing", name)
					}
					continue
				}
				if err := json.Unmarshal(gdef, &g); err != nil {
					t.Fatal(err)
				}
				compareShape(t, "$defs/"+name, w, g)
			}
		})
	}
}

func compareShape(t *testing.T, where string, want, got schemaShape) {
	t.Helper()
	if w, g := propertyOrder(t, want.Properties), propertyOrder(t, got.Properties); !slices.Equal(w, g) {
		t.Errorf("%s properties:\n got %v\nwant %v", where, g, w)
	}
	if !slices.Equal(want.Required, got.Required) {
		t.Errorf("%s required: got %v, want %v", where, got.Required, want.Required)
	}
	if !slices.Equal(want.Enum, got.Enum) {
		t.Errorf("%s enum: got %v, want %v", where, got.Enum, want.Enum)
	}
}

func TestReferenceExamplesRoundTrip(t *testing.T) {
	ref := repotest.ReferenceDir(t)
	files, err := filepath.Glob(filepath.Join(ref, "examples", "*.json"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no examples: %v", err)
	}
	for _, f := range files {
		t.Run(filepath.Base(f), func(t *testing.T) {
			b, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			env, err := Decode(b)
			if err != nil {
				t.Fatalf("Decode: %v", err)
			}
			out, err := Marshal(env)
			if err != nil {
				t.Fatal(err)
			}
			// The original writes ", " and ": " between tokens; hule writes
			// none. Compacting removes exactly that difference.
			if want := compactJSON(t, b); !bytes.Equal(out, want) {
				t.Errorf("re-encoded bytes differ:\n got %s\nwant %s", out, want)
			}
		})
	}
}

func TestEnumsMatchRegistry(t *testing.T) {
	ref := repotest.ReferenceDir(t)
	var reg referenceRegistry
	readJSON(t, filepath.Join(ref, "registry.json"), &reg)
	for name, want := range reg.Enums {
		got, ok := registryEnums[name]
		if !ok {
			t.Errorf("enum %s has no Go type", name)
			continue
		}
		if !slices.Equal(got, want) {
			t.Errorf("%s: got %v, want %v", name, got, want)
		}
	}
	for name := range registryEnums {
		if _, ok := reg.Enums[name]; !ok && !slices.Contains([]string{"NotificationPriority", "WebSocketEventCategory", "ConfidenceLabel"}, name) {
			t.Errorf("Go enum %s is not in registry.json", name)
		}
	}
}

func TestRegistryMatchesReference(t *testing.T) {
	ref := repotest.ReferenceDir(t)
	var reg referenceRegistry
	readJSON(t, filepath.Join(ref, "registry.json"), &reg)
	got := Events()
	if len(got) != len(reg.ProcessingEvents) {
		t.Errorf("%d events, reference has %d", len(got), len(reg.ProcessingEvents))
	}
	noTopic := 0
	for _, e := range got {
		w, ok := reg.ProcessingEvents[string(e.Event)]
		if !ok {
			t.Errorf("event %s not in the reference", e.Event)
			continue
		}
		wantTopic := ""
		if w.Topic != nil {
			wantTopic = *w.Topic
		}
		if e.Name != w.Name || e.Topic != wantTopic {
			t.Errorf("%s: got name %s topic %q, want %s %q", e.Event, e.Name, e.Topic, w.Name, wantTopic)
		}
		topic, ok := TopicOf(e.Event)
		if ok != (wantTopic != "") || topic != wantTopic {
			t.Errorf("TopicOf(%s) = %q, %v", e.Event, topic, ok)
		}
		if wantTopic == "" {
			noTopic++
			continue
		}
		if back, ok := EventOf(wantTopic); !ok || back != e.Event {
			t.Errorf("EventOf(%s) = %s, %v; want %s", wantTopic, back, ok, e.Event)
		}
	}
	if noTopic != 2 {
		t.Errorf("%d events without topic, want 2", noTopic)
	}
}
