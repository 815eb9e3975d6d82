package client

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
)

// ListOptions selects a page of batches.
type ListOptions struct {
	// Status keeps only batches in this status ("" = all).
	Status string
	// Limit is the page size (0 = the server's default).
	Limit int
	// Cursor continues a previous page (BatchPage.NextCursor).
	Cursor string
}

// ListBatches returns a page of the user's batches, newest first (GET
// /v1/batches).
func (c *Client) ListBatches(ctx context.Context, opts ListOptions) (BatchPage, error) {
	q := url.Values{}
	if opts.Status != "" {
		q.Set("status", opts.Status)
	}
	if opts.Limit > 0 {
		q.Set("limit", strconv.Itoa(opts.Limit))
	}
	if opts.Cursor != "" {
		q.Set("cursor", opts.Cursor)
	}
	var out BatchPage
	err := c.do(ctx, request{method: http.MethodGet, path: "/v1/batches", query: q, want: []int{http.StatusOK}}, &out)
	return out, err
}

// Batch returns a batch's status: per-phase progress, failures, analytics
// (GET /v1/batches/{id}).
func (c *Client) Batch(ctx context.Context, batchID string) (BatchStatus, error) {
	var out BatchStatus
	err := c.do(ctx, request{method: http.MethodGet, path: "/v1/batches/" + escape(batchID), want: []int{http.StatusOK}}, &out)
	return out, err
}

// Results returns the results of every essay of a batch (GET
// /v1/batches/{id}/results).
func (c *Client) Results(ctx context.Context, batchID string) (BatchResults, error) {
	var out BatchResults
	err := c.do(ctx, request{method: http.MethodGet, path: "/v1/batches/" + escape(batchID) + "/results",
		want: []int{http.StatusOK}}, &out)
	return out, err
}

// Essay returns one essay's detail (GET /v1/batches/{id}/essays/{essay}).
func (c *Client) Essay(ctx context.Context, batchID, essayID string) (EssayDetail, error) {
	var out EssayDetail
	err := c.do(ctx, request{method: http.MethodGet,
		path: "/v1/batches/" + escape(batchID) + "/essays/" + escape(essayID), want: []int{http.StatusOK}}, &out)
	return out, err
}

// Export formats.
const (
	ExportCSV  = "csv"
	ExportJSON = "json"
)

// Export returns the batch's results as a CSV or JSON document (GET
// /v1/batches/{id}/export?format=...).
func (c *Client) Export(ctx context.Context, batchID, format string) ([]byte, error) {
	resp, err := c.send(ctx, request{method: http.MethodGet, path: "/v1/batches/" + escape(batchID) + "/export",
		query: url.Values{"format": {format}}, want: []int{http.StatusOK}})
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		return nil, fmt.Errorf("export %s: %w", batchID, err)
	}
	return b, nil
}

// AssignmentAnalytics summarizes the user's batches of an assignment (GET
// /v1/assignments/{id}/analytics).
func (c *Client) AssignmentAnalytics(ctx context.Context, assignmentID string) (AssignmentAnalytics, error) {
	var out AssignmentAnalytics
	err := c.do(ctx, request{method: http.MethodGet, path: "/v1/assignments/" + escape(assignmentID) + "/analytics",
		want: []int{http.StatusOK}}, &out)
	return out, err
}
