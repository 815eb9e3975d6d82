package cli

import (
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"math"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/hule-dev/hule/internal/cjassess"
	"github.com/hule-dev/hule/internal/cjassess/grading"
	"github.com/hule-dev/hule/internal/repotest"
	"github.com/hule-dev/hule/internal/store/storetest"
)

func runHule(t *testing.T, env map[string]string, args ...string) (string, error) {
	t.Helper()
	var out, errOut bytes.Buffer
	err := Run(context.Background(), args, Env{
		Getenv: func(k string) string { return env[k] },
		Stdin:  strings.NewReader(""), Stdout: &out, Stderr: &errOut,
	})
	return out.String(), err
}

// averageRanks ranks values ascending, ties sharing their mean rank.
func averageRanks(v []float64) []float64 {
	idx := make([]int, len(v))
	for i := range idx {
		idx[i] = i
	}
	sort.SliceStable(idx, func(a, b int) bool { return v[idx[a]] < v[idx[b]] })
	r := make([]float64, len(v))
	for i := 0; i < len(idx); {
		j := i
		for j+1 < len(idx) && v[idx[j+1]] == v[idx[i]] {
			j++
		}
		for k := i; k <= j; k++ {
			r[idx[k]] = float64(i+j)/2 + 1
		}
		i = j + 1
	}
	return r
}

func spearman(x, y []float64) float64 {
	rx, ry := averageRanks(x), averageRanks(y)
	var mx, my float64
	for i := range rx {
		mx += rx[i]
		my += ry[i]
	}
	mx /= float64(len(rx))
	my /= float64(len(ry))
	var sxy, sxx, syy float64
	for i := range rx {
		sxy += (rx[i] - mx) * (ry[i] - my)
		sxx += (rx[i] - mx) * (rx[i] - mx)
		syy += (ry[i] - my) * (ry[i] - my)
	}
	return sxy / math.Sqrt(sxx*syy)
}

// TestCJRankExamples ranks the example essays with the offline judge and
// the example anchors and compares the ranking with the intended grades.
func TestCJRankExamples(t *testing.T) {
	root := repotest.Root(t)
	out, err := runHule(t, nil, "cj", "rank", filepath.Join(root, "examples", "essays"),
		"--anchors", filepath.Join(root, "examples", "anchors"), "--format", "json")
	if err != nil {
		t.Fatalf("cj rank: %v", err)
	}
	var res cjassess.Outcome
	if err := json.Unmarshal([]byte(out), &res); err != nil {
		t.Fatalf("decode output: %v\n%s", err, out)
	}
	expected := readExpected(t, filepath.Join(root, "examples", "expected-grades.csv"))
	scale, _ := grading.LookupScale(grading.DefaultScale)
	var hule, want []float64
	seen := map[string]bool{}
	for _, e := range res.Students() {
		if e.Grade == "" || e.Grade == grading.Ungraded || !slices.Contains(scale.Grades, e.Grade) {
			t.Errorf("%s: grade %q, want a grade of %s", e.ID, e.Grade, scale.ID)
		}
		g, ok := expected[e.ID]
		if !ok {
			t.Errorf("%s: not in expected-grades.csv", e.ID)
			continue
		}
		seen[e.ID] = true
		hule = append(hule, -float64(e.Rank)) // rank 1 is best
		want = append(want, float64(slices.Index(scale.Grades, g)))
	}
	for id := range expected {
		if !seen[id] {
			t.Errorf("%s: not ranked", id)
		}
	}
	rho := spearman(hule, want)
	t.Logf("Spearman(hule rank, expected grade) = %.3f over %d essays; SSR %.3f, %d comparisons",
		rho, len(hule), res.SSR, res.Comparisons)
	// Measured 0.98 with the offline judge (seed 1, 12 comparisons per
	// essay); the bar leaves room for changes to the judge's weights
	// without letting a poor ranking pass.
	if rho < 0.85 {
		t.Errorf("Spearman correlation %.3f, want >= 0.85", rho)
	}
}

func readExpected(t *testing.T, path string) map[string]string {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	recs, err := csv.NewReader(f).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]string{}
	for _, r := range recs[1:] {
		out[r[0]] = r[1]
	}
	return out
}

func TestCJRankFormats(t *testing.T) {
	dir := t.TempDir()
	texts := map[string]string{
		"a.txt":   "The school day should start later. Teenagers need more sleep, and research shows that tired students learn less. Because of this, a later start would help grades and health.",
		"b.md":    "i think school is ok. it start early. thats bad i guess.",
		"c.txt":   "Starting school later has benefits and costs. On one hand, students would sleep longer; on the other hand, buses and parents' work hours would need to change. Overall, however, the evidence favors a later start.",
		"d.txt":   "   ",
		"skip.ps": "not an essay file",
	}
	for name, text := range texts {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(text), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	tests := []struct {
		format string
		want   []string
	}{
		{"table", []string{"rank", "c.txt", "a.txt", "b.md", "not assessed: d.txt", "SSR", "offline"}},
		{"csv", []string{"rank,essay,is_anchor", ",c.txt,false,", ",b.md,false,"}},
		{"json", []string{`"essay_id": "c.txt"`, `"ssr":`, `"failed"`}},
	}
	for _, tt := range tests {
		t.Run(tt.format, func(t *testing.T) {
			out, err := runHule(t, nil, "cj", "rank", dir, "--format", tt.format, "--comparisons", "2")
			if err != nil {
				t.Fatalf("cj rank: %v", err)
			}
			for _, w := range tt.want {
				if !strings.Contains(out, w) {
					t.Errorf("output lacks %q:\n%s", w, out)
				}
			}
			if strings.Contains(out, "skip.ps") {
				t.Errorf("unsupported file ranked:\n%s", out)
			}
		})
	}
}

func TestCJRankBadInput(t *testing.T) {
	root := repotest.Root(t)
	essays := filepath.Join(root, "examples", "essays")
	badGrades := t.TempDir()
	if err := os.WriteFile(filepath.Join(badGrades, "grades.csv"), []byte("x.txt,Q\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(badGrades, "x.txt"), []byte("An anchor essay with some words."), 0o600); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		args []string
		want string
	}{
		{"unknown scale", []string{essays, "--scale", "nope"}, "unknown grade scale"},
		{"unknown judge", []string{essays, "--judge", "magic"}, "want offline, openai or anthropic"},
		{"missing key", []string{essays, "--judge", "openai"}, "OPENAI_API_KEY"},
		{"bad format", []string{essays, "--format", "xml"}, "want table, json or csv"},
		{"empty dir", []string{t.TempDir()}, "no .txt, .md or .docx"},
		{"no grades.csv", []string{essays, "--anchors", t.TempDir()}, "grades.csv"},
		{"anchor grade off scale", []string{essays, "--anchors", badGrades}, "not on scale"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := runHule(t, nil, append([]string{"cj", "rank"}, tt.args...)...)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("err = %v, want one containing %q", err, tt.want)
			}
		})
	}
}

func TestAnchorsCommands(t *testing.T) {
	root := repotest.Root(t)
	a1 := filepath.Join(root, "examples", "anchors", "anchor-01.txt")
	a2 := filepath.Join(root, "examples", "anchors", "anchor-03.txt")
	targets := []struct {
		name string
		flag func(t *testing.T) []string
	}{
		{"data dir", func(t *testing.T) []string { return []string{"--data", t.TempDir()} }},
		{"postgres", func(t *testing.T) []string {
			_, url := storetest.Postgres(t, cjassess.Schema())
			return []string{"--db", url}
		}},
	}
	for _, tg := range targets {
		t.Run(tg.name, func(t *testing.T) {
			where := tg.flag(t)
			run := func(args ...string) (string, error) {
				return runHule(t, nil, append(append([]string{"anchors"}, args...), where...)...)
			}
			out, err := run("add", "--assignment", "as-1", "--grade", "C", a1, a2)
			if err != nil {
				t.Fatalf("add: %v", err)
			}
			if n := strings.Count(out, "\n"); n != 2 {
				t.Errorf("add printed %d lines, want 2:\n%s", n, out)
			}
			_, err = run("add", "--assignment", "as-1", "--grade", "B", a1)
			if err == nil || !strings.Contains(err.Error(), "already registered") || ExitCode(err) != 1 {
				t.Errorf("duplicate add err = %v (exit %d), want 'already registered', exit 1", err, ExitCode(err))
			}
			if _, err := run("add", "--assignment", "as-1", "--grade", "Z", a1); err == nil {
				t.Error("grade Z accepted")
			}
			out, err = run("list", "--assignment", "as-1", "--format", "json")
			if err != nil {
				t.Fatalf("list: %v", err)
			}
			var list []cjassess.AnchorRecord
			if err := json.Unmarshal([]byte(out), &list); err != nil {
				t.Fatalf("decode list: %v\n%s", err, out)
			}
			if len(list) != 2 || list[0].DisplayName != "anchor-01.txt" || list[0].Grade != "C" {
				t.Fatalf("list = %+v", list)
			}
			if _, err := run("delete", list[0].ID); err != nil {
				t.Fatalf("delete: %v", err)
			}
			if _, err := run("delete", list[0].ID); ExitCode(err) != 1 {
				t.Errorf("second delete err = %v, want exit 1", err)
			}
			out, err = run("list", "--assignment", "as-1")
			if err != nil || strings.Contains(out, "anchor-01.txt") || !strings.Contains(out, "anchor-03.txt") {
				t.Errorf("list after delete = %v\n%s", err, out)
			}
		})
	}
}

// TestCJRankRegisteredAnchors registers the example anchors with `hule
// anchors add` and ranks with --assignment instead of --anchors.
func TestCJRankRegisteredAnchors(t *testing.T) {
	root := repotest.Root(t)
	data := t.TempDir()
	grades := readExpected(t, filepath.Join(root, "examples", "anchors", "grades.csv"))
	for file, grade := range grades {
		if _, err := runHule(t, nil, "anchors", "add", "--data", data, "--assignment", "school-day", "--grade", grade,
			filepath.Join(root, "examples", "anchors", file)); err != nil {
			t.Fatalf("anchors add %s: %v", file, err)
		}
	}
	out, err := runHule(t, nil, "cj", "rank", filepath.Join(root, "examples", "essays"),
		"--assignment", "school-day", "--data", data, "--format", "json")
	if err != nil {
		t.Fatalf("cj rank: %v", err)
	}
	var res cjassess.Outcome
	if err := json.Unmarshal([]byte(out), &res); err != nil {
		t.Fatal(err)
	}
	if res.AnchorsUsed != len(grades) {
		t.Errorf("anchors used = %d, want %d", res.AnchorsUsed, len(grades))
	}
	for _, e := range res.Students() {
		if e.Grade == grading.Ungraded {
			t.Errorf("%s: ungraded with registered anchors", e.ID)
		}
	}
}

func TestAnchorsDefaultDataDir(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "data")
	root := repotest.Root(t)
	if _, err := runHule(t, map[string]string{"HULE_DATA": dir}, "anchors", "add", "--assignment", "x", "--grade", "A",
		filepath.Join(root, "examples", "anchors", "anchor-05.txt")); err != nil {
		t.Fatalf("add: %v", err)
	}
	if _, err := os.Stat(filepath.Join(dir, "hule.db")); err != nil {
		t.Errorf("HULE_DATA not used: %v", err)
	}
}
