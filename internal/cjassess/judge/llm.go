package judge

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"strings"
	"time"

	"github.com/hule-dev/hule/internal/fault"
)

// Provider names for Config.Provider.
const (
	ProviderOpenAI    = "openai"
	ProviderAnthropic = "anthropic"
)

// Output modes for Config.OutputMode.
const (
	// OutputSchema asks for structured output: OpenAI's json_schema response
	// format (strict), or a forced Anthropic tool call whose input is the
	// verdict. The default.
	OutputSchema = "schema"
	// OutputPrompt relies on the prompt alone, for local servers that reject
	// response formats or tools. The answer is still parsed and validated.
	OutputPrompt = "prompt"
)

// Config configures an LLM judge. Start from DefaultConfig and check with
// Validate. It holds the name of the key's environment variable, never the
// key, so it can be printed.
type Config struct {
	// Provider is "openai" (any OpenAI-compatible chat-completions server)
	// or "anthropic"; New also accepts "offline" and "" (the offline judge).
	Provider string `json:"provider"`
	// BaseURL points the SDK at another server (OpenRouter, llama.cpp, vLLM,
	// a test server); empty means the provider's public API.
	BaseURL string `json:"base_url,omitempty"`
	// Model is the default model; a request's Overrides.Model replaces it.
	Model string `json:"model"`
	// APIKeyEnv names the environment variable holding the API key
	// (default OPENAI_API_KEY or ANTHROPIC_API_KEY). The key is required
	// unless BaseURL is set, as local servers usually need none.
	APIKeyEnv string `json:"api_key_env"`
	// Temperature and MaxTokens are defaults the request may override.
	Temperature float64 `json:"temperature"`
	MaxTokens   int     `json:"max_tokens"`
	// OutputMode is OutputSchema or OutputPrompt.
	OutputMode string `json:"output_mode"`
	// Timeout bounds one attempt.
	Timeout time.Duration `json:"timeout"`
	// MaxAttempts is how often one comparison is tried (1 = no retry).
	MaxAttempts int `json:"max_attempts"`
	// BackoffBase and BackoffMax shape the exponential backoff between
	// attempts (with jitter) when the provider gives no Retry-After.
	BackoffBase time.Duration `json:"backoff_base"`
	BackoffMax  time.Duration `json:"backoff_max"`
	// MaxRetryAfter caps how long a Retry-After is waited for; a longer
	// hint ends the call with a transient error for the caller to retry later.
	MaxRetryAfter time.Duration `json:"max_retry_after"`
	// Concurrency is how many calls this judge runs at once.
	Concurrency int `json:"concurrency"`
	// BreakerThreshold consecutive transient failures open the circuit
	// breaker for BreakerCooldown.
	BreakerThreshold int           `json:"breaker_threshold"`
	BreakerCooldown  time.Duration `json:"breaker_cooldown"`
	// Prices turn token usage into an estimated cost.
	Prices PriceTable `json:"prices,omitempty"`
	// HTTPClient replaces the SDK's default client (tests, proxies).
	HTTPClient *http.Client `json:"-"`
}

// DefaultConfig returns working defaults for a provider.
func DefaultConfig(provider string) Config {
	c := Config{
		Provider:         provider,
		Temperature:      0,
		MaxTokens:        400,
		OutputMode:       OutputSchema,
		Timeout:          60 * time.Second,
		MaxAttempts:      4,
		BackoffBase:      time.Second,
		BackoffMax:       30 * time.Second,
		MaxRetryAfter:    2 * time.Minute,
		Concurrency:      4,
		BreakerThreshold: 5,
		BreakerCooldown:  30 * time.Second,
		Prices:           DefaultPrices(),
	}
	switch provider {
	case ProviderOpenAI:
		c.Model, c.APIKeyEnv = "gpt-4.1-mini", "OPENAI_API_KEY"
	case ProviderAnthropic:
		c.Model, c.APIKeyEnv = "claude-haiku-4-5", "ANTHROPIC_API_KEY"
	}
	return c
}

// Validate reports the first problem with c.
func (c Config) Validate() error {
	switch c.Provider {
	case ProviderOffline, "":
		return nil
	case ProviderOpenAI, ProviderAnthropic:
	default:
		return fmt.Errorf("judge provider %q: want offline, openai or anthropic", c.Provider)
	}
	var errs []error
	check := func(ok bool, format string, args ...any) {
		if !ok {
			errs = append(errs, fmt.Errorf(format, args...))
		}
	}
	check(strings.TrimSpace(c.Model) != "", "judge model is empty")
	check(c.APIKeyEnv != "", "judge api_key_env is empty")
	check(c.Temperature >= 0 && c.Temperature <= 2, "judge temperature %v outside 0–2", c.Temperature)
	check(c.MaxTokens > 0, "judge max_tokens %d must be positive", c.MaxTokens)
	check(c.OutputMode == OutputSchema || c.OutputMode == OutputPrompt, "judge output_mode %q: want schema or prompt", c.OutputMode)
	check(c.Timeout > 0, "judge timeout must be positive")
	check(c.MaxAttempts >= 1, "judge max_attempts %d must be at least 1", c.MaxAttempts)
	check(c.BackoffBase > 0 && c.BackoffMax >= c.BackoffBase, "judge backoff: want 0 < base <= max")
	check(c.MaxRetryAfter >= 0, "judge max_retry_after must not be negative")
	check(c.Concurrency >= 1, "judge concurrency %d must be at least 1", c.Concurrency)
	check(c.BreakerThreshold >= 1, "judge breaker_threshold %d must be at least 1", c.BreakerThreshold)
	check(c.BreakerCooldown > 0, "judge breaker_cooldown must be positive")
	for m, p := range c.Prices {
		check(p.InputPerMTok >= 0 && p.OutputPerMTok >= 0, "judge price of %s is negative", m)
	}
	return errors.Join(errs...)
}

// call is one provider request, after overrides.
type call struct {
	model        string
	temperature  float64
	maxTokens    int
	system, user string
}

// reply is what a provider adapter extracts from a successful response.
type reply struct {
	text    string // the answer: message text or tool input JSON
	model   string // the model the provider reports
	usage   Usage
	refusal string // non-empty when the model refused
}

// provider is one API's adapter. complete returns *APIError for failed
// exchanges (or ErrTimeout wrapped in one).
type provider interface {
	complete(ctx context.Context, c call) (reply, error)
}

// LLM is a judge backed by a language model API. It owns one concurrency
// limit and one circuit breaker for all its calls, and retries transient
// failures itself (the SDK's own retries are off, so there is one retry
// policy). Safe for concurrent use.
type LLM struct {
	cfg     Config
	p       provider
	log     *slog.Logger
	sem     chan struct{}
	breaker *Breaker
}

var _ Judge = (*LLM)(nil)

// New returns the judge cfg.Provider names: the offline judge for
// "offline" or "" (the default), an LLM judge otherwise.
func New(cfg Config, getenv func(string) string, log *slog.Logger) (Judge, error) {
	if cfg.Provider == ProviderOffline || cfg.Provider == "" {
		return NewOffline(nil), nil
	}
	return NewLLM(cfg, getenv, log)
}

// NewLLM builds an LLM judge. The API key is read once, through getenv,
// from the variable cfg.APIKeyEnv names.
func NewLLM(cfg Config, getenv func(string) string, log *slog.Logger) (*LLM, error) {
	if err := cfg.Validate(); err != nil {
		return nil, fmt.Errorf("judge config: %w", err)
	}
	if cfg.Provider == ProviderOffline || cfg.Provider == "" {
		return nil, errors.New("judge config: offline is not an LLM provider")
	}
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	key := strings.TrimSpace(getenv(cfg.APIKeyEnv))
	if key == "" && cfg.BaseURL == "" {
		return nil, fmt.Errorf("judge config: environment variable %s is not set", cfg.APIKeyEnv)
	}
	log = log.With("provider", cfg.Provider)
	j := &LLM{cfg: cfg, log: log, sem: make(chan struct{}, cfg.Concurrency)}
	j.breaker = NewBreaker(cfg.BreakerThreshold, cfg.BreakerCooldown, func(from, to BreakerState) {
		log.Warn("judge circuit breaker changed state", "from", string(from), "to", string(to))
	})
	switch cfg.Provider {
	case ProviderOpenAI:
		j.p = newOpenAI(cfg, key)
	case ProviderAnthropic:
		j.p = newAnthropic(cfg, key)
	}
	return j, nil
}

// Name returns the provider name.
func (j *LLM) Name() string { return j.cfg.Provider }

// Config returns the effective configuration. It holds no secret (only the
// key's variable name), so it can be printed.
func (j *LLM) Config() Config { return j.cfg }

// BreakerState reports the circuit breaker's state for health and metrics.
func (j *LLM) BreakerState() BreakerState { return j.breaker.State() }

// Judge asks the model which essay is better. Transient failures are
// retried up to Config.MaxAttempts with backoff (honoring Retry-After);
// malformed answers are asked again and become permanent when every attempt
// was malformed; refusals and 4xx errors are permanent at once.
func (j *LLM) Judge(ctx context.Context, r Request) (Verdict, error) {
	start := time.Now()
	if err := r.Validate(); err != nil {
		return Verdict{}, permanent(fmt.Errorf("%s judge: %w", j.cfg.Provider, err))
	}
	c := j.callFor(r)
	var (
		usage   Usage
		lastErr error
	)
	for attempt := 1; attempt <= j.cfg.MaxAttempts; attempt++ {
		if attempt > 1 {
			delay, ok := j.backoff(attempt, lastErr)
			if !ok {
				break
			}
			j.log.Debug("judge retry", "attempt", attempt, "delay", delay, "model", c.model, "err", lastErr)
			if err := sleep(ctx, delay); err != nil {
				return Verdict{}, fmt.Errorf("%s judge: %w", j.cfg.Provider, err)
			}
		}
		rep, err := j.attempt(ctx, c)
		if ctx.Err() != nil {
			return Verdict{}, fmt.Errorf("%s judge: %w", j.cfg.Provider, ctx.Err())
		}
		if errors.Is(err, ErrCircuitOpen) {
			if lastErr != nil {
				return Verdict{}, fmt.Errorf("%s judge: %w (after %w)", j.cfg.Provider, err, lastErr)
			}
			return Verdict{}, fmt.Errorf("%s judge: %w", j.cfg.Provider, err)
		}
		usage.InputTokens += rep.usage.InputTokens
		usage.OutputTokens += rep.usage.OutputTokens
		if err != nil {
			if fault.IsPermanent(err) {
				return Verdict{}, fmt.Errorf("%s judge: %w", j.cfg.Provider, err)
			}
			lastErr = err
			continue
		}
		if rep.refusal != "" {
			return Verdict{}, permanent(fmt.Errorf("%s judge: %w", j.cfg.Provider, ErrRefused))
		}
		ans, err := parseAnswer(rep.text)
		if err != nil {
			lastErr = err
			continue
		}
		model := or(rep.model, c.model)
		return Verdict{
			Winner:        ans.Winner,
			Justification: ans.Justification,
			Confidence:    ans.Confidence,
			Model:         model,
			Provider:      j.cfg.Provider,
			Usage:         usage,
			CostUSD:       j.cost(c.model, model, usage),
			Raw:           rep.text,
			Latency:       time.Since(start),
		}, nil
	}
	err := fmt.Errorf("%s judge: gave up after %d attempts: %w", j.cfg.Provider, j.cfg.MaxAttempts, lastErr)
	if errors.Is(lastErr, ErrMalformed) {
		return Verdict{}, permanent(err)
	}
	return Verdict{}, err
}

// attempt makes one breaker-guarded, concurrency-limited, time-limited call.
func (j *LLM) attempt(ctx context.Context, c call) (reply, error) {
	select {
	case j.sem <- struct{}{}:
	case <-ctx.Done():
		return reply{}, ctx.Err()
	}
	defer func() { <-j.sem }()
	if err := j.breaker.Allow(); err != nil {
		return reply{}, err
	}
	actx, cancel := context.WithTimeout(ctx, j.cfg.Timeout)
	defer cancel()
	rep, err := j.p.complete(actx, c)
	if err != nil && ctx.Err() == nil && errors.Is(actx.Err(), context.DeadlineExceeded) {
		err = &APIError{Provider: j.cfg.Provider, Err: ErrTimeout}
	}
	var apiErr *APIError
	switch {
	case err == nil:
		j.breaker.Success()
	case ctx.Err() != nil:
		j.breaker.Neutral()
	case errors.As(err, &apiErr) && apiErr.Temporary():
		j.breaker.Failure()
	default:
		j.breaker.Neutral()
		err = permanent(err)
	}
	return rep, err
}

// backoff returns the wait before attempt (2, 3, ...) after lastErr, and
// false when the provider asked for a longer wait than MaxRetryAfter.
func (j *LLM) backoff(attempt int, lastErr error) (time.Duration, bool) {
	var apiErr *APIError
	if errors.As(lastErr, &apiErr) && apiErr.RetryAfter > 0 {
		if apiErr.RetryAfter > j.cfg.MaxRetryAfter {
			return 0, false
		}
		return apiErr.RetryAfter, true
	}
	if errors.Is(lastErr, ErrMalformed) {
		return 0, true // ask again at once; the service is healthy
	}
	d := j.cfg.BackoffBase << (attempt - 2)
	if d <= 0 || d > j.cfg.BackoffMax {
		d = j.cfg.BackoffMax
	}
	// Equal jitter: half fixed, half random, so parallel callers spread out.
	return d/2 + rand.N(d/2+1), true
}

func sleep(ctx context.Context, d time.Duration) error {
	if d <= 0 {
		return ctx.Err()
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// callFor applies the request's overrides to the configured defaults.
func (j *LLM) callFor(r Request) call {
	c := call{model: j.cfg.Model, temperature: j.cfg.Temperature, maxTokens: j.cfg.MaxTokens}
	if m := strings.TrimSpace(r.Overrides.Model); m != "" {
		c.model = m
	}
	if t := r.Overrides.Temperature; t != nil && *t >= 0 && *t <= 2 {
		c.temperature = *t
	}
	if r.Overrides.MaxTokens > 0 {
		c.maxTokens = r.Overrides.MaxTokens
	}
	c.system, c.user = messages(r.Prompt, r.A, r.B)
	return c
}

// cost prices usage by the requested model, else the reported one; zero
// when neither is in the price table.
func (j *LLM) cost(requested, reported string, u Usage) float64 {
	if p, ok := j.cfg.Prices.Lookup(requested); ok {
		return p.Cost(u)
	}
	if p, ok := j.cfg.Prices.Lookup(reported); ok {
		return p.Cost(u)
	}
	return 0
}
