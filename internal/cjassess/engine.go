// Package cjassess is the comparative judgement service: it runs one CJ job
// end to end (pairs planned in waves, judged concurrently, every call
// persisted, Bradley-Terry refitted after each wave, grades projected from
// anchors) and builds the thin and rich events that report it. The same
// Engine serves the bus handler (Service.Assess) and `hule cj rank`.
package cjassess

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"sync"
	"time"

	"golang.org/x/sync/errgroup"

	"github.com/hule-dev/hule/internal/cjassess/grading"
	"github.com/hule-dev/hule/internal/cjassess/judge"
	"github.com/hule-dev/hule/internal/cjassess/pairing"
	"github.com/hule-dev/hule/internal/cjassess/scoring"
	"github.com/hule-dev/hule/internal/events"
	"github.com/hule-dev/hule/internal/fault"
)

// Defaults of Settings.
const (
	// DefaultConcurrency is how many pairs of a wave are judged at once.
	// The judge applies its own limit too; this one only bounds goroutines.
	DefaultConcurrency = 8
	// DefaultMinSuccessRate: a job in which fewer of its planned
	// comparisons succeeded fails with CJ_INSUFFICIENT_COMPARISONS.
	DefaultMinSuccessRate = 0.8
)

// Settings configure one job. They are stored with the job, so a resumed
// job runs with the settings it started with.
type Settings struct {
	// Scale is the grade scale id ("" means grading.DefaultScale).
	Scale string `json:"scale"`
	// Pairing configures the planner (mode, budgets, both orders, retries,
	// early stop). Its Seed is replaced by the job's stored seed.
	Pairing pairing.Options `json:"pairing"`
	// Concurrency bounds the pairs of a wave judged at once.
	Concurrency int `json:"concurrency"`
	// MinSuccessRate is the share of planned comparisons that must succeed.
	MinSuccessRate float64 `json:"min_success_rate"`
	// Prompt and Overrides are passed to the judge with every pair.
	Prompt    judge.Prompt    `json:"prompt"`
	Overrides judge.Overrides `json:"overrides"`
}

func (s Settings) withDefaults() Settings {
	if s.Scale == "" {
		s.Scale = grading.DefaultScale
	}
	if s.Concurrency <= 0 {
		s.Concurrency = DefaultConcurrency
	}
	if s.MinSuccessRate == 0 {
		s.MinSuccessRate = DefaultMinSuccessRate
	}
	return s
}

// Essay is one essay of a job: a student's, or an anchor with a known grade.
type Essay struct {
	ID string
	// Text is the essay; blank text makes a student essay a failed essay.
	Text string
	// Missing, when set, says why the text could not be read (the essay
	// fails with that reason).
	Missing     string
	StorageID   string
	DisplayName string
	Anchor      bool
	// Grade is an anchor's known grade.
	Grade string
}

// Job is one comparative judgement job.
type Job struct {
	ID           string
	BatchID      string
	AssignmentID string
	Settings     Settings
	Essays       []Essay
}

// EssayResult is one scored essay.
type EssayResult struct {
	ID          string `json:"essay_id"`
	DisplayName string `json:"display_name,omitempty"`
	Anchor      bool   `json:"is_anchor"`
	// KnownGrade is an anchor's registered grade.
	KnownGrade string `json:"known_grade,omitempty"`
	// Rank is the position among the student essays (1 = best); an anchor
	// gets the position it would take among them.
	Rank        int     `json:"rank"`
	Score       float64 `json:"bt_score"`
	SE          float64 `json:"se"`
	Infit       float64 `json:"infit"`
	Outfit      float64 `json:"outfit"`
	Comparisons int     `json:"comparisons"`
	Wins        int     `json:"wins"`
	// Grade, probabilities, normalized score and confidence come from
	// grading.Projection.
	Grade           string    `json:"letter_grade"`
	Probabilities   []float64 `json:"grade_probabilities,omitempty"`
	NormalizedScore float64   `json:"normalized_score"`
	ConfidenceScore float64   `json:"confidence_score"`
	ConfidenceLabel string    `json:"confidence_label"`
}

// FailedEssay is a student essay that could not be assessed.
type FailedEssay struct {
	ID     string `json:"essay_id"`
	Reason string `json:"reason"`
}

// Outcome is what a job produced; ThinCompleted, RichResult and ThinFailed
// turn it into events.
type Outcome struct {
	JobID        string `json:"job_id"`
	BatchID      string `json:"batch_id"`
	AssignmentID string `json:"assignment_id,omitempty"`
	Scale        string `json:"scale"`
	// Essays are the scored essays (students and anchors), best first.
	Essays []EssayResult `json:"essays"`
	// Failed are the student essays without text.
	Failed []FailedEssay `json:"failed,omitempty"`
	// Comparisons succeeded; FailedCalls failed (retried or not);
	// Abandoned comparisons used all their attempts.
	Comparisons int     `json:"comparisons"`
	FailedCalls int     `json:"failed_calls"`
	Abandoned   int     `json:"abandoned"`
	SuccessRate float64 `json:"success_rate"`
	SSR         float64 `json:"ssr"`
	Converged   bool    `json:"converged"`
	// Stop says why judging ended (budget_spent or stable).
	Stop        pairing.StopReason `json:"stop_reason"`
	Judges      []scoring.Judge    `json:"judges,omitempty"`
	Provider    string             `json:"judge_provider"`
	Model       string             `json:"judge_model"`
	Temperature *float64           `json:"temperature,omitempty"`
	Usage       judge.MeterTotals  `json:"usage"`
	// AnchorsUsed counts the anchors that entered the calibration.
	AnchorsUsed int       `json:"anchors_used"`
	Started     time.Time `json:"started"`
	Finished    time.Time `json:"finished"`
}

// Students returns the scored student essays, best first.
func (o *Outcome) Students() []EssayResult {
	var out []EssayResult
	for _, e := range o.Essays {
		if !e.Anchor {
			out = append(out, e)
		}
	}
	return out
}

// Duration is the job's wall time from its creation (across restarts).
func (o *Outcome) Duration() time.Duration { return o.Finished.Sub(o.Started) }

// JobError is a job that ended without a result: too few comparisons
// succeeded, no essay could be assessed, or the anchors do not fit the
// scale. It is permanent: running the job again gives the same answer.
type JobError struct {
	// Code is a CJAssessmentErrorCode or ErrorCode value of the wire format.
	Code    events.AnyErrorCode
	Message string
}

func (e *JobError) Error() string { return fmt.Sprintf("%s: %s", e.Code, e.Message) }

// Error codes of JobError.
const (
	CodeInsufficientComparisons = events.AnyErrorCode(events.CJAssessmentErrorCodeInsufficientComparisons)
	CodeValidation              = events.AnyErrorCode(events.ErrorCodeValidationError)
	CodeConfiguration           = events.AnyErrorCode(events.ErrorCodeInvalidConfiguration)
)

// EngineOptions configure an Engine.
type EngineOptions struct {
	// Temperature is the judge's configured temperature, reported in the
	// rich event when the job overrides none (nil: not reported).
	Temperature *float64
	// Log receives progress; nil discards it.
	Log *slog.Logger
	// Now is the clock; nil means time.Now.
	Now func() time.Time
}

// Engine runs comparative judgement jobs against a store and a judge. It is
// safe for concurrent use; each Run is one job.
type Engine struct {
	store Store
	judge judge.Judge
	opts  EngineOptions
	log   *slog.Logger
}

// NewEngine returns an engine.
func NewEngine(st Store, j judge.Judge, opts EngineOptions) *Engine {
	log := opts.Log
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	return &Engine{store: st, judge: j, opts: opts, log: log}
}

// Run runs job to its end, resuming it when the store already holds it:
// the stored waves are replayed into the planner, the unanswered pairs of
// the interrupted wave are judged first, and no stored comparison is asked
// again, so the job goes on as if it had not stopped. It returns the
// outcome and nil, or a *JobError for a job that ended without a result
// (with the partial outcome: counts and timing), or another error when it
// could not go on (store failure, canceled context): running it again
// resumes it.
func (e *Engine) Run(ctx context.Context, job Job) (*Outcome, error) {
	settings := job.Settings.withDefaults()
	if job.ID == "" {
		return nil, fault.Permanent(errors.New("cj job: empty id"))
	}
	scale, err := grading.LookupScale(settings.Scale)
	if err != nil {
		return nil, fault.Permanent(fmt.Errorf("cj job %s: %w", job.ID, err))
	}
	if err := settings.Pairing.Validate(); err != nil {
		return nil, fault.Permanent(fmt.Errorf("cj job %s: %w", job.ID, err))
	}
	essays, err := prepareEssays(job.Essays, scale)
	if err != nil {
		// A request that can never be assessed: report it as a failed job
		// (nothing is stored, so nothing is left to resume).
		at := e.opts.Now().UTC()
		return &Outcome{JobID: job.ID, BatchID: job.BatchID, AssignmentID: job.AssignmentID, Scale: scale.ID,
			Provider: e.judge.Name(), Started: at, Finished: at}, &JobError{Code: CodeValidation, Message: err.Error()}
	}

	rec := JobRecord{
		ID: job.ID, BatchID: job.BatchID, AssignmentID: job.AssignmentID,
		State: events.CJBatchStateInitializing, Settings: settings, Seed: settings.Pairing.Seed,
	}
	for _, es := range essays {
		rec.Essays = append(rec.Essays, EssayRecord{
			ID: es.ID, Anchor: es.Anchor, KnownGrade: es.Grade, DisplayName: es.DisplayName,
			StorageID: es.StorageID, FailedReason: es.Missing,
		})
	}
	stored, created, err := e.store.CreateJob(ctx, rec)
	if err != nil {
		return nil, err
	}
	if !created {
		// Resume with the settings and seed the job started with.
		settings = stored.Settings.withDefaults()
		e.log.InfoContext(ctx, "cj job resumed", "job_id", job.ID, "batch_id", job.BatchID, "state", string(stored.State))
	}
	settings.Pairing.Seed = stored.Seed

	r := &run{
		e: e, job: job, settings: settings, scale: scale, essays: essays,
		out: &Outcome{
			JobID: job.ID, BatchID: job.BatchID, AssignmentID: job.AssignmentID, Scale: scale.ID,
			Provider: e.judge.Name(), Started: stored.Created,
		},
		attempts: map[pairing.Pair]int{},
	}
	return r.run(ctx, stored.State)
}

// prepareEssays checks ids and marks student essays without text as failed;
// anchors without text are dropped (they only help calibration).
func prepareEssays(in []Essay, scale grading.Scale) ([]Essay, error) {
	seen := map[string]bool{}
	out := make([]Essay, 0, len(in))
	for _, es := range in {
		if es.ID == "" {
			return nil, errors.New("essay with an empty id")
		}
		if seen[es.ID] {
			return nil, fmt.Errorf("essay %s listed twice", es.ID)
		}
		seen[es.ID] = true
		if strings.TrimSpace(es.Text) == "" && es.Missing == "" {
			es.Missing = "essay text is empty"
		}
		if es.Anchor {
			if !slices.Contains(scale.Grades, es.Grade) {
				return nil, fmt.Errorf("anchor %s: grade %q is not on scale %s (%s)",
					es.ID, es.Grade, scale.ID, strings.Join(scale.Grades, ", "))
			}
			if es.Missing != "" {
				continue
			}
		}
		out = append(out, es)
	}
	return out, nil
}

// run is the state of one Run.
type run struct {
	e        *Engine
	job      Job
	settings Settings
	scale    grading.Scale
	essays   []Essay
	byID     map[string]*Essay
	items    []string
	out      *Outcome

	planner  *pairing.Planner
	comps    []scoring.Comparison
	attempts map[pairing.Pair]int
	meter    judge.Meter
	model    string

	// wave is the number of the last wave planned; interrupted holds that
	// wave when a restarted job replayed it, with its stored answers, for
	// judgeAll to complete (nil otherwise).
	wave        int
	interrupted *pendingWave
}

// planned is one pair of a wave and the attempt it is judged under.
type planned struct {
	pair    pairing.Pair
	attempt int
}

// pendingWave is a planned wave and the answers already stored for it.
type pendingWave struct {
	pairs []planned
	done  map[pairing.Pair]ComparisonRecord
}

func (r *run) run(ctx context.Context, state events.CJBatchState) (*Outcome, error) {
	r.byID = map[string]*Essay{}
	students := 0
	for i := range r.essays {
		es := &r.essays[i]
		r.byID[es.ID] = es
		if es.Missing != "" {
			r.out.Failed = append(r.out.Failed, FailedEssay{ID: es.ID, Reason: es.Missing})
			continue
		}
		r.items = append(r.items, es.ID)
		if !es.Anchor {
			students++
		}
	}
	if students == 0 {
		return r.fail(ctx, CodeValidation, "no student essay with text to assess")
	}
	if err := r.restore(ctx); err != nil {
		return nil, err
	}
	switch state {
	case events.CJBatchStateCompleted, events.CJBatchStateFailed, events.CJBatchStateScoring:
		// Judging ended before the restart: score what is stored.
		if w := r.interrupted; w != nil {
			var answered []planned
			for _, pl := range w.pairs {
				if _, ok := w.done[pl.pair]; ok {
					answered = append(answered, pl)
				}
			}
			if err := r.apply(ctx, answered, w.done, nil); err != nil {
				return nil, err
			}
			r.interrupted = nil
		}
	default:
		if len(r.items) > 1 {
			if err := r.judgeAll(ctx); err != nil {
				return nil, err
			}
		} else {
			r.out.Stop = pairing.BudgetSpent
		}
	}
	return r.finish(ctx)
}

// restore rebuilds the planner and the comparisons from the store. The
// stored waves are replayed in order (pairs, then the failures among their
// answers, as the original run applied them), which puts the planner in the
// state the original was in: the same budgets, cycle of seen pairs and
// retry pool, so it plans what the original would have planned. The last
// wave is left in r.interrupted: judgeAll judges its unanswered pairs
// before it plans anything. Comparisons stored without a wave (by a version
// that did not store waves) are counted in first with Planner.Record.
func (r *run) restore(ctx context.Context) error {
	p, err := pairing.New(r.items, r.settings.Pairing)
	if err != nil {
		return fault.Permanent(fmt.Errorf("cj job %s: plan: %w", r.job.ID, err))
	}
	r.planner = p
	stored, err := r.e.store.Comparisons(ctx, r.job.ID)
	if err != nil {
		return err
	}
	plan, err := r.e.store.Planned(ctx, r.job.ID)
	if err != nil {
		return err
	}
	calls := make(map[planned]ComparisonRecord, len(stored))
	for _, c := range stored {
		pair := pairing.Pair{A: c.EssayA, B: c.EssayB}
		r.attempts[pair] = max(r.attempts[pair], c.Attempt)
		calls[planned{pair, c.Attempt}] = c
		if c.Status != StatusSucceeded {
			r.out.FailedCalls++
		}
	}
	inWave := make(map[planned]bool, len(plan))
	for _, pp := range plan {
		pair := pairing.Pair{A: pp.EssayA, B: pp.EssayB}
		r.attempts[pair] = max(r.attempts[pair], pp.Attempt)
		inWave[planned{pair, pp.Attempt}] = true
	}
	for _, c := range stored {
		pair := pairing.Pair{A: c.EssayA, B: c.EssayB}
		if inWave[planned{pair, c.Attempt}] || c.Status != StatusSucceeded || !r.usable(ctx, pair) {
			continue
		}
		if err := r.planner.Record(pair); err != nil {
			return fmt.Errorf("cj job %s: replay comparison: %w", r.job.ID, err)
		}
		r.addComparison(c)
	}

	for len(plan) > 0 {
		n := 1
		for n < len(plan) && plan[n].Wave == plan[0].Wave {
			n++
		}
		w := &pendingWave{done: map[pairing.Pair]ComparisonRecord{}}
		var pairs []pairing.Pair
		for _, pp := range plan[:n] {
			pl := planned{pairing.Pair{A: pp.EssayA, B: pp.EssayB}, pp.Attempt}
			if !r.usable(ctx, pl.pair) {
				continue
			}
			w.pairs = append(w.pairs, pl)
			pairs = append(pairs, pl.pair)
			if c, ok := calls[pl]; ok {
				w.done[pl.pair] = c
			}
		}
		if err := r.planner.Replay(pairs); err != nil {
			return fmt.Errorf("cj job %s: replay wave %d: %w", r.job.ID, plan[0].Wave, err)
		}
		r.wave = plan[0].Wave
		plan = plan[n:]
		if len(plan) == 0 {
			if len(w.pairs) > 0 {
				r.interrupted = w
			}
			break
		}
		// Only the last wave can lack answers (a run stops at the first
		// wave it cannot finish); should an earlier one, apply treats
		// the missing answer as a failed call, to be asked again.
		if err := r.apply(ctx, w.pairs, w.done, nil); err != nil {
			return err
		}
	}
	return nil
}

// usable reports whether both essays of a stored pair are in this run with
// text, and logs the pair when not: a judgement of an essay whose text went
// missing since cannot be used, the others can.
func (r *run) usable(ctx context.Context, pair pairing.Pair) bool {
	if r.scorable(pair.A) && r.scorable(pair.B) {
		return true
	}
	r.e.log.WarnContext(ctx, "cj stored comparison skipped", "job_id", r.job.ID,
		"essay_a", pair.A, "essay_b", pair.B)
	return false
}

// scorable reports whether id is an essay of this run with text.
func (r *run) scorable(id string) bool {
	es, ok := r.byID[id]
	return ok && es.Missing == ""
}

func (r *run) addComparison(c ComparisonRecord) {
	loser := c.EssayB
	if c.Winner == c.EssayB {
		loser = c.EssayA
	}
	r.comps = append(r.comps, scoring.Comparison{Winner: c.Winner, Loser: loser, Judge: c.Model})
	r.meter.Add(judge.Verdict{Usage: judge.Usage{InputTokens: c.InputTokens, OutputTokens: c.OutputTokens}, CostUSD: c.CostUSD})
	if c.Model != "" {
		r.model = c.Model
	}
}

// judgeAll plans and judges waves until the planner says stop, starting
// with the rest of an interrupted wave when the job was restarted. Each
// wave is stored before it is judged, so a restart can replay it.
func (r *run) judgeAll(ctx context.Context) error {
	if err := r.e.store.SetJobState(ctx, r.job.ID, events.CJBatchStateWaitingCallbacks, "", ""); err != nil {
		return err
	}
	var prev, cur map[string]float64
	if len(r.comps) > 0 {
		res, err := scoring.Fit(r.items, r.comps, scoring.Options{})
		if err != nil {
			return fmt.Errorf("cj job %s: fit: %w", r.job.ID, err)
		}
		cur = res.Scores()
	}
	for {
		var wave *pendingWave
		if r.interrupted != nil {
			wave, r.interrupted = r.interrupted, nil
		} else {
			pairs := r.planner.Next(cur)
			if len(pairs) == 0 {
				r.out.Stop = pairing.BudgetSpent
				return nil
			}
			r.wave++
			wave = &pendingWave{pairs: make([]planned, len(pairs))}
			recs := make([]PlannedPair, len(pairs))
			for i, pair := range pairs {
				r.attempts[pair]++
				wave.pairs[i] = planned{pair, r.attempts[pair]}
				recs[i] = PlannedPair{Wave: r.wave, EssayA: pair.A, EssayB: pair.B, Attempt: r.attempts[pair]}
			}
			if err := r.e.store.SaveWave(ctx, r.job.ID, r.wave, recs); err != nil {
				return err
			}
		}
		if err := r.judgeWave(ctx, wave); err != nil {
			return err
		}
		res, err := scoring.Fit(r.items, r.comps, scoring.Options{})
		if err != nil {
			return fmt.Errorf("cj job %s: fit: %w", r.job.ID, err)
		}
		prev, cur = cur, res.Scores()
		if r.hopeless() {
			r.out.Stop = pairing.BudgetSpent
			return nil
		}
		r.e.log.DebugContext(ctx, "cj wave judged", "job_id", r.job.ID, "wave", r.wave, "pairs", len(wave.pairs),
			"comparisons", len(r.comps), "ssr", res.SSR)
		if reason := r.planner.Stop(prev, cur); reason != pairing.Continue {
			r.out.Stop = reason
			return nil
		}
	}
}

// hopeless reports that so many comparisons were abandoned that the job
// fails whatever follows: successes are bounded by the budget B, so with
// A abandoned the success rate is at most B/(B+A). The planner replaces
// abandoned comparisons, so without this check a judge that always fails
// would keep a job planning forever. B allows every essay one pair over
// its budget, the most the planner plans.
func (r *run) hopeless() bool {
	budget := r.settings.Pairing.ComparisonsPerEssay
	if budget == 0 {
		budget = pairing.DefaultComparisonsPerEssay
	}
	budget++
	if r.settings.Pairing.BothOrders {
		budget++
	}
	b := float64(len(r.items)*budget) / 2
	if c := r.settings.Pairing.MaxComparisons; c > 0 {
		b = min(b, float64(c))
	}
	m := r.settings.MinSuccessRate
	return m > 0 && b/(b+float64(len(r.planner.Abandoned()))) < m
}

// called is one judge call's outcome.
type called struct {
	pair    pairing.Pair
	attempt int
	verdict judge.Verdict
	err     error
}

// judgeWave judges the pairs of wave that have no stored answer
// concurrently. Every answer is saved as soon as it arrives (a single
// writer groups the answers that queue up into one transaction), so a crash
// mid-wave loses no judged pair. Once all are in, the wave's answers are
// applied in plan order.
func (r *run) judgeWave(ctx context.Context, wave *pendingWave) error {
	results := make(chan called, len(wave.pairs))
	var (
		mu    sync.Mutex
		saved = map[pairing.Pair]ComparisonRecord{}
		fresh = map[pairing.Pair]error{}
	)
	saveCtx := context.WithoutCancel(ctx)
	writeErr := make(chan error, 1)
	go func() {
		var firstErr error
		for c := range results {
			batch := []called{c}
		drain:
			for {
				select {
				case c, ok := <-results:
					if !ok {
						break drain
					}
					batch = append(batch, c)
				default:
					break drain
				}
			}
			if firstErr != nil {
				continue
			}
			recs := make([]ComparisonRecord, len(batch))
			for i, c := range batch {
				recs[i] = r.record(c)
			}
			if err := r.e.store.SaveComparisons(saveCtx, r.job.ID, recs); err != nil {
				firstErr = err
				continue
			}
			mu.Lock()
			for i, c := range batch {
				saved[c.pair], fresh[c.pair] = recs[i], c.err
			}
			mu.Unlock()
		}
		writeErr <- firstErr
	}()

	g := new(errgroup.Group)
	g.SetLimit(r.settings.Concurrency)
	for _, pl := range wave.pairs {
		if _, ok := wave.done[pl.pair]; ok {
			continue
		}
		a, b := r.byID[pl.pair.A], r.byID[pl.pair.B]
		g.Go(func() error {
			if ctx.Err() != nil {
				return nil
			}
			v, err := r.e.judge.Judge(ctx, judge.Request{
				Prompt:    r.settings.Prompt,
				A:         judge.Essay{ID: a.ID, Text: a.Text},
				B:         judge.Essay{ID: b.ID, Text: b.Text},
				Overrides: r.settings.Overrides,
			})
			if err != nil && ctx.Err() != nil {
				return nil // canceled: not an answer, asked again on resume
			}
			results <- called{pair: pl.pair, attempt: pl.attempt, verdict: v, err: err}
			return nil
		})
	}
	_ = g.Wait() // workers report through results, never by error
	close(results)
	if err := <-writeErr; err != nil {
		return err
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	for pair, c := range wave.done {
		saved[pair] = c
	}
	return r.apply(ctx, wave.pairs, saved, fresh)
}

// apply counts the answers of one wave in plan order, so the run is
// deterministic however the calls interleaved: a success becomes a
// comparison, a failure goes to the planner's retry pool. fresh holds the
// errors of the calls made by this run (nil for a success), which are
// counted and logged; a pair without an answer is treated as a failed call.
func (r *run) apply(ctx context.Context, pairs []planned, answers map[pairing.Pair]ComparisonRecord, fresh map[pairing.Pair]error) error {
	for _, pl := range pairs {
		c, ok := answers[pl.pair]
		if ok && c.Status == StatusSucceeded {
			r.addComparison(c)
			continue
		}
		if err, made := fresh[pl.pair]; made {
			r.out.FailedCalls++
			r.e.log.WarnContext(ctx, "cj comparison failed", "job_id", r.job.ID, "essay_a", pl.pair.A,
				"essay_b", pl.pair.B, "attempt", pl.attempt, "permanent", fault.IsPermanent(err), "err", err)
		} else if !ok {
			r.e.log.WarnContext(ctx, "cj planned comparison without an answer, asked again", "job_id", r.job.ID,
				"essay_a", pl.pair.A, "essay_b", pl.pair.B, "attempt", pl.attempt)
		}
		if _, err := r.planner.Fail(pl.pair); err != nil {
			return fmt.Errorf("cj job %s: retry pool: %w", r.job.ID, err)
		}
	}
	return nil
}

func (r *run) record(c called) ComparisonRecord {
	rec := ComparisonRecord{EssayA: c.pair.A, EssayB: c.pair.B, Attempt: c.attempt, Created: now()}
	if c.err != nil {
		rec.Status, rec.Error = StatusFailed, c.err.Error()
		rec.Model, rec.Provider = c.verdict.Model, c.verdict.Provider
		rec.Raw, rec.Latency = c.verdict.Raw, c.verdict.Latency
		return rec
	}
	v := c.verdict
	rec.Status = StatusSucceeded
	rec.Winner = c.pair.A
	if v.Winner == judge.SideB {
		rec.Winner = c.pair.B
	}
	rec.Justification, rec.Confidence, rec.Raw = v.Justification, v.Confidence, v.Raw
	rec.Model, rec.Provider = v.Model, v.Provider
	rec.InputTokens, rec.OutputTokens, rec.CostUSD = v.Usage.InputTokens, v.Usage.OutputTokens, v.CostUSD
	rec.Latency = v.Latency
	return rec
}

// finish fits, grades and stores the result, or fails the job.
func (r *run) finish(ctx context.Context) (*Outcome, error) {
	if err := r.e.store.SetJobState(ctx, r.job.ID, events.CJBatchStateScoring, "", ""); err != nil {
		return nil, err
	}
	o := r.out
	o.Comparisons = len(r.comps)
	o.Abandoned = len(r.planner.Abandoned())
	o.Usage = r.meter.Totals()
	o.Model = r.model
	if o.Model == "" {
		o.Model = r.e.judge.Name()
	}
	o.Temperature = r.settings.Overrides.Temperature
	if o.Temperature == nil {
		o.Temperature = r.e.opts.Temperature
	}
	o.SuccessRate = 1
	if planned := o.Comparisons + o.Abandoned; planned > 0 {
		o.SuccessRate = float64(o.Comparisons) / float64(planned)
	}
	if o.Comparisons == 0 && len(r.items) > 1 {
		// Nothing was judged: scores would be the prior's zeros, ranks
		// arbitrary. Whatever the success threshold, that is a failure.
		return r.fail(ctx, CodeInsufficientComparisons, fmt.Sprintf(
			"no comparison succeeded (%d abandoned)", o.Abandoned))
	}
	if o.SuccessRate < r.settings.MinSuccessRate {
		return r.fail(ctx, CodeInsufficientComparisons, fmt.Sprintf(
			"only %d of %d planned comparisons succeeded (%.0f %%, need %.0f %%)",
			o.Comparisons, o.Comparisons+o.Abandoned, 100*o.SuccessRate, 100*r.settings.MinSuccessRate))
	}

	res, err := scoring.Fit(r.items, r.comps, scoring.Options{})
	if err != nil {
		return nil, fmt.Errorf("cj job %s: fit: %w", r.job.ID, err)
	}
	o.SSR, o.Converged, o.Judges = res.SSR, res.Converged, res.Judges
	var anchors []grading.Anchor
	fitted := make([]grading.Essay, len(res.Items))
	for i, it := range res.Items {
		fitted[i] = grading.Essay{ID: it.Name, Score: it.Score, SE: it.SE}
		if es := r.byID[it.Name]; es.Anchor {
			anchors = append(anchors, grading.Anchor{ID: it.Name, Grade: es.Grade, Score: it.Score})
		}
	}
	cal, err := grading.Calibrate(r.scale, anchors)
	if err != nil {
		return r.fail(ctx, CodeConfiguration, fmt.Sprintf("calibrate grades: %v", err))
	}
	o.AnchorsUsed = len(anchors)
	proj := cal.Project(fitted)
	o.Essays = make([]EssayResult, len(res.Items))
	for i, it := range res.Items {
		es, p := r.byID[it.Name], proj[i]
		o.Essays[i] = EssayResult{
			ID: it.Name, DisplayName: es.DisplayName, Anchor: es.Anchor, KnownGrade: es.Grade,
			Score: it.Score, SE: it.SE, Infit: it.Infit, Outfit: it.Outfit,
			Comparisons: it.Comparisons, Wins: it.Wins,
			Grade: p.Grade, Probabilities: p.Probabilities, NormalizedScore: p.NormalizedScore,
			ConfidenceScore: p.ConfidenceScore, ConfidenceLabel: p.ConfidenceLabel,
		}
	}
	rankEssays(o.Essays)
	o.Finished = r.e.opts.Now().UTC()
	if err := r.e.store.SaveResults(ctx, r.job.ID, o.SSR, o.Essays); err != nil {
		return nil, err
	}
	if err := r.e.store.SetJobState(ctx, r.job.ID, events.CJBatchStateCompleted, "", ""); err != nil {
		return nil, err
	}
	r.e.log.InfoContext(ctx, "cj job completed", "job_id", r.job.ID, "batch_id", r.job.BatchID,
		"essays", len(o.Essays), "comparisons", o.Comparisons, "ssr", o.SSR, "stop", string(o.Stop))
	return o, nil
}

// rankEssays sorts essays best first (ties keep the fit's order) and ranks
// the students 1..n; an anchor gets the rank the next student below it gets.
func rankEssays(es []EssayResult) {
	slices.SortStableFunc(es, func(a, b EssayResult) int {
		switch {
		case a.Score > b.Score:
			return -1
		case a.Score < b.Score:
			return 1
		}
		return 0
	})
	rank := 0
	for i := range es {
		if es[i].Anchor {
			es[i].Rank = rank + 1
			continue
		}
		rank++
		es[i].Rank = rank
	}
}

// fail records a job failure and returns the partial outcome with it.
func (r *run) fail(ctx context.Context, code events.AnyErrorCode, msg string) (*Outcome, error) {
	r.out.Finished = r.e.opts.Now().UTC()
	if err := r.e.store.SetJobState(ctx, r.job.ID, events.CJBatchStateFailed, string(code), msg); err != nil {
		return nil, err
	}
	r.e.log.WarnContext(ctx, "cj job failed", "job_id", r.job.ID, "batch_id", r.job.BatchID,
		"error_code", string(code), "err", msg)
	return r.out, &JobError{Code: code, Message: msg}
}
