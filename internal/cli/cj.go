package cli

import (
	"context"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/hule-dev/hule/internal/cjassess"
	"github.com/hule-dev/hule/internal/cjassess/grading"
	"github.com/hule-dev/hule/internal/cjassess/judge"
	"github.com/hule-dev/hule/internal/cjassess/pairing"
	"github.com/hule-dev/hule/internal/cjassess/scoring"
	"github.com/hule-dev/hule/internal/content/intake"
	"github.com/hule-dev/hule/internal/store"
)

// newCJCmd is `hule cj`: comparative judgement from the command line, with
// the same code the cjassess service runs.
func newCJCmd(env Env) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "cj",
		Short: "Comparative judgement: rank a folder of essays, or fit scores to comparisons",
	}
	cmd.AddCommand(newCJFitCmd(env), newCJRankCmd(env))
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

// rankFlags are the options of `hule cj rank`.
type rankFlags struct {
	anchors, assignment, scale, judge, model, baseURL, format string
	data, dbURL                                               string
	comparisons                                               int
	seed                                                      uint64
	bothOrders                                                bool
	random                                                    bool
}

func newCJRankCmd(env Env) *cobra.Command {
	var f rankFlags
	cmd := &cobra.Command{
		Use:   "rank DIR",
		Short: "Rank and grade the essays in a folder by comparative judgement",
		Long: `Rank the .txt, .md and .docx essays in DIR by comparative judgement, with
the engine the cjassess service runs (on a throw-away SQLite database).
With --anchors DIR the essays listed in DIR/grades.csv (rows "file,grade",
header optional) are mixed into the comparisons as anchors and turn scores
into grades on --scale. Without --anchors, --assignment A uses the anchors
registered for A with "hule anchors add" (in --data or --db). Without
anchors every grade is U.

The offline judge needs no key. --judge openai or anthropic calls the
provider's API with the key from OPENAI_API_KEY or ANTHROPIC_API_KEY
(--base-url points at any OpenAI-compatible server, such as a local one).

Prints each essay's rank, grade, Bradley-Terry score ± standard error and
confidence, then the batch's scale separation reliability (SSR).`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return runCJRank(cmd.Context(), env, args[0], f)
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&f.anchors, "anchors", "", "folder of anchor essays with a grades.csv")
	fl.StringVar(&f.assignment, "assignment", "", "assignment id (its registered anchors are used when --anchors is not given)")
	fl.StringVar(&f.data, "data", "", "data directory of registered anchors (default $HULE_DATA or ./hule-data)")
	fl.StringVar(&f.dbURL, "db", "", "PostgreSQL URL of registered anchors")
	fl.StringVar(&f.scale, "scale", grading.DefaultScale, "grade scale")
	fl.StringVar(&f.judge, "judge", judge.ProviderOffline, "judge: offline, openai or anthropic")
	fl.StringVar(&f.model, "model", "", "LLM model (default: the provider's default)")
	fl.StringVar(&f.baseURL, "base-url", "", "API base URL of an OpenAI-compatible or Anthropic server")
	fl.StringVar(&f.format, "format", "table", "output format: table, json or csv")
	fl.IntVar(&f.comparisons, "comparisons", pairing.DefaultComparisonsPerEssay, "comparisons per essay")
	fl.Uint64Var(&f.seed, "seed", 1, "pairing seed")
	fl.BoolVar(&f.bothOrders, "both-orders", false, "judge each pair in both orders (default on for LLM judges)")
	fl.BoolVar(&f.random, "random", false, "random (balanced) pairing instead of score-adaptive")
	return cmd
}

func runCJRank(ctx context.Context, env Env, dir string, f rankFlags) error {
	switch f.format {
	case "table", "json", "csv":
	default:
		return &ExitError{Code: 1, Err: fmt.Errorf("--format %q: want table, json or csv", f.format)}
	}
	if _, err := grading.LookupScale(f.scale); err != nil {
		return &ExitError{Code: 1, Err: fmt.Errorf("--scale: %w (known: %s)", err, scaleIDs())}
	}
	if f.comparisons < 1 {
		return &ExitError{Code: 1, Err: fmt.Errorf("--comparisons %d: want at least 1", f.comparisons)}
	}
	essays, err := readEssayDir(dir)
	if err != nil {
		return &ExitError{Code: 1, Err: err}
	}
	if f.anchors != "" {
		anchors, err := readAnchorDir(f.anchors)
		if err != nil {
			return &ExitError{Code: 1, Err: err}
		}
		essays = append(essays, anchors...)
	} else if f.assignment != "" {
		anchors, err := registeredAnchors(ctx, env, f)
		if err != nil {
			return err
		}
		essays = append(essays, anchors...)
	}
	log := slog.New(slog.NewTextHandler(env.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
	j, temp, err := newRankJudge(env, f, log)
	if err != nil {
		return &ExitError{Code: 1, Err: err}
	}
	tmp, err := os.MkdirTemp("", "hule-cj-rank-")
	if err != nil {
		return fmt.Errorf("temp database: %w", err)
	}
	defer os.RemoveAll(tmp)
	db, err := store.OpenSQLite(ctx, filepath.Join(tmp, store.SQLiteFile))
	if err != nil {
		return err
	}
	defer db.Close()
	if err := store.Migrate(ctx, db, cjassess.Schema()); err != nil {
		return err
	}
	settings := cjassess.Settings{
		Scale: f.scale,
		Pairing: pairing.Options{
			ComparisonsPerEssay: f.comparisons, Seed: f.seed,
			BothOrders: f.bothOrders || f.judge != judge.ProviderOffline,
		},
	}
	if f.random {
		settings.Pairing.Mode = pairing.Random
	}
	settings.Overrides.Model = f.model
	eng := cjassess.NewEngine(cjassess.NewSQLStore(db.DB), j, cjassess.EngineOptions{Temperature: temp, Log: log})
	out, err := eng.Run(ctx, cjassess.Job{
		ID: "cli-rank", BatchID: filepath.Base(filepath.Clean(dir)), AssignmentID: f.assignment,
		Settings: settings, Essays: essays,
	})
	var jerr *cjassess.JobError
	if errors.As(err, &jerr) {
		return &ExitError{Code: 1, Err: fmt.Errorf("rank %s: %w", dir, jerr)}
	}
	if err != nil {
		return fmt.Errorf("rank %s: %w", dir, err)
	}
	switch f.format {
	case "json":
		enc := json.NewEncoder(env.Stdout)
		enc.SetIndent("", "  ")
		if err := enc.Encode(out); err != nil {
			return fmt.Errorf("write ranking: %w", err)
		}
		return nil
	case "csv":
		return writeRankCSV(env.Stdout, out)
	}
	return writeRankTable(env.Stdout, out)
}

// registeredAnchors loads the anchors registered for f.assignment. Anchors
// whose text lives in the content store are skipped with a warning: the
// command line reads only anchors registered with their text.
func registeredAnchors(ctx context.Context, env Env, f rankFlags) ([]cjassess.Essay, error) {
	st, closeDB, err := openAnchorStore(ctx, env, f.data, f.dbURL)
	if err != nil {
		return nil, err
	}
	defer closeDB()
	list, err := st.Anchors(ctx, f.assignment)
	if err != nil {
		return nil, err
	}
	var out []cjassess.Essay
	for _, a := range list {
		if a.Text == "" {
			fmt.Fprintf(env.Stderr, "anchor %s (%s): text in the content store, skipped\n", a.ID, a.DisplayName)
			continue
		}
		out = append(out, cjassess.Essay{ID: "anchor:" + a.ID, DisplayName: a.DisplayName, Text: a.Text, Anchor: true, Grade: a.Grade})
	}
	if len(out) == 0 {
		fmt.Fprintf(env.Stderr, "no anchors registered for assignment %s: grades will be U\n", f.assignment)
	}
	return out, nil
}

func scaleIDs() string {
	var ids []string
	for _, s := range grading.Scales() {
		ids = append(ids, s.ID)
	}
	return strings.Join(ids, ", ")
}

// newRankJudge builds the judge and returns its configured temperature (nil
// for the offline judge).
func newRankJudge(env Env, f rankFlags, log *slog.Logger) (judge.Judge, *float64, error) {
	switch f.judge {
	case judge.ProviderOffline:
		return judge.NewOffline(nil), nil, nil
	case judge.ProviderOpenAI, judge.ProviderAnthropic:
		cfg := judge.DefaultConfig(f.judge)
		if f.model != "" {
			cfg.Model = f.model
		}
		cfg.BaseURL = f.baseURL
		j, err := judge.New(cfg, env.Getenv, log)
		if err != nil {
			return nil, nil, err
		}
		return j, &cfg.Temperature, nil
	}
	return nil, nil, fmt.Errorf("--judge %q: want offline, openai or anthropic", f.judge)
}

// readEssayDir reads the essays of dir, named by file name. A file that is
// not a usable essay (empty, unreadable) becomes a failed essay.
func readEssayDir(dir string) ([]cjassess.Essay, error) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, fmt.Errorf("read essays: %w", err)
	}
	var out []cjassess.Essay
	for _, e := range entries {
		if e.IsDir() || !intake.Supported(e.Name()) {
			continue
		}
		text, reason, err := readEssayFile(filepath.Join(dir, e.Name()))
		if err != nil {
			return nil, err
		}
		out = append(out, cjassess.Essay{ID: e.Name(), DisplayName: e.Name(), Text: text, Missing: reason})
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("%s: no .txt, .md or .docx essays", dir)
	}
	return out, nil
}

// readEssayFile returns a file's text, or the reason it is not an essay.
func readEssayFile(path string) (text, reason string, err error) {
	data, err := os.ReadFile(path) //nolint:gosec // the user names the folder to read
	if err != nil {
		return "", "", fmt.Errorf("read essay: %w", err)
	}
	text, err = intake.Extract(filepath.Base(path), data, intake.DefaultLimits)
	var rej *intake.Rejection
	if errors.As(err, &rej) {
		return "", rej.Error(), nil
	}
	if err != nil {
		return "", "", fmt.Errorf("read %s: %w", path, err)
	}
	return text, "", nil
}

// readAnchorDir reads dir/grades.csv (file,grade rows, header optional) and
// the anchor files it names.
func readAnchorDir(dir string) ([]cjassess.Essay, error) {
	rows, err := readGradesCSV(filepath.Join(dir, "grades.csv"))
	if err != nil {
		return nil, err
	}
	out := make([]cjassess.Essay, 0, len(rows))
	for _, r := range rows {
		text, reason, err := readEssayFile(filepath.Join(dir, r[0]))
		if err != nil {
			return nil, fmt.Errorf("anchor %s: %w", r[0], err)
		}
		if reason != "" {
			return nil, fmt.Errorf("anchor %s: %s", r[0], reason)
		}
		out = append(out, cjassess.Essay{ID: "anchor:" + r[0], DisplayName: r[0], Text: text, Anchor: true, Grade: r[1]})
	}
	return out, nil
}

func readGradesCSV(path string) ([][2]string, error) {
	f, err := os.Open(path) //nolint:gosec // the user names the folder to read
	if err != nil {
		return nil, fmt.Errorf("anchor grades: %w", err)
	}
	defer f.Close()
	r := csv.NewReader(f)
	r.FieldsPerRecord = -1
	r.TrimLeadingSpace = true
	var out [][2]string
	for first := true; ; first = false {
		rec, err := r.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, fmt.Errorf("%s: %w", path, err)
		}
		line, _ := r.FieldPos(0)
		if len(rec) == 1 && strings.TrimSpace(rec[0]) == "" {
			continue
		}
		if len(rec) != 2 {
			return nil, fmt.Errorf("%s line %d: %d columns, want file,grade", path, line, len(rec))
		}
		file, grade := strings.TrimSpace(rec[0]), strings.TrimSpace(rec[1])
		if first && strings.EqualFold(file, "file") && strings.EqualFold(grade, "grade") {
			continue
		}
		if file == "" || grade == "" {
			return nil, fmt.Errorf("%s line %d: empty file or grade", path, line)
		}
		out = append(out, [2]string{file, grade})
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("%s: no anchors listed", path)
	}
	return out, nil
}

func essayLabel(e cjassess.EssayResult) (name, kind string) {
	name = e.DisplayName
	if name == "" {
		name = e.ID
	}
	if e.Anchor {
		return name, "anchor " + e.KnownGrade
	}
	return name, "essay"
}

func writeRankTable(w io.Writer, o *cjassess.Outcome) error {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "rank\tessay\tkind\tgrade\tscore ± SE\tconfidence")
	for _, e := range o.Essays {
		name, kind := essayLabel(e)
		rank := strconv.Itoa(e.Rank)
		if e.Anchor {
			rank = "(" + rank + ")"
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%+.2f ± %.2f\t%s %.2f\n",
			rank, name, kind, e.Grade, e.Score, e.SE, e.ConfidenceLabel, e.ConfidenceScore)
	}
	if err := tw.Flush(); err != nil {
		return fmt.Errorf("write ranking: %w", err)
	}
	for _, fe := range o.Failed {
		fmt.Fprintf(w, "not assessed: %s (%s)\n", fe.ID, fe.Reason)
	}
	_, err := fmt.Fprintf(w, "\nSSR %.3f  (%d essays, %d anchors, %d comparisons, %d failed calls, judge %s/%s, %s, stop: %s)\n",
		o.SSR, len(o.Students()), o.AnchorsUsed, o.Comparisons, o.FailedCalls, o.Provider, o.Model,
		o.Duration().Round(time.Millisecond), o.Stop)
	if err != nil {
		return fmt.Errorf("write ranking: %w", err)
	}
	return nil
}

func writeRankCSV(w io.Writer, o *cjassess.Outcome) error {
	cw := csv.NewWriter(w)
	_ = cw.Write([]string{"rank", "essay", "is_anchor", "known_grade", "grade", "bt_score", "se",
		"confidence_label", "confidence_score", "normalized_score", "comparisons"})
	ff := func(v float64) string { return strconv.FormatFloat(v, 'f', 4, 64) }
	for _, e := range o.Essays {
		name, _ := essayLabel(e)
		_ = cw.Write([]string{strconv.Itoa(e.Rank), name, strconv.FormatBool(e.Anchor), e.KnownGrade, e.Grade,
			ff(e.Score), ff(e.SE), e.ConfidenceLabel, ff(e.ConfidenceScore), ff(e.NormalizedScore), strconv.Itoa(e.Comparisons)})
	}
	cw.Flush()
	if err := cw.Error(); err != nil {
		return fmt.Errorf("write ranking: %w", err)
	}
	return nil
}
