package bench

import (
	"fmt"
	"io"
	"slices"
	"strings"
	"text/tabwriter"
)

// WriteTable writes the report for people: the run, then a line per phase
// and per process.
func (r *Report) WriteTable(w io.Writer) error {
	bus := r.Bus
	if r.Mode == ModeEmbedded {
		bus = "SQLite topics"
	}
	var b strings.Builder
	fmt.Fprintf(&b, "hule bench pipeline: %d essays (%d words, seed %d), %s, %s mode on %s\n",
		r.Essays, r.Words, r.Seed, r.Pipeline, r.Mode, bus)
	fmt.Fprintf(&b, "status %s; load average %.1f at start, %.1f at end\n\n", r.Status, r.LoadAverage[0], r.LoadAverage[1])

	tw := tabwriter.NewWriter(&b, 2, 0, 2, ' ', 0)
	fmt.Fprintf(tw, "setup (processes ready)\t%.1f s\n", r.SetupSeconds)
	fmt.Fprintf(tw, "upload\t%.1f s\n", r.UploadSeconds)
	fmt.Fprintf(tw, "upload start to pipeline accepted\t%.1f s\n", r.ReadySeconds)
	fmt.Fprintf(tw, "upload start to run end\t%.1f s\n", r.RunSeconds)
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

func mib(n int64) string { return fmt.Sprintf("%.0f MiB", float64(n)/(1<<20)) }
