package batch

import (
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/google/uuid"

	"github.com/hule-dev/hule/internal/bus/bustest"
	"github.com/hule-dev/hule/internal/events"
	"github.com/hule-dev/hule/internal/httpapi"
)

// call sends a request as user (none when empty) and returns the status
// and body.
func call(t *testing.T, url, method, user, body string) (int, []byte) {
	t.Helper()
	req, err := http.NewRequest(method, url, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	if user != "" {
		req.Header.Set("X-Test-User", user)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp.StatusCode, b
}

func TestPostBatch(t *testing.T) {
	h := newHarness(t, nil)
	srv := h.server()
	tests := []struct {
		name       string
		user, body string
		status     int
		wantMsg    string
	}{
		{"registered", "u1", `{"course_code":"ENG5","expected_essay_count":2,"assignment_id":"a1","prompt_storage_id":"p1"}`, 201, ""},
		{"unauthenticated", "", `{"course_code":"ENG5","expected_essay_count":2}`, 401, "authentication"},
		{"not json", "u1", `course=ENG5`, 400, "invalid JSON"},
		{"misspelled field", "u1", `{"course_code":"ENG5","expected_count":2}`, 400, "unknown field"},
		{"unknown course", "u1", `{"course_code":"ENG8","expected_essay_count":2}`, 400, `course_code "ENG8"`},
		{"zero essays", "u1", `{"course_code":"ENG5","expected_essay_count":0}`, 400, "expected_essay_count 0"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h.rec.Reset()
			status, body := call(t, srv.URL+"/v1/batches", "POST", tt.user, tt.body)
			if status != tt.status {
				t.Fatalf("status %d, want %d: %s", status, tt.status, body)
			}
			if tt.status != 201 {
				var e httpapi.ErrorBody
				if err := json.Unmarshal(body, &e); err != nil || !strings.Contains(e.Error.Message, tt.wantMsg) || e.Error.CorrelationID == "" {
					t.Errorf("error body %s, want a message containing %q", body, tt.wantMsg)
				}
				if len(h.rec.All()) != 0 {
					t.Error("a refused registration published events")
				}
				return
			}
			var r RegisterResponse
			if err := json.Unmarshal(body, &r); err != nil {
				t.Fatal(err)
			}
			if len(r.EssayIDs) != 2 || r.Status != string(events.BatchStatusAwaitingContentValidation) {
				t.Errorf("response %s", body)
			}
			reg := bustest.Data[events.BatchEssaysRegistered](t, h.rec, events.TopicBatchEssaysRegistered)
			if len(reg) != 1 || reg[0].EntityID != r.BatchID || reg[0].UserID != "u1" {
				t.Errorf("published %+v", reg)
			}
			env, _ := h.rec.OnTopic(events.TopicBatchEssaysRegistered)[0].Decode()
			if env.CorrelationID.String() != r.CorrelationID {
				t.Errorf("event correlation %s, response %s", env.CorrelationID, r.CorrelationID)
			}
		})
	}
}

func TestPostPipeline(t *testing.T) {
	h := newHarness(t, nil)
	srv := h.server()
	ready := h.register(2)
	h.ready(ready)
	waiting := h.register(2)
	running := h.register(1)
	h.ready(running)
	h.request(running.ID, "u1", "spellcheck", uuid.New())

	tests := []struct {
		name, user, batch, body string
		status                  int
		code, wantMsg           string
	}{
		{"accepted", "u1", ready.ID, `{"pipeline":"nlp","assignment_id":"a7"}`, 202, "", ""},
		{"unknown batch", "u1", "nope", `{"pipeline":"nlp"}`, 404, RefusedNotFound, "not found"},
		{"another user's batch", "u2", ready.ID, `{"pipeline":"nlp"}`, 404, RefusedNotFound, "not found"},
		{"not ready", "u1", waiting.ID, `{"pipeline":"nlp"}`, 409, RefusedNotReady, "still arriving"},
		{"already running", "u1", running.ID, `{"pipeline":"nlp"}`, 409, RefusedRunning, `running pipeline "spellcheck"`},
		{"unknown pipeline", "u1", ready.ID, `{"pipeline":"grammar"}`, 400, RefusedUnknownPipeline,
			"known pipelines: cj_assessment, comprehensive, nlp, spellcheck"},
		{"bad body", "u1", ready.ID, `{"pipe":"nlp"}`, 400, "invalid_request", "unknown field"},
		{"unauthenticated", "", ready.ID, `{"pipeline":"nlp"}`, 401, "unauthenticated", "authentication"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h.rec.Reset()
			status, body := call(t, srv.URL+"/v1/batches/"+tt.batch+"/pipelines", "POST", tt.user, tt.body)
			if status != tt.status {
				t.Fatalf("status %d, want %d: %s", status, tt.status, body)
			}
			if status != 202 {
				var e httpapi.ErrorBody
				if err := json.Unmarshal(body, &e); err != nil || e.Error.Code != tt.code || !strings.Contains(e.Error.Message, tt.wantMsg) {
					t.Errorf("error body %s, want code %s and a message containing %q", body, tt.code, tt.wantMsg)
				}
				if len(h.rec.All()) != 0 {
					t.Error("a refused request published events")
				}
				return
			}
			var r PipelineResponse
			if err := json.Unmarshal(body, &r); err != nil {
				t.Fatal(err)
			}
			got := bustest.Data[events.ClientBatchPipelineRequestV1](t, h.rec, events.TopicClientBatchPipelineRequest)
			if len(got) != 1 || got[0].BatchID != ready.ID || got[0].RequestedPipeline != "nlp" || got[0].UserID != "u1" ||
				*got[0].PromptPayload.AssignmentID != "a7" || got[0].ClientCorrelationID.String() != r.CorrelationID {
				t.Errorf("published %+v for response %s", got, body)
			}
		})
	}
}

func TestGetPipelineState(t *testing.T) {
	h := newHarness(t, nil)
	srv := h.server()
	b := h.register(1)
	h.ready(b)
	h.request(b.ID, "u1", "grammar", uuid.New())
	h.request(b.ID, "u1", "spellcheck", uuid.New())
	status, body := call(t, srv.URL+"/v1/batches/"+b.ID+"/pipeline-state", "GET", "u1", "")
	if status != 200 {
		t.Fatalf("status %d: %s", status, body)
	}
	var st StateResponse
	if err := json.Unmarshal(body, &st); err != nil {
		t.Fatal(err)
	}
	if st.Status != string(events.BatchStatusProcessingPipelines) || !st.Ready || len(st.Runs) != 2 ||
		st.Runs[0].RefusalCode != RefusedUnknownPipeline || st.Runs[1].CurrentPhase != "spellcheck" {
		t.Errorf("state %s", body)
	}
	if status, _ := call(t, srv.URL+"/v1/batches/"+b.ID+"/pipeline-state", "GET", "u2", ""); status != 404 {
		t.Errorf("another user's batch: status %d, want 404", status)
	}
}
