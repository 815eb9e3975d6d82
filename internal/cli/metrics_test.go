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

func runMetrics(t *testing.T, stdin string, args ...string) (string, error) {
	t.Helper()
	var out, errOut bytes.Buffer
	err := Run(context.Background(), append([]string{"metrics"}, args...),
		Env{Stdin: strings.NewReader(stdin), Stdout: &out, Stderr: &errOut})
	return out.String(), err
}

func TestMetricsJSONFromStdin(t *testing.T) {
	out, err := runMetrics(t, "the the cat sat on a mat. He have a apple.", "--format", "json", "--corrections", "2", "-")
	if err != nil {
		t.Fatalf("metrics: %v", err)
	}
	var got struct {
		WordCount     int     `json:"word_count"`
		SentenceCount int     `json:"sentence_count"`
		ErrorDensity  float64 `json:"error_density"`
		MeanZipf      float64 `json:"mean_zipf_frequency"`
		Grammar       struct {
			ErrorCount int `json:"error_count"`
			Errors     []struct {
				RuleID       string   `json:"rule_id"`
				Offset       int      `json:"offset"`
				Length       int      `json:"length"`
				Replacements []string `json:"replacements"`
			} `json:"errors"`
		} `json:"grammar_analysis"`
	}
	if err := json.Unmarshal([]byte(out), &got); err != nil {
		t.Fatalf("output is not JSON: %v\n%s", err, out)
	}
	if got.WordCount != 11 || got.SentenceCount != 2 {
		t.Errorf("words, sentences = %d, %d, want 11, 2", got.WordCount, got.SentenceCount)
	}
	if want := 200.0 / 11; got.ErrorDensity != want {
		t.Errorf("error density = %v, want %v", got.ErrorDensity, want)
	}
	if got.MeanZipf <= 0 {
		t.Errorf("mean Zipf = %v: the English frequency list was not used", got.MeanZipf)
	}
	var rules []string
	for _, e := range got.Grammar.Errors {
		rules = append(rules, e.RuleID)
	}
	want := []string{"SENTENCE_START_CASE", "WORD_REPEAT", "SUBJECT_VERB_AGREEMENT", "A_AN"}
	if strings.Join(rules, " ") != strings.Join(want, " ") || got.Grammar.ErrorCount != 4 {
		t.Errorf("rules = %v (count %d), want %v", rules, got.Grammar.ErrorCount, want)
	}
}

func TestMetricsTableFromFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "essay.txt")
	if err := os.WriteFile(path, []byte("It rained.  then it stopped.\n\nWe went out."), 0o600); err != nil {
		t.Fatal(err)
	}
	out, err := runMetrics(t, "", path)
	if err != nil {
		t.Fatalf("metrics: %v", err)
	}
	for _, want := range []string{
		"words                  8\n",
		"sentences              3\n",
		"paragraphs             2\n",
		"Flesch-Kincaid grade",
		"HD-D                   undefined (text too short)",
		`1:11      DOUBLE_SPACE         "  "    " "         Use a single space between words.`,
		`1:13      SENTENCE_START_CASE  "then"  "Then"`,
	} {
		if !strings.Contains(out, want) {
			t.Errorf("table lacks %q:\n%s", want, out)
		}
	}
	if strings.Contains(out, "error density") {
		t.Errorf("error density shown without --corrections:\n%s", out)
	}
}

func TestMetricsSwedishTable(t *testing.T) {
	out, err := runMetrics(t, "Åsa åt äpplen. örjan drack öl.", "--lang", "sv", "-")
	if err != nil {
		t.Fatalf("metrics: %v", err)
	}
	for _, want := range []string{"language             sv", "mean Zipf            n/a", "LIX", `1:16      SENTENCE_START_CASE  "örjan"  "Örjan"`} {
		if !strings.Contains(out, want) {
			t.Errorf("table lacks %q:\n%s", want, out)
		}
	}
	if strings.Contains(out, "Flesch") {
		t.Errorf("Swedish output shows Flesch scores:\n%s", out)
	}
}

func TestMetricsErrors(t *testing.T) {
	tests := []struct {
		name string
		args []string
		want string
	}{
		{"no file", nil, "accepts 1 arg"},
		{"bad language", []string{"--lang", "de", "-"}, "unknown language"},
		{"bad format", []string{"--format", "xml", "-"}, "unknown format"},
		{"negative corrections", []string{"--corrections", "-1", "-"}, "must not be negative"},
		{"missing file", []string{filepath.Join(t.TempDir(), "nope.txt")}, "read text"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := runMetrics(t, "text", tt.args...)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("error = %v, want one containing %q", err, tt.want)
			}
			if code := ExitCode(err); code != 2 {
				t.Errorf("exit code = %d, want 2", code)
			}
		})
	}
}

func TestLineCol(t *testing.T) {
	text := "ab\nåäö x"
	tests := []struct {
		off, line, col int
	}{
		{0, 1, 1}, {2, 1, 3}, {3, 2, 1}, {strings.Index(text, "x"), 2, 5},
	}
	for _, tt := range tests {
		if l, c := lineCol(text, tt.off); l != tt.line || c != tt.col {
			t.Errorf("lineCol(%d) = %d:%d, want %d:%d", tt.off, l, c, tt.line, tt.col)
		}
	}
}
