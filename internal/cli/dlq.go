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
	"github.com/hule-dev/hule/internal/bus/kafka"
	"github.com/hule-dev/hule/internal/store"
)

// dlqTarget is where `hule dlq` finds the dead-letter topics: a Kafka
// cluster, or the SQL topics of a SQLite data directory or a PostgreSQL URL.
type dlqTarget struct {
	data    string
	db      string
	bus     string
	timeout time.Duration
}

func (t *dlqTarget) flags(cmd *cobra.Command, env Env) {
	data := env.Getenv("HULE_DATA")
	if data == "" {
		data = "hule-data"
	}
	cmd.Flags().StringVar(&t.data, "data", data, "SQLite data directory holding "+store.SQLiteFile+" (env HULE_DATA)")
	cmd.Flags().StringVar(&t.db, "db", env.Getenv("HULE_DB"), "PostgreSQL URL; overrides --data (env HULE_DB)")
	cmd.Flags().StringVar(&t.bus, "bus", env.Getenv("HULE_BUS"),
		"kafka://host:port[,host:port] to read Kafka's dead-letter topics (--data and --db are then unused); empty or sql for the SQL topics (env HULE_BUS)")
	cmd.Flags().DurationVar(&t.timeout, "timeout", time.Minute,
		"give up after this long (an unreachable broker, a partition whose end is never reached)")
}

// context bounds the command by --timeout, so an operator's command never
// hangs on a cluster that does not answer.
func (t *dlqTarget) context(ctx context.Context) (context.Context, context.CancelFunc) {
	if t.timeout <= 0 {
		return context.WithCancel(ctx)
	}
	return context.WithTimeout(ctx, t.timeout)
}

// kafkaBrokers returns the brokers of a kafka:// bus, parsed as `hule run`
// parses its --bus, or nil when the dead letters are in SQL topics.
func (t *dlqTarget) kafkaBrokers() ([]string, error) {
	if t.bus == "" || t.bus == "sql" {
		return nil, nil
	}
	brokers, err := kafka.BrokersFromURL(t.bus)
	if err != nil {
		return nil, fmt.Errorf("--bus: %w", err)
	}
	return brokers, nil
}

// list returns the dead letters of topic ("" for every topic).
func (t *dlqTarget) list(ctx context.Context, topic string) ([]bus.DeadLetter, error) {
	brokers, err := t.kafkaBrokers()
	if err != nil {
		return nil, err
	}
	if brokers != nil {
		return kafka.ListDeadLetters(ctx, brokers, topic)
	}
	db, err := t.open(ctx)
	if err != nil {
		return nil, err
	}
	defer db.Close()
	return bus.ListDeadLetters(ctx, db, topic)
}

// replay re-drives the dead letters of topic or with id. It returns how
// many it replayed and, on Kafka, the ids of those that stay listed.
func (t *dlqTarget) replay(ctx context.Context, topic, id string) (int, []string, error) {
	brokers, err := t.kafkaBrokers()
	if err != nil {
		return 0, nil, err
	}
	if brokers != nil {
		r, err := kafka.ReplayDeadLetters(ctx, brokers, topic, id)
		return r.N, r.Listed, err
	}
	db, err := t.open(ctx)
	if err != nil {
		return 0, nil, err
	}
	defer db.Close()
	n, err := bus.Replay(ctx, db, topic, id)
	return n, nil, err
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
			ctx, cancel := target.context(cmd.Context())
			defer cancel()
			dls, err := target.list(ctx, topic)
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
		Short: "Publish dead letters again on the topic they failed on, and take them off the list",
		Long: `Publish dead letters again on the topic they failed on, without their dlq_*
metadata and with their original id, so that an event handled in the meantime
is a no-op. SQL topics: the dead letters are deleted in the same transaction.

Kafka (--bus kafka://...): records cannot be deleted, so the committed offsets
of consumer group ` + kafka.DLQGroup + ` mark how far each dead-letter partition was
replayed; list shows only what lies after them. Replaying by id moves that
cursor only when the dead letter is the first pending one of its partition;
otherwise it is replayed but stays listed, and says so.`,
		Args: cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			id := ""
			if len(args) == 1 {
				id = args[0]
			}
			if id == "" && topic == "" {
				return &ExitError{Code: 2, Err: errors.New("dlq replay: give an id or --topic")}
			}
			ctx, cancel := target.context(cmd.Context())
			defer cancel()
			n, listed, err := target.replay(ctx, topic, id)
			if err != nil {
				return err
			}
			if n == 0 {
				return &ExitError{Code: 1, Err: errors.New("dlq replay: no matching dead letter")}
			}
			if _, err := fmt.Fprintf(env.Stdout, "replayed %d dead letter(s)\n", n); err != nil {
				return err
			}
			for _, id := range listed {
				if _, err := fmt.Fprintf(env.Stdout,
					"%s stays listed: an earlier dead letter of its partition is pending, so the %s cursor did not move\n",
					id, kafka.DLQGroup); err != nil {
					return err
				}
			}
			return nil
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
