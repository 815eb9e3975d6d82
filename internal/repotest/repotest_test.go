package repotest_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/hule-dev/hule/internal/repotest"
)

func TestRootHoldsTheModule(t *testing.T) {
	root := repotest.Root(t)
	mod, err := os.ReadFile(filepath.Join(root, "go.mod"))
	if err != nil {
		t.Fatalf("Root = %s: %v", root, err)
	}
	if !strings.Contains(string(mod), "module github.com/hule-dev/hule\n") {
		t.Errorf("Root = %s holds another module's go.mod:\n%s", root, mod)
	}
	wd, _ := os.Getwd()
	if rel, err := filepath.Rel(root, wd); err != nil || rel != filepath.Join("internal", "repotest") {
		t.Errorf("Root = %s is not two levels above the test's directory %s", root, wd)
	}
}
