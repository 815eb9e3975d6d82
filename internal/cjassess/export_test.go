package cjassess

import "context"

// RunNext lets tests run one queued request without the polling loop.
func RunNext(ctx context.Context, w *Worker) (bool, error) { return w.next(ctx) }

// SetPicked sets the hook a worker runs between picking a request and
// claiming it, so a test can interleave two workers' claims.
func SetPicked(w *Worker, f func()) { w.picked = f }
