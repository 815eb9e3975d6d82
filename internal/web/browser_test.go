package web_test

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	cdplog "github.com/chromedp/cdproto/log"
	cdpruntime "github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"

	"github.com/hule-dev/hule/internal/app"
	"github.com/hule-dev/hule/internal/repotest"
)

// chromium returns the browser the tests drive, or skips the test when
// there is none, except in CI (CI=true), where a missing browser is a
// failure: .ci/run installs Debian's chromium.
func chromium(t *testing.T) string {
	t.Helper()
	if p := os.Getenv("HULE_CHROMIUM"); p != "" {
		return p
	}
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	if os.Getenv("CI") == "true" {
		t.Fatal("chromium is not installed (CI=true): install Debian's chromium package (.ci/run does)")
	}
	t.Skip("chromium is not installed: apt-get install -y chromium, or set HULE_CHROMIUM, to run the browser tests")
	return ""
}

// platform starts the embedded platform in-process on a temporary data
// directory and returns the URL of the dashboard with the API beside it.
func platform(t *testing.T) string {
	t.Helper()
	ctx, cancel := context.WithCancel(t.Context())
	cfg := app.DefaultConfig()
	cfg.DataDir = t.TempDir()
	cfg.Addr = "127.0.0.1:0"
	cfg.LogLevel = "warn"
	cfg.Gateway.RateLimit = 0
	logs := &syncBuffer{}
	logger := slog.New(slog.NewTextHandler(logs, &slog.HandlerOptions{Level: slog.LevelWarn}))
	p, err := app.New(ctx, cfg, nil, logger)
	if err != nil {
		cancel()
		t.Fatalf("start platform: %v", err)
	}
	if err := p.Listen(); err != nil {
		cancel()
		t.Fatalf("listen: %v", err)
	}
	done := make(chan error, 1)
	go func() { done <- p.Run(ctx) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("platform stopped with: %v", err)
		}
		if t.Failed() {
			t.Logf("platform logs:\n%s", logs.String())
		}
	})
	api := "http://" + p.Addr()
	waitReady(t, api)
	if p.Token == "" {
		t.Fatal("the embedded platform has no local token")
	}
	if !servesDashboard(t, api) {
		t.Fatal("the platform does not serve the dashboard at /")
	}
	return api
}

func waitReady(t *testing.T, base string) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) {
		req, _ := http.NewRequestWithContext(t.Context(), http.MethodGet, base+"/readyz", nil)
		resp, err := http.DefaultClient.Do(req)
		if err == nil {
			_ = resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return
			}
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Fatal("the platform did not become ready within 30 s")
}

func servesDashboard(t *testing.T, base string) bool {
	t.Helper()
	req, _ := http.NewRequestWithContext(t.Context(), http.MethodGet, base+"/", nil)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return false
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode == http.StatusOK && bytes.Contains(b, []byte(`src="/js/main.js"`))
}

// browser starts headless chromium with a fresh profile and no background
// traffic, and returns a tab's context.
func browser(t *testing.T) context.Context {
	t.Helper()
	exe := chromium(t)
	opts := []chromedp.ExecAllocatorOption{
		chromedp.ExecPath(exe),
		chromedp.Headless,
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.NoFirstRun,
		chromedp.NoDefaultBrowserCheck,
		chromedp.UserDataDir(t.TempDir()),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("disable-dev-shm-usage", true),
		chromedp.Flag("disable-extensions", true),
		chromedp.Flag("disable-default-apps", true),
		chromedp.Flag("no-proxy-server", true),
		chromedp.WindowSize(1280, 900),
	}
	actx, cancelAlloc := chromedp.NewExecAllocator(t.Context(), opts...)
	ctx, cancelTab := chromedp.NewContext(actx)
	t.Cleanup(func() {
		cancelTab()
		cancelAlloc()
	})
	if err := chromedp.Do(ctx); err != nil {
		t.Fatalf("start chromium: %v", err)
	}
	watchErrors(t, ctx)
	return ctx
}

// watchErrors fails the test, at its end, for every uncaught JavaScript
// exception and every error the browser logged apart from failed requests
// (the pages expect some: a 409 while a batch is not ready). A Content
// Security Policy violation is such an error.
func watchErrors(t *testing.T, ctx context.Context) {
	t.Helper()
	var mu sync.Mutex
	var errs []string
	add := func(msg string) {
		mu.Lock()
		defer mu.Unlock()
		errs = append(errs, msg)
	}
	err := chromedp.Listen(ctx, func(ev any) {
		switch e := ev.(type) {
		case *cdpruntime.EventExceptionThrown:
			d := e.ExceptionDetails
			msg := d.Text
			if d.Exception != nil {
				msg += " " + d.Exception.Description
			}
			add(fmt.Sprintf("exception at %s:%d: %s", d.URL, d.LineNumber+1, msg))
		case *cdplog.EventEntryAdded:
			if e.Entry.Level == cdplog.EntryLevelError && e.Entry.Source != cdplog.EntrySourceNetwork {
				add(fmt.Sprintf("%s error: %s (%s)", e.Entry.Source, e.Entry.Text, e.Entry.URL))
			}
		}
	})
	if err != nil {
		t.Fatalf("listen to the page: %v", err)
	}
	if err := chromedp.Do(ctx, chromedp.Func(func(ctx context.Context, tg *chromedp.Target) error {
		_, err := cdp.Call(ctx, tg, cdplog.Enable, cdp.Empty{})
		return err
	})); err != nil {
		t.Fatalf("enable the browser log: %v", err)
	}
	t.Cleanup(func() {
		mu.Lock()
		defer mu.Unlock()
		for _, e := range errs {
			t.Errorf("browser: %s", e)
		}
	})
}

// step runs browser actions with a deadline and fails the test with what
// was being done.
func step(t *testing.T, ctx context.Context, what string, timeout time.Duration, actions ...chromedp.Action[chromedp.Void]) {
	t.Helper()
	sctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	if err := chromedp.Do(sctx, actions...); err != nil {
		t.Fatalf("%s: %v\n%s", what, err, pageState(ctx))
	}
}

// eval evaluates a JavaScript expression in the page.
func eval[T any](t *testing.T, ctx context.Context, expr string) T {
	t.Helper()
	sctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	v, err := chromedp.Run(sctx, chromedp.Evaluate[T](expr))
	if err != nil {
		t.Fatalf("evaluate %s: %v", expr, err)
	}
	return v
}

// evalAsync evaluates an expression that yields a promise of a string.
func evalAsync(t *testing.T, ctx context.Context, expr string) string {
	t.Helper()
	sctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	v, err := chromedp.Run(sctx, chromedp.Evaluate[string](expr, chromedp.EvalAwaitPromise))
	if err != nil {
		t.Fatalf("evaluate %s: %v", expr, err)
	}
	return v
}

func sprintf(format string, args ...any) string { return fmt.Sprintf(format, args...) }

// pageState describes the page for a failure message.
func pageState(ctx context.Context) string {
	sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
	defer cancel()
	s, err := chromedp.Run(sctx, chromedp.Evaluate[string](`location.href + "\n" + document.querySelector("main").innerText.slice(0, 3000)`))
	if err != nil {
		return "(page state unavailable: " + err.Error() + ")"
	}
	return "page: " + s
}

// essays picks the example essays a browser test uploads: a handful keeps
// the run short.
func essays(t *testing.T, n int) []string {
	t.Helper()
	files, err := filepath.Glob(filepath.Join(repotest.Root(t), "examples", "essays", "*.txt"))
	if err != nil || len(files) < n {
		t.Fatalf("want at least %d example essays, found %d (%v)", n, len(files), err)
	}
	sort.Strings(files)
	return files[:n]
}

// TestDashboard drives the dashboard in chromium against the real embedded
// platform: sign in with the offered local token, create a batch by
// uploading example essays, watch the phases advance to completion on the
// batch page without a reload, sort the results table, and open an essay
// with its spelling corrections highlighted. With HULE_SCREENSHOTS=DIR it
// also writes screenshots of the batch and essay pages to DIR.
func TestDashboard(t *testing.T) {
	if testing.Short() {
		t.Skip("browser test: skipped with -short")
	}
	shots := os.Getenv("HULE_SCREENSHOTS")
	if shots != "" && !filepath.IsAbs(shots) {
		shots = filepath.Join(repotest.Root(t), shots)
	}
	ctx := browser(t)
	base := platform(t)
	n := 6
	if shots != "" {
		n = 12 // a fuller picture for the docs
	}
	files := essays(t, n)
	// Anchors with known grades, chosen across the scale.
	anchorDir := filepath.Join(repotest.Root(t), "examples", "anchors")
	anchors := []struct{ file, grade string }{
		{"anchor-05.txt", "A"}, {"anchor-01.txt", "C"}, {"anchor-08.txt", "D"}, {"anchor-02.txt", "F"},
	}
	// One file the server must refuse: an empty one. It is listed as a
	// failure and the batch goes on without it.
	empty := filepath.Join(t.TempDir(), "empty-essay.txt")
	if err := os.WriteFile(empty, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	uploads := append(slices.Clone(files), empty)
	anchorFiles := make([]string, len(anchors))
	for i, a := range anchors {
		anchorFiles[i] = filepath.Join(anchorDir, a.file)
	}

	// Sign in: the dashboard sends a signed-out visitor to /signin, which
	// offers the local token because the browser is on this machine.
	step(t, ctx, "open the dashboard", 20*time.Second,
		chromedp.Navigate(base+"/"),
		chromedp.WaitVisible(chromedp.CSS(`.local button.primary`)),
	)
	if got := eval[string](t, ctx, `location.pathname`); got != "/signin" {
		t.Fatalf("signed-out visitor at %s, want /signin", got)
	}
	step(t, ctx, "sign in with the local token", 20*time.Second,
		chromedp.Click(chromedp.CSS(`.local button.primary`)),
		chromedp.WaitVisible(chromedp.CSS(`a.button.primary[href="/batches/new"]`)),
	)
	if tok := eval[string](t, ctx, `sessionStorage.getItem("hule.token") || ""`); !strings.HasPrefix(tok, "hule_") {
		t.Fatalf("after sign-in the stored token is %q, want the local token", tok)
	}

	// Create a batch: name, pipeline, the essays through the file input
	// (what a drop or the picker feeds).
	step(t, ctx, "fill in the new batch", 20*time.Second,
		chromedp.Click(chromedp.CSS(`a.button.primary[href="/batches/new"]`)),
		chromedp.WaitVisible(chromedp.CSS(`form input[name="name"]`)),
		chromedp.SendKeys(chromedp.CSS(`form input[name="name"]`), "Browser test batch"),
		chromedp.SetValue(chromedp.CSS(`form select[name="pipeline"]`), "comprehensive"),
		chromedp.SendKeys(chromedp.CSS(`form input[name="assignment_id"]`), "browser-test"),
		chromedp.SetUploadFiles(chromedp.CSS(`.dropzone input[type="file"]`), uploads),
		chromedp.Click(chromedp.CSS(`details.anchors summary`)),
		chromedp.SetUploadFiles(chromedp.CSS(`details.anchors .dropzone input[type="file"]`), anchorFiles),
	)
	if n := eval[int](t, ctx, `document.querySelectorAll("form > .field ul.files li").length`); n != len(uploads) {
		t.Fatalf("%d essay files listed after choosing %d", n, len(uploads))
	}
	for i, a := range anchors {
		eval[bool](t, ctx, fmt.Sprintf(`(() => { const s = document.querySelectorAll("details.anchors ul.files li select")[%d];
			s.value = %q; s.dispatchEvent(new Event("change")); return true })()`, i, a.grade))
	}
	// A marker on window survives only if the page is never reloaded.
	eval[bool](t, ctx, `window.huleNoReload = true`)
	step(t, ctx, "submit the batch", 60*time.Second,
		chromedp.Click(chromedp.CSS(`form button[type="submit"]`)),
		waitFor(`(/^\/batches\/[^/]+$/.test(location.pathname) && location.pathname !== "/batches/new")
			|| (document.querySelector("form div.error:not([hidden])")?.innerText || "").includes("could not be started")`, 55*time.Second),
	)
	if msg := eval[string](t, ctx, `location.pathname === "/batches/new" ? document.querySelector("form div.error:not([hidden])")?.innerText || "" : ""`); msg != "" {
		t.Fatalf("creating the batch failed: %s\n%s", msg, pageState(ctx))
	}
	step(t, ctx, "open the batch page", 30*time.Second, chromedp.WaitVisible(chromedp.CSS(`.phases .phase`)))
	batchPath := eval[string](t, ctx, `location.pathname`)

	// Watch the phases: record what the bars show until every phase is
	// over and the results table has a row per essay.
	type phaseView struct {
		Phase  string `json:"phase"`
		Status string `json:"status"`
		Value  string `json:"value"`
		Counts string `json:"counts"`
	}
	var seen [][]phaseView
	deadline := time.Now().Add(4 * time.Minute)
	for {
		views := eval[[]phaseView](t, ctx, `[...document.querySelectorAll(".phases .phase")].map(li => ({
			phase: li.dataset.phase, status: li.dataset.status,
			value: li.querySelector("[role=progressbar]").getAttribute("aria-valuenow"),
			counts: li.querySelector(".counts").textContent }))`)
		if len(seen) == 0 || fmt.Sprint(seen[len(seen)-1]) != fmt.Sprint(views) {
			seen = append(seen, views)
		}
		// Done when the three phases of the pipeline are over and every
		// essay's row has its score.
		scored := eval[int](t, ctx, `[...document.querySelectorAll(".results-table tbody tr")].filter(tr => /\d/.test(tr.children[3].textContent)).length`)
		over := 0
		for _, v := range views {
			if v.Status == "completed" || v.Status == "completed_with_failures" || v.Status == "skipped" || v.Status == "failed" {
				over++
			}
		}
		if over == 3 && len(views) == 3 && scored >= len(files) {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the batch did not finish within 4 minutes; bars seen: %v\n%s", seen, pageState(ctx))
		}
		time.Sleep(150 * time.Millisecond)
	}
	if !eval[bool](t, ctx, `window.huleNoReload === true`) {
		t.Fatal("the page was reloaded while the batch ran")
	}
	// The WebSocket carried the news: the header's live indicator is on
	// and has counted notifications.
	if live := eval[string](t, ctx, `document.getElementById("live-state").className + " " + (document.getElementById("live-state").dataset.messages || "0")`); !strings.HasPrefix(live, "live-state open") || strings.HasSuffix(live, " 0") {
		t.Errorf("live indicator %q: want it open with notifications counted", live)
	}
	if os.Getenv("HULE_DEBUG_RESULTS") != "" {
		t.Logf("results: %s", evalAsync(t, ctx, `fetch("/v1"+location.pathname.replace(/^\/batches/, "/batches")+"/results", {headers: {Authorization: "Bearer "+sessionStorage.getItem("hule.token")}}).then(r => r.text())`))
		t.Logf("batch: %s", evalAsync(t, ctx, `fetch("/v1"+location.pathname, {headers: {Authorization: "Bearer "+sessionStorage.getItem("hule.token")}}).then(r => r.text())`))
	}
	final := seen[len(seen)-1]
	t.Logf("progress bar states seen: %d; final: %v", len(seen), final)
	for _, want := range []string{"spellcheck", "nlp", "cj_assessment"} {
		i := slices.IndexFunc(final, func(v phaseView) bool { return v.Phase == want })
		if i < 0 {
			t.Errorf("no progress bar for phase %s; bars: %v", want, final)
			continue
		}
		if final[i].Value != "100" || final[i].Status != "completed" {
			t.Errorf("phase %s ended at %s%% with status %s, want 100%% completed", want, final[i].Value, final[i].Status)
		}
		if !strings.Contains(final[i].Counts, fmt.Sprintf("%d of %d done", len(files), len(files))) {
			t.Errorf("phase %s counts %q, want %d of %d done", want, final[i].Counts, len(files), len(files))
		}
	}

	// The refused file is listed plainly with its reason.
	if got := eval[string](t, ctx, `document.querySelector(".failures")?.innerText || ""`); !strings.Contains(got, "empty-essay.txt") {
		t.Errorf("failures section %q does not name the refused empty-essay.txt", got)
	}
	// The anchors took part: marked in the chart, and the essays graded.
	if got := eval[int](t, ctx, `document.querySelectorAll("svg.scores .row.anchor").length`); got != len(anchors) {
		t.Errorf("%d anchors marked in the chart, want %d", got, len(anchors))
	}
	if got := eval[int](t, ctx, `[...document.querySelectorAll(".results-table tbody .grade")].filter(g => /^[A-F][+-]?$/.test(g.textContent)).length`); got != len(files) {
		t.Errorf("%d essays with a letter grade, want %d\n%s", got, len(files), pageState(ctx))
	}
	if got := eval[int](t, ctx, `document.querySelectorAll("svg.scores .band").length`); got < 2 {
		t.Errorf("%d grade bands shaded, want at least 2", got)
	}

	// Sort by score: descending first, then ascending.
	scores := func() []float64 {
		return eval[[]float64](t, ctx, `[...document.querySelectorAll(".results-table tbody tr")].filter(tr => /\d/.test(tr.children[3].textContent))
			.map(tr => parseFloat(tr.children[3].textContent.replace(/[^0-9.,−-].*$/, "").replace("−", "-").replace(",", ".")))`)
	}
	// The row of the refused file (its essay slot stayed empty) has no
	// score and stays last whichever way the scores are sorted.
	lastRow := func() string {
		return eval[string](t, ctx, `[...document.querySelectorAll(".results-table tbody tr")].pop().children[1].textContent`)
	}
	const emptySlot = "No essay arrived for this slot"
	step(t, ctx, "sort by score", 10*time.Second, chromedp.Click(chromedp.CSS(`button.sort[data-key="score"]`)))
	desc := scores()
	if got := eval[string](t, ctx, `document.querySelector('button.sort[data-key="score"]').closest("th").getAttribute("aria-sort")`); got != "descending" {
		t.Errorf("after one click on Score, aria-sort = %q, want descending", got)
	}
	if !sort.IsSorted(sort.Reverse(sort.Float64Slice(desc))) {
		t.Errorf("scores after sorting descending: %v", desc)
	}
	if got := lastRow(); got != emptySlot {
		t.Errorf("sorted descending, the last row is %q, want the empty slot of the refused file", got)
	}
	// The second sort by keyboard: the header buttons take Enter.
	step(t, ctx, "sort by score again with the keyboard", 10*time.Second,
		chromedp.Focus(chromedp.CSS(`button.sort[data-key="score"]`)),
		chromedp.SendKeys(chromedp.CSS(`button.sort[data-key="score"]`), kb.Enter),
		waitFor(`document.querySelector('button.sort[data-key="score"]').closest("th").getAttribute("aria-sort") === "ascending"`, 5*time.Second),
		// The live region tells screen readers.
		waitFor(`document.getElementById("live").textContent.includes("ascending")`, 5*time.Second),
	)
	asc := scores()
	if !sort.Float64sAreSorted(asc) {
		t.Errorf("scores after sorting ascending: %v", asc)
	}
	if got := lastRow(); got != emptySlot {
		t.Errorf("sorted ascending, the last row is %q, want the empty slot of the refused file", got)
	}
	if len(asc) != len(files) || asc[0] == asc[len(asc)-1] {
		t.Errorf("scores %v: want %d distinct values", asc, len(files))
	}
	// Filter by name: one essay left, then all again.
	first := eval[string](t, ctx, `document.querySelector(".results-table tbody tr th a").textContent`)
	step(t, ctx, "filter by name", 10*time.Second,
		chromedp.SendKeys(chromedp.CSS(`.filters input[type="search"]`), first),
		waitFor(`document.querySelectorAll(".results-table tbody tr").length === 1`, 5*time.Second),
	)
	eval[bool](t, ctx, `(() => { const i = document.querySelector(".filters input[type=search]"); i.value = ""; i.dispatchEvent(new Event("input")); return true })()`)
	if n := eval[int](t, ctx, `document.querySelectorAll(".results-table tbody tr").length`); n != len(uploads) {
		t.Fatalf("%d rows after clearing the filter, want %d", n, len(uploads))
	}
	// Rank order again for the screenshot.
	step(t, ctx, "sort by rank", 10*time.Second, chromedp.Click(chromedp.CSS(`button.sort[data-key="rank"]`)))
	if shots != "" {
		screenshot(t, ctx, shots, "batch.png")
	}

	// Open the essay with the most corrections and see them highlighted.
	step(t, ctx, "sort by corrections", 10*time.Second, chromedp.Click(chromedp.CSS(`button.sort[data-key="corrections"]`)))
	most := eval[int](t, ctx, `parseInt(document.querySelector(".results-table tbody tr").children[5].textContent, 10) || 0`)
	step(t, ctx, "open an essay", 20*time.Second,
		chromedp.Click(chromedp.CSS(`.results-table tbody tr th a`)),
		chromedp.WaitVisible(chromedp.CSS(`.essay-text`)),
	)
	marks := eval[int](t, ctx, `document.querySelectorAll(".essay-text mark.corr").length`)
	if most > 0 && marks == 0 {
		t.Fatalf("the essay has %d corrections in the table but none highlighted\n%s", most, pageState(ctx))
	}
	if most == 0 {
		t.Fatalf("no uploaded essay got a spelling correction; pick example essays with misspellings")
	}
	orig := eval[string](t, ctx, `document.querySelector(".essay-text mark.corr").dataset.original`)
	shown := eval[string](t, ctx, `document.querySelector(".essay-text mark.corr").textContent`)
	if orig == "" || orig == shown {
		t.Errorf("a highlighted correction shows %q and keeps the original %q; want the student's word kept for hover", shown, orig)
	}
	if !strings.HasPrefix(eval[string](t, ctx, `location.pathname`), batchPath+"/essays/") {
		t.Errorf("essay page at %s, want under %s/essays/", eval[string](t, ctx, `location.pathname`), batchPath)
	}
	if shots != "" {
		step(t, ctx, "focus a correction", 5*time.Second, chromedp.Focus(chromedp.CSS(`.essay-text mark.corr`)))
		screenshot(t, ctx, shots, "essay.png")
	}

	// The batch list shows the batch, finished.
	step(t, ctx, "open the batch list", 20*time.Second,
		chromedp.Click(chromedp.CSS(`header nav a[href="/"]`)),
		chromedp.WaitVisible(chromedp.CSS(`table.data tbody tr`)),
	)
	type listRow struct {
		Name     string `json:"name"`
		Status   string `json:"status"`
		Essays   string `json:"essays"`
		Progress string `json:"progress"`
	}
	rows := eval[[]listRow](t, ctx, `[...document.querySelectorAll("table.data tbody tr")].map(tr => ({
		name: tr.children[0].textContent, status: tr.children[1].textContent,
		essays: tr.children[2].textContent, progress: tr.querySelector("progress").getAttribute("value") }))`)
	want := listRow{Name: "Browser test batch", Status: "Completed with failures", Essays: fmt.Sprint(len(uploads)), Progress: "100"}
	if len(rows) != 1 || rows[0] != want {
		t.Errorf("batch list rows %+v, want one: %+v", rows, want)
	}
	if shots != "" {
		phone(t, ctx, shots, base+batchPath)
	}
}

// screenshot writes a full-page PNG of the current page.
func screenshot(t *testing.T, ctx context.Context, dir, name string) {
	t.Helper()
	sctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	// Let bar transitions end before the picture.
	_ = chromedp.Do(sctx, chromedp.Sleep(600*time.Millisecond))
	png, err := chromedp.Run(sctx, chromedp.FullScreenshot(100))
	if err != nil {
		t.Fatalf("screenshot %s: %v", name, err)
	}
	if err := os.MkdirAll(dir, 0o750); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, name), png, 0o600); err != nil {
		t.Fatal(err)
	}
	t.Logf("wrote %s", filepath.Join(dir, name))
}

// phone takes the batch page at a phone's width.
func phone(t *testing.T, ctx context.Context, dir, batchURL string) {
	t.Helper()
	step(t, ctx, "phone viewport", 30*time.Second,
		chromedp.EmulateViewport(390, 844, chromedp.EmulateScale(2), chromedp.EmulateMobile),
		chromedp.Navigate(batchURL),
		chromedp.WaitVisible(chromedp.CSS(`.results-table tbody tr`)),
	)
	screenshot(t, ctx, dir, "batch-phone.png")
}

// waitFor polls a JavaScript condition until it holds.
func waitFor(expr string, timeout time.Duration) chromedp.Action[chromedp.Void] {
	return chromedp.Func(func(ctx context.Context, t *chromedp.Target) error {
		_, err := chromedp.Poll[bool](expr, chromedp.WithPollingTimeout(timeout))(ctx, t)
		return err
	})
}

// syncBuffer is a goroutine-safe log sink.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}
