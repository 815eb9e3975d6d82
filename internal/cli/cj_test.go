package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func runCJ(t *testing.T, stdin string, args ...string) (string, error) {
	t.Helper()
	var out, errOut bytes.Buffer
	err := Run(context.Background(), args, Env{Stdin: strings.NewReader(stdin), Stdout: &out, Stderr: &errOut})
	return out.String(), err
}

func writeCSV(t *testing.T, content string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "comparisons.csv")
	if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

const ladder = `winner,loser,judge
a,b,j1
b,c,j2
a,c,j1
c,d,j2
b,d,j1
a,d,j2
b,a,j1
d,c,j2
`

func TestCJFitJSON(t *testing.T) {
	out, err := runCJ(t, "", "cj", "fit", "--format", "json", writeCSV(t, ladder))
	if err != nil {
		t.Fatalf("cj fit: %v", err)
	}
	var got struct {
		Items []struct {
			Name        string  `json:"name"`
			Score       float64 `json:"score"`
			SE          float64 `json:"se"`
			Rank        int     `json:"rank"`
			Infit       float64 `json:"infit"`
			Outfit      float64 `json:"outfit"`
			Comparisons int     `json:"comparisons"`
		} `json:"items"`
		Judges      []struct{ ID string } `json:"judges"`
		SSR         *float64              `json:"ssr"`
		Comparisons int                   `json:"comparisons"`
		Converged   bool                  `json:"converged"`
	}
	if err := json.Unmarshal([]byte(out), &got); err != nil {
		t.Fatalf("output is not JSON: %v\n%s", err, out)
	}
	wantOrder := []string{"a", "b", "c", "d"}
	if len(got.Items) != len(wantOrder) {
		t.Fatalf("got %d items, want %d:\n%s", len(got.Items), len(wantOrder), out)
	}
	for i, it := range got.Items {
		if it.Name != wantOrder[i] || it.Rank != i+1 {
			t.Errorf("row %d = %s rank %d, want %s rank %d", i, it.Name, it.Rank, wantOrder[i], i+1)
		}
		if it.SE <= 0 || it.Infit <= 0 || it.Outfit <= 0 || it.Comparisons != 4 {
			t.Errorf("%s: SE %v infit %v outfit %v comparisons %d, want positive fit and 4 comparisons", it.Name, it.SE, it.Infit, it.Outfit, it.Comparisons)
		}
	}
	if got.SSR == nil || got.Comparisons != 8 || !got.Converged || len(got.Judges) != 2 {
		t.Errorf("ssr %v comparisons %d converged %v judges %d, want ssr present, 8, true, 2", got.SSR, got.Comparisons, got.Converged, len(got.Judges))
	}
}

func TestCJFitTable(t *testing.T) {
	out, err := runCJ(t, "", "cj", "fit", writeCSV(t, "x,y\ny,z\nx,z\nz,x\n"))
	if err != nil {
		t.Fatalf("cj fit: %v", err)
	}
	lines := strings.Split(strings.TrimSpace(out), "\n")
	if len(lines) < 5 {
		t.Fatalf("table has %d lines, want header, 3 rows and SSR:\n%s", len(lines), out)
	}
	for _, col := range []string{"rank", "item", "score", "se", "infit", "outfit"} {
		if !strings.Contains(lines[0], col) {
			t.Errorf("header %q lacks %q", lines[0], col)
		}
	}
	if f := strings.Fields(lines[1]); len(f) < 2 || f[0] != "1" || f[1] != "x" {
		t.Errorf("first row %q, want rank 1 item x", lines[1])
	}
	if last := lines[len(lines)-1]; !strings.HasPrefix(last, "SSR ") || !strings.Contains(last, "3 items, 4 comparisons") {
		t.Errorf("last line %q, want the SSR summary", last)
	}
	if strings.Contains(out, "judge") {
		t.Errorf("judge table printed without judges:\n%s", out)
	}
}

func TestCJFitReadsStdin(t *testing.T) {
	out, err := runCJ(t, "a,b\nb,a\na,b\n", "cj", "fit", "--format", "json", "-")
	if err != nil {
		t.Fatalf("cj fit -: %v", err)
	}
	if !strings.Contains(out, `"name": "a"`) {
		t.Errorf("output lacks item a:\n%s", out)
	}
}

func TestCJFitRejectsBadInput(t *testing.T) {
	tests := []struct {
		name     string
		csv      string
		args     []string
		wantCode int
		wantMsg  string
	}{
		{"too many columns", "a,b\nb,c,j1,extra\n", nil, 1, "line 2: 4 columns"},
		{"one column", "winner,loser\na,b\nc\n", nil, 1, "line 3: 1 columns"},
		{"empty name", "a,b\n,c\n", nil, 1, "line 2: empty essay name"},
		{"winner equals loser", "a,b\nb,b\n", nil, 1, `line 2: winner and loser are both "b"`},
		{"bad quoting", "a,b\n\"c,d\n", nil, 1, "line 2"},
		{"header only", "winner,loser\n", nil, 1, "no comparisons"},
		{"unknown format", "a,b\n", []string{"--format", "xml"}, 2, "--format"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			args := append([]string{"cj", "fit"}, tt.args...)
			args = append(args, writeCSV(t, tt.csv))
			_, err := runCJ(t, "", args...)
			if err == nil {
				t.Fatal("cj fit: got nil error, want one")
			}
			if code := ExitCode(err); code != tt.wantCode {
				t.Errorf("exit code %d, want %d (%v)", code, tt.wantCode, err)
			}
			if !strings.Contains(err.Error(), tt.wantMsg) {
				t.Errorf("error %q, want it to contain %q", err, tt.wantMsg)
			}
		})
	}
	if _, err := runCJ(t, "", "cj", "fit", filepath.Join(t.TempDir(), "missing.csv")); err == nil {
		t.Errorf("missing file: got nil error")
	}
}
