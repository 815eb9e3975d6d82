package judge

import (
	"sync"
	"time"
)

// BreakerState is a circuit breaker's state; its values are the contract's
// CircuitBreakerState enum, so they can be reported as they are.
type BreakerState string

// Circuit breaker states.
const (
	BreakerClosed   BreakerState = "closed"
	BreakerOpen     BreakerState = "open"
	BreakerHalfOpen BreakerState = "half_open"
)

// Breaker stops calls to a failing provider: after Threshold consecutive
// transient failures it opens and refuses calls for Cooldown, then lets one
// probe through (half-open); the probe's success closes it, its failure
// opens it again. Permanent failures (a refusal, a bad key) say nothing
// about the provider's health and are not counted. Safe for concurrent use.
type Breaker struct {
	threshold int
	cooldown  time.Duration
	onChange  func(from, to BreakerState)

	mu       sync.Mutex
	state    BreakerState
	failures int
	openedAt time.Time
	probing  bool
}

// NewBreaker returns a closed breaker. onChange, if not nil, is called (with
// the breaker's lock released) on every state change.
func NewBreaker(threshold int, cooldown time.Duration, onChange func(from, to BreakerState)) *Breaker {
	return &Breaker{threshold: max(threshold, 1), cooldown: cooldown, onChange: onChange, state: BreakerClosed}
}

// Allow asks to make a call. It returns ErrCircuitOpen while the breaker is
// open, or half-open with its one probe already in flight. A nil return
// must be followed by exactly one Success, Failure or Neutral.
func (b *Breaker) Allow() error {
	b.mu.Lock()
	from := b.state
	switch b.state {
	case BreakerOpen:
		if time.Since(b.openedAt) < b.cooldown {
			b.mu.Unlock()
			return ErrCircuitOpen
		}
		b.state = BreakerHalfOpen
		b.probing = true
	case BreakerHalfOpen:
		if b.probing {
			b.mu.Unlock()
			return ErrCircuitOpen
		}
		b.probing = true
	}
	to := b.state
	b.mu.Unlock()
	b.changed(from, to)
	return nil
}

// Success records a call that reached a healthy provider.
func (b *Breaker) Success() {
	b.mu.Lock()
	from := b.state
	b.failures = 0
	b.probing = false
	b.state = BreakerClosed
	b.mu.Unlock()
	b.changed(from, BreakerClosed)
}

// Failure records a transient failure (429, 5xx, timeout, connection).
func (b *Breaker) Failure() {
	b.mu.Lock()
	from := b.state
	b.failures++
	if b.state == BreakerHalfOpen || b.failures >= b.threshold {
		b.state = BreakerOpen
		b.openedAt = time.Now()
		b.probing = false
	}
	to := b.state
	b.mu.Unlock()
	b.changed(from, to)
}

// Neutral ends an allowed call whose outcome says nothing about the
// provider's health (a permanent error, a canceled context).
func (b *Breaker) Neutral() {
	b.mu.Lock()
	b.probing = false
	b.mu.Unlock()
}

// State returns the current state; an open breaker whose cool-down has
// passed reports half_open, since the next call will probe.
func (b *Breaker) State() BreakerState {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.state == BreakerOpen && time.Since(b.openedAt) >= b.cooldown {
		return BreakerHalfOpen
	}
	return b.state
}

func (b *Breaker) changed(from, to BreakerState) {
	if from != to && b.onChange != nil {
		b.onChange(from, to)
	}
}
