package cjassess

import "context"

// RunNext lets tests run one queued request without the polling loop.
func RunNext(ctx context.Context, w *Worker) (bool, error) { return w.next(ctx) }
