package cjassess_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/hule-dev/hule/internal/cjassess"
	"github.com/hule-dev/hule/internal/cjassess/judge"
	"github.com/hule-dev/hule/internal/cjassess/pairing"
)

// openAIServer speaks the chat-completions wire format: a valid verdict on
// most calls, on every 4th call an answer that is not JSON and on every 7th
// a refusal.
func openAIServer(t *testing.T) *httptest.Server {
	t.Helper()
	var (
		mu sync.Mutex
		n  int
	)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body)
		mu.Lock()
		n++
		call := n
		mu.Unlock()
		content, refusal := `{"winner": "Essay A", "justification": "Clearer argument.", "confidence": 3}`, "null"
		switch {
		case call%7 == 0:
			content, refusal = "", `"I can't help with that."`
		case call%4 == 0:
			content = "Essay A is better, I think."
		case call%2 == 0:
			content = `{"winner": "Essay B", "justification": "Better evidence.", "confidence": 4}`
		}
		c, _ := json.Marshal(content)
		if content == "" {
			c = []byte("null")
		}
		w.Header().Set("Content-Type", "application/json")
		_, _ = fmt.Fprintf(w, `{"id":"chatcmpl-%d","object":"chat.completion","created":1764200000,"model":"gpt-4.1-mini-2025-04-14",
"choices":[{"index":0,"message":{"role":"assistant","content":%s,"refusal":%s},"logprobs":null,"finish_reason":"stop"}],
"usage":{"prompt_tokens":1000,"completion_tokens":40,"total_tokens":1040}}`, call, c, refusal)
	}))
	t.Cleanup(srv.Close)
	return srv
}

// TestRunLLMJudge runs a job through the real OpenAI judge against a local
// server whose malformed answers and refusals must land in the retry pool,
// and checks that tokens and cost reach the outcome and the rich event.
func TestRunLLMJudge(t *testing.T) {
	srv := openAIServer(t)
	cfg := judge.DefaultConfig(judge.ProviderOpenAI)
	cfg.BaseURL = srv.URL + "/v1"
	cfg.MaxAttempts = 1 // the engine's retry pool, not the judge, retries
	cfg.Timeout = 10 * time.Second
	j, err := judge.New(cfg, func(string) string { return "test-key" }, nil)
	if err != nil {
		t.Fatal(err)
	}
	students, _ := exampleEssays(t)
	st := sqliteStore(t)
	eng := cjassess.NewEngine(st, j, cjassess.EngineOptions{Temperature: &cfg.Temperature})
	out, err := eng.Run(context.Background(), cjassess.Job{
		ID: "job-llm", BatchID: "b-llm", Essays: students[:8],
		Settings: cjassess.Settings{Pairing: pairing.Options{ComparisonsPerEssay: 4, BothOrders: true, Seed: 2}},
	})
	if err != nil {
		t.Fatalf("Run: %v", err)
	}
	if out.FailedCalls == 0 {
		t.Fatal("no failed calls: malformed answers and refusals did not reach the retry pool")
	}
	if out.Usage.InputTokens != int64(1000*out.Comparisons) || out.Usage.CostUSD <= 0 {
		t.Errorf("usage = %+v for %d comparisons, want 1000 input tokens each and a cost", out.Usage, out.Comparisons)
	}
	if out.Model != "gpt-4.1-mini-2025-04-14" || out.Provider != judge.ProviderOpenAI {
		t.Errorf("judge = %s/%s", out.Provider, out.Model)
	}
	comps, err := st.Comparisons(context.Background(), "job-llm")
	if err != nil {
		t.Fatal(err)
	}
	var orders = map[string]bool{}
	for _, c := range comps {
		if c.Status == cjassess.StatusSucceeded {
			if c.Raw == "" || c.Justification == "" || c.Confidence == 0 || c.InputTokens != 1000 {
				t.Errorf("stored verdict lacks its record: %+v", c)
			}
			orders[c.EssayA+"|"+c.EssayB] = true
		}
	}
	both := 0
	for k := range orders {
		a, b, _ := strings.Cut(k, "|")
		if orders[b+"|"+a] {
			both++
		}
	}
	if both == 0 {
		t.Error("no pair was judged in both orders")
	}
	rich, err := cjassess.RichResult(out)
	if err != nil {
		t.Fatalf("RichResult: %v", err)
	}
	var meta cjassess.Metadata
	if err := rich.AssessmentMetadata.Decode(&meta); err != nil {
		t.Fatal(err)
	}
	if meta.CostUSD <= 0 || meta.InputTokens == 0 || meta.Temperature == nil || meta.FailedComparisons != out.FailedCalls {
		t.Errorf("metadata = %+v", meta)
	}
}
