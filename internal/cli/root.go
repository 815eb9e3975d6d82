// Package cli is hule's command line: one cobra command tree whose leaves call
// into the service and library packages. It owns flags and output formatting,
// never business logic, so every command runs the same code as the services.
package cli

import (
	"context"
	"errors"
	"io"

	"github.com/spf13/cobra"
)

// Env is what a command may touch of the outside world. Tests pass their own
// so that Run never reads the real process environment or terminal.
type Env struct {
	Getenv func(string) string
	Stdin  io.Reader
	Stdout io.Writer
	Stderr io.Writer
}

// ExitError carries a specific process exit code (for example 1 for "input
// invalid" from `hule events validate`) without printing anything further.
type ExitError struct {
	Code int
	Err  error
}

func (e *ExitError) Error() string {
	if e.Err == nil {
		return "exit status"
	}
	return e.Err.Error()
}

func (e *ExitError) Unwrap() error { return e.Err }

// ExitCode maps an error returned by Run to the process exit code.
func ExitCode(err error) int {
	var ee *ExitError
	if errors.As(err, &ee) {
		return ee.Code
	}
	return 2
}

// commands lists the top-level command constructors. Each area of the
// platform adds its own constructor here, defined in its own file.
var commands = []func(Env) *cobra.Command{
	newVersionCmd,
	newServeCmd,
	newRunCmd,
	newCJCmd,
	newAnchorsCmd,
	newKafkaCmd,
	newMetricsCmd,
	newEventsCmd,
	newSpellCmd,
	newDLQCmd,
	newAssessCmd,
	newSubmitCmd,
	newResultsCmd,
	newMigrateCmd,
	newConfigCmd,
	newBenchCmd,
}

// Run executes the hule command line with args (without the program name).
func Run(ctx context.Context, args []string, env Env) error {
	if env.Getenv == nil {
		env.Getenv = func(string) string { return "" }
	}
	root := &cobra.Command{
		Use:           "hule",
		Short:         "hule assesses essays: spelling, text metrics and comparative judgement",
		SilenceUsage:  true,
		SilenceErrors: true,
	}
	root.SetArgs(args)
	root.SetIn(env.Stdin)
	root.SetOut(env.Stdout)
	root.SetErr(env.Stderr)
	for _, c := range commands {
		root.AddCommand(c(env))
	}
	return root.ExecuteContext(ctx)
}
