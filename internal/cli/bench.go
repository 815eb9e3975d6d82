package cli

import (
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/spf13/cobra"

	"github.com/hule-dev/hule/internal/bench"
)

func newBenchCmd(env Env) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "bench",
		Short: "Load benchmarks of the whole platform",
		Args:  cobra.NoArgs,
	}
	cmd.AddCommand(newBenchPipelineCmd(env))
	return cmd
}

// benchPipelineFlags are the options of `hule bench pipeline`.
type benchPipelineFlags struct {
	opts    bench.Options
	json    bool
	timeout time.Duration
}

func newBenchPipelineCmd(env Env) *cobra.Command {
	var f benchPipelineFlags
	cmd := &cobra.Command{
		Use:   "pipeline --essays N [--batches K] [--mode embedded|distributed]",
		Short: "Run a comprehensive pipeline of generated essays through real hule processes and measure it",
		Long: `pipeline starts hule as processes of this binary, uploads N generated essays
through the HTTP API, runs the comprehensive pipeline (spellcheck, text
analysis, comparative judgement with the offline judge) and reports:
essays per second from upload start to the run's end, per phase its time and
the p50/p99 time from request to each essay's result, events per second on
the bus, and the peak memory (VmHWM) of each process.

--batches K splits the N essays into K batches of near-equal size, distinct
texts throughout, as if K teachers submitted at once: all are registered and
uploaded at the same time, each pipeline is requested when its batch is
ready, and the run ends when every batch's run has ended. Phases are then
reported over all batches, and each batch on a line of its own. Every run
also reports its contention: the increase of hule_bus_retried_total (handler
attempts retried after a transient failure such as a serialization failure
or a deadlock) over every process, per consumer group, and in the
distributed mode the increase of the deadlocks that pg_stat_database counts
for the --db database (database-wide: other clients' count too).

--mode embedded runs one 'hule serve' on a temporary data directory (SQLite,
topics as tables). --mode distributed makes a schema hule_bench_<random> on
the PostgreSQL server of --db, runs 'hule migrate', then every service as its
own 'hule run' process (front: gateway, content, batch, results; lifecycle;
spellcheck x2; nlp; cjassess x2) on a 'hule kafka dev' cluster (--bus kafka)
or on PostgreSQL topics (--bus postgres). The schema and the temporary
directory are removed afterwards unless --keep.

The essays are made from --seed: 250-600 words of learner English on a few
school topics, of varying quality, with misspellings. The command exits 1
when the pipeline does not complete successfully.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			o := f.opts
			if o.Batches < 1 {
				// The library reads 0 as its default of 1; a flag of 0 is a mistake.
				return &ExitError{Code: 1, Err: fmt.Errorf("--batches %d: want at least 1", o.Batches)}
			}
			o.Progress = env.Stderr
			o.Timeout = f.timeout
			rep, err := bench.Pipeline(cmd.Context(), o)
			if rep == nil {
				if err != nil && !errors.Is(err, cmd.Context().Err()) {
					return &ExitError{Code: 1, Err: err}
				}
				return err
			}
			if f.json {
				enc := json.NewEncoder(env.Stdout)
				enc.SetIndent("", "  ")
				if werr := enc.Encode(rep); werr != nil {
					return werr
				}
			} else if werr := rep.WriteTable(env.Stdout); werr != nil {
				return werr
			}
			if err != nil {
				return &ExitError{Code: 1, Err: err}
			}
			return nil
		},
	}
	fl := cmd.Flags()
	fl.IntVar(&f.opts.Essays, "essays", 100, "essays in all (split among the batches)")
	fl.IntVar(&f.opts.Batches, "batches", 1, "batches run at the same time, the essays split evenly among them (1 to --essays)")
	fl.StringVar(&f.opts.Mode, "mode", bench.ModeEmbedded, "embedded (one 'hule serve') or distributed (a process per service)")
	fl.StringVar(&f.opts.Bus, "bus", bench.BusKafka, "bus of the distributed mode: kafka (a 'hule kafka dev' process) or postgres (topics as tables)")
	fl.StringVar(&f.opts.DB, "db", bench.DefaultDB, "PostgreSQL server of the distributed mode; a fresh schema is made in it")
	fl.Uint64Var(&f.opts.Seed, "seed", 1, "seed of the generated essays")
	fl.StringVar(&f.opts.Dir, "dir", "", "directory for the data and the processes' logs (default: a temporary one)")
	fl.BoolVar(&f.opts.Keep, "keep", false, "keep the temporary directory and the PostgreSQL schema")
	fl.IntVar(&f.opts.Comparisons, "cj-comparisons", 0, "comparisons per essay (default: the platform's)")
	fl.DurationVar(&f.timeout, "timeout", 30*time.Minute, "give up when the run has not ended after this long")
	fl.BoolVar(&f.json, "json", false, "print the report as JSON")
	return cmd
}
