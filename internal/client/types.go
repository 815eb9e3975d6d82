package client

import (
	"encoding/json"
	"time"
)

// BatchPage is one page of the user's batches, newest first. NextCursor,
// when not nil, fetches the next page (ListOptions.Cursor).
type BatchPage struct {
	Batches    []BatchSummary `json:"batches"`
	NextCursor *string        `json:"next_cursor"`
}

// Batch statuses the results service reports (BatchSummary.Status).
const (
	StatusAwaitingContent       = "awaiting_content_validation"
	StatusReady                 = "ready_for_pipeline_execution"
	StatusProcessing            = "processing_pipelines"
	StatusCompletedSuccessfully = "completed_successfully"
	StatusCompletedWithFailures = "completed_with_failures"
	StatusFailedCritically      = "failed_critically"
)

// BatchSummary is one batch in a list and the head of BatchStatus.
type BatchSummary struct {
	BatchID      string          `json:"batch_id"`
	Name         string          `json:"name"`
	Status       string          `json:"status"`
	ResultsReady bool            `json:"results_ready"`
	CourseCode   string          `json:"course_code"`
	AssignmentID string          `json:"assignment_id"`
	EssayCount   int             `json:"essay_count"`
	CreatedAt    time.Time       `json:"created_at"`
	UpdatedAt    time.Time       `json:"updated_at"`
	Phases       []PhaseProgress `json:"phases"`
}

// Phase states (PhaseProgress.Status).
const (
	PhaseRequested             = "requested"
	PhaseRunning               = "running"
	PhaseCompleted             = "completed"
	PhaseCompletedWithFailures = "completed_with_failures"
	PhaseFailed                = "failed"
	PhaseSkipped               = "skipped"
)

// PhaseProgress is one phase of a batch: its state and its essay counts
// (Total is the number of essays the phase works on).
type PhaseProgress struct {
	Phase           string     `json:"phase"`
	Status          string     `json:"status"`
	Done            int        `json:"done"`
	Failed          int        `json:"failed"`
	Total           int        `json:"total"`
	StartedAt       *time.Time `json:"started_at"`
	FinishedAt      *time.Time `json:"finished_at"`
	DurationSeconds *float64   `json:"duration_seconds"`
	SkipReason      string     `json:"skip_reason,omitempty"`
	Error           string     `json:"error,omitempty"`
}

// BatchStatus is the status of one batch: progress per phase, essay
// counts, pipeline history, failures and analytics.
type BatchStatus struct {
	BatchSummary
	Counts    Counts        `json:"counts"`
	Pipelines []PipelineRec `json:"pipelines"`
	Failures  []Failure     `json:"failures"`
	Analytics Analytics     `json:"analytics"`
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

// PipelineRec is one pipeline request in a batch's history as the results
// service recorded it. Status is requested, running, or the final batch
// status (completed_successfully, completed_with_failures,
// failed_critically); ResultsReady says its results are all stored.
type PipelineRec struct {
	Pipeline         string     `json:"pipeline"`
	CorrelationID    string     `json:"correlation_id"`
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

// Failure is one thing that went wrong in a batch: a refused file (phase
// "upload", no essay id), an essay that failed in a phase, or a whole
// phase that failed (no essay id).
type Failure struct {
	EssayID   *string   `json:"essay_id"`
	FileName  string    `json:"file_name"`
	Phase     string    `json:"phase"`
	ErrorCode string    `json:"error_code"`
	Reason    string    `json:"reason"`
	At        time.Time `json:"at"`
}

// Analytics summarizes one batch's results.
type Analytics struct {
	EssaysAssessed      int                `json:"essays_assessed"`
	GradeDistribution   []GradeCount       `json:"grade_distribution"`
	BTScores            *Stats             `json:"bt_scores"`
	NormalizedScores    *Stats             `json:"normalized_scores"`
	SSR                 *float64           `json:"ssr"`
	SSRReading          *SSRReading        `json:"ssr_reading"`
	Comparisons         *int               `json:"comparisons"`
	Model               string             `json:"model"`
	MeanSpellingDensity *float64           `json:"mean_spelling_density"`
	TotalCorrections    int                `json:"total_corrections"`
	MeanWordCount       *float64           `json:"mean_word_count"`
	MeanMTLD            *float64           `json:"mean_mtld"`
	PhaseDurations      map[string]float64 `json:"phase_durations_seconds"`
}

// Stats are summary statistics of a set of numbers.
type Stats struct {
	Count int     `json:"count"`
	Mean  float64 `json:"mean"`
	SD    float64 `json:"sd"`
	Min   float64 `json:"min"`
	Max   float64 `json:"max"`
}

// GradeCount is how many essays got a grade.
type GradeCount struct {
	Grade string `json:"grade"`
	Count int    `json:"count"`
}

// SSRReading says in plain words how far a scale separation reliability
// can be trusted: Level is reliable, fair or unreliable.
type SSRReading struct {
	Level string `json:"level"`
	Text  string `json:"text"`
}

// GradeProbability is the probability of one grade for an essay.
type GradeProbability struct {
	Grade       string  `json:"grade"`
	Probability float64 `json:"probability"`
}

// BatchResults are a batch's results: students ranked best first (then
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

// Essay result states (EssayResult.Status).
const (
	EssayFailed    = "failed"
	EssayAssessed  = "assessed"
	EssayProcessed = "processed"
	EssayPending   = "pending"
)

// EssayResult is one student essay's results; a nil field's phase has not
// delivered (or did not run).
type EssayResult struct {
	Rank                *int               `json:"rank"`
	EssayID             string             `json:"essay_id"`
	FileName            string             `json:"file_name"`
	DisplayName         string             `json:"display_name"`
	Status              string             `json:"status"`
	Grade               *string            `json:"grade"`
	ConfidenceLabel     *string            `json:"confidence_label"`
	ConfidenceScore     *float64           `json:"confidence_score"`
	BTScore             *float64           `json:"bt_score"`
	SE                  *float64           `json:"se"`
	NormalizedScore     *float64           `json:"normalized_score"`
	GradeProbabilities  []GradeProbability `json:"grade_probabilities"`
	SpellingCorrections *int               `json:"spelling_corrections"`
	SpellingDensity     *float64           `json:"spelling_density"`
	WordCount           *int               `json:"word_count"`
	SentenceCount       *int               `json:"sentence_count"`
	MTLD                *float64           `json:"mtld"`
	FleschReadingEase   *float64           `json:"flesch_reading_ease"`
	LIX                 *float64           `json:"lix"`
	GrammarErrors       *int               `json:"grammar_errors"`
	Failures            []Failure          `json:"failures"`
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

// Correction is one spelling correction at a byte offset (RuneOffset in
// characters) of the original text; Source says which pass made it.
type Correction struct {
	Offset      int    `json:"offset"`
	RuneOffset  int    `json:"rune_offset"`
	Original    string `json:"original"`
	Replacement string `json:"replacement"`
	Source      string `json:"source"`
}

// Segment is a run of corrected text: unchanged text (Original nil) or one
// correction with the word it replaced and the pass that made it.
type Segment struct {
	Text     string  `json:"text"`
	Original *string `json:"original"`
	Source   string  `json:"source,omitempty"`
}

// Comparison is one comparative judgement an essay took part in.
type Comparison struct {
	OpponentID       string     `json:"opponent_id"`
	OpponentFileName string     `json:"opponent_file_name"`
	OpponentIsAnchor bool       `json:"opponent_is_anchor"`
	OpponentGrade    string     `json:"opponent_grade,omitempty"`
	Position         string     `json:"position"`
	Won              *bool      `json:"won"`
	WinnerID         string     `json:"winner_id"`
	Justification    string     `json:"justification"`
	Confidence       *float64   `json:"confidence"`
	Judge            string     `json:"judge,omitempty"`
	At               *time.Time `json:"at,omitempty"`
}

// EssayDetail is one essay with its texts, corrections, metrics and
// comparisons; texts not stored are nil.
type EssayDetail struct {
	BatchID string `json:"batch_id"`
	EssayResult
	OriginalText  *string      `json:"original_text"`
	CorrectedText *string      `json:"corrected_text"`
	Corrections   []Correction `json:"corrections"`
	// Segments is the corrected text cut at the corrections, ready to
	// render with each correction marked; empty without the original.
	Segments []Segment `json:"segments"`
	// NLPMetrics is the text analysis's metrics object and TextMetrics
	// its further measures (readability, paragraphs...); nil until text
	// analysis ran. Grammar is the grammar analysis: error_count, errors
	// with their positions, category and rule counts.
	NLPMetrics  json.RawMessage `json:"nlp_metrics"`
	TextMetrics json.RawMessage `json:"text_metrics"`
	Grammar     json.RawMessage `json:"grammar"`
	Comparisons []Comparison    `json:"comparisons"`
}

// AssignmentAnalytics summarizes the user's batches of one assignment.
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
