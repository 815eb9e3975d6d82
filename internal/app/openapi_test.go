package app

import (
	"encoding/json"
	"io"
	"io/fs"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/hule-dev/hule/internal/gateway"
)

// paramRE matches a path parameter of a route pattern or an OpenAPI path.
var paramRE = regexp.MustCompile(`\{[^}]+\}`)

func normalize(path string) string { return paramRE.ReplaceAllString(path, "{}") }

// documented returns "METHOD /path" for every operation of the OpenAPI
// document, with parameters normalized.
func documented(t *testing.T) []string {
	t.Helper()
	var doc struct {
		Paths map[string]map[string]json.RawMessage `json:"paths"`
	}
	if err := json.Unmarshal(gateway.OpenAPI(), &doc); err != nil {
		t.Fatalf("openapi.json: %v", err)
	}
	var out []string
	for path, ops := range doc.Paths {
		for method := range ops {
			out = append(out, strings.ToUpper(method)+" "+normalize(path))
		}
	}
	slices.Sort(out)
	return out
}

// routeRE finds route registrations in the source: mux.HandleFunc("GET /v1/...", ...).
var routeRE = regexp.MustCompile(`Handle(?:Func)?\("((?:GET|POST|PUT|PATCH|DELETE) (/[^"]*))"`)

// registered returns the API routes the services register, read from the
// source of every non-test Go file under internal/.
func registered(t *testing.T) []string {
	t.Helper()
	var out []string
	err := filepath.WalkDir("..", func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() || !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") {
			return nil
		}
		b, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		for _, m := range routeRE.FindAllStringSubmatch(string(b), -1) {
			p := m[2]
			if strings.HasPrefix(p, "/v1/") || slices.Contains([]string{"/healthz", "/readyz", "/metrics", "/openapi.json"}, p) {
				out = append(out, normalize(m[1]))
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	slices.Sort(out)
	return slices.Compact(out)
}

// TestOpenAPIMatchesRoutes checks the OpenAPI document against the
// handlers both ways: every route a service registers is documented, and
// every documented operation reaches a handler of the running platform
// (not the mux's own 404 or 405).
func TestOpenAPIMatchesRoutes(t *testing.T) {
	docs := documented(t)
	regs := registered(t)
	if len(regs) < 15 {
		t.Fatalf("found only %d route registrations in the source: %v", len(regs), regs)
	}
	for _, r := range regs {
		if !slices.Contains(docs, r) {
			t.Errorf("route %q is registered but not in openapi.json", r)
		}
	}

	cfg := DefaultConfig()
	cfg.DataDir = t.TempDir()
	cfg.Addr = "127.0.0.1:0"
	p, err := New(t.Context(), cfg, nil, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = p.close() })
	h := p.Handler()
	for _, op := range docs {
		method, path, _ := strings.Cut(op, " ")
		target := strings.ReplaceAll(path, "{}", "0123456789abcdef0123456789abcdef")
		req := httptest.NewRequestWithContext(t.Context(), method, target, strings.NewReader("{}"))
		req.Header.Set("Authorization", "Bearer "+p.Token)
		if path == "/v1/ws" {
			continue // needs an upgrade; the gateway's tests cover it
		}
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		body, _ := io.ReadAll(rec.Body)
		if rec.Code == http.StatusMethodNotAllowed || (rec.Code == http.StatusNotFound && strings.HasPrefix(string(body), "404 page not found")) {
			t.Errorf("%s is documented but no handler serves it (%d %q)", op, rec.Code, body)
		}
	}
}
