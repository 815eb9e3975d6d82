package httpapi_test

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/google/uuid"

	"github.com/hule-dev/hule/internal/httpapi"
)

func TestCorrelationAndError(t *testing.T) {
	h := httpapi.Correlation(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		httpapi.Error(w, r, http.StatusNotFound, "not_found", "no such thing")
	}))
	given := uuid.NewString()
	tests := []struct {
		name   string
		header string
		same   bool
	}{
		{"client id echoed", given, true},
		{"missing id generated", "", false},
		{"malformed id replaced", "not-a-uuid", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req := httptest.NewRequest(http.MethodGet, "/x", http.NoBody)
			if tt.header != "" {
				req.Header.Set(httpapi.CorrelationHeader, tt.header)
			}
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, req)
			got := rec.Header().Get(httpapi.CorrelationHeader)
			if _, err := uuid.Parse(got); err != nil {
				t.Fatalf("response correlation id %q is not a UUID", got)
			}
			if (got == tt.header) != tt.same {
				t.Errorf("correlation id %q, request had %q", got, tt.header)
			}
			var body httpapi.ErrorBody
			if err := json.Unmarshal(rec.Body.Bytes(), &body); err != nil {
				t.Fatalf("error body is not JSON: %v", err)
			}
			if rec.Code != http.StatusNotFound || body.Error.Code != "not_found" || body.Error.CorrelationID != got {
				t.Errorf("got %d %+v, want 404 not_found with correlation id %s", rec.Code, body.Error, got)
			}
		})
	}
}
