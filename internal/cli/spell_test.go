//nolint:misspell // deliberate misspellings: the spell checker under test corrects them
package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func runSpell(t *testing.T, stdin string, env map[string]string, args ...string) (string, error) {
	t.Helper()
	var out, errOut bytes.Buffer
	err := Run(context.Background(), append([]string{"spell"}, args...), Env{
		Getenv: func(k string) string { return env[k] },
		Stdin:  strings.NewReader(stdin), Stdout: &out, Stderr: &errOut,
	})
	return out.String(), err
}

func TestSpellText(t *testing.T) {
	file := filepath.Join(t.TempDir(), "essay.txt")
	if err := os.WriteFile(file, []byte("Teh abilty of Kowalczyk.\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name  string
		stdin string
		args  []string
		want  string
	}{
		{"stdin", "I recieve teh letter.", []string{"-"}, "I receive the letter."},
		{"file", "", []string{file}, "The ability of Kowalczyk.\n"},
		{"allow-list", "I recieve teh letter.", []string{"--allow", "teh,other", "-"}, "I receive teh letter."},
		{"explicit english", "I recieve it.", []string{"--lang", "en", "--format", "text", "-"}, "I receive it."},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := runSpell(t, tt.stdin, nil, tt.args...)
			if err != nil {
				t.Fatalf("spell %v: %v", tt.args, err)
			}
			if got != tt.want {
				t.Errorf("spell %v = %q, want %q", tt.args, got, tt.want)
			}
		})
	}
}

func TestSpellJSON(t *testing.T) {
	out, err := runSpell(t, "I recieve it. Her abilty grew.", nil, "--format", "json", "-")
	if err != nil {
		t.Fatalf("spell: %v", err)
	}
	var got struct {
		Lang        string `json:"lang"`
		Corrections []struct {
			Offset      int    `json:"offset"`
			Original    string `json:"original"`
			Replacement string `json:"replacement"`
			Source      string `json:"source"`
		} `json:"corrections"`
		Metrics struct {
			Learner    int     `json:"learner_corrections"`
			Dictionary int     `json:"dictionary_corrections"`
			Words      int     `json:"words"`
			Density    float64 `json:"error_density"`
		} `json:"metrics"`
	}
	if err := json.Unmarshal([]byte(out), &got); err != nil {
		t.Fatalf("decode %q: %v", out, err)
	}
	if got.Lang != "en" || len(got.Corrections) != 2 {
		t.Fatalf("lang %q, %d corrections, want en and 2: %s", got.Lang, len(got.Corrections), out)
	}
	first, second := got.Corrections[0], got.Corrections[1]
	if first.Offset != 2 || first.Original != "recieve" || first.Replacement != "receive" || first.Source != "learner" {
		t.Errorf("first correction = %+v, want offset 2 recieve -> receive from learner", first)
	}
	if second.Offset != 18 || second.Original != "abilty" || second.Replacement != "ability" || second.Source != "dictionary" {
		t.Errorf("second correction = %+v, want offset 18 abilty -> ability from dictionary", second)
	}
	if got.Metrics.Learner != 1 || got.Metrics.Dictionary != 1 || got.Metrics.Words != 6 || got.Metrics.Density != 200.0/6 {
		t.Errorf("metrics = %+v, want 1 learner, 1 dictionary, 6 words, density %v", got.Metrics, 200.0/6)
	}
}

func TestSpellErrors(t *testing.T) {
	empty := t.TempDir()
	tests := []struct {
		name     string
		env      map[string]string
		args     []string
		wantCode int
		wantMsg  string
	}{
		{"unknown language", nil, []string{"--lang", "de", "-"}, 2, "unknown language"},
		{"unknown format", nil, []string{"--format", "xml", "-"}, 2, "unknown format"},
		{"missing file", nil, []string{filepath.Join(empty, "nope.txt")}, 2, "read text"},
		{"no argument", nil, nil, 2, "arg"},
		{"swedish missing (flag)", nil, []string{"--lang", "sv", "--dict-dir", empty, "-"}, 1, "hunspell-sv"},
		{"swedish missing (env)", map[string]string{"HULE_SPELL_DICT_DIR": empty}, []string{"--lang", "sv", "-"}, 1, "hunspell-sv"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := runSpell(t, "text", tt.env, tt.args...)
			if err == nil {
				t.Fatalf("spell %v: error = nil, want one", tt.args)
			}
			if got := ExitCode(err); got != tt.wantCode {
				t.Errorf("exit code = %d, want %d (err %v)", got, tt.wantCode, err)
			}
			if !strings.Contains(err.Error(), tt.wantMsg) {
				t.Errorf("error = %q, want it to mention %q", err, tt.wantMsg)
			}
			var ee *ExitError
			if tt.wantCode == 1 && !errors.As(err, &ee) {
				t.Errorf("error %v is not an *ExitError", err)
			}
		})
	}
}
