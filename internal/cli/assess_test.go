package cli

import (
	"strings"
	"testing"
)

func TestAssessRefusesBadInputBeforeStarting(t *testing.T) {
	essays := essayDir(t)
	tests := []struct {
		name string
		args []string
		msg  string
	}{
		{"bad pipeline", []string{"assess", essays, "--pipeline", "everything"}, "--pipeline"},
		{"bad format", []string{"assess", essays, "--format", "yaml"}, "--format"},
		{"missing folder", []string{"assess", essays + "/nope"}, "essays"},
		{"anchors without grades.csv", []string{"assess", essays, "--anchors", t.TempDir()}, "grades.csv"},
		{"no essays", []string{"assess", t.TempDir()}, "no .txt"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, _, err := runCLI(t, nil, tt.args...)
			if err == nil {
				t.Fatal("no error")
			}
			if ExitCode(err) != 1 || !strings.Contains(err.Error(), tt.msg) {
				t.Errorf("got exit %d %q, want exit 1 mentioning %q", ExitCode(err), err, tt.msg)
			}
		})
	}
}

func TestAnchorAssignmentIsStable(t *testing.T) {
	a := []anchorFile{{"a.txt", "A", "best essay"}, {"f.txt", "F", "worst essay"}}
	reordered := []anchorFile{a[1], a[0]}
	regraded := []anchorFile{{"a.txt", "B", "best essay"}, a[1]}
	if anchorAssignment(a) != anchorAssignment(reordered) {
		t.Error("the same anchors in another order got another assignment")
	}
	if anchorAssignment(a) == anchorAssignment(regraded) {
		t.Error("anchors with another grade got the same assignment")
	}
	if got := anchorAssignment(a); !strings.HasPrefix(got, "anchors-") || len(got) > 100 {
		t.Errorf("assignment id %q, want anchors-<hash> within the 100 characters the contracts allow", got)
	}
}
