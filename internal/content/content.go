// Package content is hule's blob store for essay texts and derived texts
// (corrected text, correction lists, raw uploads), keyed by a 32-hex storage
// id. Other services never pass texts in events: they pass storage ids and
// read the bytes from here, in-process in embedded mode and over HTTP or
// PostgreSQL in distributed mode, always through the Store interface.
package content

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"time"
)

// DefaultMaxSize is the default largest blob accepted: 5 MiB.
const DefaultMaxSize = 5 << 20

// Errors a Store returns; the HTTP layer maps them to 404, 413 and 400.
var (
	ErrNotFound = errors.New("content not found")
	ErrTooLarge = errors.New("content too large")
	ErrBadID    = errors.New("malformed storage id")
)

// ID is a storage id: 32 lower-case hexadecimal digits, the form the
// original platform uses (a UUID's hex without dashes).
type ID string

// NewID returns a random storage id.
func NewID() ID {
	var b [16]byte
	_, _ = rand.Read(b[:]) // crypto/rand.Read never fails on Linux
	return ID(hex.EncodeToString(b[:]))
}

// DerivedID returns a storage id determined by parts. A handler that may be
// retried stores its output under an id derived from the event it handles,
// so a retry overwrites nothing and stores nothing twice.
func DerivedID(parts ...string) ID {
	h := sha256.New()
	for _, p := range parts {
		h.Write([]byte(p))
		h.Write([]byte{0})
	}
	return ID(hex.EncodeToString(h.Sum(nil)[:16]))
}

// ParseID checks that s is a storage id.
func ParseID(s string) (ID, error) {
	if len(s) != 32 {
		return "", fmt.Errorf("%w: %q is not 32 hex digits", ErrBadID, s)
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if (c < '0' || c > '9') && (c < 'a' || c > 'f') {
			return "", fmt.Errorf("%w: %q is not 32 lower-case hex digits", ErrBadID, s)
		}
	}
	return ID(s), nil
}

// Blob is one stored item.
type Blob struct {
	ID          ID
	ContentType string
	Data        []byte
	Created     time.Time
}

// Store keeps blobs. Put is idempotent: putting an id that exists keeps the
// first blob and returns nil, so redelivered events store nothing twice.
type Store interface {
	Put(ctx context.Context, id ID, contentType string, data []byte) error
	Get(ctx context.Context, id ID) (Blob, error)
}

// Save stores data under a new random id and returns it.
func Save(ctx context.Context, s Store, contentType string, data []byte) (ID, error) {
	id := NewID()
	if err := s.Put(ctx, id, contentType, data); err != nil {
		return "", err
	}
	return id, nil
}

func checkPut(id ID, data []byte, limit int64) error {
	if _, err := ParseID(string(id)); err != nil {
		return err
	}
	if int64(len(data)) > limit {
		return fmt.Errorf("%w: %d bytes, limit %d", ErrTooLarge, len(data), limit)
	}
	return nil
}
