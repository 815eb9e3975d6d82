package cjassess_test

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/hule-dev/hule/internal/cjassess"
	"github.com/hule-dev/hule/internal/cjassess/judge"
	"github.com/hule-dev/hule/internal/httpapi"
)

func TestAnchorRoutes(t *testing.T) {
	st := sqliteStore(t)
	shared, err := cjassess.NewAnchor("as-9", "C", "shared.txt", "A shared anchor text about phones.", "", "")
	if err != nil {
		t.Fatal(err)
	}
	if err := st.AddAnchor(context.Background(), shared); err != nil {
		t.Fatal(err)
	}
	svc, err := cjassess.NewService(st, judge.NewOffline(nil), cjassess.Config{}, nil)
	if err != nil {
		t.Fatal(err)
	}
	mux := http.NewServeMux()
	svc.Routes(mux)
	do := func(user, method, path, body string) (int, map[string]any) {
		t.Helper()
		req := httptest.NewRequestWithContext(httpapi.WithUser(t.Context(), user), method, path, strings.NewReader(body))
		rec := httptest.NewRecorder()
		mux.ServeHTTP(rec, req)
		var out map[string]any
		_ = json.Unmarshal(rec.Body.Bytes(), &out)
		return rec.Code, out
	}
	code, created := do("alice", http.MethodPost, "/v1/assignments/as-9/anchors", `{"grade":"B","display_name":"a.txt","text":"Alice's anchor essay on phones."}`)
	if code != http.StatusCreated || created["grade"] != "B" || created["shared"] != false {
		t.Fatalf("register: %d %v", code, created)
	}
	id, _ := created["anchor_id"].(string)
	tests := []struct {
		name, user, method, path, body string
		want                           int
	}{
		{"duplicate text", "alice", http.MethodPost, "/v1/assignments/as-9/anchors", `{"grade":"B","text":"Alice's anchor essay on phones."}`, http.StatusConflict},
		{"grade off the scale", "alice", http.MethodPost, "/v1/assignments/as-9/anchors", `{"grade":"Z","text":"x y z"}`, http.StatusBadRequest},
		{"empty text", "alice", http.MethodPost, "/v1/assignments/as-9/anchors", `{"grade":"B","text":"  "}`, http.StatusBadRequest},
		{"malformed json", "alice", http.MethodPost, "/v1/assignments/as-9/anchors", `{"grade":`, http.StatusBadRequest},
		{"unknown field", "alice", http.MethodPost, "/v1/assignments/as-9/anchors", `{"grade":"B","text":"t","colour":1}`, http.StatusBadRequest},
		{"bob cannot delete alice's", "bob", http.MethodDelete, "/v1/assignments/as-9/anchors/" + id, "", http.StatusNotFound},
		{"nobody deletes a shared one", "alice", http.MethodDelete, "/v1/assignments/as-9/anchors/" + shared.ID, "", http.StatusForbidden},
		{"unknown anchor", "alice", http.MethodDelete, "/v1/assignments/as-9/anchors/nope", "", http.StatusNotFound},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if code, body := do(tt.user, tt.method, tt.path, tt.body); code != tt.want {
				t.Errorf("got %d %v, want %d", code, body, tt.want)
			}
		})
	}
	count := func(user string) int {
		_, list := do(user, http.MethodGet, "/v1/assignments/as-9/anchors", "")
		a, _ := list["anchors"].([]any)
		return len(a)
	}
	if a, b := count("alice"), count("bob"); a != 2 || b != 1 {
		t.Errorf("alice sees %d anchors, bob %d; want 2 and 1 (bob only the shared one)", a, b)
	}
	if code, _ := do("alice", http.MethodDelete, "/v1/assignments/as-9/anchors/"+id, ""); code != http.StatusNoContent {
		t.Errorf("delete own anchor: %d", code)
	}
	if count("alice") != 1 {
		t.Error("deleted anchor still listed")
	}
}
