package results

import (
	"bytes"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"testing"
)

var update = flag.Bool("update", false, "rewrite the golden API responses in testdata/api")

// TestGoldenResponses locks the JSON every route answers for the
// scenario's batch, and the notifications it publishes, in
// testdata/api/*.json: the examples the dashboard is written against.
// Run with -update to rewrite them after a deliberate change.
func TestGoldenResponses(t *testing.T) {
	f := sqliteFixture(t)
	f.mustFeed(scenario(t, f)...)
	f.mustFeed(registration(t, "batch-empty", scUser, -3600e9))
	routes := map[string]string{
		"batches":              "/v1/batches?limit=1",
		"batches_page2":        "/v1/batches?limit=1&cursor=",
		"batch":                "/v1/batches/" + scBatch,
		"results":              "/v1/batches/" + scBatch + "/results",
		"essay":                "/v1/batches/" + scBatch + "/essays/essay-a",
		"assignment_analytics": "/v1/assignments/" + scAsg + "/analytics",
		"error_not_found":      "/v1/batches/nope",
	}
	var first BatchList
	f.get(scUser, routes["batches"], &first)
	if first.NextCursor == nil {
		t.Fatal("first page has no next cursor")
	}
	routes["batches_page2"] += *first.NextCursor
	for name, path := range routes {
		w := f.get(scUser, path, nil)
		body := w.Body.Bytes()
		if name == "error_not_found" {
			var e map[string]map[string]any
			_ = json.Unmarshal(body, &e)
			e["error"]["correlation_id"] = "<per request>"
			body, _ = json.Marshal(e)
		}
		golden(t, name+".json", body)
	}
	w := f.get(scUser, "/v1/batches/"+scBatch+"/export?format=csv", nil)
	golden(t, "export.csv", w.Body.Bytes())

	type shown struct {
		Type     string          `json:"notification_type"`
		Category string          `json:"category"`
		Priority string          `json:"priority"`
		Payload  json.RawMessage `json:"payload"`
	}
	var ns []shown
	for _, n := range f.notes() {
		ns = append(ns, shown{n.NotificationType, string(n.Category), string(n.Priority), json.RawMessage(n.Payload)})
	}
	b, _ := json.Marshal(ns)
	golden(t, "notifications.json", b)
}

func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	if filepath.Ext(name) == ".json" {
		var buf bytes.Buffer
		if err := json.Indent(&buf, got, "", "  "); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		got = append(buf.Bytes(), '\n')
	}
	path := filepath.Join("testdata", "api", name)
	if *update {
		if err := os.MkdirAll(filepath.Dir(path), 0o750); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, got, 0o600); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -run TestGoldenResponses -update)", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("%s differs from the golden file:\n got %s\nwant %s", name, got, want)
	}
}
