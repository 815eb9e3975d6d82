package storetest

import (
	"context"
	"database/sql"
	"sync"
	"sync/atomic"
	"testing"
)

// Interleave runs two transactions on the PostgreSQL database db in a fixed
// order, so that a race between them is reproduced on every run instead of
// now and then, and without sleeps that pass or fail with the machine's load.
//
// first runs in a goroutine until it reaches a pause point: install puts the
// pause function it is given into the package's test hook (calling it where
// the hook matches) and returns a function that removes it again. Only the
// first call of pause pauses; later calls return at once. While first is
// paused, second runs in a goroutine on a connection of its own until it ends
// or waits for a lock (see EndedOrLocked); a second that does not use conn
// is waited for until it ends. Then first resumes, and Interleave returns
// once both have ended: whether second ended before first resumed, and the
// error of each.
//
// The test fails if first ends before it pauses or ctx ends before a state
// is reached. Interleave always lets first resume and waits for both
// goroutines and removes the hook before it returns, also when the test
// fails, so a failing test never hangs; ctx bounds every wait.
func Interleave(ctx context.Context, t testing.TB, db *sql.DB,
	install func(pause func()) (uninstall func()),
	first func(ctx context.Context) error,
	second func(ctx context.Context, conn *sql.Conn) error,
) (secondEndedFirst bool, firstErr, secondErr error) {
	t.Helper()
	begun, resume := make(chan struct{}), make(chan struct{})
	release := sync.OnceFunc(func() { close(resume) })
	var paused atomic.Bool
	uninstall := install(func() {
		if !paused.CompareAndSwap(false, true) {
			return
		}
		close(begun)
		select {
		case <-resume:
		case <-ctx.Done():
		}
	})
	var wg sync.WaitGroup
	defer func() {
		release()
		wg.Wait()
		uninstall()
	}()

	firstDone := make(chan error, 1)
	wg.Go(func() { firstDone <- first(ctx) })
	select {
	case <-begun:
	case err := <-firstDone:
		t.Fatalf("the first transaction ended before it paused: %v", err)
	case <-ctx.Done():
		t.Fatal("the first transaction never reached its pause point")
	}

	conn, pid := WatchedConn(ctx, t, db)
	secondDone := make(chan error, 1)
	wg.Go(func() { secondDone <- second(ctx, conn) })
	secondEndedFirst, secondErr = EndedOrLocked(ctx, t, db, pid, secondDone)

	release()
	firstErr = <-firstDone
	if !secondEndedFirst {
		secondErr = <-secondDone
	}
	return secondEndedFirst, firstErr, secondErr
}
