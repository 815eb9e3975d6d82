package bus

import (
	"context"
	"errors"

	"github.com/ThreeDotsLabs/watermill"
)

// quietShutdown passes Watermill's logs through, except that an error
// caused by a canceled context — what every subscriber reports while the
// process stops — is logged at debug level: a clean shutdown logs no
// errors.
type quietShutdown struct {
	watermill.LoggerAdapter
}

// Error implements watermill.LoggerAdapter.
func (q quietShutdown) Error(msg string, err error, fields watermill.LogFields) {
	if errors.Is(err, context.Canceled) {
		q.Debug(msg, fields.Add(watermill.LogFields{"err": err.Error()}))
		return
	}
	q.LoggerAdapter.Error(msg, err, fields)
}

// With implements watermill.LoggerAdapter, keeping the filter.
func (q quietShutdown) With(fields watermill.LogFields) watermill.LoggerAdapter {
	return quietShutdown{q.LoggerAdapter.With(fields)}
}
