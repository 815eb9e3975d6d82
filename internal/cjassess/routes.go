package cjassess

import (
	"encoding/json"
	"errors"
	"net/http"
	"slices"
	"strings"

	"github.com/hule-dev/hule/internal/httpapi"
)

// AnchorRequest registers one anchor essay through the API. Clients send
// the text itself (the dashboard reads .txt and .md files in the browser).
type AnchorRequest struct {
	Grade       string `json:"grade"`
	DisplayName string `json:"display_name"`
	Text        string `json:"text"`
	Scale       string `json:"scale,omitempty"`
}

// AnchorView is an anchor as the API shows it (without its text).
type AnchorView struct {
	ID           string `json:"anchor_id"`
	AssignmentID string `json:"assignment_id"`
	Grade        string `json:"grade"`
	DisplayName  string `json:"display_name"`
	Shared       bool   `json:"shared"`
	CreatedAt    string `json:"created_at"`
}

// AnchorList is the body of GET /v1/assignments/{id}/anchors.
type AnchorList struct {
	AssignmentID string       `json:"assignment_id"`
	Anchors      []AnchorView `json:"anchors"`
}

const maxAnchorBody = 2 << 20

// Routes mounts the anchor API (behind the gateway's authentication):
//
//	POST   /v1/assignments/{id}/anchors              register (201; 409 when the text is registered already)
//	GET    /v1/assignments/{id}/anchors              list the caller's and the shared anchors
//	DELETE /v1/assignments/{id}/anchors/{anchor_id}  delete one of the caller's anchors (204)
func (s *Service) Routes(mux *http.ServeMux) {
	mux.HandleFunc("POST /v1/assignments/{id}/anchors", s.addAnchor)
	mux.HandleFunc("GET /v1/assignments/{id}/anchors", s.listAnchors)
	mux.HandleFunc("DELETE /v1/assignments/{id}/anchors/{anchor_id}", s.deleteAnchor)
}

func view(a AnchorRecord) AnchorView {
	return AnchorView{ID: a.ID, AssignmentID: a.AssignmentID, Grade: a.Grade, DisplayName: a.DisplayName,
		Shared: a.Owner == "", CreatedAt: a.Created.UTC().Format("2006-01-02T15:04:05Z")}
}

func (s *Service) addAnchor(w http.ResponseWriter, r *http.Request) {
	user := httpapi.UserID(r.Context())
	var req AnchorRequest
	dec := json.NewDecoder(http.MaxBytesReader(w, r.Body, maxAnchorBody))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&req); err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			httpapi.Error(w, r, http.StatusRequestEntityTooLarge, "too_large", "an anchor's text may be at most 2 MiB")
			return
		}
		httpapi.Error(w, r, http.StatusBadRequest, "invalid_json", "body: "+err.Error())
		return
	}
	scale := req.Scale
	if scale == "" {
		scale = s.cfg.Scale
	}
	if strings.TrimSpace(req.DisplayName) == "" {
		req.DisplayName = "anchor-" + req.Grade
	}
	a, err := NewAnchor(r.PathValue("id"), req.Grade, req.DisplayName, req.Text, "", scale)
	if err != nil {
		httpapi.Error(w, r, http.StatusBadRequest, "invalid_anchor", err.Error())
		return
	}
	a.Owner = user
	switch err := s.store.AddAnchor(r.Context(), a); {
	case errors.Is(err, ErrDuplicateAnchor):
		httpapi.Error(w, r, http.StatusConflict, "duplicate_anchor", err.Error())
		return
	case err != nil:
		s.log.ErrorContext(r.Context(), "register anchor", "err", err)
		httpapi.Error(w, r, http.StatusInternalServerError, "internal", "could not store the anchor")
		return
	}
	httpapi.JSON(w, http.StatusCreated, view(a))
}

// visible returns the assignment's anchors the user may see.
func (s *Service) visible(r *http.Request) ([]AnchorRecord, error) {
	all, err := s.store.Anchors(r.Context(), r.PathValue("id"))
	if err != nil {
		return nil, err
	}
	user := httpapi.UserID(r.Context())
	return slices.DeleteFunc(all, func(a AnchorRecord) bool { return a.Owner != "" && a.Owner != user }), nil
}

func (s *Service) listAnchors(w http.ResponseWriter, r *http.Request) {
	list, err := s.visible(r)
	if err != nil {
		s.log.ErrorContext(r.Context(), "list anchors", "err", err)
		httpapi.Error(w, r, http.StatusInternalServerError, "internal", "could not read the anchors")
		return
	}
	out := AnchorList{AssignmentID: r.PathValue("id"), Anchors: make([]AnchorView, 0, len(list))}
	for _, a := range list {
		out.Anchors = append(out.Anchors, view(a))
	}
	httpapi.JSON(w, http.StatusOK, out)
}

func (s *Service) deleteAnchor(w http.ResponseWriter, r *http.Request) {
	list, err := s.visible(r)
	if err != nil {
		s.log.ErrorContext(r.Context(), "list anchors", "err", err)
		httpapi.Error(w, r, http.StatusInternalServerError, "internal", "could not read the anchors")
		return
	}
	id := r.PathValue("anchor_id")
	user := httpapi.UserID(r.Context())
	i := slices.IndexFunc(list, func(a AnchorRecord) bool { return a.ID == id })
	switch {
	case i < 0:
		httpapi.Error(w, r, http.StatusNotFound, "not_found", "no anchor "+id+" in this assignment")
		return
	case list[i].Owner != user:
		httpapi.Error(w, r, http.StatusForbidden, "shared_anchor", "a shared anchor is removed with `hule anchors delete`")
		return
	}
	if err := s.store.DeleteAnchor(r.Context(), id); err != nil && !errors.Is(err, ErrAnchorNotFound) {
		s.log.ErrorContext(r.Context(), "delete anchor", "err", err)
		httpapi.Error(w, r, http.StatusInternalServerError, "internal", "could not delete the anchor")
		return
	}
	w.WriteHeader(http.StatusNoContent)
}
