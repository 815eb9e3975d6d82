package content_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"

	"github.com/hule-dev/hule/internal/content"
	"github.com/hule-dev/hule/internal/store/storetest"
)

// testStore is the suite every Store implementation passes.
func testStore(t *testing.T, s content.Store, limit int64) {
	ctx := context.Background()
	t.Run("put get round trip", func(t *testing.T) {
		id := content.NewID()
		want := []byte("Dear diary,\nthe essay was gud.")
		if err := s.Put(ctx, id, "text/plain; charset=utf-8", want); err != nil {
			t.Fatal(err)
		}
		b, err := s.Get(ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(b.Data, want) || b.ContentType != "text/plain; charset=utf-8" || b.ID != id {
			t.Errorf("got %+v, want %q text/plain", b, want)
		}
	})
	t.Run("empty blob", func(t *testing.T) {
		id := content.NewID()
		if err := s.Put(ctx, id, "text/plain", nil); err != nil {
			t.Fatal(err)
		}
		b, err := s.Get(ctx, id)
		if err != nil || len(b.Data) != 0 {
			t.Errorf("got %q, %v; want empty blob", b.Data, err)
		}
	})
	t.Run("put is idempotent and keeps the first blob", func(t *testing.T) {
		id := content.DerivedID("event-1", "corrected")
		if err := s.Put(ctx, id, "text/plain", []byte("first")); err != nil {
			t.Fatal(err)
		}
		if err := s.Put(ctx, id, "text/plain", []byte("second")); err != nil {
			t.Fatalf("second put of the same id: %v", err)
		}
		b, err := s.Get(ctx, id)
		if err != nil || string(b.Data) != "first" {
			t.Errorf("got %q, %v; want first", b.Data, err)
		}
	})
	t.Run("concurrent puts of one id", func(t *testing.T) {
		id := content.NewID()
		var wg sync.WaitGroup
		errs := make(chan error, 8)
		for i := range 8 {
			wg.Go(func() { errs <- s.Put(ctx, id, "text/plain", []byte(fmt.Sprint("writer ", i))) })
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			if err != nil {
				t.Errorf("concurrent put: %v", err)
			}
		}
		if _, err := s.Get(ctx, id); err != nil {
			t.Errorf("get after concurrent puts: %v", err)
		}
	})
	t.Run("errors", func(t *testing.T) {
		tests := []struct {
			name string
			run  func() error
			want error
		}{
			{"unknown id", func() error { _, err := s.Get(ctx, content.NewID()); return err }, content.ErrNotFound},
			{"malformed id on get", func() error { _, err := s.Get(ctx, "../../etc/passwd"); return err }, content.ErrBadID},
			{"malformed id on put", func() error { return s.Put(ctx, "ABC", "text/plain", []byte("x")) }, content.ErrBadID},
			{"too large", func() error { return s.Put(ctx, content.NewID(), "text/plain", make([]byte, limit+1)) }, content.ErrTooLarge},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				if err := tt.run(); !errors.Is(err, tt.want) {
					t.Errorf("got %v, want %v", err, tt.want)
				}
			})
		}
	})
}

const testLimit = 1 << 10

func TestFileStore(t *testing.T) {
	s, err := content.NewFileStore(t.TempDir(), testLimit)
	if err != nil {
		t.Fatal(err)
	}
	testStore(t, s, testLimit)
}

func TestSQLStoreSQLite(t *testing.T) {
	db := storetest.SQLite(t, content.Schema())
	testStore(t, content.NewSQLStore(db.DB, testLimit), testLimit)
}

func TestSQLStorePostgres(t *testing.T) {
	db, _ := storetest.Postgres(t, content.Schema())
	testStore(t, content.NewSQLStore(db.DB, testLimit), testLimit)
}
