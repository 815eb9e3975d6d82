package content

import (
	"errors"
	"io"
	"log/slog"
	"net/http"

	"github.com/hule-dev/hule/internal/httpapi"
)

// Handler serves the content API:
//
//	POST /v1/content       raw body; Content-Type kept; 201 {"storage_id": "..."}
//	GET  /v1/content/{id}  the bytes with their Content-Type; 400 malformed id, 404 unknown
//
// Bodies over the store's limit get 413 without being read past the limit.
type Handler struct {
	store  Store
	limit  int64
	logger *slog.Logger
	mux    *http.ServeMux
}

// NewHandler returns the content API over store, refusing bodies larger
// than limit bytes (DefaultMaxSize when limit <= 0). Store failures are
// logged on logger and answered with 500.
func NewHandler(store Store, limit int64, logger *slog.Logger) *Handler {
	if limit <= 0 {
		limit = DefaultMaxSize
	}
	h := &Handler{store: store, limit: limit, logger: logger, mux: http.NewServeMux()}
	h.mux.HandleFunc("POST /v1/content", h.post)
	h.mux.HandleFunc("GET /v1/content/{id}", h.get)
	return h
}

// ServeHTTP implements http.Handler.
func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	httpapi.Correlation(h.mux).ServeHTTP(w, r)
}

// PostResponse is the body of a successful POST /v1/content.
type PostResponse struct {
	StorageID ID `json:"storage_id"`
}

func (h *Handler) post(w http.ResponseWriter, r *http.Request) {
	data, err := io.ReadAll(http.MaxBytesReader(w, r.Body, h.limit))
	var tooBig *http.MaxBytesError
	switch {
	case errors.As(err, &tooBig):
		httpapi.Error(w, r, http.StatusRequestEntityTooLarge, "content_too_large", err.Error())
		return
	case err != nil:
		httpapi.Error(w, r, http.StatusBadRequest, "bad_body", "read body: "+err.Error())
		return
	}
	ct := r.Header.Get("Content-Type")
	if ct == "" {
		ct = "application/octet-stream"
	}
	id, err := Save(r.Context(), h.store, ct, data)
	if err != nil {
		h.writeStoreError(w, r, err)
		return
	}
	httpapi.JSON(w, http.StatusCreated, PostResponse{StorageID: id})
}

func (h *Handler) get(w http.ResponseWriter, r *http.Request) {
	id, err := ParseID(r.PathValue("id"))
	if err != nil {
		h.writeStoreError(w, r, err)
		return
	}
	b, err := h.store.Get(r.Context(), id)
	if err != nil {
		h.writeStoreError(w, r, err)
		return
	}
	w.Header().Set("Content-Type", b.ContentType)
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write(b.Data) // a write error is the client's broken connection
}

func (h *Handler) writeStoreError(w http.ResponseWriter, r *http.Request, err error) {
	switch {
	case errors.Is(err, ErrBadID):
		httpapi.Error(w, r, http.StatusBadRequest, "bad_storage_id", err.Error())
	case errors.Is(err, ErrNotFound):
		httpapi.Error(w, r, http.StatusNotFound, "not_found", err.Error())
	case errors.Is(err, ErrTooLarge):
		httpapi.Error(w, r, http.StatusRequestEntityTooLarge, "content_too_large", err.Error())
	default:
		h.logger.ErrorContext(r.Context(), "content store request failed",
			"method", r.Method, "path", r.URL.Path, "err", err)
		httpapi.Error(w, r, http.StatusInternalServerError, "internal", "content store unavailable")
	}
}
