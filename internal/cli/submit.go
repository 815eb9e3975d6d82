package cli

import (
	"context"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/hule-dev/hule/internal/client"
	"github.com/hule-dev/hule/internal/content/intake"
)

// serverFlags are the flags of the commands that talk to a running server.
type serverFlags struct {
	server, token string
}

func (f *serverFlags) bind(cmd *cobra.Command) {
	cmd.Flags().StringVar(&f.server, "server", "", "base URL of the hule server, e.g. http://127.0.0.1:8080 (default $HULE_SERVER)")
	cmd.Flags().StringVar(&f.token, "token", "", "API token (default $HULE_TOKEN)")
}

// client builds the API client from the flags, falling back to HULE_SERVER
// and HULE_TOKEN.
func (f *serverFlags) client(env Env) (*client.Client, error) {
	server, token := f.server, f.token
	if server == "" {
		server = env.Getenv("HULE_SERVER")
	}
	if token == "" {
		token = env.Getenv("HULE_TOKEN")
	}
	if server == "" || token == "" {
		return nil, &ExitError{Code: 1, Err: errors.New("--server and --token (or HULE_SERVER and HULE_TOKEN) are required")}
	}
	c, err := client.New(server, token)
	if err != nil {
		return nil, &ExitError{Code: 1, Err: err}
	}
	return c, nil
}

// jobFlags are what `hule assess` and `hule submit` share: the pipeline,
// the course, the assignment and its anchors, and the output format.
type jobFlags struct {
	anchors    string
	assignment string
	pipeline   string
	course     string
	name       string
	format     string
	scale      string
	timeout    time.Duration
}

func (f *jobFlags) bind(cmd *cobra.Command, defaultPipeline string) {
	fl := cmd.Flags()
	fl.StringVar(&f.anchors, "anchors", "", "folder of anchor essays with grades.csv (rows file,grade): they turn the ranking into grades")
	fl.StringVar(&f.assignment, "assignment", "", "assignment id the anchors belong to (default: derived from the anchors folder)")
	fl.StringVar(&f.pipeline, "pipeline", defaultPipeline, "pipeline to run: spellcheck, nlp, cj_assessment or comprehensive")
	fl.StringVar(&f.course, "course", "ENG5", "course code: ENG5, ENG6, ENG7 (English) or SV1, SV2, SV3 (Swedish)")
	fl.StringVar(&f.name, "name", "", "batch name (default: the folder's name)")
	fl.StringVar(&f.format, "format", "table", "output format: table, json or csv")
	fl.StringVar(&f.scale, "scale", "", "grade scale of the anchor grades (default swedish_8_anchor)")
	fl.DurationVar(&f.timeout, "timeout", 30*time.Minute, "give up waiting for results after this long")
}

func (f *jobFlags) validate() error {
	var errs []error
	if !slices.Contains([]string{client.PipelineSpellcheck, client.PipelineNLP, client.PipelineCJAssessment, client.PipelineComprehensive}, f.pipeline) {
		errs = append(errs, fmt.Errorf("--pipeline %q: want spellcheck, nlp, cj_assessment or comprehensive", f.pipeline))
	}
	if err := checkFormat(f.format); err != nil {
		errs = append(errs, err)
	}
	if f.timeout <= 0 {
		errs = append(errs, errors.New("--timeout must be positive"))
	}
	if len(errs) > 0 {
		return &ExitError{Code: 1, Err: errors.Join(errs...)}
	}
	return nil
}

func checkFormat(format string) error {
	if format != "table" && format != "json" && format != "csv" {
		return fmt.Errorf("--format %q: want table, json or csv", format)
	}
	return nil
}

func newSubmitCmd(env Env) *cobra.Command {
	var sf serverFlags
	var jf jobFlags
	cmd := &cobra.Command{
		Use:   "submit DIR --server URL --token T",
		Short: "Submit a folder of essays to a running hule server and wait for the results",
		Long: `submit registers a batch on a running server (hule serve or hule run),
uploads every .txt, .md and .docx file of DIR, registers the anchors of
--anchors for the assignment, requests the pipeline, shows its progress
live from the server's WebSocket and prints the ranked results.`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := jf.validate(); err != nil {
				return err
			}
			c, err := sf.client(env)
			if err != nil {
				return err
			}
			ctx, cancel := context.WithTimeout(cmd.Context(), jf.timeout)
			defer cancel()
			job, err := prepareJob(args[0], &jf)
			if err != nil {
				return err
			}
			if len(job.anchors) > 0 {
				if err := registerAnchorsRemote(ctx, c, job); err != nil {
					return err
				}
			}
			return runJob(ctx, env, c, job)
		},
	}
	sf.bind(cmd)
	jf.bind(cmd, client.PipelineComprehensive)
	return cmd
}

func newResultsCmd(env Env) *cobra.Command {
	var sf serverFlags
	var format string
	cmd := &cobra.Command{
		Use:   "results BATCH --server URL --token T",
		Short: "Print the results of a batch on a running hule server",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := checkFormat(format); err != nil {
				return &ExitError{Code: 1, Err: err}
			}
			c, err := sf.client(env)
			if err != nil {
				return err
			}
			return printBatch(cmd.Context(), env.Stdout, c, args[0], format)
		},
	}
	sf.bind(cmd)
	cmd.Flags().StringVar(&format, "format", "table", "output format: table, json or csv")
	return cmd
}

// job is one folder of essays to assess.
type job struct {
	dir        string
	files      []client.File
	anchors    []anchorFile
	assignment string
	pipeline   string
	course     string
	name       string
	scale      string
	format     string
}

// anchorFile is one anchor essay of known grade.
type anchorFile struct {
	name, grade, text string
}

// prepareJob reads the essays of dir and the anchors of f.anchors.
func prepareJob(dir string, f *jobFlags) (*job, error) {
	files, err := readEssayFolder(dir)
	if err != nil {
		return nil, &ExitError{Code: 1, Err: err}
	}
	j := &job{dir: dir, files: files, assignment: f.assignment, pipeline: f.pipeline, course: f.course,
		name: f.name, scale: f.scale, format: f.format}
	if j.name == "" {
		abs, _ := filepath.Abs(dir)
		j.name = filepath.Base(abs)
	}
	if f.anchors != "" {
		anchors, err := readAnchorDir(f.anchors)
		if err != nil {
			return nil, &ExitError{Code: 1, Err: err}
		}
		for _, a := range anchors {
			j.anchors = append(j.anchors, anchorFile{name: a.DisplayName, grade: a.Grade, text: a.Text})
		}
		if j.assignment == "" {
			j.assignment = anchorAssignment(j.anchors)
		}
	}
	return j, nil
}

// readEssayFolder reads every file of dir that intake can read (.txt,
// .md, .docx), sorted by name. Files intake refuses (an empty one, say)
// are uploaded anyway: the platform reports them as failed essays.
func readEssayFolder(dir string) ([]client.File, error) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, fmt.Errorf("essays: %w", err)
	}
	var files []client.File
	for _, e := range entries {
		if e.IsDir() || !intake.Supported(e.Name()) {
			continue
		}
		data, err := os.ReadFile(filepath.Join(dir, e.Name())) //nolint:gosec // the user names the folder to read
		if err != nil {
			return nil, fmt.Errorf("essays: %w", err)
		}
		files = append(files, client.File{Name: e.Name(), Data: data})
	}
	if len(files) == 0 {
		return nil, fmt.Errorf("%s: no .txt, .md or .docx essays", dir)
	}
	return files, nil
}

// registerAnchorsRemote registers the job's anchors through the API,
// treating an anchor that is already registered as done.
func registerAnchorsRemote(ctx context.Context, c *client.Client, j *job) error {
	for _, a := range j.anchors {
		_, err := c.AddAnchor(ctx, j.assignment, client.NewAnchor{Grade: a.grade, DisplayName: a.name, Text: a.text, Scale: j.scale})
		switch {
		case err == nil, client.CodeOf(err) == client.AnchorDuplicate:
		case client.CodeOf(err) == "" && (client.StatusOf(err) == 404 || client.StatusOf(err) == 405):
			return &ExitError{Code: 1, Err: fmt.Errorf("the server at %s does not offer anchor registration (%w); register the anchors there with `hule anchors add`", c.BaseURL(), err)}
		default:
			return fmt.Errorf("anchor %s: %w", a.name, err)
		}
	}
	return nil
}

// uploadChunk bounds the files of one upload request, far below the
// server's request size limit for essays of ordinary length.
const uploadChunk = 50

// runJob registers the batch, uploads the essays, requests the pipeline,
// shows progress until the results are ready and prints them.
func runJob(ctx context.Context, env Env, c *client.Client, j *job) error {
	reg, err := c.CreateBatch(ctx, client.NewBatch{
		CourseCode: j.course, ExpectedEssayCount: len(j.files), Name: j.name, AssignmentID: optional(j.assignment),
	})
	if err != nil {
		return fmt.Errorf("register batch: %w", err)
	}
	fmt.Fprintf(env.Stderr, "batch %s: %d essays from %s\n", reg.BatchID, len(j.files), j.dir)
	w, err := c.Watch(ctx, reg.BatchID)
	if err != nil {
		// Progress then comes from polling alone.
		fmt.Fprintf(env.Stderr, "live progress unavailable (%v); polling instead\n", err)
		w = nil
	}
	if w != nil {
		defer w.Close()
	}
	for chunk := range slices.Chunk(j.files, uploadChunk) {
		up, err := c.UploadEssays(ctx, reg.BatchID, chunk)
		if err != nil {
			return fmt.Errorf("upload: %w", err)
		}
		for _, f := range up.Files {
			if f.Status != client.UploadAccepted && f.Error != nil {
				fmt.Fprintf(env.Stderr, "  %s refused: %s (%s)\n", f.FileName, f.Error.Message, f.Error.Code)
			}
		}
	}
	acc, err := requestWhenReady(ctx, c, reg.BatchID, j.pipeline, j.assignment)
	if err != nil {
		return err
	}
	fmt.Fprintf(env.Stderr, "pipeline %s requested (correlation id %s)\n", j.pipeline, acc.CorrelationID)
	if _, err := waitForResults(ctx, env.Stderr, c, w, reg.BatchID); err != nil {
		return err
	}
	return printBatch(ctx, env.Stdout, c, reg.BatchID, j.format)
}

func optional(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

// requestWhenReady requests the pipeline, repeating the request while the
// batch's content is still being provisioned (the batch answers
// batch_not_ready until every uploaded file is accounted for).
func requestWhenReady(ctx context.Context, c *client.Client, batchID, pipeline, assignment string) (client.PipelineAccepted, error) {
	wait := 100 * time.Millisecond
	for {
		acc, err := c.RequestPipeline(ctx, batchID, pipeline, assignment)
		if err == nil {
			return acc, nil
		}
		if client.CodeOf(err) != client.RefusedNotReady {
			return acc, fmt.Errorf("request pipeline: %w", err)
		}
		t := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			t.Stop()
			return acc, fmt.Errorf("request pipeline: the batch's content never became ready: %w", ctx.Err())
		case <-t.C:
		}
		wait = min(wait*2, 2*time.Second)
	}
}

// pollEvery is how often the batch status is read while waiting, on top
// of a read after every notification.
const pollEvery = 2 * time.Second

// waitForResults follows the batch until its results are ready, drawing a
// progress bar per phase on w. Notifications from watcher (nil: none)
// trigger a status read at once; a timer reads it regularly in case a
// notification is lost (a slow client is dropped by the server).
func waitForResults(ctx context.Context, w io.Writer, c *client.Client, watcher *client.Watcher, batchID string) (client.BatchStatus, error) {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	notes := make(chan client.Notification, 16)
	if watcher != nil {
		go func() {
			defer close(notes)
			for {
				n, err := watcher.Next(ctx)
				if err != nil {
					return
				}
				select {
				case notes <- n:
				case <-ctx.Done():
					return
				}
			}
		}()
	}
	bars := newProgress(w)
	defer bars.finish()
	ticker := time.NewTicker(pollEvery)
	defer ticker.Stop()
	for {
		st, err := c.Batch(ctx, batchID)
		switch {
		case err == nil:
			bars.update(st)
			if done, ferr := finished(st); done {
				return st, ferr
			}
		case client.StatusOf(err) == 0 && ctx.Err() != nil:
			return st, fmt.Errorf("waiting for results: %w", ctx.Err())
		case client.StatusOf(err) == 0 || client.StatusOf(err) >= 500 || client.StatusOf(err) == http.StatusNotFound:
			// A transient failure, or the results service has not seen
			// the new batch yet: the next poll tries again.
		default:
			return st, fmt.Errorf("batch status: %w", err)
		}
		select {
		case <-ctx.Done():
			return st, fmt.Errorf("waiting for results: %w", ctx.Err())
		case n, ok := <-notes:
			if !ok {
				notes = nil // the stream ended; polling goes on
				continue
			}
			bars.notify(n)
		case <-ticker.C:
		}
	}
}

// update shows the phases of a status read.
func (p *progress) update(st client.BatchStatus) {
	for _, ph := range st.Phases {
		p.set(phaseState{phase: ph.Phase, status: ph.Status, done: ph.Done, failed: ph.Failed, total: ph.Total})
	}
	p.draw()
}

// notify shows a phase notification's counts.
func (p *progress) notify(n client.Notification) {
	var pl struct {
		Phase  string `json:"phase"`
		Status string `json:"status"`
		Done   int    `json:"done"`
		Failed int    `json:"failed"`
		Total  int    `json:"total"`
	}
	if n.DecodePayload(&pl) != nil || pl.Phase == "" || pl.Phase == "upload" {
		return
	}
	p.set(phaseState{phase: pl.Phase, status: pl.Status, done: pl.Done, failed: pl.Failed, total: pl.Total})
	p.draw()
}

// finished reports whether the batch's latest pipeline has ended with its
// results stored, and an error when it failed critically.
func finished(st client.BatchStatus) (bool, error) {
	if len(st.Pipelines) == 0 {
		return false, nil
	}
	last := st.Pipelines[len(st.Pipelines)-1]
	if !last.ResultsReady {
		return false, nil
	}
	if last.Status == client.StatusFailedCritically {
		return true, &ExitError{Code: 1, Err: fmt.Errorf("batch %s: pipeline %s failed", st.BatchID, last.Pipeline)}
	}
	return true, nil
}

// report is what the commands print about a batch: the ranked essays,
// the failures and the reliability of the ranking.
type report struct {
	BatchID    string             `json:"batch_id"`
	Status     string             `json:"status"`
	Essays     []reportRow        `json:"essays"`
	Failures   []client.Failure   `json:"failures"`
	SSR        *float64           `json:"ssr"`
	SSRReading *client.SSRReading `json:"ssr_reading"`
	Model      string             `json:"model,omitempty"`
}

// reportRow is one essay of a report; a nil field's phase did not run or
// did not deliver.
type reportRow struct {
	Rank            *int     `json:"rank"`
	Essay           string   `json:"essay"`
	EssayID         string   `json:"essay_id"`
	Grade           *string  `json:"grade"`
	Score           *float64 `json:"score"`
	SE              *float64 `json:"se"`
	Confidence      *string  `json:"confidence"`
	ConfidenceScore *float64 `json:"confidence_score"`
	Corrections     *int     `json:"spelling_corrections"`
	Words           *int     `json:"words"`
	MTLD            *float64 `json:"mtld"`
}

// buildReport joins a batch's status and results into a report, ranked
// essays first.
func buildReport(st client.BatchStatus, res client.BatchResults) report {
	r := report{BatchID: st.BatchID, Status: st.Status, Failures: st.Failures, Essays: []reportRow{}}
	if r.Failures == nil {
		r.Failures = []client.Failure{}
	}
	r.SSR, r.SSRReading, r.Model = res.SSR, res.SSRReading, st.Analytics.Model
	for _, e := range res.Essays {
		row := reportRow{Rank: e.Rank, Essay: e.FileName, EssayID: e.EssayID, Grade: e.Grade, Score: e.BTScore, SE: e.SE,
			Confidence: e.ConfidenceLabel, ConfidenceScore: e.ConfidenceScore, Corrections: e.SpellingCorrections,
			Words: e.WordCount, MTLD: e.MTLD}
		if row.Essay == "" {
			row.Essay = e.EssayID
		}
		r.Essays = append(r.Essays, row)
	}
	slices.SortStableFunc(r.Essays, func(a, b reportRow) int {
		switch {
		case a.Rank != nil && b.Rank != nil:
			return *a.Rank - *b.Rank
		case a.Rank != nil:
			return -1
		case b.Rank != nil:
			return 1
		}
		return strings.Compare(a.Essay, b.Essay)
	})
	return r
}

// printBatch prints the batch's report in format.
func printBatch(ctx context.Context, w io.Writer, c *client.Client, batchID, format string) error {
	st, err := c.Batch(ctx, batchID)
	if err != nil {
		return fmt.Errorf("batch status: %w", err)
	}
	res, err := c.Results(ctx, batchID)
	if err != nil {
		return fmt.Errorf("results: %w", err)
	}
	r := buildReport(st, res)
	switch format {
	case "json":
		enc := json.NewEncoder(w)
		enc.SetIndent("", "  ")
		if err := enc.Encode(r); err != nil {
			return fmt.Errorf("write results: %w", err)
		}
		return nil
	case "csv":
		return writeReportCSV(w, r)
	}
	return writeReportTable(w, r)
}

func writeReportCSV(w io.Writer, r report) error {
	cw := csv.NewWriter(w)
	_ = cw.Write([]string{"rank", "essay", "grade", "score", "se", "confidence", "confidence_score", "spelling_corrections", "words", "mtld"})
	for _, e := range r.Essays {
		_ = cw.Write([]string{optInt(e.Rank), e.Essay, optStr(e.Grade), optFloat(e.Score, 3), optFloat(e.SE, 3),
			optStr(e.Confidence), optFloat(e.ConfidenceScore, 2), optInt(e.Corrections), optInt(e.Words), optFloat(e.MTLD, 1)})
	}
	cw.Flush()
	if err := cw.Error(); err != nil {
		return fmt.Errorf("write results: %w", err)
	}
	return nil
}

func writeReportTable(w io.Writer, r report) error {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "rank\tessay\tgrade\tscore ± SE\tconfidence\tcorrections\twords\tMTLD")
	for _, e := range r.Essays {
		score := "-"
		if e.Score != nil {
			score = fmt.Sprintf("%+.2f", *e.Score)
			if e.SE != nil {
				score += fmt.Sprintf(" ± %.2f", *e.SE)
			}
		}
		conf := "-"
		if e.Confidence != nil {
			conf = *e.Confidence
			if e.ConfidenceScore != nil {
				conf += fmt.Sprintf(" (%.2f)", *e.ConfidenceScore)
			}
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n", dash(optInt(e.Rank)), e.Essay, dash(optStr(e.Grade)), score, conf,
			dash(optInt(e.Corrections)), dash(optInt(e.Words)), dash(optFloat(e.MTLD, 1)))
	}
	if err := tw.Flush(); err != nil {
		return fmt.Errorf("write results: %w", err)
	}
	fmt.Fprintf(w, "\nbatch %s: %s\n", r.BatchID, strings.ReplaceAll(r.Status, "_", " "))
	if r.SSR != nil {
		fmt.Fprintf(w, "scale separation reliability (SSR) %.2f", *r.SSR)
		if r.SSRReading != nil {
			fmt.Fprintf(w, ": %s", r.SSRReading.Text)
		}
		fmt.Fprintln(w)
	}
	for _, f := range r.Failures {
		name := f.FileName
		if name == "" && f.EssayID != nil {
			name = *f.EssayID
		}
		if name == "" {
			name = "the whole phase"
		}
		fmt.Fprintf(w, "failed in %s: %s: %s", phaseTitle(f.Phase), name, f.Reason)
		if f.ErrorCode != "" {
			fmt.Fprintf(w, " (%s)", f.ErrorCode)
		}
		fmt.Fprintln(w)
	}
	return nil
}

func optInt(v *int) string {
	if v == nil {
		return ""
	}
	return strconv.Itoa(*v)
}

func optStr(v *string) string {
	if v == nil {
		return ""
	}
	return *v
}

func optFloat(v *float64, prec int) string {
	if v == nil {
		return ""
	}
	return strconv.FormatFloat(*v, 'f', prec, 64)
}

func dash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

// phaseState is what a progress bar shows of one phase.
type phaseState struct {
	phase, status       string
	done, failed, total int
}

// progress draws one bar per phase of a batch. On a terminal the bars are
// redrawn in place; elsewhere (a pipe, a log file, a test) each change of
// a phase's status, and every quarter of its progress, is one plain line.
type progress struct {
	w      io.Writer
	tty    bool
	order  []string
	phases map[string]phaseState
	drawn  int               // lines drawn on the terminal
	said   map[string]string // last plain line per phase
}

func newProgress(w io.Writer) *progress {
	return &progress{w: w, tty: isTerminal(w), phases: map[string]phaseState{}, said: map[string]string{}}
}

// isTerminal reports whether w is a character device, as a terminal is.
func isTerminal(w io.Writer) bool {
	if l, ok := w.(*lockedWriter); ok {
		w = l.w
	}
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	fi, err := f.Stat()
	return err == nil && fi.Mode()&os.ModeCharDevice != 0
}

// set records a phase's state; a state older than the one shown (fewer
// essays accounted for, with the same status) is ignored, since
// notifications and polls may arrive out of order.
func (p *progress) set(s phaseState) {
	if s.phase == "" {
		return
	}
	old, seen := p.phases[s.phase]
	switch {
	case !seen:
		p.order = append(p.order, s.phase)
		slices.SortStableFunc(p.order, func(a, b string) int { return phaseIndex(a) - phaseIndex(b) })
	case terminalPhase(old.status) && !terminalPhase(s.status):
		return
	case old.status == s.status && s.done+s.failed < old.done+old.failed:
		return
	}
	p.phases[s.phase] = s
}

func terminalPhase(status string) bool {
	switch status {
	case "completed", "completed_with_failures", "failed", "skipped":
		return true
	}
	return false
}

// draw shows the current state.
func (p *progress) draw() {
	if p.tty {
		if p.drawn > 0 {
			fmt.Fprintf(p.w, "\x1b[%dA", p.drawn)
		}
		for _, name := range p.order {
			fmt.Fprintf(p.w, "\r\x1b[2K%s\n", barLine(p.phases[name]))
		}
		p.drawn = len(p.order)
		return
	}
	for _, name := range p.order {
		s := p.phases[name]
		key := s.status
		if s.total > 0 && !terminalPhase(s.status) {
			key += fmt.Sprintf("/%d", 4*(s.done+s.failed)/s.total)
		}
		if p.said[name] == key {
			continue
		}
		p.said[name] = key
		fmt.Fprintln(p.w, plainLine(s))
	}
}

// finish leaves the last state on screen.
func (p *progress) finish() { p.draw() }

const barWidth = 30

func barLine(s phaseState) string {
	filled, failed := 0, 0
	if s.total > 0 {
		filled = barWidth * s.done / s.total
		failed = barWidth * s.failed / s.total
		if filled+failed > barWidth {
			failed = barWidth - filled
		}
	}
	if s.status == "skipped" {
		return fmt.Sprintf("%-22s %s skipped", phaseTitle(s.phase), strings.Repeat("·", barWidth))
	}
	bar := strings.Repeat("█", filled) + strings.Repeat("x", failed) + strings.Repeat("░", barWidth-filled-failed)
	line := fmt.Sprintf("%-22s %s %3d/%-3d", phaseTitle(s.phase), bar, s.done, s.total)
	if s.failed > 0 {
		line += fmt.Sprintf(" (%d failed)", s.failed)
	}
	return line + " " + strings.ReplaceAll(s.status, "_", " ")
}

func plainLine(s phaseState) string {
	if s.status == "skipped" {
		return fmt.Sprintf("%s: skipped", phaseTitle(s.phase))
	}
	line := fmt.Sprintf("%s: %s, %d of %d done", phaseTitle(s.phase), strings.ReplaceAll(s.status, "_", " "), s.done, s.total)
	if s.failed > 0 {
		line += fmt.Sprintf(", %d failed", s.failed)
	}
	return line
}

// phaseIndex orders phases as a pipeline runs them.
func phaseIndex(phase string) int {
	if i := slices.Index([]string{"upload", "spellcheck", "nlp", "cj_assessment"}, phase); i >= 0 {
		return i
	}
	return 99
}

// phaseTitle names a phase for people.
func phaseTitle(phase string) string {
	switch phase {
	case "upload":
		return "Upload"
	case "spellcheck":
		return "Spellcheck"
	case "nlp":
		return "Text analysis"
	case "cj_assessment":
		return "Comparative judgement"
	}
	return strings.ReplaceAll(phase, "_", " ")
}
