package cjassess

import (
	"context"
	"errors"
	"time"

	"github.com/hule-dev/hule/internal/events"
)

// Store errors, translated from driver errors by the SQL implementation.
var (
	// ErrJobNotFound: no job with that id.
	ErrJobNotFound = errors.New("cj job not found")
	// ErrAnchorNotFound: no anchor with that id.
	ErrAnchorNotFound = errors.New("anchor not found")
	// ErrDuplicateAnchor: the assignment already has an anchor with the same
	// text.
	ErrDuplicateAnchor = errors.New("anchor already registered for this assignment")
)

// Store keeps the state of comparative judgement jobs and the anchors
// registered per assignment. Every judge call is written as soon as it
// returns, so a job interrupted by a crash resumes without asking a judged
// pair again. Implementations are safe for concurrent use.
type Store interface {
	// CreateJob stores a new job with its essays. When a job with the same
	// id exists it is left untouched and returned with created false: the
	// caller resumes it.
	CreateJob(ctx context.Context, job JobRecord) (stored JobRecord, created bool, err error)
	// Job returns a job with its essays.
	Job(ctx context.Context, id string) (JobRecord, error)
	// SetJobState moves a job to state; errCode and errMsg are kept when
	// the state is FAILED.
	SetJobState(ctx context.Context, id string, state events.CJBatchState, errCode, errMsg string) error
	// SaveComparisons appends judge calls, all in one transaction.
	SaveComparisons(ctx context.Context, jobID string, comps []ComparisonRecord) error
	// Comparisons lists a job's judge calls in the order they were saved.
	Comparisons(ctx context.Context, jobID string) ([]ComparisonRecord, error)
	// SaveWave records the pairs planned for one wave, in plan order,
	// before any of them is judged (one transaction).
	SaveWave(ctx context.Context, jobID string, wave int, pairs []PlannedPair) error
	// Planned lists a job's planned pairs by wave, then plan order.
	Planned(ctx context.Context, jobID string) ([]PlannedPair, error)
	// SaveResults stores the final per-essay results and the batch SSR.
	SaveResults(ctx context.Context, jobID string, ssr float64, results []EssayResult) error

	// AddAnchor registers an anchor; the same text registered twice for one
	// assignment is refused with ErrDuplicateAnchor.
	AddAnchor(ctx context.Context, a AnchorRecord) error
	// Anchors lists an assignment's anchors, oldest first.
	Anchors(ctx context.Context, assignmentID string) ([]AnchorRecord, error)
	// DeleteAnchor removes an anchor (ErrAnchorNotFound when absent).
	DeleteAnchor(ctx context.Context, id string) error
}

// JobRecord is a stored job.
type JobRecord struct {
	ID           string
	BatchID      string
	AssignmentID string
	State        events.CJBatchState
	Settings     Settings
	Seed         uint64
	Essays       []EssayRecord
	SSR          *float64
	ErrorCode    string
	ErrorMessage string
	Created      time.Time
	Updated      time.Time
}

// EssayRecord is a stored essay of a job (its text is not stored: it lives
// in the content store or the anchor table).
type EssayRecord struct {
	ID           string
	Anchor       bool
	KnownGrade   string
	DisplayName  string
	StorageID    string
	FailedReason string
}

// Comparison statuses.
const (
	StatusSucceeded = "succeeded"
	StatusFailed    = "failed"
)

// ComparisonRecord is one judge call: the pair in presentation order, which
// attempt it was, and the verdict or the error.
type ComparisonRecord struct {
	EssayA, EssayB string
	Attempt        int
	Status         string
	// Winner is the winning essay's id (empty when the call failed).
	Winner        string
	Justification string
	Confidence    int
	Raw           string
	Model         string
	Provider      string
	InputTokens   int64
	OutputTokens  int64
	CostUSD       float64
	Latency       time.Duration
	Error         string
	Created       time.Time
}

// PlannedPair is one pair of a planned wave: the pair in presentation order
// and the attempt its judge call is saved under (see ComparisonRecord).
type PlannedPair struct {
	Wave           int
	EssayA, EssayB string
	Attempt        int
}

// AnchorRecord is an essay with a known grade registered for an assignment.
// Its text is held inline (Text) or in the content store (StorageID).
type AnchorRecord struct {
	ID           string    `json:"anchor_id"`
	AssignmentID string    `json:"assignment_id"`
	Grade        string    `json:"grade"`
	DisplayName  string    `json:"display_name"`
	Text         string    `json:"-"`
	StorageID    string    `json:"content_storage_id,omitempty"`
	TextHash     string    `json:"text_hash"`
	Created      time.Time `json:"created_at"`
	// Owner is the user who registered the anchor through the API; empty
	// for anchors registered on the command line (shared).
	Owner string `json:"owner_id,omitempty"`
}
