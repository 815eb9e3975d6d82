package cli

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/hule-dev/hule/internal/bus"
	"github.com/hule-dev/hule/internal/store"
)

// dlqTarget is where `hule dlq` finds the dead-letter topics: a SQLite data
// directory or a PostgreSQL URL.
type dlqTarget struct {
	data string
	db   string
}

func (t *dlqTarget) flags(cmd *cobra.Command, env Env) {
	data := env.Getenv("HULE_DATA")
	if data == "" {
		data = "hule-data"
	}
	cmd.Flags().StringVar(&t.data, "data", data, "SQLite data directory holding "+store.SQLiteFile+" (env HULE_DATA)")
	cmd.Flags().StringVar(&t.db, "db", env.Getenv("HULE_DB"), "PostgreSQL URL; overrides --data (env HULE_DB)")
}

func (t *dlqTarget) open(ctx context.Context) (*store.DB, error) {
	if t.db != "" {
		return store.OpenPostgres(ctx, t.db)
	}
	path := filepath.Join(t.data, store.SQLiteFile)
	if _, err := os.Stat(path); err != nil {
		return nil, fmt.Errorf("data dir %s: %w", t.data, err)
	}
	return store.OpenSQLite(ctx, path)
}

func newDLQCmd(env Env) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "dlq",
		Short: "Inspect and replay dead-lettered messages",
	}
	cmd.AddCommand(newDLQListCmd(env), newDLQReplayCmd(env))
	return cmd
}

func newDLQListCmd(env Env) *cobra.Command {
	var (
		target dlqTarget
		topic  string
	)
	cmd := &cobra.Command{
		Use:   "list",
		Short: "List dead letters: id, topic, reason, attempts, handler, time, error",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			db, err := target.open(cmd.Context())
			if err != nil {
				return err
			}
			defer db.Close()
			dls, err := bus.ListDeadLetters(cmd.Context(), db, topic)
			if err != nil {
				return err
			}
			w := tabwriter.NewWriter(env.Stdout, 0, 4, 2, ' ', 0)
			fmt.Fprintln(w, "ID\tTOPIC\tREASON\tATTEMPTS\tHANDLER\tTIME\tERROR")
			for _, dl := range dls {
				fmt.Fprintf(w, "%s\t%s\t%s\t%d\t%s\t%s\t%s\n", dl.ID, dl.Topic, dl.Reason, dl.Attempts,
					dl.Handler, dl.Time.Format(time.RFC3339), oneLine(dl.Error, 120))
			}
			return w.Flush()
		},
	}
	target.flags(cmd, env)
	cmd.Flags().StringVar(&topic, "topic", "", "only this topic's dead letters")
	return cmd
}

func newDLQReplayCmd(env Env) *cobra.Command {
	var (
		target dlqTarget
		topic  string
	)
	cmd := &cobra.Command{
		Use:   "replay <id> | --topic T",
		Short: "Publish dead letters again on the topic they failed on, and remove them from the DLQ",
		Args:  cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			id := ""
			if len(args) == 1 {
				id = args[0]
			}
			if id == "" && topic == "" {
				return &ExitError{Code: 2, Err: errors.New("dlq replay: give an id or --topic")}
			}
			db, err := target.open(cmd.Context())
			if err != nil {
				return err
			}
			defer db.Close()
			n, err := bus.Replay(cmd.Context(), db, topic, id)
			if err != nil {
				return err
			}
			if n == 0 {
				return &ExitError{Code: 1, Err: errors.New("dlq replay: no matching dead letter")}
			}
			_, err = fmt.Fprintf(env.Stdout, "replayed %d dead letter(s)\n", n)
			return err
		},
	}
	target.flags(cmd, env)
	cmd.Flags().StringVar(&topic, "topic", "", "replay every dead letter of this topic (with an id: only search this topic)")
	return cmd
}

// oneLine shortens s to one line of at most n runes for a table cell.
func oneLine(s string, n int) string {
	s = strings.Join(strings.Fields(s), " ")
	if r := []rune(s); len(r) > n {
		return string(r[:n-1]) + "…"
	}
	return s
}
