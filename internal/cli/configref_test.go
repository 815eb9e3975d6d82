package cli

import (
	"bytes"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/hule-dev/hule/internal/repotest"
)

var updateDocs = flag.Bool("update", false, "rewrite the generated sections of docs/operations.md")

// The operations guide embeds `hule config reference` between these
// markers; TestOperationsGuideReference keeps the two equal.
const (
	refBegin = "<!-- BEGIN hule config reference -->"
	refEnd   = "<!-- END hule config reference -->"
)

func TestConfigReference(t *testing.T) {
	out, err := runWithEnv(t, map[string]string{"HULE_CJ_COMPARISONS": "99"}, "config", "reference")
	if err != nil {
		t.Fatalf("config reference: %v", err)
	}
	for _, want := range []string{
		"| flag | environment | default | meaning |",
		"| `--db` | `HULE_DB` | `(empty)` |",
		"| `--cj-comparisons` | `HULE_CJ_COMPARISONS` | `12` |",
		"| `--jwt-secret` | `HULE_JWT_SECRET` |",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("config reference: want a line containing %q (built-in defaults, environment ignored), got\n%s", want, out)
		}
	}
	if _, err := runWithEnv(t, nil, "config", "reference", "--format", "html"); err == nil {
		t.Error("config reference --format html: got nil error, want unsupported format")
	}
}

func TestConfigPrint(t *testing.T) {
	cases := []struct {
		name     string
		env      map[string]string
		args     []string
		want     []string
		dontWant []string
		wantErr  bool
	}{
		{
			name: "defaults",
			want: []string{"cj-comparisons 12", "judge offline"},
		},
		{
			name: "environment over default",
			env:  map[string]string{"HULE_CJ_COMPARISONS": "20"},
			want: []string{"cj-comparisons 20"},
		},
		{
			name: "flag over environment",
			env:  map[string]string{"HULE_CJ_COMPARISONS": "20"},
			args: []string{"--cj-comparisons", "30"},
			want: []string{"cj-comparisons 30"},
		},
		{
			name:     "secret masked",
			env:      map[string]string{"HULE_JWT_SECRET": "hunter2-very-secret"},
			want:     []string{"jwt-secret ****"},
			dontWant: []string{"hunter2"},
		},
		{
			name:    "invalid values reported",
			args:    []string{"--cj-min-success", "2"},
			want:    []string{"cj-min-success 2"},
			wantErr: true,
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			out, err := runWithEnv(t, tc.env, append([]string{"config", "print"}, tc.args...)...)
			if (err != nil) != tc.wantErr {
				t.Fatalf("config print: got error %v, want error %v", err, tc.wantErr)
			}
			if tc.wantErr && ExitCode(err) != 1 {
				t.Errorf("exit code: got %d, want 1", ExitCode(err))
			}
			got := settings(out)
			for _, w := range tc.want {
				k, v, _ := strings.Cut(w, " ")
				if got[k] != v {
					t.Errorf("%s: got %q, want %q in\n%s", k, got[k], v, out)
				}
			}
			for _, w := range tc.dontWant {
				if strings.Contains(out, w) {
					t.Errorf("do not want %q in\n%s", w, out)
				}
			}
		})
	}
}

// settings parses `hule config print` output into setting -> value.
func settings(out string) map[string]string {
	m := map[string]string{}
	for _, l := range strings.Split(out, "\n") {
		f := strings.Fields(l)
		switch len(f) {
		case 0:
		case 1:
			m[f[0]] = ""
		default:
			m[f[0]] = strings.Join(f[1:], " ")
		}
	}
	return m
}

// TestOperationsGuideReference fails when the configuration table pasted in
// docs/operations.md differs from `hule config reference`; run it with
// -update to rewrite the section between the markers.
func TestOperationsGuideReference(t *testing.T) {
	path := filepath.Join(repotest.Root(t), "docs", "operations.md")
	doc, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("read operations guide: %v", err)
	}
	ref, err := runWithEnv(t, nil, "config", "reference")
	if err != nil {
		t.Fatal(err)
	}
	before, rest, ok := bytes.Cut(doc, []byte(refBegin))
	if !ok {
		t.Fatalf("%s: no %q marker", path, refBegin)
	}
	got, after, ok := bytes.Cut(rest, []byte(refEnd))
	if !ok {
		t.Fatalf("%s: no %q marker", path, refEnd)
	}
	want := "\n" + ref
	if string(got) == want {
		return
	}
	if !*updateDocs {
		t.Fatalf("%s: the configuration reference differs from `hule config reference`; run\n"+
			"  go test ./internal/cli -run TestOperationsGuideReference -update\n"+
			"got:\n%s\nwant:\n%s", path, got, want)
	}
	var b bytes.Buffer
	b.Write(before)
	b.WriteString(refBegin)
	b.WriteString(want)
	b.WriteString(refEnd)
	b.Write(after)
	if err := os.WriteFile(path, b.Bytes(), 0o644); err != nil { //nolint:gosec // a tracked documentation file
		t.Fatal(err)
	}
}
