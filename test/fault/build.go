package fault

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
)

// Build compiles the hule binary of the module containing dir into out and
// returns its path. Building once and running the binary is what makes the
// processes real: each has its own memory, sockets and death.
func Build(ctx context.Context, moduleDir, out string) (string, error) {
	bin := filepath.Join(out, "hule")
	cmd := exec.CommandContext(ctx, "go", "build", "-o", bin, "./cmd/hule") //nolint:gosec // the output path is the caller's temp dir
	cmd.Dir = moduleDir
	// The parent's environment as is, so the build shares the go test
	// build cache (a different CGO_ENABLED would rebuild everything).
	if b, err := cmd.CombinedOutput(); err != nil {
		return "", fmt.Errorf("go build ./cmd/hule: %w\n%s", err, b)
	}
	return bin, nil
}

// ModuleRoot walks up from dir to the directory holding go.mod.
func ModuleRoot(dir string) (string, error) {
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", errors.New("no go.mod above " + dir)
		}
		dir = parent
	}
}
