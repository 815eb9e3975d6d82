package storetest_test

import (
	"context"
	"database/sql"
	"errors"
	"testing"
	"time"

	"github.com/hule-dev/hule/internal/store/storetest"
)

// TestInterleave pauses a transaction that has updated row 1 and runs a
// second beside it: one that updates the same row must wait for the first's
// lock, one that updates another row ends before the first resumes. Both
// commit either way, and the second's update of row 1 lands after the
// first's.
func TestInterleave(t *testing.T) {
	tests := []struct {
		name      string
		secondRow int
		wantEnded bool
	}{
		{"same row waits", 1, false},
		{"other row ends first", 2, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			db, _ := storetest.Postgres(t)
			ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
			defer cancel()
			if _, err := db.ExecContext(ctx, `CREATE TABLE interleaved (id INT PRIMARY KEY, v TEXT NOT NULL);
				INSERT INTO interleaved VALUES (1, ''), (2, '')`); err != nil {
				t.Fatal(err)
			}
			var hook func()
			install := func(pause func()) func() {
				hook = pause
				return func() { hook = nil }
			}
			first := func(ctx context.Context) error {
				tx, err := db.BeginTx(ctx, nil)
				if err != nil {
					return err
				}
				if _, err := tx.ExecContext(ctx, `UPDATE interleaved SET v = v || 'first' WHERE id = 1`); err != nil {
					return errors.Join(err, tx.Rollback())
				}
				// Twice: only the first call pauses.
				hook()
				hook()
				return tx.Commit()
			}
			second := func(ctx context.Context, conn *sql.Conn) error {
				_, err := conn.ExecContext(ctx, `UPDATE interleaved SET v = v || 'second' WHERE id = $1`, tt.secondRow)
				return err
			}

			ended, firstErr, secondErr := storetest.Interleave(ctx, t, db.DB, install, first, second)
			if firstErr != nil || secondErr != nil {
				t.Fatalf("first: %v, second: %v", firstErr, secondErr)
			}
			if ended != tt.wantEnded {
				t.Errorf("second ended before the first resumed: %v, want %v", ended, tt.wantEnded)
			}
			if hook != nil {
				t.Error("the hook is still installed after Interleave returned")
			}
			want := map[int]string{1: "first", 2: ""}
			want[tt.secondRow] += "second"
			for id, w := range want {
				var got string
				if err := db.QueryRowContext(ctx, `SELECT v FROM interleaved WHERE id = $1`, id).Scan(&got); err != nil {
					t.Fatal(err)
				}
				if got != w {
					t.Errorf("row %d = %q, want %q", id, got, w)
				}
			}
		})
	}
}
