package client_test

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/hule-dev/hule/internal/client"
)

const notReady = `{"error":{"code":"batch_not_ready","message":"batch b1 is not ready: essay content is still arriving"}}`

func TestRequestWhenReady(t *testing.T) {
	tests := []struct {
		name string
		// answer answers the nth pipeline request (from 1).
		answer func(w http.ResponseWriter, n int32)
		// cancelAt cancels the caller's context after the nth answer (0:
		// never), standing in for a deadline without depending on timing.
		cancelAt  int32
		wantCalls int32 // 0: not checked (the cancellation races the next request)
		wantCorr  string
		wantCode  string
		wantCtx   bool // the error wraps context.Canceled
	}{
		{
			name: "not ready, then accepted",
			answer: func(w http.ResponseWriter, n int32) {
				if n < 3 {
					write(w, http.StatusConflict, notReady)
					return
				}
				write(w, http.StatusAccepted, `{"batch_id":"b1","pipeline":"nlp","status":"accepted","correlation_id":"c1"}`)
			},
			wantCalls: 3, wantCorr: "c1",
		},
		{
			name: "another refusal ends it",
			answer: func(w http.ResponseWriter, _ int32) {
				write(w, http.StatusConflict, `{"error":{"code":"pipeline_already_running","message":"batch b1 is already running"}}`)
			},
			wantCalls: 1, wantCode: client.RefusedRunning,
		},
		{
			name:     "never ready",
			answer:   func(w http.ResponseWriter, _ int32) { write(w, http.StatusConflict, notReady) },
			cancelAt: 3, wantCode: client.RefusedNotReady, wantCtx: true,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var calls atomic.Int32
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			c := server(t, func(w http.ResponseWriter, r *http.Request) {
				if r.Method+" "+r.URL.Path != "POST /v1/batches/b1/pipelines" {
					t.Errorf("unexpected %s %s", r.Method, r.URL.Path)
				}
				n := calls.Add(1)
				tt.answer(w, n)
				if n == tt.cancelAt {
					cancel()
				}
			})
			acc, err := c.RequestWhenReady(ctx, "b1", client.PipelineNLP, time.Millisecond)
			if tt.wantCalls != 0 && calls.Load() != tt.wantCalls {
				t.Errorf("server saw %d requests, want %d", calls.Load(), tt.wantCalls)
			}
			if tt.wantCode == "" {
				if err != nil || acc.CorrelationID != tt.wantCorr {
					t.Fatalf("RequestWhenReady = %+v, %v; want correlation id %s", acc, err, tt.wantCorr)
				}
				return
			}
			if got := client.CodeOf(err); got != tt.wantCode {
				t.Errorf("error %v has code %q, want %q", err, got, tt.wantCode)
			}
			if got := errors.Is(err, context.Canceled); got != tt.wantCtx {
				t.Errorf("error %v wraps the context's end: %v, want %v", err, got, tt.wantCtx)
			}
			if tt.wantCtx && !strings.Contains(err.Error(), "never ready") {
				t.Errorf("error %q does not say the batch was never ready", err)
			}
		})
	}
}

// runState is a pipeline-state answer with one run of correlation id c1 in
// the given state (finished when final is not empty) beside a finished run
// of another request.
func runState(status, phase, final string) string {
	run := `"pipeline":"comprehensive","status":"` + status + `","phases":["spellcheck","nlp"],"correlation_id":"c1","started_at":"2026-11-27T10:00:00Z"`
	if phase != "" {
		run += `,"current_phase":"` + phase + `"`
	}
	if final != "" {
		run += `,"final_status":"` + final + `","finished_at":"2026-11-27T10:05:00Z"`
	}
	return `{"batch_id":"b1","status":"processing_pipelines","ready":true,"expected_essay_count":2,"runs":[
		{"pipeline":"nlp","status":"completed","phases":["nlp"],"final_status":"failed","correlation_id":"c0",
		 "started_at":"2026-11-27T09:00:00Z","finished_at":"2026-11-27T09:01:00Z"},{` + run + `}]}`
}

func TestWaitRunReturnsTheFinishedRun(t *testing.T) {
	var calls atomic.Int32
	c := server(t, func(w http.ResponseWriter, r *http.Request) {
		if r.Method+" "+r.URL.Path != "GET /v1/batches/b1/pipeline-state" {
			t.Errorf("unexpected %s %s", r.Method, r.URL.Path)
		}
		switch calls.Add(1) {
		case 1:
			write(w, http.StatusOK, runState("running", "spellcheck", ""))
		case 2:
			// A restarting server: tried again, not an error.
			write(w, http.StatusBadGateway, `{"error":{"code":"unavailable","message":"restarting"}}`)
		default:
			write(w, http.StatusOK, runState("completed", "", client.StatusCompletedSuccessfully))
		}
	})
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	run, err := c.WaitRun(ctx, "b1", "c1", time.Millisecond)
	if err != nil {
		t.Fatal(err)
	}
	if run.CorrelationID != "c1" || run.FinalStatus != client.StatusCompletedSuccessfully || run.FinishedAt == nil {
		t.Errorf("WaitRun = %+v, want run c1 completed successfully", run)
	}
	if want := time.Date(2026, 11, 27, 10, 5, 0, 0, time.UTC); run.FinishedAt != nil && !run.FinishedAt.Equal(want) {
		t.Errorf("FinishedAt = %v, want the server's %v", run.FinishedAt, want)
	}
	if calls.Load() != 3 {
		t.Errorf("server saw %d reads, want 3", calls.Load())
	}
}

func TestWaitRunExpiryNamesTheLastState(t *testing.T) {
	tests := []struct {
		name     string
		answer   func(w http.ResponseWriter)
		wantRun  string // the correlation id of the returned run
		wantText []string
	}{
		{
			name:     "running",
			answer:   func(w http.ResponseWriter) { write(w, http.StatusOK, runState("running", "nlp", "")) },
			wantRun:  "c1",
			wantText: []string{"run c1 of batch b1 did not finish", "last state running, phase nlp"},
		},
		{
			name: "server down",
			answer: func(w http.ResponseWriter) {
				write(w, http.StatusServiceUnavailable, `{"error":{"message":"draining"}}`)
			},
			wantText: []string{"never listed", "last read failed", "draining"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			// The context ends after the third answer, standing in for a
			// deadline without depending on timing.
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			var calls atomic.Int32
			c := server(t, func(w http.ResponseWriter, _ *http.Request) {
				tt.answer(w)
				if calls.Add(1) == 3 {
					cancel()
				}
			})
			run, err := c.WaitRun(ctx, "b1", "c1", time.Millisecond)
			if !errors.Is(err, context.Canceled) {
				t.Fatalf("WaitRun error %v, want the context's end", err)
			}
			for _, want := range tt.wantText {
				if !strings.Contains(err.Error(), want) {
					t.Errorf("error %q does not mention %q", err, want)
				}
			}
			if run.CorrelationID != tt.wantRun {
				t.Errorf("returned run %+v, want correlation id %q", run, tt.wantRun)
			}
		})
	}
}
