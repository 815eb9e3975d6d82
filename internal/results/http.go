package results

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/base64"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/hule-dev/hule/internal/content"
	"github.com/hule-dev/hule/internal/httpapi"
	"github.com/hule-dev/hule/internal/store"
)

// Routes mounts the read side of the public API; the gateway puts them
// behind its auth. Someone else's batch, like an unknown one, is a 404.
//
//	GET /v1/batches?status=&limit=&cursor=        BatchList
//	GET /v1/batches/{id}                          BatchDetail
//	GET /v1/batches/{id}/results                  BatchResults
//	GET /v1/batches/{id}/export?format=csv|json   a download of the results
//	GET /v1/batches/{id}/essays/{essay_id}        EssayDetail
//	GET /v1/assignments/{id}/analytics            AssignmentAnalytics
func (s *Service) Routes(mux *http.ServeMux) {
	mux.HandleFunc("GET /v1/batches", s.getBatches)
	mux.HandleFunc("GET /v1/batches/{id}", s.getBatch)
	mux.HandleFunc("GET /v1/batches/{id}/results", s.getResults)
	mux.HandleFunc("GET /v1/batches/{id}/export", s.getExport)
	mux.HandleFunc("GET /v1/batches/{id}/essays/{essay_id}", s.getEssay)
	mux.HandleFunc("GET /v1/assignments/{id}/analytics", s.getAssignment)
}

// PhaseProgress is one phase of a batch.
type PhaseProgress struct {
	Phase string `json:"phase"`
	// Status is requested, running, completed, completed_with_failures,
	// failed or skipped.
	Status string `json:"status"`
	// Done and Failed count essays; Total is the essays the phase works on.
	Done            int        `json:"done"`
	Failed          int        `json:"failed"`
	Total           int        `json:"total"`
	StartedAt       *time.Time `json:"started_at"`
	FinishedAt      *time.Time `json:"finished_at"`
	DurationSeconds *float64   `json:"duration_seconds"`
	SkipReason      string     `json:"skip_reason,omitempty"`
	Error           string     `json:"error,omitempty"`
}

// BatchSummary is one batch in the list and the head of BatchDetail.
type BatchSummary struct {
	BatchID string `json:"batch_id"`
	Name    string `json:"name"`
	// Status is an events.BatchStatus value: awaiting_content_validation,
	// ready_for_pipeline_execution, processing_pipelines,
	// completed_successfully, completed_with_failures, failed_critically.
	Status       string          `json:"status"`
	ResultsReady bool            `json:"results_ready"`
	CourseCode   string          `json:"course_code"`
	AssignmentID string          `json:"assignment_id"`
	EssayCount   int             `json:"essay_count"`
	CreatedAt    time.Time       `json:"created_at"`
	UpdatedAt    time.Time       `json:"updated_at"`
	Phases       []PhaseProgress `json:"phases"`
}

// BatchList is a page of batches, newest first. NextCursor, when not
// null, fetches the next page.
type BatchList struct {
	Batches    []BatchSummary `json:"batches"`
	NextCursor *string        `json:"next_cursor"`
}

// Counts are a batch's essay counts.
type Counts struct {
	Expected      int `json:"expected"`
	Uploaded      int `json:"uploaded"`
	RejectedFiles int `json:"rejected_files"`
	Provisioned   int `json:"provisioned"`
	Assessed      int `json:"assessed"`
	FailedEssays  int `json:"failed_essays"`
}

// PipelineRun is one pipeline request in a batch's history.
type PipelineRun struct {
	Pipeline      string `json:"pipeline"`
	CorrelationID string `json:"correlation_id"`
	// Status is requested, running, or the final events.BatchStatus.
	Status           string     `json:"status"`
	AssignmentID     string     `json:"assignment_id"`
	IsRetry          bool       `json:"is_retry"`
	RequestedAt      *time.Time `json:"requested_at"`
	StartedAt        *time.Time `json:"started_at"`
	FinishedAt       *time.Time `json:"finished_at"`
	CompletedPhases  []string   `json:"completed_phases"`
	DurationSeconds  *float64   `json:"duration_seconds"`
	SuccessfulEssays *int       `json:"successful_essays"`
	FailedEssays     *int       `json:"failed_essays"`
	ResultsReady     bool       `json:"results_ready"`
}

// BatchDetail is the status of one batch.
type BatchDetail struct {
	BatchSummary
	Counts    Counts        `json:"counts"`
	Pipelines []PipelineRun `json:"pipelines"`
	Failures  []Failure     `json:"failures"`
	Analytics Analytics     `json:"analytics"`
}

// EssayResult is one student essay's results; a field is null until its
// phase delivered it.
type EssayResult struct {
	Rank        *int   `json:"rank"`
	EssayID     string `json:"essay_id"`
	FileName    string `json:"file_name"`
	DisplayName string `json:"display_name"`
	// Status is failed (some phase failed), assessed (graded),
	// processed (some results) or pending.
	Status             string             `json:"status"`
	Grade              *string            `json:"grade"`
	ConfidenceLabel    *string            `json:"confidence_label"`
	ConfidenceScore    *float64           `json:"confidence_score"`
	BTScore            *float64           `json:"bt_score"`
	SE                 *float64           `json:"se"`
	NormalizedScore    *float64           `json:"normalized_score"`
	GradeProbabilities []GradeProbability `json:"grade_probabilities"`
	// SpellingCorrections and SpellingDensity (corrections per 100 words)
	// come from spellcheck.
	SpellingCorrections *int      `json:"spelling_corrections"`
	SpellingDensity     *float64  `json:"spelling_density"`
	WordCount           *int      `json:"word_count"`
	SentenceCount       *int      `json:"sentence_count"`
	MTLD                *float64  `json:"mtld"`
	FleschReadingEase   *float64  `json:"flesch_reading_ease"`
	LIX                 *float64  `json:"lix"`
	GrammarErrors       *int      `json:"grammar_errors"`
	Failures            []Failure `json:"failures"`
}

// AnchorResult is an anchor essay (known grade) scored with the batch.
type AnchorResult struct {
	EssayID            string             `json:"essay_id"`
	DisplayName        string             `json:"display_name"`
	Rank               int                `json:"rank"`
	Grade              string             `json:"grade"`
	ConfidenceLabel    string             `json:"confidence_label"`
	ConfidenceScore    float64            `json:"confidence_score"`
	BTScore            float64            `json:"bt_score"`
	SE                 *float64           `json:"se"`
	NormalizedScore    float64            `json:"normalized_score"`
	GradeProbabilities []GradeProbability `json:"grade_probabilities"`
}

// BatchResults is a batch's results: students ranked best first (then
// the unranked ones), anchors apart.
type BatchResults struct {
	BatchID      string         `json:"batch_id"`
	Name         string         `json:"name"`
	Status       string         `json:"status"`
	ResultsReady bool           `json:"results_ready"`
	SSR          *float64       `json:"ssr"`
	SSRReading   *SSRReading    `json:"ssr_reading"`
	Essays       []EssayResult  `json:"essays"`
	Anchors      []AnchorResult `json:"anchors"`
}

// Correction is one spelling correction, at a byte offset (RuneOffset in
// characters) of the original text.
type Correction struct {
	Offset      int    `json:"offset"`
	RuneOffset  int    `json:"rune_offset"`
	Original    string `json:"original"`
	Replacement string `json:"replacement"`
	Source      string `json:"source"`
}

// EssayDetail is one essay with its texts, corrections, metrics and
// comparisons. Texts and lists read from content are null / empty when
// not stored.
type EssayDetail struct {
	BatchID string `json:"batch_id"`
	EssayResult
	OriginalText  *string      `json:"original_text"`
	CorrectedText *string      `json:"corrected_text"`
	Corrections   []Correction `json:"corrections"`
	// Segments is the corrected text cut at the corrections (rebuilt from
	// the original text and the corrections), ready to render with each
	// correction highlighted and its original word on hover; empty
	// without the original text.
	Segments []Segment `json:"segments"`
	// NLPMetrics is the nlp_metrics object of EssayNlpCompletedV1 and
	// TextMetrics its processing_metadata (readability, paragraphs, type
	// token ratio... as the NLP service reports them); null until text
	// analysis ran.
	NLPMetrics  json.RawMessage `json:"nlp_metrics"`
	TextMetrics json.RawMessage `json:"text_metrics"`
	// Grammar is the grammar_analysis object: error_count, errors (each
	// with rule_id, message, offset, length, replacements, category...),
	// category and rule counts.
	Grammar     json.RawMessage `json:"grammar"`
	Comparisons []Comparison    `json:"comparisons"`
}

// AssignmentBatch is one batch in AssignmentAnalytics.
type AssignmentBatch struct {
	BatchID             string       `json:"batch_id"`
	Name                string       `json:"name"`
	Status              string       `json:"status"`
	CreatedAt           time.Time    `json:"created_at"`
	EssayCount          int          `json:"essay_count"`
	EssaysAssessed      int          `json:"essays_assessed"`
	SSR                 *float64     `json:"ssr"`
	NormalizedScores    *Stats       `json:"normalized_scores"`
	MeanSpellingDensity *float64     `json:"mean_spelling_density"`
	GradeDistribution   []GradeCount `json:"grade_distribution"`
}

// AssignmentAnalytics summarizes the user's batches of one assignment.
// Scores are compared on the normalized scale (Bradley-Terry scores of
// different batches are not on one scale).
type AssignmentAnalytics struct {
	AssignmentID        string            `json:"assignment_id"`
	Batches             []AssignmentBatch `json:"batches"`
	EssayCount          int               `json:"essay_count"`
	EssaysAssessed      int               `json:"essays_assessed"`
	GradeDistribution   []GradeCount      `json:"grade_distribution"`
	NormalizedScores    *Stats            `json:"normalized_scores"`
	MeanSSR             *float64          `json:"mean_ssr"`
	MeanSpellingDensity *float64          `json:"mean_spelling_density"`
	MeanWordCount       *float64          `json:"mean_word_count"`
}

func (s *Service) user(w http.ResponseWriter, r *http.Request) (string, bool) {
	u := httpapi.UserID(r.Context())
	if u == "" {
		httpapi.Error(w, r, http.StatusUnauthorized, "unauthenticated", "authentication required")
		return "", false
	}
	return u, true
}

func (s *Service) internalError(w http.ResponseWriter, r *http.Request, what string, err error) {
	s.log.ErrorContext(r.Context(), what, "err", err, "path", r.URL.Path)
	httpapi.Error(w, r, http.StatusInternalServerError, "internal", what+" failed")
}

func notFound(w http.ResponseWriter, r *http.Request, what string) {
	httpapi.Error(w, r, http.StatusNotFound, "not_found", what+" not found")
}

// statusAliases lets the list filter use short names.
var statusAliases = map[string][]string{
	"awaiting_content": {statusAwaitingContent},
	"ready":            {statusReady},
	"processing":       {statusProcessing},
	"completed":        {"completed_successfully", "completed_with_failures"},
	"failed":           {"failed_critically"},
}

var knownStatuses = []string{statusAwaitingContent, statusReady, statusProcessing,
	"completed_successfully", "completed_with_failures", "failed_critically"}

func parseStatuses(v string) ([]string, error) {
	var out []string
	for part := range strings.SplitSeq(v, ",") {
		part = strings.TrimSpace(part)
		switch {
		case part == "":
		case slices.Contains(knownStatuses, part):
			out = append(out, part)
		case statusAliases[part] != nil:
			out = append(out, statusAliases[part]...)
		default:
			return nil, fmt.Errorf("unknown status %q", part)
		}
	}
	return out, nil
}

func encodeCursor(b batchRow) string {
	raw, _ := json.Marshal(cursor{CreatedUS: b.CreatedUS, BatchID: b.ID})
	return base64.RawURLEncoding.EncodeToString(raw)
}

func decodeCursor(s string) (*cursor, error) {
	raw, err := base64.RawURLEncoding.DecodeString(s)
	if err != nil {
		return nil, errors.New("malformed cursor")
	}
	var c cursor
	if err := json.Unmarshal(raw, &c); err != nil || c.BatchID == "" {
		return nil, errors.New("malformed cursor")
	}
	return &c, nil
}

func (s *Service) getBatches(w http.ResponseWriter, r *http.Request) {
	userID, ok := s.user(w, r)
	if !ok {
		return
	}
	q := r.URL.Query()
	limit := s.cfg.PageSize
	if v := q.Get("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > s.cfg.MaxPageSize {
			httpapi.Error(w, r, http.StatusBadRequest, "invalid_request", fmt.Sprintf("limit must be between 1 and %d", s.cfg.MaxPageSize))
			return
		}
		limit = n
	}
	statuses, err := parseStatuses(q.Get("status"))
	if err != nil {
		httpapi.Error(w, r, http.StatusBadRequest, "invalid_request", err.Error())
		return
	}
	var after *cursor
	if v := q.Get("cursor"); v != "" {
		if after, err = decodeCursor(v); err != nil {
			httpapi.Error(w, r, http.StatusBadRequest, "invalid_request", err.Error())
			return
		}
	}
	out := BatchList{Batches: []BatchSummary{}}
	err = store.InTx(r.Context(), s.db.DB, func(tx *sql.Tx) error {
		out = BatchList{Batches: []BatchSummary{}}
		rows, err := listBatches(r.Context(), tx, userID, statuses, after, limit+1)
		if err != nil {
			return err
		}
		if len(rows) > limit {
			rows = rows[:limit]
			next := encodeCursor(rows[limit-1])
			out.NextCursor = &next
		}
		for _, b := range rows {
			phases, err := loadPhases(r.Context(), tx, b.ID)
			if err != nil {
				return err
			}
			out.Batches = append(out.Batches, summarize(b, phases))
		}
		return nil
	})
	if err != nil {
		s.internalError(w, r, "list batches", err)
		return
	}
	httpapi.JSON(w, http.StatusOK, out)
}

func summarize(b batchRow, phases []phaseRow) BatchSummary {
	out := BatchSummary{BatchID: b.ID, Name: b.Name, Status: b.Status, ResultsReady: b.ReadyAt.Valid, CourseCode: b.Course,
		AssignmentID: b.Assign, EssayCount: b.Expected, CreatedAt: b.CreatedAt.UTC(), UpdatedAt: b.UpdatedAt.UTC(),
		Phases: []PhaseProgress{}}
	for _, p := range phases {
		pp := PhaseProgress{Phase: p.Phase, Status: p.Status, Done: p.Done, Failed: p.Failed, Total: p.total(),
			StartedAt: timePtr(p.StartedAt), FinishedAt: timePtr(p.Finished), DurationSeconds: p.duration(),
			SkipReason: p.SkipReason, Error: p.Error}
		out.Phases = append(out.Phases, pp)
	}
	return out
}

func timePtr(t sql.NullTime) *time.Time {
	if !t.Valid {
		return nil
	}
	u := t.Time.UTC()
	return &u
}

// owned loads the caller's batch; errNoBatch for an unknown batch or
// someone else's.
func owned(ctx context.Context, tx *sql.Tx, userID, batchID string) (batchRow, error) {
	b, err := loadBatch(ctx, tx, batchID)
	if err != nil {
		return b, err
	}
	if b.UserID != userID {
		return batchRow{}, errNoBatch
	}
	return b, nil
}

// batchView is everything the batch routes show, read in one transaction.
type batchView struct {
	batch    batchRow
	phases   []phaseRow
	essays   []essayRow
	anchors  []anchorRow
	runs     []runRow
	failures []Failure
}

func (s *Service) view(ctx context.Context, userID, batchID string) (batchView, error) {
	var v batchView
	err := store.InTx(ctx, s.db.DB, func(tx *sql.Tx) error {
		var err error
		v = batchView{}
		if v.batch, err = owned(ctx, tx, userID, batchID); err != nil {
			return err
		}
		if v.phases, err = loadPhases(ctx, tx, batchID); err != nil {
			return err
		}
		if v.essays, err = loadEssays(ctx, tx, batchID); err != nil {
			return err
		}
		if v.anchors, err = loadAnchors(ctx, tx, batchID); err != nil {
			return err
		}
		if v.runs, err = loadRuns(ctx, tx, batchID); err != nil {
			return err
		}
		v.failures, err = loadFailures(ctx, tx, batchID, v.phases)
		return err
	})
	return v, err
}

// loadView answers the request with 404 or 500 when the batch cannot be
// shown.
func (s *Service) loadView(w http.ResponseWriter, r *http.Request) (batchView, bool) {
	userID, ok := s.user(w, r)
	if !ok {
		return batchView{}, false
	}
	v, err := s.view(r.Context(), userID, r.PathValue("id"))
	if errors.Is(err, errNoBatch) {
		notFound(w, r, "batch "+r.PathValue("id"))
		return v, false
	}
	if err != nil {
		s.internalError(w, r, "read batch", err)
		return v, false
	}
	return v, true
}

func (s *Service) getBatch(w http.ResponseWriter, r *http.Request) {
	v, ok := s.loadView(w, r)
	if !ok {
		return
	}
	b := v.batch
	d := BatchDetail{BatchSummary: summarize(b, v.phases), Pipelines: []PipelineRun{}, Failures: v.failures,
		Analytics: analyze(b, v.essays, v.phases)}
	d.Counts = Counts{Expected: b.Expected, Provisioned: b.Provisioned, Assessed: d.Analytics.EssaysAssessed}
	failed := map[string]bool{}
	for _, f := range v.failures {
		if f.Phase == phaseUpload {
			d.Counts.RejectedFiles++
		} else if f.EssayID != nil {
			failed[*f.EssayID] = true
		}
	}
	d.Counts.FailedEssays = len(failed)
	for _, e := range v.essays {
		if e.UploadID != "" {
			d.Counts.Uploaded++
		}
	}
	for _, run := range v.runs {
		pr := PipelineRun{Pipeline: run.Pipeline, CorrelationID: run.CorrelationID, Status: run.FinalStatus,
			AssignmentID: run.Assign, IsRetry: run.Retry, RequestedAt: timePtr(run.RequestedAt), StartedAt: timePtr(run.StartedAt),
			FinishedAt: timePtr(run.Done), CompletedPhases: run.Phases, ResultsReady: run.ReadyPublished}
		if pr.CompletedPhases == nil {
			pr.CompletedPhases = []string{}
		}
		switch {
		case pr.Status != "":
		case run.StartedAt.Valid:
			pr.Status = phaseRunning
		default:
			pr.Status = phaseRequested
		}
		if run.Duration.Valid {
			pr.DurationSeconds = &run.Duration.Float64
		}
		if run.Successful.Valid {
			n := int(run.Successful.Int64)
			pr.SuccessfulEssays = &n
		}
		if run.Failed.Valid {
			n := int(run.Failed.Int64)
			pr.FailedEssays = &n
		}
		d.Pipelines = append(d.Pipelines, pr)
	}
	httpapi.JSON(w, http.StatusOK, d)
}

func intPtr(n sql.NullInt64) *int {
	if !n.Valid {
		return nil
	}
	v := int(n.Int64)
	return &v
}

func floatPtr(f sql.NullFloat64) *float64 {
	if !f.Valid {
		return nil
	}
	v := f.Float64
	return &v
}

func strPtr(s sql.NullString) *string {
	if !s.Valid {
		return nil
	}
	v := s.String
	return &v
}

func essayResult(e essayRow, failures []Failure) EssayResult {
	out := EssayResult{Rank: intPtr(e.Rank), EssayID: e.EssayID, FileName: e.FileName, DisplayName: e.DisplayName,
		Grade: strPtr(e.Grade), ConfidenceLabel: strPtr(e.ConfLabel), ConfidenceScore: floatPtr(e.ConfScore),
		BTScore: floatPtr(e.BT), SE: floatPtr(e.SE), NormalizedScore: floatPtr(e.Normalized),
		GradeProbabilities: decodeProbs(e.Probs), SpellingCorrections: intPtr(e.SpellTotal),
		SpellingDensity: floatPtr(e.SpellDensity), WordCount: e.wordCount(), SentenceCount: intPtr(e.NLPSentences),
		MTLD: floatPtr(e.MTLD), FleschReadingEase: floatPtr(e.Flesch), LIX: floatPtr(e.LIX),
		GrammarErrors: intPtr(e.GrammarCount), Failures: []Failure{}}
	for _, f := range failures {
		if f.EssayID != nil && *f.EssayID == e.EssayID {
			out.Failures = append(out.Failures, f)
		}
	}
	switch {
	case len(out.Failures) > 0:
		out.Status = "failed"
	case e.Grade.Valid:
		out.Status = "assessed"
	case e.SpellTotal.Valid || e.NLPWords.Valid:
		out.Status = "processed"
	default:
		out.Status = "pending"
	}
	return out
}

func (v batchView) results() BatchResults {
	b := v.batch
	out := BatchResults{BatchID: b.ID, Name: b.Name, Status: b.Status, ResultsReady: b.ReadyAt.Valid,
		Essays: []EssayResult{}, Anchors: []AnchorResult{}}
	if b.SSR.Valid {
		ssr := b.SSR.Float64
		reading := readSSR(ssr)
		out.SSR, out.SSRReading = &ssr, &reading
	}
	ranked := rankedEssays(v.essays)
	for _, e := range ranked {
		out.Essays = append(out.Essays, essayResult(e, v.failures))
	}
	for _, e := range v.essays {
		if !e.Rank.Valid {
			out.Essays = append(out.Essays, essayResult(e, v.failures))
		}
	}
	for _, a := range v.anchors {
		out.Anchors = append(out.Anchors, AnchorResult{EssayID: a.EssayID, DisplayName: a.DisplayName, Rank: a.Rank,
			Grade: a.Grade, ConfidenceLabel: a.ConfLabel, ConfidenceScore: a.ConfScore, BTScore: a.BT, SE: floatPtr(a.SE),
			NormalizedScore: a.Normalized, GradeProbabilities: decodeProbs(a.Probs)})
	}
	return out
}

func (s *Service) getResults(w http.ResponseWriter, r *http.Request) {
	v, ok := s.loadView(w, r)
	if !ok {
		return
	}
	httpapi.JSON(w, http.StatusOK, v.results())
}

// csvHeader is the header row of the CSV export.
var csvHeader = []string{"rank", "essay_id", "file_name", "is_anchor", "grade", "confidence_label", "confidence_score",
	"bt_score", "se", "normalized_score", "spelling_corrections", "spelling_density", "word_count", "mtld",
	"flesch_reading_ease", "lix", "grammar_errors", "status", "failures"}

func (s *Service) getExport(w http.ResponseWriter, r *http.Request) {
	format := r.URL.Query().Get("format")
	if format == "" {
		format = "csv"
	}
	if format != "csv" && format != "json" {
		httpapi.Error(w, r, http.StatusBadRequest, "invalid_request", "format must be csv or json")
		return
	}
	v, ok := s.loadView(w, r)
	if !ok {
		return
	}
	res := v.results()
	base := fileBase(v.batch)
	if format == "json" {
		body, err := json.MarshalIndent(res, "", "  ")
		if err != nil {
			s.internalError(w, r, "export results", err)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("Content-Disposition", fmt.Sprintf(`attachment; filename="%s-results.json"`, base))
		_, _ = w.Write(append(body, '\n'))
		return
	}
	var buf bytes.Buffer
	cw := csv.NewWriter(&buf)
	_ = cw.Write(csvHeader)
	for _, e := range res.Essays {
		reasons := make([]string, len(e.Failures))
		for i, f := range e.Failures {
			reasons[i] = f.Phase + ": " + f.Reason
		}
		_ = cw.Write([]string{fmtInt(e.Rank), e.EssayID, e.FileName, "false", fmtStr(e.Grade), fmtStr(e.ConfidenceLabel),
			fmtFloat(e.ConfidenceScore), fmtFloat(e.BTScore), fmtFloat(e.SE), fmtFloat(e.NormalizedScore),
			fmtInt(e.SpellingCorrections), fmtFloat(e.SpellingDensity), fmtInt(e.WordCount), fmtFloat(e.MTLD),
			fmtFloat(e.FleschReadingEase), fmtFloat(e.LIX), fmtInt(e.GrammarErrors), e.Status, strings.Join(reasons, "; ")})
	}
	for _, a := range res.Anchors {
		_ = cw.Write([]string{strconv.Itoa(a.Rank), a.EssayID, a.DisplayName, "true", a.Grade, a.ConfidenceLabel,
			fmtFloat(&a.ConfidenceScore), fmtFloat(&a.BTScore), fmtFloat(a.SE), fmtFloat(&a.NormalizedScore),
			"", "", "", "", "", "", "", "anchor", ""})
	}
	cw.Flush()
	if err := cw.Error(); err != nil {
		s.internalError(w, r, "export results", err)
		return
	}
	w.Header().Set("Content-Type", "text/csv; charset=utf-8")
	w.Header().Set("Content-Disposition", fmt.Sprintf(`attachment; filename="%s-results.csv"`, base))
	_, _ = w.Write(buf.Bytes())
}

// fileBase makes a download's file name from the batch name (or id):
// letters, digits, dot, dash and underscore only.
func fileBase(b batchRow) string {
	name := b.Name
	if name == "" {
		name = "batch-" + b.ID
	}
	var sb strings.Builder
	for _, c := range name {
		switch {
		case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z', c >= '0' && c <= '9', c == '.', c == '-', c == '_':
			sb.WriteRune(c)
		default:
			sb.WriteByte('_')
		}
	}
	out := strings.Trim(sb.String(), "._")
	if out == "" {
		return "batch"
	}
	return out
}

func fmtInt(p *int) string {
	if p == nil {
		return ""
	}
	return strconv.Itoa(*p)
}

func fmtFloat(p *float64) string {
	if p == nil {
		return ""
	}
	return strconv.FormatFloat(*p, 'f', -1, 64)
}

func fmtStr(p *string) string {
	if p == nil {
		return ""
	}
	return *p
}

func (s *Service) getEssay(w http.ResponseWriter, r *http.Request) {
	v, ok := s.loadView(w, r)
	if !ok {
		return
	}
	essayID := r.PathValue("essay_id")
	i := slices.IndexFunc(v.essays, func(e essayRow) bool { return e.EssayID == essayID })
	if i < 0 {
		notFound(w, r, "essay "+essayID)
		return
	}
	e := v.essays[i]
	d := EssayDetail{BatchID: v.batch.ID, EssayResult: essayResult(e, v.failures), Corrections: []Correction{},
		Segments: []Segment{}, Comparisons: []Comparison{}}
	if e.NLPMetrics.Valid {
		d.NLPMetrics = json.RawMessage(e.NLPMetrics.String)
	}
	if e.NLPExtra.Valid {
		d.TextMetrics = json.RawMessage(e.NLPExtra.String)
	}
	if e.Grammar.Valid {
		d.Grammar = json.RawMessage(e.Grammar.String)
	}
	ctx := r.Context()
	if t, ok := s.blob(ctx, e.TextID); ok {
		str := string(t)
		d.OriginalText = &str
	}
	if t, ok := s.blob(ctx, e.CorrectedID); ok {
		str := string(t)
		d.CorrectedText = &str
	}
	if raw, ok := s.blob(ctx, e.CorrectionsID); ok {
		if err := json.Unmarshal(raw, &d.Corrections); err != nil {
			s.log.WarnContext(ctx, "corrections unreadable", "essay_id", essayID, "err", err)
			d.Corrections = []Correction{}
		}
	}
	if d.OriginalText != nil {
		d.Segments = segments(*d.OriginalText, d.Corrections)
	}
	if raw, ok := s.blob(ctx, v.batch.ComparisonsID); ok {
		files := map[string]string{}
		for _, o := range v.essays {
			files[o.EssayID] = o.FileName
		}
		anchors := map[string]anchorRow{}
		for _, a := range v.anchors {
			anchors[a.EssayID] = a
		}
		for _, c := range parseComparisons(raw, essayID) {
			c.OpponentFileName = files[c.OpponentID]
			if a, ok := anchors[c.OpponentID]; ok {
				c.OpponentIsAnchor, c.OpponentGrade = true, a.Grade
				if c.OpponentFileName == "" {
					c.OpponentFileName = a.DisplayName
				}
			}
			d.Comparisons = append(d.Comparisons, c)
		}
	}
	httpapi.JSON(w, http.StatusOK, d)
}

// blob reads a stored item; a missing store, id or item gives ok false
// (the field shows as null), as does a read error, which is logged.
func (s *Service) blob(ctx context.Context, id string) ([]byte, bool) {
	if s.content == nil || id == "" {
		return nil, false
	}
	sid, err := content.ParseID(id)
	if err != nil {
		return nil, false
	}
	b, err := s.content.Get(ctx, sid)
	if err != nil {
		if !errors.Is(err, content.ErrNotFound) {
			s.log.WarnContext(ctx, "content unreadable", "storage_id", id, "err", err)
		}
		return nil, false
	}
	return b.Data, true
}

func (s *Service) getAssignment(w http.ResponseWriter, r *http.Request) {
	userID, ok := s.user(w, r)
	if !ok {
		return
	}
	assignment := r.PathValue("id")
	out := AssignmentAnalytics{AssignmentID: assignment, Batches: []AssignmentBatch{}}
	var grades []string
	var norm, ssr, density, words []float64
	err := store.InTx(r.Context(), s.db.DB, func(tx *sql.Tx) error {
		out = AssignmentAnalytics{AssignmentID: assignment, Batches: []AssignmentBatch{}}
		grades, norm, ssr, density, words = nil, nil, nil, nil, nil
		batches, err := assignmentBatches(r.Context(), tx, userID, assignment)
		if err != nil {
			return err
		}
		for _, b := range batches {
			essays, err := loadEssays(r.Context(), tx, b.ID)
			if err != nil {
				return err
			}
			a := analyze(b, essays, nil)
			ab := AssignmentBatch{BatchID: b.ID, Name: b.Name, Status: b.Status, CreatedAt: b.CreatedAt.UTC(),
				EssayCount: max(b.Expected, len(essays)), EssaysAssessed: a.EssaysAssessed, SSR: a.SSR,
				NormalizedScores: a.NormalizedScores, MeanSpellingDensity: a.MeanSpellingDensity,
				GradeDistribution: a.GradeDistribution}
			out.Batches = append(out.Batches, ab)
			out.EssayCount += ab.EssayCount
			out.EssaysAssessed += a.EssaysAssessed
			if a.SSR != nil {
				ssr = append(ssr, *a.SSR)
			}
			for _, e := range essays {
				if e.Grade.Valid {
					grades = append(grades, e.Grade.String)
				}
				if e.Normalized.Valid {
					norm = append(norm, e.Normalized.Float64)
				}
				if e.SpellDensity.Valid {
					density = append(density, e.SpellDensity.Float64)
				}
				if w := e.wordCount(); w != nil {
					words = append(words, float64(*w))
				}
			}
		}
		return nil
	})
	if err != nil {
		s.internalError(w, r, "assignment analytics", err)
		return
	}
	if len(out.Batches) == 0 {
		notFound(w, r, "assignment "+assignment)
		return
	}
	out.GradeDistribution = distribution(grades)
	out.NormalizedScores = describe(norm)
	out.MeanSSR, out.MeanSpellingDensity, out.MeanWordCount = meanOf(ssr), meanOf(density), meanOf(words)
	httpapi.JSON(w, http.StatusOK, out)
}
