package judge

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/hule-dev/hule/internal/fault"
)

const testKey = "sk-test-SECRET-0123456789abcdef"

// step is one scripted response of a fake provider.
type step struct {
	status int
	header map[string]string
	body   string
	delay  time.Duration // wait before answering (fake time under synctest)
	hang   bool          // never answer; wait for the client to give up
}

// fakeProvider answers requests with a script, repeating the last step, and
// records what it received.
type fakeProvider struct {
	mu       sync.Mutex
	script   []step
	requests []recorded
	inFlight int
	maxIn    int
}

type recorded struct {
	at     time.Time
	path   string
	header http.Header
	body   map[string]any
}

func (f *fakeProvider) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	b, _ := io.ReadAll(r.Body)
	var body map[string]any
	_ = json.Unmarshal(b, &body)
	f.mu.Lock()
	i := len(f.requests)
	f.requests = append(f.requests, recorded{at: time.Now(), path: r.URL.Path, header: r.Header.Clone(), body: body})
	s := f.script[min(i, len(f.script)-1)]
	f.inFlight++
	f.maxIn = max(f.maxIn, f.inFlight)
	f.mu.Unlock()
	defer func() { f.mu.Lock(); f.inFlight--; f.mu.Unlock() }()
	if s.hang {
		<-r.Context().Done()
		return
	}
	if s.delay > 0 {
		time.Sleep(s.delay)
	}
	for k, v := range s.header {
		w.Header().Set(k, v)
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(s.status)
	_, _ = io.WriteString(w, s.body)
}

func (f *fakeProvider) calls() []recorded {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]recorded(nil), f.requests...)
}

// Wire-format bodies, shaped like the providers' documented responses.
func openaiOK(content string) string {
	c, _ := json.Marshal(content)
	return `{"id":"chatcmpl-abc123","object":"chat.completion","created":1764200000,"model":"gpt-4.1-mini-2025-04-14",
"choices":[{"index":0,"message":{"role":"assistant","content":` + string(c) + `,"refusal":null,"annotations":[]},"logprobs":null,"finish_reason":"stop"}],
"usage":{"prompt_tokens":1200,"completion_tokens":50,"total_tokens":1250,"prompt_tokens_details":{"cached_tokens":0,"audio_tokens":0},
"completion_tokens_details":{"reasoning_tokens":0,"audio_tokens":0,"accepted_prediction_tokens":0,"rejected_prediction_tokens":0}},
"service_tier":"default","system_fingerprint":"fp_test"}`
}

const openaiRefusal = `{"id":"chatcmpl-r","object":"chat.completion","created":1764200000,"model":"gpt-4.1-mini",
"choices":[{"index":0,"message":{"role":"assistant","content":null,"refusal":"I can't help with that."},"logprobs":null,"finish_reason":"stop"}],
"usage":{"prompt_tokens":1200,"completion_tokens":8,"total_tokens":1208}}`

func openaiErr(typ, code string) string {
	return fmt.Sprintf(`{"error":{"message":"Incorrect API key provided: %s.","type":%q,"param":null,"code":%q}}`, testKey, typ, code)
}

func anthropicToolOK(input string) string {
	return `{"id":"msg_01","type":"message","role":"assistant","model":"claude-haiku-4-5-20251001",
"content":[{"type":"tool_use","id":"toolu_01","name":"record_verdict","input":` + input + `}],
"stop_reason":"tool_use","stop_sequence":null,
"usage":{"input_tokens":1300,"output_tokens":70,"cache_creation_input_tokens":0,"cache_read_input_tokens":0}}`
}

func anthropicText(text, stop string) string {
	t, _ := json.Marshal(text)
	return `{"id":"msg_02","type":"message","role":"assistant","model":"claude-haiku-4-5-20251001",
"content":[{"type":"text","text":` + string(t) + `}],"stop_reason":"` + stop + `","stop_sequence":null,
"usage":{"input_tokens":1300,"output_tokens":20}}`
}

func anthropicErr(typ string) string {
	return `{"type":"error","error":{"type":"` + typ + `","message":"something went wrong"}}`
}

const goodAnswer = `{"winner": "Essay B", "justification": "Essay B develops its argument with evidence and clear paragraphs.", "confidence": 4}`

func testRequest() Request {
	temp := 0.3
	return Request{
		Prompt:    Prompt{Assignment: "Write about school uniforms.", Criteria: "Argument and accuracy.", Instructions: "Pick the better essay."},
		A:         Essay{ID: "e1", Text: "Uniforms are bad."},
		B:         Essay{ID: "e2", Text: "Uniforms have advantages and drawbacks, which I weigh here."},
		Overrides: Overrides{Temperature: &temp},
	}
}

// testConfig is a provider config pointed at a fake server with fast,
// small limits.
func testConfig(provider, baseURL string) Config {
	c := DefaultConfig(provider)
	c.BaseURL = baseURL
	c.MaxAttempts = 3
	c.BackoffBase = 10 * time.Millisecond
	c.BackoffMax = 40 * time.Millisecond
	c.Timeout = 5 * time.Second
	c.BreakerThreshold = 100
	return c
}

func getenv(name string) string {
	if name == "OPENAI_API_KEY" || name == "ANTHROPIC_API_KEY" || name == "CUSTOM_KEY" {
		return testKey
	}
	return ""
}

// newServerJudge starts an httptest server running the script.
func newServerJudge(t *testing.T, provider string, script []step, mod func(*Config), log *slog.Logger) (*LLM, *fakeProvider) {
	t.Helper()
	fp := &fakeProvider{script: script}
	srv := httptest.NewServer(fp)
	t.Cleanup(srv.Close)
	base := srv.URL + "/v1"
	if provider == ProviderAnthropic {
		base = srv.URL
	}
	cfg := testConfig(provider, base)
	if mod != nil {
		mod(&cfg)
	}
	j, err := NewLLM(cfg, getenv, log)
	if err != nil {
		t.Fatal(err)
	}
	return j, fp
}

// pipeNet is an in-memory network for tests inside a synctest bubble,
// where loopback sockets would keep the bubble from idling.
type pipeNet struct {
	conns chan net.Conn
	done  chan struct{}
	once  sync.Once
}

func newPipeNet() *pipeNet { return &pipeNet{conns: make(chan net.Conn), done: make(chan struct{})} }

func (p *pipeNet) Accept() (net.Conn, error) {
	select {
	case c := <-p.conns:
		return c, nil
	case <-p.done:
		return nil, net.ErrClosed
	}
}
func (p *pipeNet) Close() error   { p.once.Do(func() { close(p.done) }); return nil }
func (p *pipeNet) Addr() net.Addr { return &net.TCPAddr{IP: net.IPv4(127, 0, 0, 1), Port: 80} }
func (p *pipeNet) dial(ctx context.Context, _, _ string) (net.Conn, error) {
	s, c := net.Pipe()
	select {
	case p.conns <- s:
		return c, nil
	case <-ctx.Done():
		return nil, ctx.Err()
	case <-p.done:
		return nil, net.ErrClosed
	}
}

// newPipeJudge serves the script over a pipeNet; call inside synctest.Test.
func newPipeJudge(t *testing.T, provider string, script []step, mod func(*Config)) (*LLM, *fakeProvider) {
	t.Helper()
	fp := &fakeProvider{script: script}
	pn := newPipeNet()
	srv := &http.Server{Handler: fp, ReadHeaderTimeout: time.Minute}
	go func() { _ = srv.Serve(pn) }()
	tr := &http.Transport{DialContext: pn.dial}
	t.Cleanup(func() {
		tr.CloseIdleConnections()
		_ = srv.Close()
	})
	cfg := testConfig(provider, "http://fake.test/v1")
	cfg.HTTPClient = &http.Client{Transport: tr}
	if mod != nil {
		mod(&cfg)
	}
	j, err := NewLLM(cfg, getenv, nil)
	if err != nil {
		t.Fatal(err)
	}
	return j, fp
}

func TestLLMSuccess(t *testing.T) {
	tests := []struct {
		name     string
		provider string
		body     string
		wantIn   int64
		wantOut  int64
		check    func(t *testing.T, req recorded)
	}{
		{"openai json_schema", ProviderOpenAI, openaiOK(goodAnswer), 1200, 50, func(t *testing.T, req recorded) {
			if req.path != "/v1/chat/completions" {
				t.Errorf("path %q", req.path)
			}
			if got := req.header.Get("Authorization"); got != "Bearer "+testKey {
				t.Errorf("Authorization header %q does not carry the key", got)
			}
			rf, _ := req.body["response_format"].(map[string]any)
			if rf["type"] != "json_schema" {
				t.Errorf("response_format = %v, want json_schema", rf)
			}
			if req.body["temperature"] != 0.3 {
				t.Errorf("temperature %v, want the override 0.3", req.body["temperature"])
			}
			if req.body["max_tokens"] != float64(400) {
				t.Errorf("max_tokens %v, want 400 for a custom base URL", req.body["max_tokens"])
			}
			msgs, _ := req.body["messages"].([]any)
			if len(msgs) != 2 {
				t.Fatalf("messages: %v", msgs)
			}
			checkUserMessage(t, msgs[1].(map[string]any)["content"].(string))
		}},
		{"anthropic tool use", ProviderAnthropic, anthropicToolOK(goodAnswer), 1300, 70, func(t *testing.T, req recorded) {
			if req.path != "/v1/messages" {
				t.Errorf("path %q", req.path)
			}
			if got := req.header.Get("X-Api-Key"); got != testKey {
				t.Errorf("X-Api-Key header %q does not carry the key", got)
			}
			tc, _ := req.body["tool_choice"].(map[string]any)
			if tc["type"] != "tool" || tc["name"] != verdictTool {
				t.Errorf("tool_choice = %v, want the verdict tool", tc)
			}
			msgs, _ := req.body["messages"].([]any)
			content := msgs[0].(map[string]any)["content"].([]any)
			checkUserMessage(t, content[0].(map[string]any)["text"].(string))
		}},
		{"anthropic text in fences", ProviderAnthropic, anthropicText("Here you go:\n```json\n"+goodAnswer+"\n```", "end_turn"), 1300, 20, nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			j, fp := newServerJudge(t, tc.provider, []step{{status: 200, body: tc.body}}, nil, nil)
			v, err := j.Judge(context.Background(), testRequest())
			if err != nil {
				t.Fatalf("Judge: %v", err)
			}
			if v.Winner != SideB || v.Confidence != 4 || !strings.HasPrefix(v.Justification, "Essay B develops") {
				t.Errorf("verdict %+v", v)
			}
			if v.Usage.InputTokens != tc.wantIn || v.Usage.OutputTokens != tc.wantOut {
				t.Errorf("usage %+v, want %d/%d", v.Usage, tc.wantIn, tc.wantOut)
			}
			p, _ := DefaultPrices().Lookup(j.cfg.Model)
			if want := p.Cost(v.Usage); v.CostUSD != want || want == 0 {
				t.Errorf("cost %v, want %v", v.CostUSD, want)
			}
			if v.Provider != tc.provider || v.Model == "" || !strings.Contains(v.Raw, "Essay B") {
				t.Errorf("provider %q model %q raw %q", v.Provider, v.Model, v.Raw)
			}
			calls := fp.calls()
			if len(calls) != 1 {
				t.Fatalf("%d requests, want 1", len(calls))
			}
			if tc.check != nil {
				tc.check(t, calls[0])
			}
		})
	}
}

// checkUserMessage checks the prompt's parts come in the documented order
// and the essay ids stay hidden.
func checkUserMessage(t *testing.T, msg string) {
	t.Helper()
	parts := []string{"Write about school uniforms.", "Argument and accuracy.", "Pick the better essay.",
		"Uniforms are bad.", "Uniforms have advantages", `"winner"`}
	last := -1
	for _, p := range parts {
		i := strings.Index(msg, p)
		if i <= last {
			t.Errorf("prompt part %q at %d, want after %d in:\n%s", p, i, last, msg)
		}
		last = i
	}
	if strings.Contains(msg, "e1") || strings.Contains(msg, "e2") {
		t.Errorf("prompt reveals essay ids:\n%s", msg)
	}
}

func TestLLMBadOutput(t *testing.T) {
	tests := []struct {
		name      string
		provider  string
		body      string
		wantCalls int
		wantErr   error
	}{
		{"openai not JSON", ProviderOpenAI, openaiOK("Essay B is clearly better."), 3, ErrMalformed},
		{"openai no winner", ProviderOpenAI, openaiOK(`{"justification":"fine","confidence":3}`), 3, ErrMalformed},
		{"openai winner outside enum", ProviderOpenAI, openaiOK(`{"winner":"Essay C","justification":"x","confidence":3}`), 3, ErrMalformed},
		{"openai confidence out of range", ProviderOpenAI, openaiOK(`{"winner":"Essay A","justification":"x","confidence":9}`), 3, ErrMalformed},
		{"openai refusal", ProviderOpenAI, openaiRefusal, 1, ErrRefused},
		{"anthropic refusal", ProviderAnthropic, anthropicText("", "refusal"), 1, ErrRefused},
		{"anthropic prose", ProviderAnthropic, anthropicText("I think A is better.", "end_turn"), 3, ErrMalformed},
		{"openai bad key", ProviderOpenAI, "", 1, nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s := step{status: 200, body: tc.body}
			if tc.body == "" {
				s = step{status: 401, body: openaiErr("invalid_request_error", "invalid_api_key")}
			}
			j, fp := newServerJudge(t, tc.provider, []step{s}, nil, nil)
			_, err := j.Judge(context.Background(), testRequest())
			if err == nil || !fault.IsPermanent(err) {
				t.Fatalf("err = %v, want a permanent error", err)
			}
			if tc.wantErr != nil && !errors.Is(err, tc.wantErr) {
				t.Errorf("err = %v, want %v", err, tc.wantErr)
			}
			if n := len(fp.calls()); n != tc.wantCalls {
				t.Errorf("%d requests, want %d", n, tc.wantCalls)
			}
			if j.BreakerState() != BreakerClosed {
				t.Errorf("breaker %s after a permanent failure, want closed", j.BreakerState())
			}
		})
	}
}

func TestLLMMalformedThenValid(t *testing.T) {
	j, fp := newServerJudge(t, ProviderOpenAI, []step{
		{status: 200, body: openaiOK("no json here")},
		{status: 200, body: openaiOK(goodAnswer)},
	}, nil, nil)
	v, err := j.Judge(context.Background(), testRequest())
	if err != nil {
		t.Fatal(err)
	}
	if n := len(fp.calls()); n != 2 {
		t.Errorf("%d requests, want 2", n)
	}
	if v.Usage.InputTokens != 2400 {
		t.Errorf("input tokens %d, want both attempts counted (2400)", v.Usage.InputTokens)
	}
}

// TestLLMRetries covers the retry policy under synctest, where the waits
// run on a fake clock: the gaps between attempts are exact.
func TestLLMRetries(t *testing.T) {
	tests := []struct {
		name      string
		provider  string
		script    []step
		wantCalls int
		wantErr   error // nil: success
		permanent bool
		wantGap   time.Duration // exact gap before the second attempt, if set
	}{
		{"openai 429 retry-after then success", ProviderOpenAI, []step{
			{status: 429, header: map[string]string{"Retry-After": "7"}, body: openaiErr("requests", "rate_limit_exceeded")},
			{status: 200, body: openaiOK(goodAnswer)},
		}, 2, nil, false, 7 * time.Second},
		{"openai 429 retry-after-ms", ProviderOpenAI, []step{
			{status: 429, header: map[string]string{"Retry-After-Ms": "1500"}, body: openaiErr("requests", "rate_limit_exceeded")},
			{status: 200, body: openaiOK(goodAnswer)},
		}, 2, nil, false, 1500 * time.Millisecond},
		{"anthropic 429 retry-after then success", ProviderAnthropic, []step{
			{status: 429, header: map[string]string{"Retry-After": "3"}, body: anthropicErr("rate_limit_error")},
			{status: 200, body: anthropicToolOK(goodAnswer)},
		}, 2, nil, false, 3 * time.Second},
		{"openai 500 then success", ProviderOpenAI, []step{
			{status: 500, body: openaiErr("server_error", "")},
			{status: 200, body: openaiOK(goodAnswer)},
		}, 2, nil, false, 0},
		{"anthropic 529 overloaded then success", ProviderAnthropic, []step{
			{status: 529, body: anthropicErr("overloaded_error")},
			{status: 200, body: anthropicToolOK(goodAnswer)},
		}, 2, nil, false, 0},
		{"persistent 500", ProviderOpenAI, []step{{status: 500, body: openaiErr("server_error", "")}}, 3, nil, false, 0},
		{"retry-after beyond the cap", ProviderOpenAI, []step{
			{status: 429, header: map[string]string{"Retry-After": "3600"}, body: openaiErr("requests", "rate_limit_exceeded")},
		}, 1, nil, false, 0},
		{"timeout every attempt", ProviderOpenAI, []step{{hang: true}}, 3, ErrTimeout, false, 0},
		{"timeout then success", ProviderAnthropic, []step{{hang: true}, {status: 200, body: anthropicToolOK(goodAnswer)}}, 2, nil, false, 0},
		{"slow but within the timeout", ProviderOpenAI, []step{{status: 200, delay: 4 * time.Second, body: openaiOK(goodAnswer)}}, 1, nil, false, 0},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				j, fp := newPipeJudge(t, tc.provider, tc.script, nil)
				v, err := j.Judge(t.Context(), testRequest())
				calls := fp.calls()
				if len(calls) != tc.wantCalls {
					t.Errorf("%d requests, want %d", len(calls), tc.wantCalls)
				}
				lastOK := tc.script[len(tc.script)-1].status == 200
				switch {
				case lastOK && err != nil:
					t.Fatalf("Judge: %v", err)
				case lastOK:
					if v.Winner != SideB {
						t.Errorf("winner %q", v.Winner)
					}
				case err == nil:
					t.Fatal("Judge succeeded, want an error")
				default:
					if fault.IsPermanent(err) != tc.permanent {
						t.Errorf("permanent = %v, want %v (err %v)", fault.IsPermanent(err), tc.permanent, err)
					}
					if tc.wantErr != nil && !errors.Is(err, tc.wantErr) {
						t.Errorf("err = %v, want %v", err, tc.wantErr)
					}
					var apiErr *APIError
					if tc.wantErr == nil && (!errors.As(err, &apiErr) || apiErr.StatusCode == 0) {
						t.Errorf("err = %v, want an *APIError with a status", err)
					}
				}
				if tc.wantGap > 0 && len(calls) >= 2 {
					if gap := calls[1].at.Sub(calls[0].at); gap != tc.wantGap {
						t.Errorf("second attempt %v after the first, want Retry-After %v", gap, tc.wantGap)
					}
				}
			})
		})
	}
}

func TestLLMBreaker(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		j, fp := newPipeJudge(t, ProviderOpenAI, []step{
			{status: 503, body: openaiErr("server_error", "")},
			{status: 503, body: openaiErr("server_error", "")},
			{status: 200, body: openaiOK(goodAnswer)},
		}, func(c *Config) {
			c.MaxAttempts = 1
			c.BreakerThreshold = 2
			c.BreakerCooldown = 30 * time.Second
		})
		ctx := t.Context()
		for i := range 2 {
			if _, err := j.Judge(ctx, testRequest()); err == nil || errors.Is(err, ErrCircuitOpen) {
				t.Fatalf("call %d: err = %v, want a 503 error", i+1, err)
			}
		}
		if s := j.BreakerState(); s != BreakerOpen {
			t.Fatalf("breaker %s after 2 failures, want open", s)
		}
		_, err := j.Judge(ctx, testRequest())
		if !errors.Is(err, ErrCircuitOpen) || fault.IsPermanent(err) {
			t.Fatalf("err = %v, want transient ErrCircuitOpen", err)
		}
		if n := len(fp.calls()); n != 2 {
			t.Errorf("%d requests, want 2: an open breaker must not call out", n)
		}
		time.Sleep(30 * time.Second)
		if s := j.BreakerState(); s != BreakerHalfOpen {
			t.Fatalf("breaker %s after the cool-down, want half_open", s)
		}
		if _, err := j.Judge(ctx, testRequest()); err != nil {
			t.Fatalf("probe: %v", err)
		}
		if s := j.BreakerState(); s != BreakerClosed {
			t.Errorf("breaker %s after a good probe, want closed", s)
		}
	})
}

func TestBreakerHalfOpenFailureReopens(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		var changes []string
		b := NewBreaker(1, time.Minute, func(from, to BreakerState) { changes = append(changes, string(from)+">"+string(to)) })
		if err := b.Allow(); err != nil {
			t.Fatal(err)
		}
		b.Failure()
		time.Sleep(time.Minute)
		if err := b.Allow(); err != nil {
			t.Fatalf("probe refused: %v", err)
		}
		if err := b.Allow(); !errors.Is(err, ErrCircuitOpen) {
			t.Errorf("second call during the probe: %v, want ErrCircuitOpen", err)
		}
		b.Failure()
		if err := b.Allow(); !errors.Is(err, ErrCircuitOpen) {
			t.Errorf("after a failed probe: %v, want ErrCircuitOpen", err)
		}
		want := "closed>open,open>half_open,half_open>open"
		if got := strings.Join(changes, ","); got != want {
			t.Errorf("state changes %s, want %s", got, want)
		}
	})
}

func TestLLMConcurrencyLimit(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		j, fp := newPipeJudge(t, ProviderOpenAI, []step{{status: 200, delay: time.Second, body: openaiOK(goodAnswer)}},
			func(c *Config) { c.Concurrency = 2 })
		var wg sync.WaitGroup
		for range 6 {
			wg.Go(func() {
				if _, err := j.Judge(t.Context(), testRequest()); err != nil {
					t.Error(err)
				}
			})
		}
		wg.Wait()
		if fp.maxIn != 2 {
			t.Errorf("at most %d requests in flight, want exactly the limit 2", fp.maxIn)
		}
	})
}

// TestLLMKeyNeverLeaks runs successes and failures with a debug logger and
// checks the key reaches the server but no log line, error or verdict.
func TestLLMKeyNeverLeaks(t *testing.T) {
	for _, provider := range []string{ProviderOpenAI, ProviderAnthropic} {
		t.Run(provider, func(t *testing.T) {
			var logs bytes.Buffer
			log := slog.New(slog.NewJSONHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
			okBody, errBody := openaiOK(goodAnswer), openaiErr("invalid_request_error", "invalid_api_key")
			if provider == ProviderAnthropic {
				okBody, errBody = anthropicToolOK(goodAnswer), anthropicErr("authentication_error")
			}
			j, fp := newServerJudge(t, provider, []step{
				{status: 500, body: errBody},
				{status: 200, body: okBody},
				{status: 401, body: errBody},
			}, func(c *Config) {
				c.APIKeyEnv = "CUSTOM_KEY"
				c.BreakerThreshold = 1
				c.BreakerCooldown = time.Millisecond
			}, log)
			v, err := j.Judge(context.Background(), testRequest())
			if err != nil {
				t.Fatal(err)
			}
			_, err2 := j.Judge(context.Background(), testRequest())
			if err2 == nil {
				t.Fatal("want the 401 to fail")
			}
			seen := false
			for _, c := range fp.calls() {
				seen = seen || strings.Contains(fmt.Sprint(c.header), testKey)
			}
			if !seen {
				t.Fatal("the key never reached the server; the test proves nothing")
			}
			if logs.Len() == 0 {
				t.Error("nothing logged; the test proves nothing")
			}
			for what, s := range map[string]string{
				"logs": logs.String(), "error": err2.Error(), "verdict": fmt.Sprintf("%+v", v),
				"config": fmt.Sprintf("%+v", j.cfg),
			} {
				if strings.Contains(s, testKey) || strings.Contains(s, "SECRET") {
					t.Errorf("the key appears in the %s: %s", what, s)
				}
			}
		})
	}
}

func TestParseAnswer(t *testing.T) {
	long := strings.TrimSpace(strings.Repeat("word ", 80))
	tests := []struct {
		name     string
		text     string
		want     answer
		wantErr  bool
		wantJust int // word count of the justification, when > 0
	}{
		{"plain", goodAnswer, answer{SideB, "Essay B develops its argument with evidence and clear paragraphs.", 4}, false, 0},
		{"code fence", "```json\n{\"winner\":\"Essay A\",\"justification\":\"ok\",\"confidence\":5}\n```", answer{SideA, "ok", 5}, false, 0},
		{"prose around", "Sure! {\"winner\":\"essay_b\",\"justification\":\"ok\",\"confidence\":\"2\"} Hope this helps.", answer{SideB, "ok", 2}, false, 0},
		{"bare letter and float", `{"winner":"A","justification":"ok","confidence":3.0}`, answer{SideA, "ok", 3}, false, 0},
		{"long justification truncated", `{"winner":"Essay A","justification":"` + long + `","confidence":3}`, answer{}, false, MaxJustificationWords},
		{"not JSON", "Essay A.", answer{}, true, 0},
		{"broken JSON", `{"winner": "Essay A", `, answer{}, true, 0},
		{"no winner", `{"justification":"ok","confidence":3}`, answer{}, true, 0},
		{"null winner", `{"winner":null,"justification":"ok","confidence":3}`, answer{}, true, 0},
		{"tie", `{"winner":"tie","justification":"ok","confidence":3}`, answer{}, true, 0},
		{"empty justification", `{"winner":"Essay A","justification":" ","confidence":3}`, answer{}, true, 0},
		{"confidence zero", `{"winner":"Essay A","justification":"ok","confidence":0}`, answer{}, true, 0},
		{"confidence fraction", `{"winner":"Essay A","justification":"ok","confidence":2.5}`, answer{}, true, 0},
		{"confidence missing", `{"winner":"Essay A","justification":"ok"}`, answer{}, true, 0},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := parseAnswer(tc.text)
			if tc.wantErr {
				if !errors.Is(err, ErrMalformed) {
					t.Errorf("err = %v, want ErrMalformed", err)
				}
				return
			}
			if err != nil {
				t.Fatalf("err = %v", err)
			}
			if tc.wantJust > 0 {
				if n := len(strings.Fields(got.Justification)); n != tc.wantJust {
					t.Errorf("justification has %d words, want %d", n, tc.wantJust)
				}
				return
			}
			if got != tc.want {
				t.Errorf("got %+v, want %+v", got, tc.want)
			}
		})
	}
}

func TestConfigValidate(t *testing.T) {
	tests := []struct {
		name    string
		mod     func(*Config)
		wantErr bool
	}{
		{"defaults", func(*Config) {}, false},
		{"unknown provider", func(c *Config) { c.Provider = "gemini" }, true},
		{"no model", func(c *Config) { c.Model = "" }, true},
		{"temperature too high", func(c *Config) { c.Temperature = 2.5 }, true},
		{"zero attempts", func(c *Config) { c.MaxAttempts = 0 }, true},
		{"zero concurrency", func(c *Config) { c.Concurrency = 0 }, true},
		{"backoff max below base", func(c *Config) { c.BackoffMax = time.Millisecond }, true},
		{"unknown output mode", func(c *Config) { c.OutputMode = "xml" }, true},
		{"negative price", func(c *Config) { c.Prices = PriceTable{"m": {InputPerMTok: -1}} }, true},
		{"offline needs nothing", func(c *Config) { *c = Config{Provider: ProviderOffline} }, false},
		{"empty provider means offline", func(c *Config) { *c = Config{} }, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c := DefaultConfig(ProviderOpenAI)
			tc.mod(&c)
			if err := c.Validate(); (err != nil) != tc.wantErr {
				t.Errorf("Validate() = %v, want error %v", err, tc.wantErr)
			}
		})
	}
}

func TestNewLLMNeedsKey(t *testing.T) {
	cfg := DefaultConfig(ProviderAnthropic)
	_, err := NewLLM(cfg, func(string) string { return "" }, nil)
	if err == nil || !strings.Contains(err.Error(), "ANTHROPIC_API_KEY") {
		t.Errorf("err = %v, want a missing-key error naming the variable", err)
	}
	cfg.BaseURL = "http://localhost:8080/v1"
	if _, err := NewLLM(cfg, func(string) string { return "" }, nil); err != nil {
		t.Errorf("local server without key: %v", err)
	}
	for _, p := range []string{ProviderOffline, ""} {
		j, err := New(Config{Provider: p}, nil, nil)
		if err != nil || j.Name() != ProviderOffline {
			t.Errorf("New(%q) = %v, %v; want the offline judge", p, j, err)
		}
	}
}

func TestRetryAfter(t *testing.T) {
	now := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	tests := []struct {
		name   string
		header http.Header
		want   time.Duration
	}{
		{"none", http.Header{}, 0},
		{"seconds", http.Header{"Retry-After": {"12"}}, 12 * time.Second},
		{"fractional seconds", http.Header{"Retry-After": {"0.5"}}, 500 * time.Millisecond},
		{"milliseconds win", http.Header{"Retry-After": {"12"}, "Retry-After-Ms": {"250"}}, 250 * time.Millisecond},
		{"http date", http.Header{"Retry-After": {now.Add(90 * time.Second).Format(http.TimeFormat)}}, 90 * time.Second},
		{"date in the past", http.Header{"Retry-After": {now.Add(-time.Hour).Format(http.TimeFormat)}}, 0},
		{"garbage", http.Header{"Retry-After": {"soon"}}, 0},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := retryAfter(tc.header, now); got != tc.want {
				t.Errorf("retryAfter = %v, want %v", got, tc.want)
			}
		})
	}
}

func TestMeterAndPrices(t *testing.T) {
	prices := DefaultPrices()
	p, ok := prices.Lookup("gpt-4.1-mini-2025-04-14")
	if !ok || p != prices["gpt-4.1-mini"] {
		t.Errorf("dated model priced %v (%v), want the gpt-4.1-mini price", p, ok)
	}
	if _, ok := prices.Lookup("unknown-model"); ok {
		t.Error("unknown model has a price")
	}
	var m Meter
	var wg sync.WaitGroup
	for range 10 {
		wg.Go(func() { m.Add(Verdict{Usage: Usage{InputTokens: 1000, OutputTokens: 100}, CostUSD: 0.01}) })
	}
	wg.Wait()
	got := m.Totals()
	if got.Comparisons != 10 || got.InputTokens != 10000 || got.OutputTokens != 1000 || got.CostUSD < 0.0999 || got.CostUSD > 0.1001 {
		t.Errorf("totals %+v", got)
	}
	if c := (Price{InputPerMTok: 2, OutputPerMTok: 8}).Cost(Usage{InputTokens: 500_000, OutputTokens: 250_000}); c != 3 {
		t.Errorf("cost %v, want 3", c)
	}
}
