package client_test

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/coder/websocket"

	"github.com/hule-dev/hule/internal/client"
)

const token = "secret-token"

// server starts an httptest server that checks the bearer token and then
// hands the request to h.
func server(t *testing.T, h http.HandlerFunc) *client.Client {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("Authorization") != "Bearer "+token && r.URL.Path != "/readyz" {
			w.Header().Set("X-Correlation-ID", "c0ffee00-0000-4000-8000-000000000000")
			w.WriteHeader(http.StatusUnauthorized)
			_, _ = io.WriteString(w, `{"error":{"code":"unauthenticated","message":"unauthenticated: no bearer token","correlation_id":"c0ffee00-0000-4000-8000-000000000000"}}`)
			return
		}
		h(w, r)
	}))
	t.Cleanup(srv.Close)
	c, err := client.New(srv.URL, token, client.WithRateLimitRetries(2))
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func write(w http.ResponseWriter, status int, body string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_, _ = io.WriteString(w, body)
}

func TestNewRejectsBadInput(t *testing.T) {
	tests := []struct {
		name, url, token string
	}{
		{"no scheme", "127.0.0.1:8080", token},
		{"ftp", "ftp://host", token},
		{"no token", "http://127.0.0.1:8080", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := client.New(tt.url, tt.token); err == nil {
				t.Errorf("New(%q, %q) = nil error, want one", tt.url, tt.token)
			}
		})
	}
}

func TestErrorsCarryTheAPIError(t *testing.T) {
	c := server(t, func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/v1/batches/b1/pipelines":
			write(w, http.StatusConflict, `{"error":{"code":"pipeline_already_running","message":"batch b1 is already running pipeline \"nlp\"","correlation_id":"11111111-1111-4111-8111-111111111111"}}`)
		default:
			w.WriteHeader(http.StatusBadGateway)
			_, _ = io.WriteString(w, "<html>bad gateway</html>")
		}
	})
	tests := []struct {
		name       string
		call       func() error
		status     int
		code, corr string
		msg        string
	}{
		{"json error", func() error {
			_, err := c.RequestPipeline(context.Background(), "b1", "nlp", "")
			return err
		}, http.StatusConflict, "pipeline_already_running", "11111111-1111-4111-8111-111111111111", "already running"},
		{"not json", func() error {
			_, err := c.PipelineState(context.Background(), "b2")
			return err
		}, http.StatusBadGateway, "", "", "bad gateway"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.call()
			var apiErr *client.Error
			if !errors.As(err, &apiErr) {
				t.Fatalf("error %v is not a *client.Error", err)
			}
			if apiErr.Status != tt.status || apiErr.Code != tt.code || apiErr.CorrelationID != tt.corr {
				t.Errorf("got status %d code %q corr %q, want %d %q %q", apiErr.Status, apiErr.Code, apiErr.CorrelationID, tt.status, tt.code, tt.corr)
			}
			if !strings.Contains(err.Error(), tt.msg) {
				t.Errorf("error %q does not mention %q", err, tt.msg)
			}
			if client.StatusOf(err) != tt.status || client.CodeOf(err) != tt.code {
				t.Errorf("StatusOf/CodeOf = %d/%q, want %d/%q", client.StatusOf(err), client.CodeOf(err), tt.status, tt.code)
			}
		})
	}
}

func TestUnauthenticated(t *testing.T) {
	c := server(t, func(http.ResponseWriter, *http.Request) {})
	bad, err := client.New(c.BaseURL(), "wrong")
	if err != nil {
		t.Fatal(err)
	}
	_, err = bad.CreateBatch(context.Background(), client.NewBatch{CourseCode: "ENG5", ExpectedEssayCount: 1})
	if client.StatusOf(err) != http.StatusUnauthorized || client.CodeOf(err) != "unauthenticated" {
		t.Errorf("got %v, want 401 unauthenticated", err)
	}
}

func TestRateLimitedRequestIsRepeated(t *testing.T) {
	tests := []struct {
		name       string
		refusals   int32
		wantErr    bool
		wantCalls  int32
		wantStatus int
	}{
		{"succeeds after two refusals", 2, false, 3, 0},
		{"gives up after the retries", 5, true, 3, http.StatusTooManyRequests},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var calls atomic.Int32
			c := server(t, func(w http.ResponseWriter, r *http.Request) {
				n := calls.Add(1)
				body, _ := io.ReadAll(r.Body)
				if !strings.Contains(string(body), `"course_code":"ENG5"`) {
					t.Errorf("attempt %d sent body %q, want the batch", n, body)
				}
				if n <= tt.refusals {
					w.Header().Set("Retry-After", "0")
					write(w, http.StatusTooManyRequests, `{"error":{"code":"rate_limited","message":"too many requests"}}`)
					return
				}
				write(w, http.StatusCreated, `{"batch_id":"b1","essay_ids":["e1"],"status":"awaiting_content_validation","correlation_id":"x"}`)
			})
			reg, err := c.CreateBatch(context.Background(), client.NewBatch{CourseCode: "ENG5", ExpectedEssayCount: 1})
			if (err != nil) != tt.wantErr {
				t.Fatalf("err = %v, want error %v", err, tt.wantErr)
			}
			if got := calls.Load(); got != tt.wantCalls {
				t.Errorf("server saw %d calls, want %d", got, tt.wantCalls)
			}
			if client.StatusOf(err) != tt.wantStatus {
				t.Errorf("status of %v, want %d", err, tt.wantStatus)
			}
			if !tt.wantErr && (reg.BatchID != "b1" || len(reg.EssayIDs) != 1) {
				t.Errorf("registration %+v, want b1 with one essay", reg)
			}
		})
	}
}

func TestCreateBatchAndPipeline(t *testing.T) {
	c := server(t, func(w http.ResponseWriter, r *http.Request) {
		var body map[string]any
		_ = json.NewDecoder(r.Body).Decode(&body)
		switch r.Method + " " + r.URL.Path {
		case "POST /v1/batches":
			if body["course_code"] != "ENG5" || body["expected_essay_count"] != float64(2) || body["assignment_id"] != "a1" || body["name"] != "week 3" {
				t.Errorf("registration body %v", body)
			}
			if _, ok := body["org_id"]; ok {
				t.Errorf("registration body sends unset org_id: %v", body)
			}
			write(w, http.StatusCreated, `{"batch_id":"b1","essay_ids":["e1","e2"],"status":"awaiting_content_validation","correlation_id":"c1"}`)
		case "POST /v1/batches/b1/pipelines":
			if body["pipeline"] != "cj_assessment" || body["assignment_id"] != "a1" {
				t.Errorf("pipeline body %v", body)
			}
			write(w, http.StatusAccepted, `{"batch_id":"b1","pipeline":"cj_assessment","status":"accepted","correlation_id":"c2"}`)
		case "GET /v1/batches/b1/pipeline-state":
			write(w, http.StatusOK, `{"batch_id":"b1","status":"processing_pipelines","ready":true,"expected_essay_count":2,
				"completed_phases":["spellcheck"],"runs":[{"pipeline":"cj_assessment","status":"running","phases":["cj_assessment"],
				"skipped_phases":["spellcheck"],"current_phase":"cj_assessment","correlation_id":"c2","started_at":"2026-11-27T10:00:00Z"}]}`)
		default:
			t.Errorf("unexpected %s %s", r.Method, r.URL.Path)
		}
	})
	ctx := context.Background()
	a1 := "a1"
	reg, err := c.CreateBatch(ctx, client.NewBatch{CourseCode: "ENG5", ExpectedEssayCount: 2, AssignmentID: &a1, Name: "week 3"})
	if err != nil || reg.BatchID != "b1" || len(reg.EssayIDs) != 2 {
		t.Fatalf("CreateBatch = %+v, %v", reg, err)
	}
	acc, err := c.RequestPipeline(ctx, "b1", client.PipelineCJAssessment, "a1")
	if err != nil || acc.CorrelationID != "c2" {
		t.Fatalf("RequestPipeline = %+v, %v", acc, err)
	}
	st, err := c.PipelineState(ctx, "b1")
	if err != nil {
		t.Fatal(err)
	}
	if len(st.Runs) != 1 || st.Runs[0].SkippedPhases[0] != "spellcheck" || !st.Ready || st.Runs[0].StartedAt.IsZero() {
		t.Errorf("PipelineState = %+v", st)
	}
}

func TestWaitReady(t *testing.T) {
	var calls atomic.Int32
	c := server(t, func(w http.ResponseWriter, r *http.Request) {
		if calls.Add(1) < 3 {
			write(w, http.StatusServiceUnavailable, `{"status":"not ready"}`)
			return
		}
		write(w, http.StatusOK, `{"status":"ready"}`)
	})
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := c.WaitReady(ctx, time.Millisecond); err != nil {
		t.Fatal(err)
	}
	if calls.Load() != 3 {
		t.Errorf("polled %d times, want 3", calls.Load())
	}
}

func TestWatchFiltersByBatch(t *testing.T) {
	c := server(t, func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/v1/ws" {
			t.Errorf("websocket path %s", r.URL.Path)
		}
		conn, err := websocket.Accept(w, r, nil)
		if err != nil {
			return
		}
		defer func() { _ = conn.CloseNow() }()
		for _, m := range []string{
			`{"type":"connected","category":"system_alerts","timestamp":"2026-11-27T10:00:00Z"}`,
			`{"type":"batch_phase_progress","category":"batch_progress","priority":"low","batch_id":"other","payload":{"phase":"nlp"},"timestamp":"2026-11-27T10:00:01Z"}`,
			`{"type":"batch_phase_progress","category":"batch_progress","priority":"low","batch_id":"b1","payload":{"phase":"spellcheck","completed":3},"timestamp":"2026-11-27T10:00:02Z"}`,
			`{"type":"batch_results_ready","category":"processing_results","priority":"high","batch_id":"b1","timestamp":"2026-11-27T10:00:03Z"}`,
		} {
			if err := conn.Write(r.Context(), websocket.MessageText, []byte(m)); err != nil {
				return
			}
		}
		conn.Close(websocket.StatusNormalClosure, "bye")
	})
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	w, err := c.Watch(ctx, "b1")
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	var got []string
	for {
		n, err := w.Next(ctx)
		if errors.Is(err, client.ErrWatchClosed) {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		got = append(got, n.Type)
		if n.Type == "batch_phase_progress" {
			var p struct {
				Phase     string `json:"phase"`
				Completed int    `json:"completed"`
			}
			if err := n.DecodePayload(&p); err != nil || p.Phase != "spellcheck" || p.Completed != 3 {
				t.Errorf("payload %+v, %v; want spellcheck 3", p, err)
			}
		}
	}
	if strings.Join(got, ",") != "batch_phase_progress,batch_results_ready" {
		t.Errorf("notifications %v, want b1's progress then results ready", got)
	}
}

func TestWatchUnauthenticated(t *testing.T) {
	c := server(t, func(http.ResponseWriter, *http.Request) {})
	bad, err := client.New(c.BaseURL(), "wrong")
	if err != nil {
		t.Fatal(err)
	}
	_, err = bad.Watch(context.Background(), "")
	if client.StatusOf(err) != http.StatusUnauthorized {
		t.Errorf("Watch with a bad token: %v, want a 401 *client.Error", err)
	}
}
