// Package client is a typed Go client of hule's public HTTP API: batches,
// uploads, pipeline requests, results and the WebSocket of live
// notifications. The command line (`hule assess`, `hule submit`, `hule
// results`) and the end-to-end tests drive the platform only through it, so
// they see exactly what any other API user sees.
//
// Its types are written from the client's side: they decode the JSON the
// services produce but do not import the services, so a change in a
// service's response that breaks a client shows up in the client's tests.
package client

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// Client talks to one hule server with one bearer token. It is safe for
// concurrent use.
type Client struct {
	base  *url.URL
	token string
	http  *http.Client
	// maxRetries bounds how often a request answered 429 is repeated.
	maxRetries int
	// maxWait bounds a single Retry-After wait.
	maxWait time.Duration
}

// Option changes a Client built by New.
type Option func(*Client)

// WithHTTPClient makes the client send its requests through h (for its
// transport or timeouts).
func WithHTTPClient(h *http.Client) Option { return func(c *Client) { c.http = h } }

// WithRateLimitRetries sets how many times a request answered 429 Too Many
// Requests is repeated after the server's Retry-After (default 5; 0 turns
// retrying off).
func WithRateLimitRetries(n int) Option { return func(c *Client) { c.maxRetries = max(n, 0) } }

// DefaultTimeout bounds one request of the default HTTP client, uploads
// included; long waits (results, notifications) are loops of short
// requests or the WebSocket, never one long request.
const DefaultTimeout = 2 * time.Minute

// New returns a client of the server at baseURL (for example
// "http://127.0.0.1:8080") that authenticates with token.
func New(baseURL, token string, opts ...Option) (*Client, error) {
	u, err := url.Parse(strings.TrimRight(baseURL, "/"))
	if err != nil {
		return nil, fmt.Errorf("server url %q: %w", baseURL, err)
	}
	if u.Scheme != "http" && u.Scheme != "https" || u.Host == "" {
		return nil, fmt.Errorf("server url %q: want http://host:port or https://host", baseURL)
	}
	if token == "" {
		return nil, errors.New("client: no API token")
	}
	c := &Client{
		base:       u,
		token:      token,
		http:       &http.Client{Timeout: DefaultTimeout},
		maxRetries: 5,
		maxWait:    30 * time.Second,
	}
	for _, o := range opts {
		o(c)
	}
	return c, nil
}

// BaseURL returns the server's base URL.
func (c *Client) BaseURL() string { return c.base.String() }

// Error is an error answer of the API: the HTTP status and the API's
// error code, message and correlation id (quote it when asking for help).
type Error struct {
	Status        int
	Code          string
	Message       string
	CorrelationID string
}

func (e *Error) Error() string {
	msg := e.Message
	if msg == "" {
		msg = http.StatusText(e.Status)
	}
	s := fmt.Sprintf("%s (HTTP %d", msg, e.Status)
	if e.Code != "" {
		s += ", " + e.Code
	}
	if e.CorrelationID != "" {
		s += ", correlation id " + e.CorrelationID
	}
	return s + ")"
}

// StatusOf returns the HTTP status of an API error, or 0 when err is not
// one (a network failure, a canceled context).
func StatusOf(err error) int {
	var e *Error
	if errors.As(err, &e) {
		return e.Status
	}
	return 0
}

// CodeOf returns the API error code of err, or "".
func CodeOf(err error) string {
	var e *Error
	if errors.As(err, &e) {
		return e.Code
	}
	return ""
}

// request describes one API call.
type request struct {
	method string
	path   string
	query  url.Values
	// body returns a fresh body for each attempt (a 429 repeats it) and
	// its content type; nil sends none.
	body func() (io.Reader, string, error)
	// want lists the success statuses; anything else is an *Error.
	want []int
	// correlationID is sent as X-Correlation-ID when set.
	correlationID string
}

// jsonBody encodes v once and serves it to every attempt.
func jsonBody(v any) func() (io.Reader, string, error) {
	b, err := json.Marshal(v)
	return func() (io.Reader, string, error) {
		if err != nil {
			return nil, "", fmt.Errorf("encode request: %w", err)
		}
		return bytes.NewReader(b), "application/json", nil
	}
}

// do sends req and decodes a successful JSON answer into out (when not
// nil). It repeats a request answered 429 after the Retry-After the server
// asks for, up to maxRetries times.
func (c *Client) do(ctx context.Context, req request, out any) error {
	resp, err := c.send(ctx, req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if out == nil {
		_, _ = io.Copy(io.Discard, resp.Body)
		return nil
	}
	if err := json.NewDecoder(resp.Body).Decode(out); err != nil {
		return fmt.Errorf("%s %s: decode answer: %w", req.method, req.path, err)
	}
	return nil
}

// send performs req and returns a response with a wanted status; the
// caller closes its body.
func (c *Client) send(ctx context.Context, req request) (*http.Response, error) {
	u := *c.base
	u.Path = c.base.Path + req.path
	u.RawQuery = req.query.Encode()
	for attempt := 0; ; attempt++ {
		var body io.Reader
		var ctype string
		if req.body != nil {
			b, ct, err := req.body()
			if err != nil {
				return nil, err
			}
			body, ctype = b, ct
		}
		hr, err := http.NewRequestWithContext(ctx, req.method, u.String(), body)
		if err != nil {
			return nil, fmt.Errorf("%s %s: %w", req.method, req.path, err)
		}
		hr.Header.Set("Authorization", "Bearer "+c.token)
		hr.Header.Set("Accept", "application/json")
		if ctype != "" {
			hr.Header.Set("Content-Type", ctype)
		}
		if req.correlationID != "" {
			hr.Header.Set("X-Correlation-ID", req.correlationID)
		}
		resp, err := c.http.Do(hr)
		if err != nil {
			return nil, fmt.Errorf("%s %s: %w", req.method, req.path, err)
		}
		for _, w := range req.want {
			if resp.StatusCode == w {
				return resp, nil
			}
		}
		apiErr := decodeError(resp)
		_ = resp.Body.Close()
		if resp.StatusCode != http.StatusTooManyRequests || attempt >= c.maxRetries {
			return nil, fmt.Errorf("%s %s: %w", req.method, req.path, apiErr)
		}
		wait := retryAfter(resp.Header.Get("Retry-After"), c.maxWait)
		t := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			t.Stop()
			return nil, fmt.Errorf("%s %s: %w", req.method, req.path, ctx.Err())
		case <-t.C:
		}
	}
}

// retryAfter reads a Retry-After header in seconds (the only form hule
// sends), at least a tenth of a second and at most limit.
func retryAfter(h string, limit time.Duration) time.Duration {
	d := time.Second
	if n, err := strconv.Atoi(strings.TrimSpace(h)); err == nil {
		d = time.Duration(n) * time.Second
	}
	return min(max(d, 100*time.Millisecond), limit)
}

// decodeError turns an error response into an *Error, keeping what it can
// when the body is not the API's JSON error (a proxy's HTML page, say).
func decodeError(resp *http.Response) *Error {
	e := &Error{Status: resp.StatusCode, CorrelationID: resp.Header.Get("X-Correlation-ID")}
	b, _ := io.ReadAll(io.LimitReader(resp.Body, 64<<10))
	var body struct {
		Error struct {
			Code          string `json:"code"`
			Message       string `json:"message"`
			CorrelationID string `json:"correlation_id"`
		} `json:"error"`
	}
	if json.Unmarshal(b, &body) == nil && (body.Error.Code != "" || body.Error.Message != "") {
		e.Code, e.Message = body.Error.Code, body.Error.Message
		if body.Error.CorrelationID != "" {
			e.CorrelationID = body.Error.CorrelationID
		}
		return e
	}
	e.Message = strings.TrimSpace(string(b))
	if len(e.Message) > 200 {
		e.Message = e.Message[:200] + "..."
	}
	return e
}

// Ready reports whether the server answers /readyz with 200; it needs no
// token. A server that is migrating or draining is not ready.
func (c *Client) Ready(ctx context.Context) error {
	u := *c.base
	u.Path = c.base.Path + "/readyz"
	hr, err := http.NewRequestWithContext(ctx, http.MethodGet, u.String(), http.NoBody)
	if err != nil {
		return fmt.Errorf("readyz: %w", err)
	}
	resp, err := c.http.Do(hr)
	if err != nil {
		return fmt.Errorf("readyz: %w", err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("readyz: %w", decodeError(resp))
	}
	return nil
}

// WaitReady polls Ready every interval until it succeeds or ctx ends.
func (c *Client) WaitReady(ctx context.Context, interval time.Duration) error {
	for {
		err := c.Ready(ctx)
		if err == nil {
			return nil
		}
		t := time.NewTimer(interval)
		select {
		case <-ctx.Done():
			t.Stop()
			return fmt.Errorf("server not ready: %w (last: %w)", ctx.Err(), err)
		case <-t.C:
		}
	}
}

// escape quotes an id for a URL path segment.
func escape(id string) string { return url.PathEscape(id) }
