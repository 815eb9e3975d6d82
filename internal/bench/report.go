package bench

import (
	"fmt"
	"io"
	"maps"
	"slices"
	"strings"
	"text/tabwriter"
)

// WriteTable writes the report for people: the run, then a line per phase
// (and per batch, when there are several), the contention, and a line per
// process.
func (r *Report) WriteTable(w io.Writer) error {
	bus := r.Bus
	if r.Mode == ModeEmbedded {
		bus = "SQLite topics"
	}
	var b strings.Builder
	batches := ""
	if r.Batches > 1 {
		batches = fmt.Sprintf(" in %d concurrent batches", r.Batches)
	}
	fmt.Fprintf(&b, "hule bench pipeline: %d essays%s (%d words, seed %d), %s, %s mode on %s\n",
		r.Essays, batches, r.Words, r.Seed, r.Pipeline, r.Mode, bus)
	fmt.Fprintf(&b, "status %s; load average %.1f at start, %.1f at end\n\n", r.Status, r.LoadAverage[0], r.LoadAverage[1])

	tw := tabwriter.NewWriter(&b, 2, 0, 2, ' ', 0)
	fmt.Fprintf(tw, "setup (processes ready)\t%.1f s\n", r.SetupSeconds)
	fmt.Fprintf(tw, "upload\t%.1f s\n", r.UploadSeconds)
	fmt.Fprintf(tw, "upload start to pipeline accepted\t%.1f s\n", r.ReadySeconds)
	if r.Batches > 1 {
		fmt.Fprintf(tw, "upload start to last run end\t%.1f s\n", r.RunSeconds)
	} else {
		fmt.Fprintf(tw, "upload start to run end\t%.1f s\n", r.RunSeconds)
	}
	fmt.Fprintf(tw, "essays/s\t%.1f\n", r.EssaysPerSecond)
	fmt.Fprintf(tw, "events on the bus\t%d (%.0f/s)\n", r.Events, r.EventsPerSecond)
	_ = tw.Flush()

	b.WriteString("\n")
	tw = tabwriter.NewWriter(&b, 2, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "phase\tdone\tfailed\tstarts at\tphase time\tper essay p50\tp99\tmax")
	for _, p := range r.Phases {
		if p.Latencies == 0 {
			fmt.Fprintf(tw, "%s\t%d\t%d\t%.1f s\t%.2f s\t-\t-\t-\n", p.Name, p.Done, p.Failed, p.Start, p.Seconds)
			continue
		}
		fmt.Fprintf(tw, "%s\t%d\t%d\t%.1f s\t%.2f s\t%.2f s\t%.2f s\t%.2f s\n", p.Name, p.Done, p.Failed, p.Start, p.Seconds, p.P50, p.P99, p.Max)
	}
	_ = tw.Flush()

	if r.Batches > 1 {
		r.writeRuns(&b)
	}
	r.writeContention(&b)

	b.WriteString("\n")
	tw = tabwriter.NewWriter(&b, 2, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "process\tservices\tpeak memory\tCPU")
	var total int64
	var cpu float64
	for _, p := range r.Processes {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%.1f s\n", p.Name, strings.Join(p.Services, ","), mib(p.PeakRSSBytes), p.CPUSeconds)
		total += p.PeakRSSBytes
		cpu += p.CPUSeconds
	}
	if len(r.Processes) > 1 {
		fmt.Fprintf(tw, "all\t\t%s\t%.1f s\n", mib(total), cpu)
	}
	_ = tw.Flush()

	if len(r.Topics) > 0 {
		b.WriteString("\nevents per topic:\n")
		names := make([]string, 0, len(r.Topics))
		for t := range r.Topics {
			names = append(names, t)
		}
		slices.SortFunc(names, func(x, y string) int {
			if c := r.Topics[y] - r.Topics[x]; c != 0 {
				return c
			}
			return strings.Compare(x, y)
		})
		tw = tabwriter.NewWriter(&b, 2, 0, 2, ' ', 0)
		for _, t := range names {
			fmt.Fprintf(tw, "  %s\t%d\n", t, r.Topics[t])
		}
		_ = tw.Flush()
	}
	if r.Dir != "" {
		fmt.Fprintf(&b, "\ndata and logs in %s\n", r.Dir)
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// writeRuns writes a line per batch: its times from the shared upload
// start and its own phase times.
func (r *Report) writeRuns(b *strings.Builder) {
	b.WriteString("\n")
	tw := tabwriter.NewWriter(b, 2, 0, 2, ' ', 0)
	fmt.Fprint(tw, "batch\tessays\tstatus\tuploaded\taccepted\tended")
	for _, p := range r.Phases {
		fmt.Fprintf(tw, "\t%s", p.Name)
	}
	fmt.Fprintln(tw)
	for _, run := range r.Runs {
		fmt.Fprintf(tw, "%s\t%d\t%s\t%.1f s\t%.1f s\t%.1f s", run.BatchID, run.Essays, run.Status,
			run.UploadSeconds, run.ReadySeconds, run.RunSeconds)
		for _, p := range r.Phases {
			i := slices.IndexFunc(run.Phases, func(q Phase) bool { return q.Name == p.Name })
			if i < 0 {
				fmt.Fprint(tw, "\t-")
				continue
			}
			fmt.Fprintf(tw, "\t%.2f s", run.Phases[i].Seconds)
		}
		fmt.Fprintln(tw)
	}
	_ = tw.Flush()
}

// writeContention writes the retries per consumer group and the
// database's deadlocks.
func (r *Report) writeContention(b *strings.Builder) {
	c := r.Contention
	b.WriteString("\ncontention, from batch registration to the last run's end:\n")
	tw := tabwriter.NewWriter(b, 2, 0, 2, ' ', 0)
	fmt.Fprintf(tw, "  bus retries (hule_bus_retried_total, every process)\t%d\n", c.Retries)
	groups := slices.Sorted(maps.Keys(c.RetriesByGroup))
	for _, g := range groups {
		fmt.Fprintf(tw, "    %s\t%d\n", g, c.RetriesByGroup[g])
	}
	if c.Deadlocks != nil {
		fmt.Fprintf(tw, "  PostgreSQL deadlocks (pg_stat_database of database %s, database-wide)\t%d\n", c.Database, *c.Deadlocks)
	}
	_ = tw.Flush()
}

func mib(n int64) string { return fmt.Sprintf("%.0f MiB", float64(n)/(1<<20)) }
