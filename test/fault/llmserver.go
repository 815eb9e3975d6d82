package fault

import (
	"encoding/json"
	"fmt"
	"io"
	"math"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"sync"
	"time"
)

// LLMServer is a local OpenAI-compatible chat-completions server that
// judges essay pairs badly on purpose: it answers slowly, fails a share of
// the calls (HTTP 500, 503, 429 with a retry hint, or a dropped
// connection) and returns malformed output on a share of the others (prose
// without JSON, an unknown winner, a cut-off object, a body that is not
// JSON). The failures and malformed answers are spread evenly over the
// calls rather than drawn at random, so that a run is repeatable and the
// judge's circuit breaker, which opens after a few consecutive failures,
// opens only when the rates ask for it (FailRate near 1).
//
// A well-formed answer names the essay with more distinct words the
// winner: a consistent judge, so that the batch has a ranking to find.
type LLMServer struct {
	// Latency is how long every answer, failures included, takes.
	Latency time.Duration
	// FailRate is the share of calls answered with an error (0..1).
	FailRate float64
	// MalformedRate is the share of the other calls whose answer is not a
	// valid verdict (0..1).
	MalformedRate float64

	srv *httptest.Server
	mu  sync.Mutex
	st  LLMStats
}

// LLMStats counts what an LLMServer answered.
type LLMStats struct {
	Calls, Failed, Malformed, Verdicts int
}

// Start starts the server on a local port; Close stops it.
func (s *LLMServer) Start() {
	s.srv = httptest.NewServer(http.HandlerFunc(s.serve))
}

// URL is the base URL to give the openai judge (HULE_JUDGE_BASE_URL).
func (s *LLMServer) URL() string { return s.srv.URL + "/v1" }

// Close stops the server, dropping the calls in flight.
func (s *LLMServer) Close() {
	s.srv.CloseClientConnections()
	s.srv.Close()
}

// Stats returns the counts so far.
func (s *LLMServer) Stats() LLMStats {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.st
}

// spread reports whether the n-th event (1-based) is one of a share rate
// spread evenly over the sequence: exactly floor(n*rate) of the first n are.
func spread(n int, rate float64) bool {
	const eps = 1e-9 // 10*0.3 must count as 3
	return math.Floor(float64(n)*rate+eps) > math.Floor(float64(n-1)*rate+eps)
}

var (
	essayA = regexp.MustCompile(`(?s)<essay_a>\n(.*?)\n</essay_a>`)
	essayB = regexp.MustCompile(`(?s)<essay_b>\n(.*?)\n</essay_b>`)
)

func (s *LLMServer) serve(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	s.mu.Lock()
	s.st.Calls++
	call := s.st.Calls
	fail := spread(call, s.FailRate)
	var bad, badN int
	switch {
	case fail:
		s.st.Failed++
		bad = s.st.Failed
	case spread(call-s.st.Failed, s.MalformedRate):
		s.st.Malformed++
		badN = s.st.Malformed
	default:
		s.st.Verdicts++
	}
	s.mu.Unlock()

	select {
	case <-time.After(s.Latency):
	case <-r.Context().Done():
		return
	}
	if r.Method != http.MethodPost || !strings.HasSuffix(r.URL.Path, "/chat/completions") {
		http.Error(w, `{"error":{"message":"not found","type":"invalid_request_error"}}`, http.StatusNotFound)
		return
	}
	if fail {
		s.failure(w, bad)
		return
	}
	var req struct {
		Model    string `json:"model"`
		Messages []struct {
			Role    string `json:"role"`
			Content string `json:"content"`
		} `json:"messages"`
	}
	if err := json.Unmarshal(body, &req); err != nil || len(req.Messages) == 0 {
		http.Error(w, `{"error":{"message":"bad request","type":"invalid_request_error"}}`, http.StatusBadRequest)
		return
	}
	user := req.Messages[len(req.Messages)-1].Content
	content := verdict(user)
	if badN > 0 {
		switch badN % 4 {
		case 0:
			w.Header().Set("Content-Type", "application/json")
			_, _ = io.WriteString(w, `{"id":"chatcmpl-x","object":"chat.comp`) // the body itself is cut off
			return
		case 1:
			content = "Both essays have merits; Essay A is perhaps a little better."
		case 2:
			content = `{"winner": "Essay C", "justification": "Neither.", "confidence": 3}`
		case 3:
			content = content[:len(content)/2]
		}
	}
	c, _ := json.Marshal(content)
	w.Header().Set("Content-Type", "application/json")
	_, _ = fmt.Fprintf(w, `{"id":"chatcmpl-%d","object":"chat.completion","created":%d,"model":%q,`+
		`"choices":[{"index":0,"message":{"role":"assistant","content":%s,"refusal":null},"logprobs":null,"finish_reason":"stop"}],`+
		`"usage":{"prompt_tokens":%d,"completion_tokens":40,"total_tokens":%d}}`,
		call, time.Now().Unix(), req.Model, c, len(user)/4, len(user)/4+40)
}

// failure answers the n-th failed call, cycling through the ways a
// provider fails.
func (s *LLMServer) failure(w http.ResponseWriter, n int) {
	switch n % 4 {
	case 0:
		if hj, ok := w.(http.Hijacker); ok {
			if conn, _, err := hj.Hijack(); err == nil {
				_ = conn.Close() // no response at all
				return
			}
		}
		fallthrough
	case 1:
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusInternalServerError)
		_, _ = io.WriteString(w, `{"error":{"message":"The server had an error","type":"server_error"}}`)
	case 2:
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusServiceUnavailable)
		_, _ = io.WriteString(w, `{"error":{"message":"overloaded","type":"server_error"}}`)
	case 3:
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("Retry-After-Ms", "200")
		w.WriteHeader(http.StatusTooManyRequests)
		_, _ = io.WriteString(w, `{"error":{"message":"rate limited","type":"rate_limit_exceeded"}}`)
	}
}

// verdict judges the two essays of a comparison prompt: more distinct
// words wins, ties go to Essay A.
func verdict(user string) string {
	a, b := essayA.FindStringSubmatch(user), essayB.FindStringSubmatch(user)
	winner, conf := "Essay A", 3
	if a != nil && b != nil {
		da, db := distinctWords(a[1]), distinctWords(b[1])
		if db > da {
			winner = "Essay B"
		}
		if d := da - db; d > 20 || d < -20 {
			conf = 4
		}
	}
	return fmt.Sprintf(`{"winner": %q, "justification": "Its vocabulary is wider and its ideas more developed.", "confidence": %d}`, winner, conf)
}

func distinctWords(s string) int {
	set := map[string]bool{}
	for _, w := range strings.FieldsFunc(strings.ToLower(s), func(r rune) bool {
		word := r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r == '\'' || r > 127
		return !word
	}) {
		set[w] = true
	}
	return len(set)
}

// SetRates changes the failure and malformed-output rates of the calls to
// come, such as to take the provider down between two batches.
func (s *LLMServer) SetRates(fail, malformed float64) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.FailRate, s.MalformedRate = fail, malformed
}
