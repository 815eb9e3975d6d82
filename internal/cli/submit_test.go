package cli

import (
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/coder/websocket"

	"github.com/hule-dev/hule/internal/batch"
	"github.com/hule-dev/hule/internal/cjassess"
	"github.com/hule-dev/hule/internal/content"
	"github.com/hule-dev/hule/internal/gateway"
	"github.com/hule-dev/hule/internal/httpapi"
	"github.com/hule-dev/hule/internal/results"
)

const apiToken = "test-token"

// fakeAPI answers the public API routes `hule submit` and `hule results`
// use with the services' own response types, so the commands are tested
// against the JSON the platform really sends. The platform itself runs in
// the end-to-end tests (test/e2e).
type fakeAPI struct {
	mu        sync.Mutex
	uploaded  []string
	refusals  int // pipeline requests answered batch_not_ready first
	requested string
	assigned  string
	anchors   []string // assignment/grade/name of registered anchors
	ws        chan []byte
}

func newFakeAPI(t *testing.T) (*fakeAPI, *httptest.Server) {
	f := &fakeAPI{refusals: 2, ws: make(chan []byte, 8)}
	mux := http.NewServeMux()
	mux.HandleFunc("POST /v1/batches", func(w http.ResponseWriter, r *http.Request) {
		var body batch.RegisterBody
		if err := json.NewDecoder(r.Body).Decode(&body); err != nil || body.ExpectedEssayCount != 3 || body.CourseCode != "ENG5" {
			httpapi.Error(w, r, http.StatusBadRequest, "invalid_request", "bad registration")
			return
		}
		httpapi.JSON(w, http.StatusCreated, batch.RegisterResponse{BatchID: "b1", EssayIDs: []string{"e1", "e2", "e3"},
			Status: "awaiting_content_validation", CorrelationID: "c0"})
	})
	mux.HandleFunc("POST /v1/batches/b1/essays", func(w http.ResponseWriter, r *http.Request) {
		mr, err := r.MultipartReader()
		if err != nil {
			httpapi.Error(w, r, http.StatusBadRequest, "bad_multipart", err.Error())
			return
		}
		resp := content.UploadResponse{BatchID: "b1"}
		for {
			p, err := mr.NextPart()
			if err != nil {
				break
			}
			f.mu.Lock()
			f.uploaded = append(f.uploaded, p.FileName())
			f.mu.Unlock()
			resp.Files = append(resp.Files, content.UploadedFile{FileName: p.FileName(), Status: content.UploadAccepted})
			resp.Accepted++
		}
		httpapi.JSON(w, http.StatusAccepted, resp)
	})
	mux.HandleFunc("POST /v1/batches/b1/pipelines", func(w http.ResponseWriter, r *http.Request) {
		var body batch.PipelineBody
		_ = json.NewDecoder(r.Body).Decode(&body)
		f.mu.Lock()
		defer f.mu.Unlock()
		if f.refusals > 0 {
			f.refusals--
			httpapi.Error(w, r, http.StatusConflict, batch.RefusedNotReady, "batch b1 is not ready: essay content is still arriving")
			return
		}
		f.requested = body.Pipeline
		if body.AssignmentID != nil {
			f.assigned = *body.AssignmentID
		}
		for _, m := range []gateway.Notification{
			{Type: "phase_progress", Category: "batch_progress", BatchID: "b1",
				Payload: map[string]any{"phase": "spellcheck", "status": "running", "done": 2, "failed": 0, "total": 3}},
			{Type: "batch_results_ready", Category: "processing_results", BatchID: "b1", Payload: map[string]any{"status": "completed_successfully"}},
		} {
			b, _ := json.Marshal(m)
			f.ws <- b
		}
		httpapi.JSON(w, http.StatusAccepted, batch.PipelineResponse{BatchID: "b1", Pipeline: body.Pipeline, Status: "accepted", CorrelationID: "c1"})
	})
	mux.HandleFunc("GET /v1/batches/b1", func(w http.ResponseWriter, r *http.Request) {
		f.mu.Lock()
		requested := f.requested != ""
		f.mu.Unlock()
		d := results.BatchDetail{BatchSummary: results.BatchSummary{BatchID: "b1", Status: "processing_pipelines",
			Phases: []results.PhaseProgress{}}, Pipelines: []results.PipelineRun{}, Failures: []results.Failure{}}
		if requested {
			d.Status = "completed_successfully"
			d.Phases = []results.PhaseProgress{{Phase: "spellcheck", Status: "completed", Done: 3, Total: 3},
				{Phase: "cj_assessment", Status: "completed", Done: 3, Total: 3}}
			d.Pipelines = []results.PipelineRun{{Pipeline: "cj_assessment", CorrelationID: "c1", Status: "completed_successfully", ResultsReady: true}}
		}
		httpapi.JSON(w, http.StatusOK, d)
	})
	mux.HandleFunc("GET /v1/batches/b1/results", func(w http.ResponseWriter, r *http.Request) {
		ssr := 0.83
		reading := results.SSRReading{Level: "reliable", Text: "reliable enough for grading"}
		res := results.BatchResults{BatchID: "b1", Status: "completed_successfully", ResultsReady: true, SSR: &ssr, SSRReading: &reading}
		for i, name := range []string{"b.txt", "a.txt", "c.md"} {
			rank, grade, bt, se, conf, corr, words := i+1, []string{"A", "C", "F"}[i], 1.5-float64(i), 0.4, "HIGH", i, 120+i
			res.Essays = append(res.Essays, results.EssayResult{Rank: &rank, EssayID: "e" + name, FileName: name, Status: "assessed",
				Grade: &grade, BTScore: &bt, SE: &se, ConfidenceLabel: &conf, SpellingCorrections: &corr, WordCount: &words})
		}
		httpapi.JSON(w, http.StatusOK, res)
	})
	mux.HandleFunc("POST /v1/assignments/{id}/anchors", func(w http.ResponseWriter, r *http.Request) {
		var body cjassess.AnchorRequest
		if err := json.NewDecoder(r.Body).Decode(&body); err != nil {
			httpapi.Error(w, r, http.StatusBadRequest, "invalid_json", err.Error())
			return
		}
		f.mu.Lock()
		defer f.mu.Unlock()
		key := r.PathValue("id") + "/" + body.Grade + "/" + body.DisplayName
		if slices.Contains(f.anchors, key) {
			httpapi.Error(w, r, http.StatusConflict, "duplicate_anchor", "anchor already registered")
			return
		}
		f.anchors = append(f.anchors, key)
		httpapi.JSON(w, http.StatusCreated, cjassess.AnchorView{ID: "a", AssignmentID: r.PathValue("id"), Grade: body.Grade,
			DisplayName: body.DisplayName, CreatedAt: "2026-11-27T10:00:00Z"})
	})
	mux.HandleFunc("GET /v1/ws", func(w http.ResponseWriter, r *http.Request) {
		conn, err := websocket.Accept(w, r, nil)
		if err != nil {
			return
		}
		defer func() { _ = conn.CloseNow() }()
		for {
			select {
			case <-r.Context().Done():
				return
			case m := <-f.ws:
				if err := conn.Write(r.Context(), websocket.MessageText, m); err != nil {
					return
				}
			}
		}
	})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("Authorization") != "Bearer "+apiToken {
			httpapi.Error(w, r, http.StatusUnauthorized, "unauthenticated", "unauthenticated: unknown token")
			return
		}
		mux.ServeHTTP(w, r)
	}))
	t.Cleanup(srv.Close)
	return f, srv
}

func essayDir(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	for name, text := range map[string]string{
		"a.txt": "An essay about summer holidays and what I did.", "b.txt": "Another essay, on the value of reading books.",
		"c.md": "# Title\n\nA third essay on school lunches.", "notes.pdf": "not an essay",
	} {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(text), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

func runCLI(t *testing.T, env map[string]string, args ...string) (stdout, stderr string, err error) {
	t.Helper()
	var out, errOut bytes.Buffer
	err = Run(context.Background(), args, Env{Getenv: func(k string) string { return env[k] }, Stdout: &out, Stderr: &errOut})
	return out.String(), errOut.String(), err
}

func TestSubmitShowsProgressAndRankedResults(t *testing.T) {
	f, srv := newFakeAPI(t)
	stdout, stderr, err := runCLI(t, map[string]string{"HULE_TOKEN": apiToken},
		"submit", essayDir(t), "--server", srv.URL, "--pipeline", "cj_assessment", "--assignment", "a1", "--format", "json")
	if err != nil {
		t.Fatalf("submit: %v\nstderr: %s", err, stderr)
	}
	if strings.Join(f.uploaded, ",") != "a.txt,b.txt,c.md" {
		t.Errorf("uploaded %v, want the three essays (not notes.pdf)", f.uploaded)
	}
	if f.requested != "cj_assessment" || f.assigned != "a1" || f.refusals != 0 {
		t.Errorf("pipeline %q for assignment %q after %d refusals left, want cj_assessment for a1, retried until ready",
			f.requested, f.assigned, f.refusals)
	}
	for _, want := range []string{"batch b1: 3 essays", "Spellcheck:", "Comparative judgement: completed, 3 of 3 done"} {
		if !strings.Contains(stderr, want) {
			t.Errorf("stderr lacks %q:\n%s", want, stderr)
		}
	}
	var r report
	if err := json.Unmarshal([]byte(stdout), &r); err != nil {
		t.Fatalf("stdout is not the JSON report: %v\n%s", err, stdout)
	}
	if len(r.Essays) != 3 || r.Essays[0].Essay != "b.txt" || *r.Essays[0].Grade != "A" || r.SSR == nil || *r.SSR != 0.83 {
		t.Errorf("report %+v, want b.txt first with A and SSR 0.83", r)
	}
}

func TestResultsFormats(t *testing.T) {
	_, srv := newFakeAPI(t)
	tests := []struct {
		format string
		check  func(t *testing.T, out string)
	}{
		{"table", func(t *testing.T, out string) {
			for _, want := range []string{"rank", "b.txt", "+1.50 ± 0.40", "HIGH", "SSR) 0.83: reliable enough for grading"} {
				if !strings.Contains(out, want) {
					t.Errorf("table lacks %q:\n%s", want, out)
				}
			}
		}},
		{"csv", func(t *testing.T, out string) {
			rows, err := csv.NewReader(strings.NewReader(out)).ReadAll()
			if err != nil {
				t.Fatal(err)
			}
			if len(rows) != 4 || rows[0][0] != "rank" || rows[1][1] != "b.txt" || rows[3][2] != "F" {
				t.Errorf("csv rows %v, want header and 3 essays ranked b, a, c", rows)
			}
		}},
	}
	for _, tt := range tests {
		t.Run(tt.format, func(t *testing.T) {
			out, stderr, err := runCLI(t, nil, "results", "b1", "--server", srv.URL, "--token", apiToken, "--format", tt.format)
			if err != nil {
				t.Fatalf("results: %v\n%s", err, stderr)
			}
			tt.check(t, out)
		})
	}
}

func TestServerCommandsRefuseBadInput(t *testing.T) {
	_, srv := newFakeAPI(t)
	dir := essayDir(t)
	tests := []struct {
		name string
		args []string
		code int
		msg  string
	}{
		{"no token", []string{"results", "b1", "--server", srv.URL}, 1, "--token"},
		{"bad format", []string{"results", "b1", "--server", srv.URL, "--token", apiToken, "--format", "xml"}, 1, "--format"},
		{"bad pipeline", []string{"submit", dir, "--server", srv.URL, "--token", apiToken, "--pipeline", "all"}, 1, "--pipeline"},
		{"wrong token", []string{"results", "b1", "--server", srv.URL, "--token", "nope"}, 2, "unknown token"},
		{"unknown batch", []string{"results", "b2", "--server", srv.URL, "--token", apiToken}, 2, "404"},
		{"empty folder", []string{"submit", t.TempDir(), "--server", srv.URL, "--token", apiToken}, 1, "no .txt"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, _, err := runCLI(t, nil, tt.args...)
			if err == nil {
				t.Fatal("no error")
			}
			if got := ExitCode(err); got != tt.code {
				t.Errorf("exit code %d, want %d (%v)", got, tt.code, err)
			}
			if !strings.Contains(err.Error(), tt.msg) {
				t.Errorf("error %q does not mention %q", err, tt.msg)
			}
		})
	}
}

func TestProgressIgnoresStaleStatesAndPrintsChanges(t *testing.T) {
	var buf bytes.Buffer
	p := newProgress(&buf)
	steps := []phaseState{
		{phase: "nlp", status: "requested"},
		{phase: "spellcheck", status: "running", done: 2, total: 8},
		{phase: "spellcheck", status: "running", done: 3, total: 8},   // same quarter: no line
		{phase: "spellcheck", status: "running", done: 5, total: 8},   // next quarter
		{phase: "spellcheck", status: "running", done: 3, total: 8},   // older: ignored
		{phase: "spellcheck", status: "completed", done: 8, total: 8}, // terminal
		{phase: "spellcheck", status: "running", done: 7, total: 8},   // after terminal: ignored
		{phase: "nlp", status: "skipped"},
	}
	for _, s := range steps {
		p.set(s)
		p.draw()
	}
	want := []string{
		"Text analysis: requested, 0 of 0 done",
		"Spellcheck: running, 2 of 8 done",
		"Spellcheck: running, 5 of 8 done",
		"Spellcheck: completed, 8 of 8 done",
		"Text analysis: skipped",
	}
	if strings.Join(p.order, ",") != "spellcheck,nlp" {
		t.Errorf("phases shown in order %v, want spellcheck before nlp", p.order)
	}
	got := strings.Split(strings.TrimSpace(buf.String()), "\n")
	if strings.Join(got, "|") != strings.Join(want, "|") {
		t.Errorf("progress lines\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

func TestBarLine(t *testing.T) {
	tests := []struct {
		name string
		s    phaseState
		want string
	}{
		{"half", phaseState{phase: "nlp", status: "running", done: 5, total: 10},
			"Text analysis          " + strings.Repeat("█", 15) + strings.Repeat("░", 15) + "   5/10  running"},
		{"failures", phaseState{phase: "spellcheck", status: "completed_with_failures", done: 9, failed: 1, total: 10},
			"Spellcheck             " + strings.Repeat("█", 27) + strings.Repeat("x", 3) + "   9/10  (1 failed) completed with failures"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := barLine(tt.s); got != tt.want {
				t.Errorf("barLine = %q, want %q", got, tt.want)
			}
		})
	}
}

func TestSubmitRegistersAnchorsOnce(t *testing.T) {
	f, srv := newFakeAPI(t)
	anchors := t.TempDir()
	for name, text := range map[string]string{"grades.csv": "file,grade\nhigh.txt,A\nlow.txt,F\n",
		"high.txt": "An excellent anchor essay with a clear argument.", "low.txt": "a weak anchor essay"} {
		if err := os.WriteFile(filepath.Join(anchors, name), []byte(text), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	dir := essayDir(t)
	for run := range 2 {
		f.mu.Lock()
		f.refusals = 0
		f.mu.Unlock()
		if _, stderr, err := runCLI(t, nil, "submit", dir, "--server", srv.URL, "--token", apiToken, "--anchors", anchors); err != nil {
			t.Fatalf("submit run %d: %v\n%s", run, err, stderr)
		}
	}
	if len(f.anchors) != 2 || !strings.HasPrefix(f.anchors[0], "anchors-") || !strings.HasSuffix(f.anchors[0], "/A/high.txt") {
		t.Errorf("anchors registered %v, want high.txt (A) and low.txt (F) once under a derived assignment", f.anchors)
	}
	if assignment, _, _ := strings.Cut(f.anchors[0], "/"); f.assigned != assignment {
		t.Errorf("pipeline requested for assignment %q, want the anchors' %q", f.assigned, assignment)
	}
}
