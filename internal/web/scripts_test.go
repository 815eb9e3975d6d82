package web_test

import (
	"encoding/json"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/hule-dev/hule/internal/web"
)

// TestScripts runs the dashboard's pure functions in chromium: the same
// modules the pages import, served by the real handler. Each case is a
// JavaScript expression whose JSON value must equal want.
func TestScripts(t *testing.T) {
	if testing.Short() {
		t.Skip("browser test: skipped with -short")
	}
	ctx := browser(t)
	srv := httptest.NewServer(web.Handler(web.Options{}))
	t.Cleanup(srv.Close)
	step(t, ctx, "load the dashboard", 20*time.Second,
		chromedp.Navigate(srv.URL+"/signin"),
		chromedp.WaitVisible(chromedp.CSS(`form input[name="token"]`)),
	)
	tests := []struct {
		name string
		expr string
		want string
	}{
		{
			name: "corrections at code-point offsets after non-ASCII text",
			expr: `m.correctionSpans("Gröt 🙂 och skool katt", [{rune_offset: 11, offset: 15, original: "skool", replacement: "school"}])`,
			want: `["Gröt 🙂 och ",{"start":11,"end":16,"original":"skool","replacement":"school","source":""}," katt"]`,
		},
		{
			name: "a wrong offset is found nearby",
			expr: `m.correctionSpans("I wirld it", [{rune_offset: 4, original: "wirld", replacement: "world", source: "l2"}])`,
			want: `["I ",{"start":2,"end":7,"original":"wirld","replacement":"world","source":"l2"}," it"]`,
		},
		{
			name: "a correction whose word is absent is dropped",
			expr: `m.correctionSpans("all fine", [{rune_offset: 0, original: "wrnog", replacement: "wrong"}])`,
			want: `["all fine"]`,
		},
		{
			name: "overlapping corrections keep the first",
			expr: `m.correctionSpans("abc def", [{rune_offset: 4, original: "def", replacement: "DEF"}, {rune_offset: 0, original: "abc d", replacement: "X"}]).map(x => typeof x === "string" ? x : x.replacement)`,
			want: `["X","ef"]`,
		},
		{
			name: "upload parts bounded by count",
			expr: `c.parts([1,2,3,4,5].map(i => ({size: 10, i})), 2, 1000).map(p => p.map(f => f.i))`,
			want: `[[1,2],[3,4],[5]]`,
		},
		{
			name: "upload parts bounded by bytes, a big file alone",
			expr: `c.parts([{size: 600, i: 1}, {size: 600, i: 2}, {size: 5000, i: 3}, {size: 1, i: 4}], 20, 1000).map(p => p.map(f => f.i))`,
			want: `[[1],[2],[3],[4]]`,
		},
		{
			name: "grade bands split between adjacent essays of different grades",
			expr: `ch.gradeBands([{grade: "A", score: 2}, {grade: "C", score: 0}, {grade: "C", score: 0.4}, {grade: "F", score: -2}], -3, 3)`,
			want: `[{"grade":"F","from":-3,"to":-1},{"grade":"C","from":-1,"to":1.2},{"grade":"A","from":1.2,"to":3}]`,
		},
		{
			name: "ticks are round numbers inside the range",
			expr: `ch.niceTicks(-2.3, 3.1, 5)`,
			want: `[-2,-1,0,1,2,3]`,
		},
		{
			name: "grade sort puts A first and unknown grades last",
			expr: `[{grade: "C", score: 0}, {grade: "", score: 9}, {grade: "A", score: 1}, {grade: "C+", score: 0.5}].sort((a, b) => b0.compare(a, b, "grade", 1)).map(e => e.grade)`,
			want: `["A","C+","C",""]`,
		},
		{
			name: "numeric sort puts missing values last",
			expr: `[{score: 1}, {}, {score: -1}].sort((a, b) => b0.compare(a, b, "score", 1)).map(e => e.score ?? null)`,
			want: `[-1,1,null]`,
		},
		{
			name: "missing values stay last when descending",
			expr: `[{score: 1, rank: 2}, {rank: 9}, {score: 3, rank: 1}].sort((a, b) => b0.compare(a, b, "score", -1)).map(e => e.score ?? null)`,
			want: `[3,1,null]`,
		},
		{
			name: "ties fall back to rank",
			expr: `[{name: "b", words: 5, rank: 3}, {name: "a", words: 5, rank: 1}, {name: "c", words: 9, rank: 2}].sort((a, b) => b0.compare(a, b, "words", -1)).map(e => e.name)`,
			want: `["c","a","b"]`,
		},
		{
			name: "phases in pipeline order with counts",
			expr: `md.phases({phases: [{phase: "cj_assessment", status: "running", done: 1, failed: 0, total: 4}, {phase: "spellcheck", status: "completed", done: 3, failed: 1, total: 4}]}).map(p => [p.phase, p.done + p.failed, p.total])`,
			want: `[["spellcheck",4,4],["cj_assessment",1,4]]`,
		},
		{
			name: "a notification updates its phase",
			expr: `md.mergePhase([{phase: "nlp", status: "running", done: 0, failed: 0, total: 5}], {phase: "nlp", status: "completed", done: 5, failed: 0, total: 5})[0].status`,
			want: `"completed"`,
		},
		{
			name: "batch progress averages the phases",
			expr: `md.batchProgress({status: "processing_pipelines", phases: [{phase: "spellcheck", status: "completed", done: 4, total: 4}, {phase: "nlp", status: "running", done: 1, failed: 1, total: 4}]})`,
			want: `0.75`,
		},
		{
			name: "results read the API's field names",
			expr: `(({essays}) => [essays[0].name, essays[0].score, essays[0].corrections, essays[0].words])(md.results({essays: [{essay_id: "e1", file_name: "a.txt", bt_score: 1.5, se: 0.2, spelling_corrections: 3, word_count: 250}]}))`,
			want: `["a.txt",1.5,3,250]`,
		},
	}
	const loader = `Promise.all(["/js/pages/essay.js", "/js/pages/create.js", "/js/chart.js", "/js/pages/batch.js", "/js/model.js"].map(p => import(p)))
		.then(([m, c, ch, b0, md]) => JSON.stringify(%s))`
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := evalAsync(t, ctx, sprintf(loader, tc.expr))
			var g, w any
			if err := json.Unmarshal([]byte(got), &g); err != nil {
				t.Fatalf("result %q is not JSON: %v", got, err)
			}
			if err := json.Unmarshal([]byte(tc.want), &w); err != nil {
				t.Fatalf("want %q is not JSON: %v", tc.want, err)
			}
			gb, _ := json.Marshal(g)
			wb, _ := json.Marshal(w)
			if string(gb) != string(wb) {
				t.Errorf("%s\n got %s\nwant %s", tc.expr, gb, wb)
			}
		})
	}
}

// TestDropZone drops files on the new-batch page's drop zone, as a drag
// from the desktop does: they are listed once each and can be removed.
func TestDropZone(t *testing.T) {
	if testing.Short() {
		t.Skip("browser test: skipped with -short")
	}
	ctx := browser(t)
	srv := httptest.NewServer(web.Handler(web.Options{}))
	t.Cleanup(srv.Close)
	step(t, ctx, "open the new batch page", 20*time.Second,
		chromedp.Navigate(srv.URL+"/signin"),
		chromedp.WaitVisible(chromedp.CSS(`form input[name="token"]`)),
	)
	// The page needs a token to show; no request is made with it here.
	eval[bool](t, ctx, `sessionStorage.setItem("hule.token", "hule_test"), true`)
	step(t, ctx, "open the new batch page", 20*time.Second,
		chromedp.Navigate(srv.URL+"/batches/new"),
		chromedp.WaitVisible(chromedp.CSS(`.dropzone`)),
	)
	const drop = `(() => {
		const dt = new DataTransfer();
		for (const n of %s) dt.items.add(new File(["An essay about phones."], n, {type: "text/plain"}));
		document.querySelector(".dropzone").dispatchEvent(new DragEvent("drop", {dataTransfer: dt, bubbles: true, cancelable: true}));
		return [...document.querySelectorAll("form > .field ul.files li .name")].map(e => e.textContent).join(",");
	})()`
	tests := []struct {
		name  string
		files string
		want  string
	}{
		{name: "three files", files: `["a.txt", "b.txt", "c.md"]`, want: "a.txt,b.txt,c.md"},
		{name: "the same files again are not doubled", files: `["b.txt", "d.txt"]`, want: "a.txt,b.txt,c.md,d.txt"},
	}
	for _, tc := range tests {
		if got := eval[string](t, ctx, sprintf(drop, tc.files)); got != tc.want {
			t.Errorf("%s: listed %q, want %q", tc.name, got, tc.want)
		}
	}
	step(t, ctx, "remove a file", 10*time.Second, chromedp.Click(chromedp.CSS(`form > .field ul.files li button[aria-label="Remove b.txt"]`)))
	if got := eval[string](t, ctx, `document.querySelector("form > .field .count").textContent`); got != "3 files chosen" {
		t.Errorf("after removing one file the count says %q, want 3 files chosen", got)
	}
}
