package web

import (
	"bytes"
	"compress/gzip"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"testing/fstest"
)

func serve(t *testing.T, h http.Handler, method, target string, hdr map[string]string, remote string) *http.Response {
	t.Helper()
	req := httptest.NewRequest(method, target, nil)
	if remote != "" {
		req.RemoteAddr = remote
	}
	for k, v := range hdr {
		if k == "Host" {
			req.Host = v
			continue
		}
		req.Header.Set(k, v)
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	return rec.Result()
}

func body(t *testing.T, resp *http.Response) string {
	t.Helper()
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("read body: %v", err)
	}
	return string(b)
}

func TestHandlerServesEmbeddedFiles(t *testing.T) {
	h := Handler(Options{})
	tests := []struct {
		name      string
		target    string
		status    int
		typ       string
		bodyHas   string
		wantIndex bool
	}{
		{name: "root is the page", target: "/", status: 200, typ: "text/html; charset=utf-8", wantIndex: true},
		{name: "index.html", target: "/index.html", status: 200, typ: "text/html; charset=utf-8", wantIndex: true},
		{name: "module script", target: "/js/main.js", status: 200, typ: "text/javascript; charset=utf-8", bodyHas: "import"},
		{name: "page module", target: "/js/pages/batch.js", status: 200, typ: "text/javascript; charset=utf-8", bodyHas: "export function render"},
		{name: "stylesheet", target: "/app.css", status: 200, typ: "text/css; charset=utf-8", bodyHas: ":focus-visible"},
		{name: "icon", target: "/favicon.svg", status: 200, typ: "image/svg+xml", bodyHas: "<svg"},
		{name: "client route of a batch", target: "/batches/0b7c0c5e-1", status: 200, typ: "text/html; charset=utf-8", wantIndex: true},
		{name: "client route of an essay", target: "/batches/b1/essays/e1", status: 200, typ: "text/html; charset=utf-8", wantIndex: true},
		{name: "client route of sign-in", target: "/signin?next=%2F", status: 200, typ: "text/html; charset=utf-8", wantIndex: true},
		{name: "missing file is 404, not the page", target: "/js/missing.js", status: 404},
		{name: "api path is never the page", target: "/v1/nothing", status: 404},
		{name: "dot-dot is cleaned", target: "/js/../app.css", status: 200, typ: "text/css; charset=utf-8"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			resp := serve(t, h, http.MethodGet, tc.target, nil, "")
			b := body(t, resp)
			if resp.StatusCode != tc.status {
				t.Fatalf("GET %s: status %d, want %d", tc.target, resp.StatusCode, tc.status)
			}
			if tc.status != 200 {
				return
			}
			if got := resp.Header.Get("Content-Type"); got != tc.typ {
				t.Errorf("Content-Type = %q, want %q", got, tc.typ)
			}
			if got := resp.Header.Get("X-Content-Type-Options"); got != "nosniff" {
				t.Errorf("X-Content-Type-Options = %q, want nosniff", got)
			}
			if tc.wantIndex && !strings.Contains(b, `<script type="module" src="/js/main.js">`) {
				t.Errorf("GET %s did not return index.html; body starts %.80q", tc.target, b)
			}
			if tc.wantIndex && resp.Header.Get("Content-Security-Policy") == "" {
				t.Errorf("GET %s: the page has no Content-Security-Policy", tc.target)
			}
			if tc.bodyHas != "" && !strings.Contains(b, tc.bodyHas) {
				t.Errorf("GET %s: body lacks %q", tc.target, tc.bodyHas)
			}
		})
	}
}

func TestHandlerRevalidatesWithETag(t *testing.T) {
	h := Handler(Options{})
	first := serve(t, h, http.MethodGet, "/js/api.js", nil, "")
	_ = body(t, first)
	etag := first.Header.Get("ETag")
	if etag == "" || !strings.HasPrefix(etag, `"`) {
		t.Fatalf("ETag = %q, want a quoted strong tag", etag)
	}
	if got := first.Header.Get("Cache-Control"); got != "no-cache" {
		t.Errorf("Cache-Control = %q, want no-cache", got)
	}
	other := serve(t, h, http.MethodGet, "/js/dom.js", nil, "")
	_ = body(t, other)
	if other.Header.Get("ETag") == etag {
		t.Errorf("two different files share the ETag %s", etag)
	}
	tests := []struct {
		name   string
		match  string
		status int
	}{
		{name: "same tag", match: etag, status: http.StatusNotModified},
		{name: "tag in a list", match: `"x", ` + etag, status: http.StatusNotModified},
		{name: "stale tag", match: `"stale"`, status: http.StatusOK},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			resp := serve(t, h, http.MethodGet, "/js/api.js", map[string]string{"If-None-Match": tc.match}, "")
			b := body(t, resp)
			if resp.StatusCode != tc.status {
				t.Fatalf("If-None-Match %s: status %d, want %d", tc.match, resp.StatusCode, tc.status)
			}
			if tc.status == http.StatusNotModified && b != "" {
				t.Errorf("304 with a body of %d bytes", len(b))
			}
		})
	}
}

func TestHandlerMethods(t *testing.T) {
	h := Handler(Options{})
	tests := []struct {
		method string
		status int
		body   bool
	}{
		{http.MethodGet, 200, true},
		{http.MethodHead, 200, false},
		{http.MethodPost, 405, true},
		{http.MethodDelete, 405, true},
	}
	for _, tc := range tests {
		t.Run(tc.method, func(t *testing.T) {
			resp := serve(t, h, tc.method, "/", nil, "")
			b := body(t, resp)
			if resp.StatusCode != tc.status {
				t.Fatalf("%s /: status %d, want %d", tc.method, resp.StatusCode, tc.status)
			}
			if got := b != ""; got != tc.body {
				t.Errorf("%s /: body present = %v, want %v", tc.method, got, tc.body)
			}
			if tc.status == 405 && resp.Header.Get("Allow") != "GET, HEAD" {
				t.Errorf("Allow = %q, want GET, HEAD", resp.Header.Get("Allow"))
			}
		})
	}
}

func TestLocalToken(t *testing.T) {
	const tok = "hule_0123456789abcdef0123456789abcdef"
	tests := []struct {
		name   string
		token  string
		remote string
		hdr    map[string]string
		want   bool
	}{
		{name: "loopback v4", token: tok, remote: "127.0.0.1:5000", hdr: map[string]string{"Host": "127.0.0.1:8080"}, want: true},
		{name: "loopback v6 and localhost", token: tok, remote: "[::1]:5000", hdr: map[string]string{"Host": "localhost:8080"}, want: true},
		{name: "same-origin fetch", token: tok, remote: "127.0.0.1:5000", hdr: map[string]string{"Host": "localhost:8080", "Sec-Fetch-Site": "same-origin"}, want: true},
		{name: "no local token", token: "", remote: "127.0.0.1:5000", hdr: map[string]string{"Host": "127.0.0.1:8080"}},
		{name: "another machine", token: tok, remote: "192.0.2.7:5000", hdr: map[string]string{"Host": "127.0.0.1:8080"}},
		{name: "through a proxy", token: tok, remote: "127.0.0.1:5000", hdr: map[string]string{"Host": "127.0.0.1:8080", "X-Forwarded-For": "192.0.2.7"}},
		{name: "forwarded header", token: tok, remote: "127.0.0.1:5000", hdr: map[string]string{"Host": "127.0.0.1:8080", "Forwarded": "for=192.0.2.7"}},
		{name: "foreign host name (DNS rebinding)", token: tok, remote: "127.0.0.1:5000", hdr: map[string]string{"Host": "evil.example:8080"}},
		{name: "another site's page", token: tok, remote: "127.0.0.1:5000", hdr: map[string]string{"Host": "localhost:8080", "Sec-Fetch-Site": "cross-site"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			h := Handler(Options{LocalToken: tc.token})
			resp := serve(t, h, http.MethodGet, "/local-token", tc.hdr, tc.remote)
			b := body(t, resp)
			if !tc.want {
				if resp.StatusCode != http.StatusNotFound {
					t.Fatalf("status %d, want 404", resp.StatusCode)
				}
				if strings.Contains(b, tok) {
					t.Fatal("the token leaked in a refusal")
				}
				return
			}
			if resp.StatusCode != http.StatusOK {
				t.Fatalf("status %d, want 200", resp.StatusCode)
			}
			if got := resp.Header.Get("Cache-Control"); got != "no-store" {
				t.Errorf("Cache-Control = %q, want no-store", got)
			}
			var got LocalTokenResponse
			if err := json.Unmarshal([]byte(b), &got); err != nil {
				t.Fatalf("decode %q: %v", b, err)
			}
			if got.Token != tok || got.User != "local" {
				t.Errorf("got %+v, want token %s for user local", got, tok)
			}
		})
	}
}

func TestNewHandlerNeedsIndex(t *testing.T) {
	fsys := fstest.MapFS{"static/app.css": {Data: []byte("body{}")}}
	if _, err := newHandler(fsys, "static", Options{}); err == nil {
		t.Fatal("newHandler accepted files without index.html")
	}
}

func TestContentTypes(t *testing.T) {
	tests := []struct{ path, want string }{
		{"a.js", "text/javascript; charset=utf-8"},
		{"A.CSS", "text/css; charset=utf-8"},
		{"x.webmanifest", "application/manifest+json"},
		{"blob.bin", "application/octet-stream"},
	}
	for _, tc := range tests {
		if got := contentType(tc.path); got != tc.want {
			t.Errorf("contentType(%q) = %q, want %q", tc.path, got, tc.want)
		}
	}
}

func TestHandlerGzip(t *testing.T) {
	h := Handler(Options{})
	plain := serve(t, h, http.MethodGet, "/js/pages/batch.js", nil, "")
	plainBody := body(t, plain)
	tests := []struct {
		name   string
		accept string
		gzip   bool
	}{
		{name: "browser", accept: "gzip, deflate, br", gzip: true},
		{name: "any", accept: "*", gzip: true},
		{name: "refused with q=0", accept: "gzip;q=0, deflate", gzip: false},
		{name: "none", accept: "", gzip: false},
		{name: "other only", accept: "br", gzip: false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			resp := serve(t, h, http.MethodGet, "/js/pages/batch.js", map[string]string{"Accept-Encoding": tc.accept}, "")
			b := body(t, resp)
			if got := resp.Header.Get("Vary"); got != "Accept-Encoding" {
				t.Errorf("Vary = %q, want Accept-Encoding", got)
			}
			gotGzip := resp.Header.Get("Content-Encoding") == "gzip"
			if gotGzip != tc.gzip {
				t.Fatalf("Accept-Encoding %q: gzip = %v, want %v", tc.accept, gotGzip, tc.gzip)
			}
			if !tc.gzip {
				if b != plainBody {
					t.Error("the plain answer differs from the file")
				}
				return
			}
			if resp.Header.Get("ETag") == plain.Header.Get("ETag") {
				t.Error("the gzip representation shares the plain one's ETag")
			}
			zr, err := gzip.NewReader(bytes.NewReader([]byte(b)))
			if err != nil {
				t.Fatalf("gzip body: %v", err)
			}
			unz, err := io.ReadAll(zr)
			if err != nil {
				t.Fatalf("gunzip: %v", err)
			}
			if string(unz) != plainBody {
				t.Error("the gzip body does not unpack to the file")
			}
			again := serve(t, h, http.MethodGet, "/js/pages/batch.js",
				map[string]string{"Accept-Encoding": tc.accept, "If-None-Match": resp.Header.Get("ETag")}, "")
			_ = body(t, again)
			if again.StatusCode != http.StatusNotModified {
				t.Errorf("revalidating the gzip copy: status %d, want 304", again.StatusCode)
			}
		})
	}
}
