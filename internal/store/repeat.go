package store

import (
	"context"
	"log/slog"
	"time"
)

// Repeat runs f every interval until ctx ends, and then returns nil. A
// failed run is logged under name and tried again at the next tick: the
// services' sweeps, which repair in fresh transactions what handlers
// running at the same time can leave undone, must outlive a database that
// is briefly away.
func Repeat(ctx context.Context, interval time.Duration, log *slog.Logger, name string, f func(context.Context) error) error {
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return nil
		case <-t.C:
			if err := f(ctx); err != nil && ctx.Err() == nil {
				log.WarnContext(ctx, name, "err", err)
			}
		}
	}
}
