// Package repotest finds the repository for tests that read its files (the
// example essays, the docs, golden files): go test runs each test in its
// package's directory, so the root is found by walking up to go.mod rather
// than by a relative path that breaks when a package moves.
package repotest

import (
	"os"
	"path/filepath"
	"testing"
)

// Root returns the repository root: the nearest directory holding go.mod at
// or above the test's working directory. It fails the test when there is
// none.
func Root(tb testing.TB) string {
	tb.Helper()
	dir, err := os.Getwd()
	if err != nil {
		tb.Fatal(err)
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			tb.Fatal("no go.mod above the test directory")
		}
		dir = parent
	}
}

// ReferenceDir returns the original platform's contract reference
// (../shared/contracts/reference beside the repository), or skips the test,
// saying so, when it is not there: the contract tests are facts to check
// against where the reference exists, not a requirement to build.
func ReferenceDir(tb testing.TB) string {
	tb.Helper()
	ref := filepath.Join(Root(tb), "..", "shared", "contracts", "reference")
	if _, err := os.Stat(filepath.Join(ref, "registry.json")); err != nil {
		tb.Skipf("skipping: reference contracts not found beside the repository (../shared/contracts/reference): %v", err)
	}
	return ref
}
