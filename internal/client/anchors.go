package client

import (
	"context"
	"net/http"
	"time"
)

// NewAnchor is an anchor essay to register: an essay of known grade that
// turns the comparative-judgement ranking of an assignment into grades.
type NewAnchor struct {
	Grade       string `json:"grade"`
	DisplayName string `json:"display_name"`
	Text        string `json:"text"`
	// Scale names the grade scale ("" = the server's default).
	Scale string `json:"scale,omitempty"`
}

// Anchor is a registered anchor essay (without its text). A shared
// anchor was registered by an operator (`hule anchors add`) for every user.
type Anchor struct {
	ID           string    `json:"anchor_id"`
	AssignmentID string    `json:"assignment_id"`
	Grade        string    `json:"grade"`
	DisplayName  string    `json:"display_name"`
	Shared       bool      `json:"shared"`
	CreatedAt    time.Time `json:"created_at"`
}

// AnchorList is an assignment's anchors the user may see.
type AnchorList struct {
	AssignmentID string   `json:"assignment_id"`
	Anchors      []Anchor `json:"anchors"`
}

// AnchorDuplicate is the error code of an anchor whose text is already
// registered for the assignment.
const AnchorDuplicate = "duplicate_anchor"

// AddAnchor registers an anchor essay for an assignment (POST
// /v1/assignments/{id}/anchors). The same text registered twice for an
// assignment is a 409 *Error with code AnchorDuplicate; a grade not on the
// scale a 400.
func (c *Client) AddAnchor(ctx context.Context, assignmentID string, a NewAnchor) (Anchor, error) {
	var out Anchor
	err := c.do(ctx, request{method: http.MethodPost, path: "/v1/assignments/" + escape(assignmentID) + "/anchors",
		body: jsonBody(a), want: []int{http.StatusCreated, http.StatusOK}}, &out)
	return out, err
}

// Anchors lists an assignment's anchors: the user's and the shared ones
// (GET /v1/assignments/{id}/anchors).
func (c *Client) Anchors(ctx context.Context, assignmentID string) (AnchorList, error) {
	var out AnchorList
	err := c.do(ctx, request{method: http.MethodGet, path: "/v1/assignments/" + escape(assignmentID) + "/anchors",
		want: []int{http.StatusOK}}, &out)
	return out, err
}

// DeleteAnchor removes one of the user's anchors (DELETE
// /v1/assignments/{id}/anchors/{anchor}); a shared anchor is a 403.
func (c *Client) DeleteAnchor(ctx context.Context, assignmentID, anchorID string) error {
	return c.do(ctx, request{method: http.MethodDelete,
		path: "/v1/assignments/" + escape(assignmentID) + "/anchors/" + escape(anchorID),
		want: []int{http.StatusNoContent, http.StatusOK}}, nil)
}
