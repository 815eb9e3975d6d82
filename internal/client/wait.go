package client

import (
	"context"
	"fmt"
	"time"
)

// RequestWhenReady asks the batch to run pipeline, and asks again every
// poll while the batch refuses with RefusedNotReady: content provisioning
// is asynchronous, so a batch whose uploads were all accepted may still be
// waiting for their texts. Any other refusal or failure is returned at
// once. When ctx ends after a refusal, even in the middle of a request, the
// error wraps both ctx's error and the last refusal.
func (c *Client) RequestWhenReady(ctx context.Context, batchID, pipeline string, poll time.Duration) (PipelineAccepted, error) {
	var refusal error
	neverReady := func() error {
		return fmt.Errorf("batch %s never ready for pipeline %s: %w (last: %w)", batchID, pipeline, ctx.Err(), refusal)
	}
	for {
		acc, err := c.RequestPipeline(ctx, batchID, pipeline, "")
		switch {
		case err == nil:
			return acc, nil
		case refusal != nil && ctx.Err() != nil:
			return acc, neverReady()
		case CodeOf(err) != RefusedNotReady:
			return acc, err
		}
		refusal = err
		t := time.NewTimer(poll)
		select {
		case <-ctx.Done():
			t.Stop()
			return acc, neverReady()
		case <-t.C:
		}
	}
}

// WaitRun reads the batch's pipeline state every poll until the run of
// correlationID has finished, and returns that run. Its FinishedAt is the
// server's, so the polling interval does not blur the run's end. A failed
// read is tried again at the next poll: the server may be restarting. When
// ctx ends first, WaitRun returns the run as last seen and an error that
// names its last state.
func (c *Client) WaitRun(ctx context.Context, batchID, correlationID string, poll time.Duration) (PipelineRun, error) {
	var last PipelineRun
	var readErr error
	for {
		st, err := c.PipelineState(ctx, batchID)
		switch {
		case err == nil:
			readErr = nil
			for _, run := range st.Runs {
				if run.CorrelationID != correlationID {
					continue
				}
				last = run
				if run.FinishedAt != nil {
					return run, nil
				}
			}
		case ctx.Err() == nil:
			readErr = err // not merely ctx ending mid-read
		}
		t := time.NewTimer(poll)
		select {
		case <-ctx.Done():
			t.Stop()
			return last, fmt.Errorf("run %s of batch %s did not finish (%s): %w",
				correlationID, batchID, lastState(last, readErr), ctx.Err())
		case <-t.C:
		}
	}
}

// lastState describes what WaitRun saw last, for its error.
func lastState(run PipelineRun, readErr error) string {
	s := "never listed"
	if run.CorrelationID != "" {
		s = "last state " + run.Status
		if run.CurrentPhase != "" {
			s += ", phase " + run.CurrentPhase
		}
	}
	if readErr != nil {
		s += "; last read failed: " + readErr.Error()
	}
	return s
}
