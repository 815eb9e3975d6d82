package cli

import (
	"fmt"
	"strings"

	"github.com/spf13/cobra"

	"github.com/hule-dev/hule/internal/app"
	"github.com/hule-dev/hule/internal/config"
)

func newServeCmd(env Env) *cobra.Command {
	cfg := app.DefaultConfig()
	var printConfig bool
	cmd := &cobra.Command{
		Use:   "serve",
		Short: "Run every service in one process on the embedded default (one SQLite file)",
		Long: `serve runs the whole platform in one process: the API and dashboard, every
service, the bus as tables in one SQLite file in the data directory, and the
offline judge unless a provider is configured. Stop it with Ctrl-C; a
restart resumes unfinished batches.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return runPlatform(cmd, env, cfg, nil, printConfig)
		},
	}
	cmd.Flags().BoolVar(&printConfig, "print-config", false, "print the effective configuration (secrets masked) and exit")
	mustBind(cmd, &cfg, env)
	return cmd
}

func newRunCmd(env Env) *cobra.Command {
	cfg := app.DefaultConfig()
	cfg.Addr = ":8080"
	var printConfig bool
	cmd := &cobra.Command{
		Use:   "run SERVICE...",
		Short: "Run the named services (or all) against PostgreSQL and Kafka or SQL topics",
		Long: `run starts the named services in this process: ` + strings.Join(app.Services, ", ") + `, or all.
Several processes may run the same service; they share its work through
consumer groups. Point --db at PostgreSQL and --bus at Kafka
(kafka://host:port) or leave --bus empty for topics as PostgreSQL tables.`,
		Args: cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return runPlatform(cmd, env, cfg, args, printConfig)
		},
	}
	cmd.Flags().BoolVar(&printConfig, "print-config", false, "print the effective configuration (secrets masked) and exit")
	mustBind(cmd, &cfg, env)
	return cmd
}

// mustBind binds cfg's settings as flags of cmd; a malformed environment
// variable is reported when the command runs.
func mustBind(cmd *cobra.Command, cfg any, env Env) {
	if err := config.Bind(cmd.Flags(), cfg, env.Getenv); err != nil {
		cmd.PreRunE = func(*cobra.Command, []string) error { return err }
	}
}

func runPlatform(cmd *cobra.Command, env Env, cfg app.Config, services []string, printConfig bool) error {
	if printConfig {
		return config.Print(env.Stdout, &cfg)
	}
	if err := cfg.Validate(); err != nil {
		return err
	}
	cfg.Getenv = env.Getenv
	logger := app.Logger(cfg, env.Stderr)
	ctx := cmd.Context()
	p, err := app.New(ctx, cfg, services, logger)
	if err != nil {
		return err
	}
	if err := p.Listen(); err != nil {
		return err
	}
	fmt.Fprintf(env.Stdout, "hule listening on http://%s\n", p.Addr())
	if p.Token != "" {
		fmt.Fprintf(env.Stdout, "local API token: %s\n", p.Token)
	}
	return p.Run(ctx)
}
