package gateway_test

import (
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/json"
	"encoding/pem"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/hule-dev/hule/internal/gateway"
	"github.com/hule-dev/hule/internal/httpapi"
)

// echoAPI answers with the authenticated user and reads the whole body, so
// that the body limit shows.
func echoAPI() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("/v1/whoami", func(w http.ResponseWriter, r *http.Request) {
		if _, err := io.ReadAll(r.Body); err != nil {
			var tooBig *http.MaxBytesError
			if errors.As(err, &tooBig) {
				httpapi.Error(w, r, http.StatusRequestEntityTooLarge, "too_large", err.Error())
				return
			}
		}
		httpapi.JSON(w, http.StatusOK, map[string]string{"user": httpapi.UserID(r.Context())})
	})
	return mux
}

func newGateway(t *testing.T, mut func(*gateway.Config)) (*gateway.Gateway, *httptest.Server) {
	t.Helper()
	cfg := gateway.DefaultConfig()
	cfg.LocalTokenDir = t.TempDir()
	if mut != nil {
		mut(&cfg)
	}
	g, err := gateway.New(cfg, echoAPI(), gateway.NewHub(cfg.WSBuffer), slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(g.Handler())
	t.Cleanup(srv.Close)
	return g, srv
}

func call(t *testing.T, srv *httptest.Server, token, body string) (int, http.Header, map[string]any) {
	t.Helper()
	req, err := http.NewRequestWithContext(t.Context(), http.MethodPost, srv.URL+"/v1/whoami", strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var out map[string]any
	_ = json.NewDecoder(resp.Body).Decode(&out)
	return resp.StatusCode, resp.Header, out
}

func hs256(t *testing.T, secret string, claims jwt.MapClaims) string {
	t.Helper()
	s, err := jwt.NewWithClaims(jwt.SigningMethodHS256, claims).SignedString([]byte(secret))
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func TestAuth(t *testing.T) {
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	der, err := x509.MarshalPKIXPublicKey(&key.PublicKey)
	if err != nil {
		t.Fatal(err)
	}
	pemFile := filepath.Join(t.TempDir(), "pub.pem")
	if err := os.WriteFile(pemFile, pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: der}), 0o600); err != nil {
		t.Fatal(err)
	}
	rs, err := jwt.NewWithClaims(jwt.SigningMethodRS256, jwt.MapClaims{"sub": "teacher-rs", "exp": time.Now().Add(time.Hour).Unix()}).SignedString(key)
	if err != nil {
		t.Fatal(err)
	}
	_, srv := newGateway(t, func(c *gateway.Config) {
		c.Tokens = []string{"static-token-1=teacher-static"}
		c.JWTSecret = "s3cret"
		c.JWTPublicKey = pemFile
	})
	future := time.Now().Add(time.Hour).Unix()
	tests := []struct {
		name     string
		token    string
		status   int
		wantUser string
	}{
		{"no token", "", http.StatusUnauthorized, ""},
		{"unknown static token", "nope", http.StatusUnauthorized, ""},
		{"static token", "static-token-1", http.StatusOK, "teacher-static"},
		{"hs256 user_id", hs256(t, "s3cret", jwt.MapClaims{"user_id": "teacher-hs", "exp": future}), http.StatusOK, "teacher-hs"},
		{"hs256 bad signature", hs256(t, "other", jwt.MapClaims{"user_id": "x", "exp": future}), http.StatusUnauthorized, ""},
		{"hs256 expired", hs256(t, "s3cret", jwt.MapClaims{"user_id": "x", "exp": time.Now().Add(-time.Hour).Unix()}), http.StatusUnauthorized, ""},
		{"hs256 without exp", hs256(t, "s3cret", jwt.MapClaims{"user_id": "x"}), http.StatusUnauthorized, ""},
		{"hs256 without user", hs256(t, "s3cret", jwt.MapClaims{"exp": future}), http.StatusUnauthorized, ""},
		{"rs256 subject", rs, http.StatusOK, "teacher-rs"},
		{"alg none", "eyJhbGciOiJub25lIn0.eyJ1c2VyX2lkIjoieCJ9.", http.StatusUnauthorized, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			status, hdr, body := call(t, srv, tt.token, "")
			if status != tt.status {
				t.Fatalf("status %d, want %d (%v)", status, tt.status, body)
			}
			if tt.status == http.StatusOK && body["user"] != tt.wantUser {
				t.Errorf("user %v, want %s", body["user"], tt.wantUser)
			}
			if tt.status == http.StatusUnauthorized {
				e, _ := body["error"].(map[string]any)
				if e["code"] != "unauthenticated" || hdr.Get("WWW-Authenticate") == "" || hdr.Get(httpapi.CorrelationHeader) == "" {
					t.Errorf("401 body %v, headers %v", body, hdr)
				}
			}
		})
	}
}

func TestLocalTokenIsGeneratedAndKept(t *testing.T) {
	dir := t.TempDir()
	cfg := gateway.DefaultConfig()
	cfg.LocalTokenDir = dir
	g1, err := gateway.New(cfg, echoAPI(), gateway.NewHub(1), slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	g2, err := gateway.New(cfg, echoAPI(), gateway.NewHub(1), slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	if g1.LocalToken == "" || g1.LocalToken != g2.LocalToken {
		t.Errorf("local tokens %q and %q: want one stable token", g1.LocalToken, g2.LocalToken)
	}
	b, err := os.ReadFile(filepath.Join(dir, "local-token"))
	if err != nil || strings.TrimSpace(string(b)) != g1.LocalToken {
		t.Errorf("token file %q, %v", b, err)
	}
	srv := httptest.NewServer(g1.Handler())
	defer srv.Close()
	if status, _, body := call(t, srv, g1.LocalToken, ""); status != http.StatusOK || body["user"] != gateway.LocalUser {
		t.Errorf("local token: %d %v", status, body)
	}
}

func TestRateAndBodyLimits(t *testing.T) {
	_, srv := newGateway(t, func(c *gateway.Config) {
		c.Tokens = []string{"a=alice", "b=bob"}
		c.RateLimit = 0.5
		c.RateBurst = 2
		c.MaxBodyBytes = 100
	})
	for i := range 2 {
		if status, _, _ := call(t, srv, "a", ""); status != http.StatusOK {
			t.Fatalf("request %d within burst: %d", i, status)
		}
	}
	status, hdr, body := call(t, srv, "a", "")
	if status != http.StatusTooManyRequests || hdr.Get("Retry-After") == "" {
		t.Errorf("third request: %d Retry-After=%q %v", status, hdr.Get("Retry-After"), body)
	}
	if status, _, _ := call(t, srv, "b", ""); status != http.StatusOK {
		t.Errorf("another token is limited apart: got %d", status)
	}
	if status, _, _ := call(t, srv, "b", strings.Repeat("x", 101)); status != http.StatusRequestEntityTooLarge {
		t.Errorf("oversized body: got %d, want 413", status)
	}
}

func TestCORS(t *testing.T) {
	preflight := func(srv *httptest.Server) (int, http.Header) {
		req, _ := http.NewRequestWithContext(t.Context(), http.MethodOptions, srv.URL+"/v1/whoami", http.NoBody)
		req.Header.Set("Origin", "https://school.example")
		req.Header.Set("Access-Control-Request-Method", "POST")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		return resp.StatusCode, resp.Header
	}
	_, off := newGateway(t, nil)
	if _, h := preflight(off); h.Get("Access-Control-Allow-Origin") != "" {
		t.Errorf("CORS off still allowed origin %q", h.Get("Access-Control-Allow-Origin"))
	}
	_, on := newGateway(t, func(c *gateway.Config) { c.CORSOrigins = []string{"https://school.example"} })
	if status, h := preflight(on); status != http.StatusNoContent || h.Get("Access-Control-Allow-Origin") != "https://school.example" {
		t.Errorf("preflight: %d %v", status, h)
	}
}

func TestConfigValidate(t *testing.T) {
	cfg := gateway.DefaultConfig()
	cfg.Tokens = []string{"no-user"}
	if err := cfg.Validate(); err == nil {
		t.Error("token without user accepted")
	}
}
