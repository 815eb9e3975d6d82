package batch

import (
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"time"

	"github.com/google/uuid"

	"github.com/hule-dev/hule/internal/events"
	"github.com/hule-dev/hule/internal/httpapi"
	"github.com/hule-dev/hule/internal/store"
)

// maxBody bounds the JSON bodies the batch routes read.
const maxBody = 64 << 10

// Routes mounts the batch routes; the gateway puts them behind its auth.
//
//	POST /v1/batches                          register a batch (201)
//	POST /v1/batches/{id}/pipelines           request a pipeline (202)
//	GET  /v1/batches/{id}/pipeline-state      the batch, its phases and runs
func (s *Service) Routes(mux *http.ServeMux) {
	mux.HandleFunc("POST /v1/batches", s.postBatch)
	mux.HandleFunc("POST /v1/batches/{id}/pipelines", s.postPipeline)
	mux.HandleFunc("GET /v1/batches/{id}/pipeline-state", s.getState)
}

// RegisterBody is the JSON body of POST /v1/batches.
type RegisterBody struct {
	CourseCode         string  `json:"course_code"`
	ExpectedEssayCount int     `json:"expected_essay_count"`
	OrgID              *string `json:"org_id,omitempty"`
	ClassID            *string `json:"class_id,omitempty"`
	AssignmentID       *string `json:"assignment_id,omitempty"`
	// PromptStorageID is the content storage id of the essay prompt's text.
	PromptStorageID *string `json:"prompt_storage_id,omitempty"`
	Name            string  `json:"name,omitempty"`
}

// RegisterResponse is the 201 answer of POST /v1/batches.
type RegisterResponse struct {
	BatchID       string   `json:"batch_id"`
	EssayIDs      []string `json:"essay_ids"`
	Status        string   `json:"status"`
	CorrelationID string   `json:"correlation_id"`
}

// PipelineBody is the JSON body of POST /v1/batches/{id}/pipelines.
type PipelineBody struct {
	Pipeline     string  `json:"pipeline"`
	AssignmentID *string `json:"assignment_id,omitempty"`
}

// PipelineResponse is the 202 answer of POST /v1/batches/{id}/pipelines.
type PipelineResponse struct {
	BatchID       string `json:"batch_id"`
	Pipeline      string `json:"pipeline"`
	Status        string `json:"status"`
	CorrelationID string `json:"correlation_id"`
}

// StateResponse is the answer of GET /v1/batches/{id}/pipeline-state.
type StateResponse struct {
	BatchID            string        `json:"batch_id"`
	Status             string        `json:"status"`
	Ready              bool          `json:"ready"`
	ExpectedEssayCount int           `json:"expected_essay_count"`
	CompletedPhases    []string      `json:"completed_phases"`
	Runs               []RunResponse `json:"runs"`
}

// RunResponse describes one pipeline run in StateResponse.
type RunResponse struct {
	Pipeline      string     `json:"pipeline"`
	Status        string     `json:"status"`
	Phases        []string   `json:"phases"`
	SkippedPhases []string   `json:"skipped_phases"`
	CurrentPhase  string     `json:"current_phase,omitempty"`
	FinalStatus   string     `json:"final_status,omitempty"`
	RefusalCode   string     `json:"refusal_code,omitempty"`
	RefusalReason string     `json:"refusal_reason,omitempty"`
	CorrelationID string     `json:"correlation_id"`
	StartedAt     time.Time  `json:"started_at"`
	FinishedAt    *time.Time `json:"finished_at,omitempty"`
}

// decodeBody reads a JSON body strictly: unknown fields are an error, so
// a misspelled field is reported instead of ignored.
func decodeBody(r *http.Request, v any) error {
	dec := json.NewDecoder(io.LimitReader(r.Body, maxBody))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return fmt.Errorf("invalid JSON body: %w", err)
	}
	return nil
}

func (s *Service) user(w http.ResponseWriter, r *http.Request) (string, bool) {
	u := httpapi.UserID(r.Context())
	if u == "" {
		httpapi.Error(w, r, http.StatusUnauthorized, "unauthenticated", "authentication required")
		return "", false
	}
	return u, true
}

func correlation(r *http.Request) uuid.UUID {
	if id := httpapi.CorrelationID(r.Context()); id != uuid.Nil {
		return id
	}
	return uuid.New()
}

func (s *Service) postBatch(w http.ResponseWriter, r *http.Request) {
	userID, ok := s.user(w, r)
	if !ok {
		return
	}
	var body RegisterBody
	if err := decodeBody(r, &body); err != nil {
		httpapi.Error(w, r, http.StatusBadRequest, "invalid_request", err.Error())
		return
	}
	req := RegisterRequest{
		UserID: userID, CourseCode: events.CourseCode(body.CourseCode), ExpectedEssayCount: body.ExpectedEssayCount,
		OrgID: body.OrgID, ClassID: body.ClassID, AssignmentID: body.AssignmentID, Name: body.Name,
		CorrelationID: correlation(r),
	}
	if body.PromptStorageID != nil && *body.PromptStorageID != "" {
		req.PromptRef = &events.StorageReferenceMetadata{References: map[events.ContentType]map[string]string{
			events.ContentTypeStudentPromptText: {"storage_id": *body.PromptStorageID},
		}}
	}
	b, err := s.RegisterBatch(r.Context(), req)
	var ie *InputError
	switch {
	case errors.As(err, &ie):
		httpapi.Error(w, r, http.StatusBadRequest, "invalid_request", ie.Msg)
		return
	case err != nil:
		s.log.ErrorContext(r.Context(), "register batch", "err", err)
		httpapi.Error(w, r, http.StatusInternalServerError, "internal", "the batch could not be registered")
		return
	}
	httpapi.JSON(w, http.StatusCreated, RegisterResponse{
		BatchID: b.ID, EssayIDs: b.EssayIDs, Status: string(b.Status), CorrelationID: req.CorrelationID.String(),
	})
}

func (s *Service) postPipeline(w http.ResponseWriter, r *http.Request) {
	userID, ok := s.user(w, r)
	if !ok {
		return
	}
	var body PipelineBody
	if err := decodeBody(r, &body); err != nil {
		httpapi.Error(w, r, http.StatusBadRequest, "invalid_request", err.Error())
		return
	}
	req := PipelineRequest{UserID: userID, BatchID: r.PathValue("id"), Pipeline: body.Pipeline,
		AssignmentID: body.AssignmentID, CorrelationID: correlation(r)}
	var corr uuid.UUID
	err := store.InTx(r.Context(), s.db.DB, func(tx *sql.Tx) error {
		var err error
		corr, err = s.RequestPipeline(r.Context(), tx, req)
		return err
	})
	var ref *Refusal
	var ie *InputError
	switch {
	case errors.As(err, &ref):
		httpapi.Error(w, r, ref.HTTPStatus(), ref.Code, ref.Reason)
		return
	case errors.As(err, &ie):
		httpapi.Error(w, r, http.StatusBadRequest, "invalid_request", ie.Msg)
		return
	case err != nil:
		s.log.ErrorContext(r.Context(), "request pipeline", "batch_id", req.BatchID, "err", err)
		httpapi.Error(w, r, http.StatusInternalServerError, "internal", "the pipeline request could not be accepted")
		return
	}
	httpapi.JSON(w, http.StatusAccepted, PipelineResponse{BatchID: req.BatchID, Pipeline: req.Pipeline,
		Status: "accepted", CorrelationID: corr.String()})
}

func (s *Service) getState(w http.ResponseWriter, r *http.Request) {
	userID, ok := s.user(w, r)
	if !ok {
		return
	}
	b, err := s.Get(r.Context(), userID, r.PathValue("id"))
	if errors.Is(err, ErrNotFound) {
		httpapi.Error(w, r, http.StatusNotFound, RefusedNotFound, fmt.Sprintf("batch %s not found", r.PathValue("id")))
		return
	}
	if err != nil {
		s.log.ErrorContext(r.Context(), "get batch", "batch_id", r.PathValue("id"), "err", err)
		httpapi.Error(w, r, http.StatusInternalServerError, "internal", "the batch could not be read")
		return
	}
	resp := StateResponse{BatchID: b.ID, Status: string(b.Status), Ready: b.Ready, ExpectedEssayCount: b.ExpectedEssayCount,
		CompletedPhases: names(b.CompletedPhases), Runs: []RunResponse{}}
	for _, run := range b.Runs {
		rr := RunResponse{Pipeline: run.Pipeline, Status: string(run.Status), Phases: names(run.Phases),
			SkippedPhases: names(run.Skipped), FinalStatus: string(run.FinalStatus), RefusalCode: run.RefusalCode,
			RefusalReason: run.RefusalReason, CorrelationID: run.CorrelationID.String(), StartedAt: run.StartedAt,
			FinishedAt: run.FinishedAt}
		if p, ok := run.current(); ok && run.Status == RunRunning {
			rr.CurrentPhase = string(p)
		}
		resp.Runs = append(resp.Runs, rr)
	}
	httpapi.JSON(w, http.StatusOK, resp)
}

func names(ps []events.PhaseName) []string {
	out := make([]string, len(ps))
	for i, p := range ps {
		out[i] = string(p)
	}
	return out
}
