// Package bustest holds test doubles for code that publishes through the
// bus: a Recorder that keeps what a handler published, in order and grouped
// by publish call, so that handler tests need no broker.
package bustest

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"sync"

	"github.com/hule-dev/hule/internal/bus"
	"github.com/hule-dev/hule/internal/events"
)

// Kind says which bus method published a group of events.
type Kind string

// The publishing methods.
const (
	KindPublish    Kind = "publish"
	KindCompletion Kind = "completion"
	KindFailure    Kind = "failure"
)

// Published is one event a handler published.
type Published struct {
	Kind    Kind
	Topic   string
	Key     string // the partition key
	Payload []byte // the encoded envelope
}

// Decode returns the published envelope with its data decoded and
// validated by the events package.
func (p Published) Decode() (events.Envelope[events.Event], error) {
	return events.Decode(p.Payload)
}

// Recorder implements the publishing side of *bus.Bus for handler tests.
// Events published in a transaction that rolls back stay recorded: tests
// that care about atomicity use the real bus.
type Recorder struct {
	mu     sync.Mutex
	events []Published
	// Err, when set, is returned by every publish call, to test how a
	// handler deals with a failed publish.
	Err error
}

// Publish implements the bus's Publish.
func (r *Recorder) Publish(_ context.Context, _ *sql.Tx, evs ...bus.Outgoing) error {
	return r.record(KindPublish, evs...)
}

// PublishCompletion implements the bus's PublishCompletion.
func (r *Recorder) PublishCompletion(_ context.Context, _ *sql.Tx, thin, rich bus.Outgoing) error {
	if thin.Topic() == "" || rich.Topic() == "" {
		return errors.New("publish completion: thin and rich events are both required")
	}
	return r.record(KindCompletion, thin, rich)
}

// PublishFailure implements the bus's PublishFailure.
func (r *Recorder) PublishFailure(_ context.Context, _ *sql.Tx, thin bus.Outgoing) error {
	return r.record(KindFailure, thin)
}

func (r *Recorder) record(k Kind, evs ...bus.Outgoing) error {
	if r.Err != nil {
		return r.Err
	}
	ps := make([]Published, 0, len(evs))
	for _, o := range evs {
		b, err := o.Payload()
		if err != nil {
			return fmt.Errorf("record %s: %w", o.Topic(), err)
		}
		ps = append(ps, Published{Kind: k, Topic: o.Topic(), Key: o.Key(), Payload: b})
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	r.events = append(r.events, ps...)
	return nil
}

// All returns every recorded event in publish order.
func (r *Recorder) All() []Published {
	r.mu.Lock()
	defer r.mu.Unlock()
	return slices.Clone(r.events)
}

// OnTopic returns the recorded events of one topic.
func (r *Recorder) OnTopic(topic string) []Published {
	var out []Published
	for _, p := range r.All() {
		if p.Topic == topic {
			out = append(out, p)
		}
	}
	return out
}

// Reset forgets what was recorded.
func (r *Recorder) Reset() {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.events = nil
}

// Data decodes the data of every event recorded on topic into T, failing
// the test on any decoding or validation error.
func Data[T any, P interface {
	*T
	events.Event
}](t interface {
	Helper()
	Fatalf(string, ...any)
}, r *Recorder, topic string) []T {
	t.Helper()
	var out []T
	for _, p := range r.OnTopic(topic) {
		raw, err := events.DecodeRaw(p.Payload)
		if err != nil {
			t.Fatalf("decode %s envelope: %v", topic, err)
		}
		v, err := events.DecodeData[T, P](raw)
		if err != nil {
			t.Fatalf("decode %s data: %v", topic, err)
		}
		out = append(out, v)
	}
	return out
}
