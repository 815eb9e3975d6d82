package cli

import (
	"fmt"

	"github.com/spf13/cobra"

	"github.com/hule-dev/hule/internal/app"
	"github.com/hule-dev/hule/internal/config"
)

func newConfigCmd(env Env) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "config",
		Short: "Document and show hule's configuration",
		Args:  cobra.NoArgs,
	}
	cmd.AddCommand(newConfigReferenceCmd(env), newConfigPrintCmd(env))
	return cmd
}

func newConfigReferenceCmd(env Env) *cobra.Command {
	var format string
	cmd := &cobra.Command{
		Use:   "reference",
		Short: "Print every setting: flag, environment variable, default and meaning",
		Long: `reference prints the configuration reference of ` + "`hule serve` and `hule run`" + `,
generated from the settings' declarations in the code, so it cannot drift.
The defaults shown are the built-in ones (the environment is not read).
The operations guide (docs/operations.md) embeds this table.`,
		Args: cobra.NoArgs,
		RunE: func(*cobra.Command, []string) error {
			if format != "markdown" {
				return fmt.Errorf("--format %q: want markdown", format)
			}
			cfg := app.DefaultConfig()
			return config.Reference(env.Stdout, &cfg)
		},
	}
	cmd.Flags().StringVar(&format, "format", "markdown", "output format: markdown")
	return cmd
}

func newConfigPrintCmd(env Env) *cobra.Command {
	cfg := app.DefaultConfig()
	cmd := &cobra.Command{
		Use:   "print [flags]",
		Short: "Print the effective configuration (defaults < HULE_* environment < flags), secrets masked",
		Long: `print shows what ` + "`hule serve`" + ` would run with, given the same HULE_*
environment and flags, with secrets masked, then checks it and reports every
problem. It starts nothing.`,
		Args: cobra.NoArgs,
		RunE: func(*cobra.Command, []string) error {
			if err := config.Print(env.Stdout, &cfg); err != nil {
				return err
			}
			if err := cfg.Validate(); err != nil {
				return &ExitError{Code: 1, Err: fmt.Errorf("invalid configuration: %w", err)}
			}
			return nil
		},
	}
	mustBind(cmd, &cfg, env)
	return cmd
}
