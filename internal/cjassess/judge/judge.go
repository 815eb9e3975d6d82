// Package judge decides which of two essays is better: the single step of
// comparative judgement that needs an assessor. One small interface, Judge,
// has three implementations chosen by config: Offline (the default, a
// deterministic text-feature judge with no network) and LLM, which talks to
// an OpenAI-compatible chat-completions API (OpenAI, OpenRouter, llama.cpp,
// vLLM) or to the Anthropic messages API through the official SDKs.
//
// An LLM judge is built from a Config (DefaultConfig(provider), then
// overrides, then Validate): base URL, model, temperature, token limit,
// per-attempt timeout, attempts and backoff, Retry-After cap, concurrency,
// circuit breaker and a price table. The API key is read through the getenv
// passed to NewLLM from the variable Config.APIKeyEnv names (OPENAI_API_KEY
// or ANTHROPIC_API_KEY by default) and goes nowhere but the request header.
// Add every Verdict to a per-batch Meter to total tokens and cost.
//
// Errors carry a kind: a permanent error (fault.IsPermanent) means asking
// again will not help (a refusal, output that stays malformed, a rejected
// key); anything else is transient (rate limits, 5xx, timeouts, an open
// circuit breaker) and the caller may put the pair in its retry pool.
package judge

import (
	"context"
	"fmt"
	"strings"
	"time"
)

// Side names the winning essay of a comparison. Its values are the wire
// contract's EssayComparisonWinner enum.
type Side string

// The two sides of a comparison.
const (
	SideA Side = "Essay A"
	SideB Side = "Essay B"
)

// Valid reports whether s is one of the two contract values.
func (s Side) Valid() bool { return s == SideA || s == SideB }

// Essay is one essay of a pair. The ID is never shown to an LLM judge; it is
// used for deterministic tie-breaks and for the record.
type Essay struct {
	ID   string
	Text string
}

// Prompt is the per-batch framing of a comparison, taken from the request's
// LLM overrides (system_prompt_override, judge_rubric_override) and the
// assignment. Empty fields fall back to built-in defaults.
type Prompt struct {
	// Assignment is the task the students were given.
	Assignment string
	// Criteria is the assessment rubric the judge applies.
	Criteria string
	// Instructions tell the judge how to compare; empty means DefaultInstructions.
	Instructions string
	// SystemPrompt sets the judge's role; empty means DefaultSystemPrompt.
	SystemPrompt string
}

// Overrides are the per-batch model settings from the request's
// llm_config_overrides. Zero values mean "use the judge's configured default".
type Overrides struct {
	// Model replaces the configured model name.
	Model string
	// Temperature replaces the configured temperature when non-nil (0–2).
	Temperature *float64
	// MaxTokens replaces the configured output-token limit when > 0.
	MaxTokens int
	// Provider is the requested provider ("openai", "anthropic", "offline").
	// Judges ignore it: the caller uses it to pick which configured judge
	// serves the batch.
	Provider string
}

// Request is one comparison: the framing, the two essays and the overrides.
type Request struct {
	Prompt    Prompt
	A, B      Essay
	Overrides Overrides
}

// Usage counts the tokens one comparison consumed, summed over attempts
// that reached the model.
type Usage struct {
	InputTokens  int64
	OutputTokens int64
}

// Verdict is a judge's decision on one pair, with what it cost.
type Verdict struct {
	// Winner is SideA or SideB.
	Winner Side
	// Justification explains the choice in at most MaxJustificationWords words.
	Justification string
	// Confidence is 1 (a guess) to 5 (certain).
	Confidence int
	// Model and Provider identify who judged ("offline" for the feature judge).
	Model    string
	Provider string
	// Usage and CostUSD are what the call consumed; zero for the offline judge.
	Usage   Usage
	CostUSD float64
	// Raw is the judge's raw answer (the model's text or tool input; the
	// offline judge's feature record), kept for the audit trail.
	Raw string
	// Latency is the wall time of the call, retries included.
	Latency time.Duration
}

// MaxJustificationWords is the contract's limit on a justification. Longer
// justifications from an LLM are truncated to this many words, not rejected:
// the decision itself is valid and the full text stays in Verdict.Raw.
const MaxJustificationWords = 50

// Judge compares two essays. Implementations are safe for concurrent use.
type Judge interface {
	// Judge returns which essay of r is better. A permanent error
	// (fault.IsPermanent) means retrying the pair is pointless.
	Judge(ctx context.Context, r Request) (Verdict, error)
	// Name is the provider name ("offline", "openai", "anthropic").
	Name() string
}

// Validate checks the parts of a request every judge needs: two essays with
// distinct ids and non-blank text.
func (r Request) Validate() error {
	for _, e := range []struct {
		side Side
		es   Essay
	}{{SideA, r.A}, {SideB, r.B}} {
		if e.es.ID == "" {
			return fmt.Errorf("%s: missing essay id", e.side)
		}
		if strings.TrimSpace(e.es.Text) == "" {
			return fmt.Errorf("%s (%s): essay text is missing", e.side, e.es.ID)
		}
	}
	if r.A.ID == r.B.ID {
		return fmt.Errorf("essay %s compared with itself", r.A.ID)
	}
	return nil
}
