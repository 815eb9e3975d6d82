package fault

import (
	"context"
	"fmt"
	"math/rand/v2"
	"time"

	"github.com/hule-dev/hule/internal/cluster"
)

// Chaos kills processes while a test runs: at once and then every
// interval it SIGKILLs one victim chosen at random, starts it again at once
// and waits for it to be ready before the next round, so that at most one
// process is down at a time.
type Chaos struct {
	Victims  []*cluster.Proc
	Interval time.Duration
	// Rand chooses the victims; seed it and log the seed to replay a run.
	Rand *rand.Rand
	// ReadyTimeout bounds the wait for a restarted process (default 60s).
	ReadyTimeout time.Duration
	// OnKill, when set, is told of each kill (for the test log).
	OnKill func(p *cluster.Proc, n int)
}

// Run kills until ctx ends and returns how many kills the cluster
// survived. It returns early with an error when a restarted process does
// not become ready again: that is a failure of the test, not of chaos.
func (c *Chaos) Run(ctx context.Context) (int, error) {
	if len(c.Victims) == 0 {
		return 0, fmt.Errorf("chaos: no victims")
	}
	timeout := c.ReadyTimeout
	if timeout == 0 {
		timeout = time.Minute
	}
	kills := 0
	next := time.NewTimer(0)
	defer next.Stop()
	for {
		select {
		case <-ctx.Done():
			return kills, nil
		case <-next.C:
		}
		p := c.Victims[c.Rand.IntN(len(c.Victims))]
		if err := p.Kill(); err != nil {
			return kills, err
		}
		kills++
		if c.OnKill != nil {
			c.OnKill(p, kills)
		}
		if err := p.Restart(); err != nil {
			return kills, err
		}
		rctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), timeout)
		err := p.WaitReady(rctx)
		cancel()
		if err != nil {
			return kills, fmt.Errorf("after kill %d: %w", kills, err)
		}
		next.Reset(c.Interval)
	}
}
