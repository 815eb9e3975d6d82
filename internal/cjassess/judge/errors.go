package judge

import (
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/hule-dev/hule/internal/fault"
)

// Sentinel errors a caller can test with errors.Is. Whether an error is worth
// retrying is told by fault.IsPermanent, not by which sentinel it wraps.
var (
	// ErrCircuitOpen: the provider failed repeatedly and calls are paused
	// until the breaker's cool-down ends. Transient.
	ErrCircuitOpen = errors.New("circuit breaker open")
	// ErrRefused: the model declined to judge the pair. Permanent.
	ErrRefused = errors.New("model refused the comparison")
	// ErrMalformed: the model's answer is not a valid verdict. Permanent once
	// it stays malformed through every attempt.
	ErrMalformed = errors.New("malformed judge output")
	// ErrTimeout: one attempt exceeded Config.Timeout. Transient.
	ErrTimeout = errors.New("judge call timed out")
)

// APIError is a failed exchange with a provider's API. It holds only the
// status, the provider's error type and the retry hint: never the request,
// its headers or the response body, so no key can leak through it.
type APIError struct {
	Provider   string
	StatusCode int           // 0 when no HTTP response arrived
	Type       string        // the provider's error type or code, when given
	RetryAfter time.Duration // from Retry-After / retry-after-ms, when given
	Err        error         // transport cause when StatusCode is 0
}

func (e *APIError) Error() string {
	var b strings.Builder
	b.WriteString(e.Provider)
	if e.StatusCode != 0 {
		fmt.Fprintf(&b, ": HTTP %d %s", e.StatusCode, http.StatusText(e.StatusCode))
	}
	if e.Type != "" {
		fmt.Fprintf(&b, " (%s)", e.Type)
	}
	if e.Err != nil {
		fmt.Fprintf(&b, ": %v", e.Err)
	}
	return b.String()
}

func (e *APIError) Unwrap() error { return e.Err }

// Temporary reports whether retrying may succeed: no response at all (a
// connection error or timeout), 408, 409, 425, 429 and every 5xx.
func (e *APIError) Temporary() bool {
	switch e.StatusCode {
	case 0, http.StatusRequestTimeout, http.StatusConflict, http.StatusTooEarly, http.StatusTooManyRequests:
		return true
	default:
		return e.StatusCode >= 500
	}
}

// permanent marks err permanent for the bus and the caller's retry pool.
func permanent(err error) error { return fault.Permanent(err) }

// retryAfter reads a provider's retry hint: retry-after-ms (OpenAI), then
// Retry-After in seconds or as an HTTP date. Zero means no usable hint.
func retryAfter(h http.Header, now time.Time) time.Duration {
	if h == nil {
		return 0
	}
	if v := h.Get("Retry-After-Ms"); v != "" {
		if ms, err := strconv.ParseFloat(v, 64); err == nil && ms > 0 {
			return time.Duration(ms * float64(time.Millisecond))
		}
	}
	v := h.Get("Retry-After")
	if v == "" {
		return 0
	}
	if s, err := strconv.ParseFloat(v, 64); err == nil {
		if s <= 0 {
			return 0
		}
		return time.Duration(s * float64(time.Second))
	}
	if t, err := http.ParseTime(v); err == nil && t.After(now) {
		return t.Sub(now)
	}
	return 0
}
