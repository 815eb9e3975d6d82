package cli

import (
	"fmt"
	"runtime/debug"

	"github.com/spf13/cobra"
)

// Version is set at link time (-ldflags "-X github.com/hule-dev/hule/internal/cli.Version=v0.1.0").
var Version = "dev"

func newVersionCmd(env Env) *cobra.Command {
	return &cobra.Command{
		Use:   "version",
		Short: "Print the version and the commit hule was built from",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			commit, modified := buildCommit()
			if modified {
				commit += "-dirty"
			}
			_, err := fmt.Fprintf(env.Stdout, "hule %s (commit %s)\n", Version, commit)
			return err
		},
	}
}

// buildCommit reads the VCS stamp the Go toolchain embeds in binaries built
// inside a git checkout; "unknown" under `go run` or `go test`.
func buildCommit() (string, bool) {
	info, ok := debug.ReadBuildInfo()
	if !ok {
		return "unknown", false
	}
	commit, modified := "unknown", false
	for _, s := range info.Settings {
		switch s.Key {
		case "vcs.revision":
			commit = s.Value
		case "vcs.modified":
			modified = s.Value == "true"
		}
	}
	return commit, modified
}
