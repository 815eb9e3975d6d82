package bus

import "github.com/hule-dev/hule/internal/events"

// Payload returns the envelope as it will travel, encoded with
// events.Marshal (without the trace context a publish adds). Test doubles
// such as bustest.Recorder use it to look at what a handler published.
func (o Outgoing) Payload() ([]byte, error) {
	return events.Marshal(o.env)
}
