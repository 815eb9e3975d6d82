// Package fault classifies errors by what the caller should do about them:
// a transient error is worth retrying with backoff, a permanent one never
// succeeds on retry and goes to a dead-letter topic at once. Every layer that
// knows an error cannot heal (bad payload, unknown event type, failed
// validation, a domain rule) marks it here; the bus reads the mark.
package fault

import "errors"

// permanenter is implemented by error types that know they are permanent,
// such as events.ValidationError.
type permanenter interface {
	Permanent() bool
}

type permanentError struct{ err error }

func (e *permanentError) Error() string   { return e.err.Error() }
func (e *permanentError) Unwrap() error   { return e.err }
func (e *permanentError) Permanent() bool { return true }

// Permanent marks err as permanent. It returns nil for a nil err.
func Permanent(err error) error {
	if err == nil {
		return nil
	}
	return &permanentError{err: err}
}

// IsPermanent reports whether err's chain holds an error that says it is
// permanent. Errors without a mark are transient: retrying is the safe
// default for an error nobody classified.
func IsPermanent(err error) bool {
	var p permanenter
	return errors.As(err, &p) && p.Permanent()
}
