// Package gateway is hule's public HTTP edge: it authenticates every /v1
// request (static API tokens or JWTs), enforces body-size and per-token rate
// limits, applies CORS when configured, serves the OpenAPI document and the
// WebSocket of live notifications, and hands authenticated requests to the
// routes the services registered. It holds no business logic of its own.
package gateway

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"math"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"golang.org/x/time/rate"

	"github.com/hule-dev/hule/internal/httpapi"
)

// Group is the gateway's consumer group for notifications.
const Group = "gateway"

// wsPath is the WebSocket endpoint.
const wsPath = "/v1/ws"

// Config holds the gateway's settings.
type Config struct {
	Tokens        []string      `flag:"api-tokens" env:"HULE_API_TOKENS" usage:"static API tokens as token=user_id pairs, comma separated" secret:"true"`
	JWTSecret     string        `flag:"jwt-secret" env:"HULE_JWT_SECRET" usage:"HS256 secret for JWT bearer tokens" secret:"true"`
	JWTPublicKey  string        `flag:"jwt-public-key" env:"HULE_JWT_PUBLIC_KEY" usage:"PEM file of the RS256 public key for JWT bearer tokens"`
	MaxBodyBytes  int64         `flag:"max-body-bytes" env:"HULE_MAX_BODY_BYTES" usage:"largest request body (uploads included)"`
	RateLimit     float64       `flag:"rate-limit" env:"HULE_RATE_LIMIT" usage:"requests per second allowed per token (0: unlimited)"`
	RateBurst     int           `flag:"rate-burst" env:"HULE_RATE_BURST" usage:"requests a token may make at once above the rate"`
	CORSOrigins   []string      `flag:"cors-origins" env:"HULE_CORS_ORIGINS" usage:"origins allowed by CORS (empty: CORS off)"`
	WSBuffer      int           `flag:"ws-buffer" env:"HULE_WS_BUFFER" usage:"notifications buffered per WebSocket client before it is dropped"`
	WSPingEvery   time.Duration `flag:"ws-ping" env:"HULE_WS_PING" usage:"WebSocket keep-alive ping interval"`
	LocalTokenDir string        `flag:"-" usage:"where a generated local token is written (the data directory)"`
}

// DefaultConfig returns the defaults.
func DefaultConfig() Config {
	return Config{
		MaxBodyBytes: 64 << 20,
		RateLimit:    20,
		RateBurst:    40,
		WSBuffer:     64,
		WSPingEvery:  30 * time.Second,
	}
}

// Validate reports every problem at once.
func (c *Config) Validate() error {
	var errs []error
	for _, t := range c.Tokens {
		if tok, user, ok := strings.Cut(t, "="); !ok || tok == "" || user == "" {
			errs = append(errs, errors.New("--api-tokens: each entry must be token=user_id"))
			break
		}
	}
	if c.MaxBodyBytes <= 0 {
		errs = append(errs, errors.New("--max-body-bytes must be positive"))
	}
	if c.RateLimit < 0 || c.RateBurst < 0 {
		errs = append(errs, errors.New("--rate-limit and --rate-burst must not be negative"))
	}
	if c.WSBuffer <= 0 {
		errs = append(errs, errors.New("--ws-buffer must be positive"))
	}
	return errors.Join(errs...)
}

// Gateway is the HTTP edge. Build it with New, serve Handler.
type Gateway struct {
	cfg    Config
	auth   *Authenticator
	api    http.Handler
	hub    *Hub
	log    *slog.Logger
	limits sync.Map // token -> *rate.Limiter
	// LocalToken is the token generated for an unconfigured embedded
	// platform (user "local"); empty when auth is configured.
	LocalToken string
}

// LocalUser is the user id of the generated local token.
const LocalUser = "local"

// New builds a gateway in front of api, the mux of the services' routes.
// Without any auth configuration it generates a local token for user
// "local" and writes it to LocalTokenDir/local-token (reusing one found
// there), which is what `hule serve` prints.
func New(cfg Config, api http.Handler, hub *Hub, logger *slog.Logger) (*Gateway, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	g := &Gateway{cfg: cfg, api: api, hub: hub, log: logger}
	static := map[string]string{}
	for _, t := range cfg.Tokens {
		tok, user, _ := strings.Cut(t, "=")
		static[tok] = user
	}
	var pem []byte
	if cfg.JWTPublicKey != "" {
		b, err := os.ReadFile(cfg.JWTPublicKey)
		if err != nil {
			return nil, fmt.Errorf("read jwt public key: %w", err)
		}
		pem = b
	}
	if len(static) == 0 && cfg.JWTSecret == "" && len(pem) == 0 {
		tok, err := localToken(cfg.LocalTokenDir)
		if err != nil {
			return nil, err
		}
		static[tok] = LocalUser
		g.LocalToken = tok
	}
	a, err := NewAuthenticator(static, []byte(cfg.JWTSecret), pem)
	if err != nil {
		return nil, err
	}
	g.auth = a
	return g, nil
}

// localToken reads dir/local-token or creates it with a new random token.
func localToken(dir string) (string, error) {
	if dir == "" {
		return randomToken(), nil
	}
	path := filepath.Join(dir, "local-token")
	if b, err := os.ReadFile(path); err == nil && len(strings.TrimSpace(string(b))) >= 32 {
		return strings.TrimSpace(string(b)), nil
	}
	tok := randomToken()
	if err := os.MkdirAll(dir, 0o750); err != nil {
		return "", fmt.Errorf("create %s: %w", dir, err)
	}
	if err := os.WriteFile(path, []byte(tok+"\n"), 0o600); err != nil {
		return "", fmt.Errorf("write local token: %w", err)
	}
	return tok, nil
}

func randomToken() string {
	var b [24]byte
	_, _ = rand.Read(b[:])
	return "hule_" + hex.EncodeToString(b[:])
}

// Handler returns the gateway's handler for everything under /v1 and the
// OpenAPI document; the caller mounts health and metrics beside it.
func (g *Gateway) Handler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /openapi.json", serveOpenAPI)
	mux.HandleFunc("GET "+wsPath, g.serveWS)
	mux.Handle("/v1/", g.api)
	return httpapi.Correlation(g.cors(g.authenticate(mux)))
}

// authenticate rejects requests under /v1 without a valid token, applies the
// token's rate limit and the body limit, and puts the user id into the
// request context.
func (g *Gateway) authenticate(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !strings.HasPrefix(r.URL.Path, "/v1/") || r.Method == http.MethodOptions {
			next.ServeHTTP(w, r)
			return
		}
		tok := bearer(r)
		user, err := g.auth.Authenticate(tok)
		if err != nil {
			w.Header().Set("WWW-Authenticate", `Bearer realm="hule"`)
			httpapi.Error(w, r, http.StatusUnauthorized, "unauthenticated", err.Error())
			return
		}
		if wait, ok := g.allow(tok); !ok {
			w.Header().Set("Retry-After", strconv.Itoa(int(math.Ceil(wait.Seconds()))))
			httpapi.Error(w, r, http.StatusTooManyRequests, "rate_limited",
				fmt.Sprintf("too many requests for this token; retry in %s", wait.Round(time.Millisecond)))
			return
		}
		r.Body = http.MaxBytesReader(w, r.Body, g.cfg.MaxBodyBytes)
		next.ServeHTTP(w, r.WithContext(httpapi.WithUser(r.Context(), user)))
	})
}

// allow takes one request from the token's bucket; when empty it says how
// long until the next request is allowed.
func (g *Gateway) allow(token string) (time.Duration, bool) {
	if g.cfg.RateLimit == 0 {
		return 0, true
	}
	v, _ := g.limits.LoadOrStore(token, rate.NewLimiter(rate.Limit(g.cfg.RateLimit), max(g.cfg.RateBurst, 1)))
	lim := v.(*rate.Limiter)
	res := lim.Reserve()
	if d := res.Delay(); d > 0 {
		res.Cancel()
		return d, false
	}
	return 0, true
}

// cors answers preflight requests and sets the CORS headers for allowed
// origins; with no origins configured it does nothing (CORS off).
func (g *Gateway) cors(next http.Handler) http.Handler {
	if len(g.cfg.CORSOrigins) == 0 {
		return next
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		origin := r.Header.Get("Origin")
		if origin != "" && (slices.Contains(g.cfg.CORSOrigins, origin) || slices.Contains(g.cfg.CORSOrigins, "*")) {
			h := w.Header()
			h.Set("Access-Control-Allow-Origin", origin)
			h.Add("Vary", "Origin")
			h.Set("Access-Control-Expose-Headers", httpapi.CorrelationHeader+", Retry-After")
			if r.Method == http.MethodOptions && r.Header.Get("Access-Control-Request-Method") != "" {
				h.Set("Access-Control-Allow-Methods", "GET, POST, PUT, DELETE, OPTIONS")
				h.Set("Access-Control-Allow-Headers", "Authorization, Content-Type, "+httpapi.CorrelationHeader)
				h.Set("Access-Control-Max-Age", "600")
				w.WriteHeader(http.StatusNoContent)
				return
			}
		}
		next.ServeHTTP(w, r)
	})
}
