// Package web serves hule's browser dashboard: the static files embedded
// from the repository's web/ folder, with content types, ETags and
// revalidation headers, an index.html fallback for the dashboard's own
// client-side routes, and GET /local-token, which hands the embedded
// platform's generated token to a browser on the same machine so that a
// teacher running `hule serve` is signed in without copying it.
package web

import (
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io/fs"
	"net"
	"net/http"
	"path"
	"strings"
	"time"

	assets "github.com/hule-dev/hule/web"
)

// Options configures the dashboard handler.
type Options struct {
	// LocalToken is the embedded platform's generated API token. When set,
	// GET /local-token returns it to loopback clients; when empty the route
	// answers 404 and the dashboard asks for a token.
	LocalToken string
	// LocalUser is the user id of LocalToken, shown by the dashboard
	// ("local" when empty).
	LocalUser string
}

// asset is one embedded file, ready to serve: its bytes, and for text
// that compresses well, a gzip copy made once at start.
type asset struct {
	body        []byte
	contentType string
	etag        string
	gz          []byte
	gzETag      string
}

// Handler serves the dashboard from the embedded files. Mount it at "/"
// beside the API: it answers only GET and HEAD, never paths under /v1/.
func Handler(opts Options) http.Handler {
	h, err := newHandler(assets.Static, "static", opts)
	if err != nil {
		// The files are compiled in; a failure here is a build mistake
		// that every test of this package reports.
		panic(err)
	}
	return h
}

// handler is the dashboard's http.Handler.
type handler struct {
	files map[string]asset // by URL path, "/index.html"
	opts  Options
}

func newHandler(fsys fs.FS, root string, opts Options) (*handler, error) {
	sub, err := fs.Sub(fsys, root)
	if err != nil {
		return nil, fmt.Errorf("dashboard files: %w", err)
	}
	h := &handler{files: map[string]asset{}, opts: opts}
	if h.opts.LocalUser == "" {
		h.opts.LocalUser = "local"
	}
	err = fs.WalkDir(sub, ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := fs.ReadFile(sub, p)
		if err != nil {
			return fmt.Errorf("read %s: %w", p, err)
		}
		sum := sha256.Sum256(b)
		tag := base64.RawURLEncoding.EncodeToString(sum[:18])
		a := asset{body: b, contentType: contentType(p), etag: `"` + tag + `"`}
		if gz := compress(b); gz != nil {
			// A different representation needs its own strong tag.
			a.gz, a.gzETag = gz, `"`+tag+`-gz"`
		}
		h.files["/"+p] = a
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("dashboard files: %w", err)
	}
	if _, ok := h.files["/index.html"]; !ok {
		return nil, fmt.Errorf("dashboard files: no index.html under %s", root)
	}
	return h, nil
}

// types fixes the content types of the dashboard's files, so that they do
// not depend on the host's MIME database (a wrong type for a JavaScript
// module makes the browser refuse it).
var types = map[string]string{
	".html":        "text/html; charset=utf-8",
	".js":          "text/javascript; charset=utf-8",
	".mjs":         "text/javascript; charset=utf-8",
	".css":         "text/css; charset=utf-8",
	".svg":         "image/svg+xml",
	".png":         "image/png",
	".ico":         "image/x-icon",
	".json":        "application/json",
	".webmanifest": "application/manifest+json",
	".txt":         "text/plain; charset=utf-8",
}

func contentType(p string) string {
	if t, ok := types[strings.ToLower(path.Ext(p))]; ok {
		return t
	}
	return "application/octet-stream"
}

// csp allows only the dashboard's own files and its API, including the
// WebSocket on the same host; inline scripts and styles are not allowed.
const csp = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; " +
	"connect-src 'self' ws: wss:; object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'"

func (h *handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		w.Header().Set("Allow", "GET, HEAD")
		http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
		return
	}
	p := path.Clean("/" + r.URL.Path)
	switch {
	case p == "/local-token":
		h.serveLocalToken(w, r)
		return
	case p == "/v1" || strings.HasPrefix(p, "/v1/"):
		// The API is mounted elsewhere; an API path that reaches the
		// dashboard is an unknown route, never the SPA.
		http.NotFound(w, r)
		return
	case p == "/" || p == "/index.html":
		p = "/index.html"
	}
	a, ok := h.files[p]
	if !ok {
		if path.Ext(p) != "" {
			// A missing file (a stale script, a typo) must fail loudly,
			// not turn into the HTML page.
			http.NotFound(w, r)
			return
		}
		// A client route such as /batches/{id}: the page's script reads
		// the URL and draws it.
		a = h.files["/index.html"]
	}
	hdr := w.Header()
	hdr.Set("Content-Type", a.contentType)
	body, etag := a.body, a.etag
	if a.gz != nil {
		hdr.Set("Vary", "Accept-Encoding")
		if acceptsGzip(r.Header.Get("Accept-Encoding")) {
			body, etag = a.gz, a.gzETag
			hdr.Set("Content-Encoding", "gzip")
		}
	}
	hdr.Set("ETag", etag)
	// Names carry no content hash (no build step), so the browser keeps
	// each file but asks whether it changed: a 304 costs one round trip.
	hdr.Set("Cache-Control", "no-cache")
	hdr.Set("X-Content-Type-Options", "nosniff")
	hdr.Set("Referrer-Policy", "no-referrer")
	if a.contentType == types[".html"] {
		hdr.Set("Content-Security-Policy", csp)
		hdr.Set("X-Frame-Options", "DENY")
	}
	// ServeContent answers If-None-Match with 304, HEAD without a body,
	// and ranges.
	http.ServeContent(w, r, "", zeroTime, bytes.NewReader(body))
}

// compress returns data gzipped, or nil when that would not save at least
// a tenth (images, tiny files).
func compress(data []byte) []byte {
	if len(data) < 512 {
		return nil
	}
	var buf bytes.Buffer
	zw, _ := gzip.NewWriterLevel(&buf, gzip.BestCompression)
	_, _ = zw.Write(data)
	_ = zw.Close()
	if buf.Len() > len(data)*9/10 {
		return nil
	}
	return buf.Bytes()
}

// acceptsGzip reports whether an Accept-Encoding header allows gzip: it is
// listed (or "*" is) without q=0.
func acceptsGzip(header string) bool {
	for part := range strings.SplitSeq(header, ",") {
		name, params, _ := strings.Cut(strings.TrimSpace(part), ";")
		name = strings.ToLower(strings.TrimSpace(name))
		if name != "gzip" && name != "*" {
			continue
		}
		q := strings.ReplaceAll(strings.ToLower(params), " ", "")
		return q != "q=0" && q != "q=0.0" && q != "q=0.00" && q != "q=0.000"
	}
	return false
}

// LocalTokenResponse is the JSON answer of GET /local-token.
type LocalTokenResponse struct {
	Token string `json:"token"`
	User  string `json:"user"`
}

// serveLocalToken answers GET /local-token with the local token, only when
// the platform generated one and the request comes straight from this
// machine, addressed to a loopback host name: a request through a proxy
// (forwarding headers), from another machine, from another site's page, or
// to a foreign host name (DNS rebinding) gets 404 as if the route did not
// exist.
func (h *handler) serveLocalToken(w http.ResponseWriter, r *http.Request) {
	if h.opts.LocalToken == "" || !fromLoopback(r) {
		http.NotFound(w, r)
		return
	}
	hdr := w.Header()
	hdr.Set("Content-Type", "application/json")
	hdr.Set("Cache-Control", "no-store")
	hdr.Set("X-Content-Type-Options", "nosniff")
	_ = json.NewEncoder(w).Encode(LocalTokenResponse{Token: h.opts.LocalToken, User: h.opts.LocalUser})
}

// fromLoopback reports whether r came directly from a loopback address to a
// loopback host name and not from another site's page.
func fromLoopback(r *http.Request) bool {
	for _, k := range []string{"X-Forwarded-For", "X-Forwarded-Host", "X-Real-Ip", "Forwarded"} {
		if r.Header.Get(k) != "" {
			return false
		}
	}
	if s := r.Header.Get("Sec-Fetch-Site"); s != "" && s != "same-origin" && s != "none" {
		return false
	}
	return isLoopback(r.RemoteAddr) && isLoopback(r.Host)
}

// isLoopback reports whether hostport (or a bare host) names this machine:
// a loopback IP address or "localhost".
func isLoopback(hostport string) bool {
	host := hostport
	if h, _, err := net.SplitHostPort(hostport); err == nil {
		host = h
	}
	host = strings.TrimSuffix(strings.Trim(host, "[]"), ".")
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// zeroTime makes ServeContent skip Last-Modified: embedded files have no
// modification time, and the ETag alone decides freshness.
var zeroTime = time.Time{}
