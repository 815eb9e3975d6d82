package cli

import (
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"slices"
	"strings"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/hule-dev/hule/internal/cjassess/scoring"
)

// newCJCmd is `hule cj`: comparative judgement from the command line, with
// the same code the cjassess service runs.
func newCJCmd(env Env) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "cj",
		Short: "Comparative judgement: fit Bradley-Terry scores to comparisons",
	}
	cmd.AddCommand(newCJFitCmd(env))
	return cmd
}

func newCJFitCmd(env Env) *cobra.Command {
	var format string
	cmd := &cobra.Command{
		Use:   "fit FILE.csv",
		Short: "Fit Bradley-Terry scores to a CSV of winner,loser[,judge] rows",
		Long: `Fit the Bradley-Terry model (MAP, Gaussian prior) to the comparisons in
FILE.csv ("-" reads standard input): one comparison per row, "winner,loser"
with an optional third column "judge"; an optional header row names the
columns. Prints each item's score (logits, centered), standard error, rank,
infit and outfit, per-judge fit when judges are given, and the batch's scale
separation reliability (SSR).`,
		Args: cobra.ExactArgs(1),
		RunE: func(_ *cobra.Command, args []string) error {
			if format != "table" && format != "json" {
				return fmt.Errorf("--format %q: want table or json", format)
			}
			items, comps, err := readComparisons(args[0], env.Stdin)
			if err != nil {
				return err
			}
			res, err := scoring.Fit(items, comps, scoring.Options{})
			if err != nil {
				return &ExitError{Code: 1, Err: fmt.Errorf("fit %s: %w", args[0], err)}
			}
			if format == "json" {
				return writeFitJSON(env.Stdout, res, len(comps))
			}
			return writeFitTable(env.Stdout, res, len(comps))
		},
	}
	cmd.Flags().StringVar(&format, "format", "table", "output format: table or json")
	return cmd
}

// readComparisons parses the CSV; items are named in order of first
// appearance. Malformed rows are an ExitError with code 1 naming the line.
func readComparisons(path string, stdin io.Reader) ([]string, []scoring.Comparison, error) {
	in := stdin
	name := path
	if path == "-" {
		name = "stdin"
	} else {
		f, err := os.Open(path) //nolint:gosec // the user names the file to read
		if err != nil {
			return nil, nil, fmt.Errorf("open comparisons: %w", err)
		}
		defer f.Close()
		in = f
	}
	r := csv.NewReader(in)
	r.FieldsPerRecord = -1
	r.TrimLeadingSpace = true
	invalid := func(line int, format string, a ...any) error {
		return &ExitError{Code: 1, Err: fmt.Errorf("%s line %d: %s", name, line, fmt.Sprintf(format, a...))}
	}
	var (
		items []string
		known = map[string]bool{}
		comps []scoring.Comparison
	)
	for first := true; ; first = false {
		rec, err := r.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			var pe *csv.ParseError
			if errors.As(err, &pe) {
				return nil, nil, invalid(pe.Line, "%v", pe.Err)
			}
			return nil, nil, fmt.Errorf("read %s: %w", name, err)
		}
		line, _ := r.FieldPos(0)
		for i := range rec {
			rec[i] = strings.TrimSpace(rec[i])
		}
		if first && isHeader(rec) {
			continue
		}
		if len(rec) != 2 && len(rec) != 3 {
			return nil, nil, invalid(line, "%d columns, want winner,loser[,judge]", len(rec))
		}
		if rec[0] == "" || rec[1] == "" {
			return nil, nil, invalid(line, "empty essay name")
		}
		if rec[0] == rec[1] {
			return nil, nil, invalid(line, "winner and loser are both %q", rec[0])
		}
		c := scoring.Comparison{Winner: rec[0], Loser: rec[1]}
		if len(rec) == 3 {
			c.Judge = rec[2]
		}
		for _, name := range rec[:2] {
			if !known[name] {
				known[name] = true
				items = append(items, name)
			}
		}
		comps = append(comps, c)
	}
	if len(comps) == 0 {
		return nil, nil, &ExitError{Code: 1, Err: fmt.Errorf("%s: no comparisons", name)}
	}
	return items, comps, nil
}

func isHeader(rec []string) bool {
	if len(rec) < 2 || len(rec) > 3 {
		return false
	}
	want := []string{"winner", "loser", "judge"}
	for i, f := range rec {
		if !strings.EqualFold(f, want[i]) {
			return false
		}
	}
	return true
}

func byRank(res scoring.Result) []scoring.Item {
	items := slices.Clone(res.Items)
	slices.SortFunc(items, func(a, b scoring.Item) int { return a.Rank - b.Rank })
	return items
}

func writeFitJSON(w io.Writer, res scoring.Result, comparisons int) error {
	out := struct {
		Items       []scoring.Item  `json:"items"`
		Judges      []scoring.Judge `json:"judges,omitempty"`
		SSR         float64         `json:"ssr"`
		Comparisons int             `json:"comparisons"`
		Iterations  int             `json:"iterations"`
		Converged   bool            `json:"converged"`
		PriorSD     float64         `json:"prior_sd"`
	}{byRank(res), res.Judges, res.SSR, comparisons, res.Iterations, res.Converged, res.PriorSD}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	if err := enc.Encode(out); err != nil {
		return fmt.Errorf("write fit: %w", err)
	}
	return nil
}

func writeFitTable(w io.Writer, res scoring.Result, comparisons int) error {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "rank\titem\tscore\tse\tinfit\toutfit\tcomparisons\twins\t")
	for _, it := range byRank(res) {
		fmt.Fprintf(tw, "%d\t%s\t%.3f\t%.3f\t%.2f\t%.2f\t%d\t%d\t\n",
			it.Rank, it.Name, it.Score, it.SE, it.Infit, it.Outfit, it.Comparisons, it.Wins)
	}
	if err := tw.Flush(); err != nil {
		return fmt.Errorf("write fit: %w", err)
	}
	if len(res.Judges) > 0 {
		tw = tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
		fmt.Fprintln(tw, "\njudge\tcomparisons\tinfit\toutfit\t")
		for _, j := range res.Judges {
			fmt.Fprintf(tw, "%s\t%d\t%.2f\t%.2f\t\n", j.ID, j.Comparisons, j.Infit, j.Outfit)
		}
		if err := tw.Flush(); err != nil {
			return fmt.Errorf("write fit: %w", err)
		}
	}
	status := "converged"
	if !res.Converged {
		status = "NOT converged"
	}
	_, err := fmt.Fprintf(w, "\nSSR %.3f  (%d items, %d comparisons, %s after %d iterations, prior SD %.1f)\n",
		res.SSR, len(res.Items), comparisons, status, res.Iterations, res.PriorSD)
	if err != nil {
		return fmt.Errorf("write fit: %w", err)
	}
	return nil
}
