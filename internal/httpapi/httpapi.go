// Package httpapi holds the conventions every hule HTTP endpoint follows, so
// that the gateway and the internal services answer alike: errors as JSON
// {"error": {"code", "message", "correlation_id"}}, and the X-Correlation-ID
// header accepted, generated when absent, and echoed.
package httpapi

import (
	"context"
	"encoding/json"
	"net/http"

	"github.com/google/uuid"
)

// CorrelationHeader carries the correlation id in requests and responses.
const CorrelationHeader = "X-Correlation-ID"

type ctxKey struct{}

// Correlation wraps h so that every request has a correlation id: the
// client's X-Correlation-ID when it is a UUID, a new one otherwise. The id is
// echoed in the response header and available through CorrelationID.
func Correlation(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		id, err := uuid.Parse(r.Header.Get(CorrelationHeader))
		if err != nil {
			id = uuid.New()
		}
		w.Header().Set(CorrelationHeader, id.String())
		h.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), ctxKey{}, id)))
	})
}

// CorrelationID returns the request's correlation id, or uuid.Nil outside
// the Correlation middleware.
func CorrelationID(ctx context.Context) uuid.UUID {
	id, _ := ctx.Value(ctxKey{}).(uuid.UUID)
	return id
}

// ErrorBody is the JSON shape of every error response.
type ErrorBody struct {
	Error ErrorInfo `json:"error"`
}

// ErrorInfo describes one error: a stable machine-readable code, a message
// for people, and the correlation id to quote when asking for help.
type ErrorInfo struct {
	Code          string `json:"code"`
	Message       string `json:"message"`
	CorrelationID string `json:"correlation_id"`
}

// Error writes an error response with the given status, code and message.
func Error(w http.ResponseWriter, r *http.Request, status int, code, message string) {
	body := ErrorBody{Error: ErrorInfo{Code: code, Message: message}}
	if id := CorrelationID(r.Context()); id != uuid.Nil {
		body.Error.CorrelationID = id.String()
	}
	JSON(w, status, body)
}

// JSON writes v as a JSON response with the given status.
func JSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	// The status line is out already; an encoding error can only be a
	// broken connection, which the client sees for itself.
	_ = json.NewEncoder(w).Encode(v)
}

type userKey struct{}

// WithUser returns ctx carrying the authenticated user id. The gateway's
// auth middleware sets it; every route that touches a batch compares it with
// the batch's owner and answers 404 for someone else's batch.
func WithUser(ctx context.Context, userID string) context.Context {
	return context.WithValue(ctx, userKey{}, userID)
}

// UserID returns the authenticated user id, or "" when the request was not
// authenticated.
func UserID(ctx context.Context) string {
	s, _ := ctx.Value(userKey{}).(string)
	return s
}
