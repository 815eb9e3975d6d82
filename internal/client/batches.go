package client

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"time"
)

// NewBatch describes a batch to register.
type NewBatch struct {
	// CourseCode decides the language (ENG5, ENG6, ENG7: English; SV1,
	// SV2, SV3: Swedish).
	CourseCode string `json:"course_code"`
	// ExpectedEssayCount is how many essays will be uploaded.
	ExpectedEssayCount int     `json:"expected_essay_count"`
	AssignmentID       *string `json:"assignment_id,omitempty"`
	OrgID              *string `json:"org_id,omitempty"`
	ClassID            *string `json:"class_id,omitempty"`
	// PromptStorageID is the content storage id of the prompt's text.
	PromptStorageID *string `json:"prompt_storage_id,omitempty"`
	Name            string  `json:"name,omitempty"`
}

// Registration is the answer to a batch registration: the new batch's id
// and the ids of its essay slots.
type Registration struct {
	BatchID       string   `json:"batch_id"`
	EssayIDs      []string `json:"essay_ids"`
	Status        string   `json:"status"`
	CorrelationID string   `json:"correlation_id"`
}

// CreateBatch registers a batch (POST /v1/batches).
func (c *Client) CreateBatch(ctx context.Context, b NewBatch) (Registration, error) {
	var out Registration
	err := c.do(ctx, request{method: http.MethodPost, path: "/v1/batches", body: jsonBody(b),
		want: []int{http.StatusCreated}}, &out)
	return out, err
}

// Pipelines a batch can be asked to run.
const (
	PipelineSpellcheck    = "spellcheck"
	PipelineNLP           = "nlp"
	PipelineCJAssessment  = "cj_assessment"
	PipelineComprehensive = "comprehensive"
)

// PipelineAccepted is the answer to an accepted pipeline request; the
// pipeline runs asynchronously under CorrelationID.
type PipelineAccepted struct {
	BatchID       string `json:"batch_id"`
	Pipeline      string `json:"pipeline"`
	Status        string `json:"status"`
	CorrelationID string `json:"correlation_id"`
}

// Refusal codes of a pipeline request (the *Error's Code).
const (
	RefusedNotFound        = "batch_not_found"
	RefusedUnknownPipeline = "unknown_pipeline"
	RefusedNotReady        = "batch_not_ready"
	RefusedRunning         = "pipeline_already_running"
)

// RequestPipeline asks the batch to run pipeline (POST
// /v1/batches/{id}/pipelines). assignmentID, when not empty, names the
// assignment whose anchors grade the comparative judgement. A refusal is an
// *Error with one of the Refused* codes.
func (c *Client) RequestPipeline(ctx context.Context, batchID, pipeline, assignmentID string) (PipelineAccepted, error) {
	body := struct {
		Pipeline     string  `json:"pipeline"`
		AssignmentID *string `json:"assignment_id,omitempty"`
	}{Pipeline: pipeline}
	if assignmentID != "" {
		body.AssignmentID = &assignmentID
	}
	var out PipelineAccepted
	err := c.do(ctx, request{method: http.MethodPost, path: "/v1/batches/" + escape(batchID) + "/pipelines",
		body: jsonBody(body), want: []int{http.StatusAccepted}}, &out)
	return out, err
}

// PipelineState is the batch service's view of a batch: whether its
// content is complete, the phases it has completed and every pipeline run.
type PipelineState struct {
	BatchID            string        `json:"batch_id"`
	Status             string        `json:"status"`
	Ready              bool          `json:"ready"`
	ExpectedEssayCount int           `json:"expected_essay_count"`
	CompletedPhases    []string      `json:"completed_phases"`
	Runs               []PipelineRun `json:"runs"`
}

// PipelineRun is one pipeline request of a batch and how it went.
type PipelineRun struct {
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

// PipelineState returns the batch's orchestration state (GET
// /v1/batches/{id}/pipeline-state).
func (c *Client) PipelineState(ctx context.Context, batchID string) (PipelineState, error) {
	var out PipelineState
	err := c.do(ctx, request{method: http.MethodGet, path: "/v1/batches/" + escape(batchID) + "/pipeline-state",
		want: []int{http.StatusOK}}, &out)
	return out, err
}

// File is one essay file to upload.
type File struct {
	// Name is the file's name; its extension (.txt, .md, .docx) decides
	// how its text is read.
	Name string
	Data []byte
}

// UploadEssays uploads files to the batch as one multipart request
// (POST /v1/batches/{id}/essays, field "files"). The server accepts the
// request as a whole (202) and reports each file's outcome; a file that is
// not an essay (empty, unreadable) is a failed outcome, not an error.
func (c *Client) UploadEssays(ctx context.Context, batchID string, files []File) (UploadResult, error) {
	if len(files) == 0 {
		return UploadResult{}, fmt.Errorf("upload to %s: no files", batchID)
	}
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	for _, f := range files {
		part, err := mw.CreateFormFile("files", f.Name)
		if err != nil {
			return UploadResult{}, fmt.Errorf("upload %s: %w", f.Name, err)
		}
		if _, err := part.Write(f.Data); err != nil {
			return UploadResult{}, fmt.Errorf("upload %s: %w", f.Name, err)
		}
	}
	if err := mw.Close(); err != nil {
		return UploadResult{}, fmt.Errorf("upload: %w", err)
	}
	payload, ctype := buf.Bytes(), mw.FormDataContentType()
	var out UploadResult
	err := c.do(ctx, request{method: http.MethodPost, path: "/v1/batches/" + escape(batchID) + "/essays",
		body: func() (io.Reader, string, error) { return bytes.NewReader(payload), ctype, nil },
		want: []int{http.StatusAccepted, http.StatusOK, http.StatusCreated}}, &out)
	return out, err
}

// UploadResult reports what became of each uploaded file.
type UploadResult struct {
	BatchID  string       `json:"batch_id"`
	Accepted int          `json:"accepted"`
	Rejected int          `json:"rejected"`
	Files    []FileResult `json:"files"`
}

// Upload outcomes of a file (FileResult.Status).
const (
	UploadAccepted = "accepted"
	UploadRejected = "rejected"
)

// FileResult is one uploaded file's outcome, in request order.
type FileResult struct {
	FileName      string `json:"file_name"`
	FileUploadID  string `json:"file_upload_id"`
	Status        string `json:"status"`
	SizeBytes     int64  `json:"size_bytes"`
	RawStorageID  string `json:"raw_file_storage_id,omitempty"`
	TextStorageID string `json:"text_storage_id,omitempty"`
	// Error says why a rejected file is not an essay (Code is a
	// FileValidationErrorCode such as EMPTY_CONTENT).
	Error *FileError `json:"error,omitempty"`
}

// FileError says why a file was rejected.
type FileError struct {
	Code    string `json:"code"`
	Message string `json:"message"`
}
