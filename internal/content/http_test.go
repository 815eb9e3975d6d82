package content_test

import (
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/hule-dev/hule/internal/content"
	"github.com/hule-dev/hule/internal/httpapi"
)

func TestHandler(t *testing.T) {
	s, err := content.NewFileStore(t.TempDir(), testLimit)
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(content.NewHandler(s, testLimit, slog.New(slog.DiscardHandler)))
	defer srv.Close()

	post := func(body, ct string) *http.Response {
		t.Helper()
		req, err := http.NewRequestWithContext(t.Context(), http.MethodPost, srv.URL+"/v1/content", strings.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		req.Header.Set("Content-Type", ct)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		return resp
	}
	get := func(path string) *http.Response {
		t.Helper()
		req, err := http.NewRequestWithContext(t.Context(), http.MethodGet, srv.URL+path, http.NoBody)
		if err != nil {
			t.Fatal(err)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		return resp
	}

	resp := post("An essay about phones.", "text/markdown")
	var created content.PostResponse
	err = json.NewDecoder(resp.Body).Decode(&created)
	resp.Body.Close()
	if err != nil || resp.StatusCode != http.StatusCreated {
		t.Fatalf("POST: %d, %v", resp.StatusCode, err)
	}
	if _, err := content.ParseID(string(created.StorageID)); err != nil {
		t.Fatalf("POST returned a bad storage id: %v", err)
	}

	resp = get("/v1/content/" + string(created.StorageID))
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK || string(body) != "An essay about phones." || resp.Header.Get("Content-Type") != "text/markdown" {
		t.Errorf("GET: %d %q %q", resp.StatusCode, body, resp.Header.Get("Content-Type"))
	}

	errorCases := []struct {
		name     string
		resp     func() *http.Response
		status   int
		wantCode string
	}{
		{"malformed id", func() *http.Response { return get("/v1/content/not-hex") }, http.StatusBadRequest, "bad_storage_id"},
		{"unknown id", func() *http.Response { return get("/v1/content/" + string(content.NewID())) }, http.StatusNotFound, "not_found"},
		{"too large", func() *http.Response { return post(strings.Repeat("x", testLimit+1), "text/plain") }, http.StatusRequestEntityTooLarge, "content_too_large"},
	}
	for _, tt := range errorCases {
		t.Run(tt.name, func(t *testing.T) {
			resp := tt.resp()
			defer resp.Body.Close()
			var e httpapi.ErrorBody
			if err := json.NewDecoder(resp.Body).Decode(&e); err != nil {
				t.Fatalf("error body: %v", err)
			}
			if resp.StatusCode != tt.status || e.Error.Code != tt.wantCode || e.Error.CorrelationID == "" {
				t.Errorf("got %d %+v, want %d %s with a correlation id", resp.StatusCode, e.Error, tt.status, tt.wantCode)
			}
		})
	}
}
