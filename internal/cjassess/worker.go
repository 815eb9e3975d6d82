package cjassess

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/google/uuid"

	"github.com/hule-dev/hule/internal/bus"
	"github.com/hule-dev/hule/internal/events"
	"github.com/hule-dev/hule/internal/fault"
	"github.com/hule-dev/hule/internal/store"
)

// Group is the consumer group of the cjassess service.
const Group = "cjassess"

// Publisher is the part of the bus the worker publishes through.
type Publisher interface {
	PublishCompletion(ctx context.Context, tx *sql.Tx, thin, rich bus.Outgoing) error
	PublishFailure(ctx context.Context, tx *sql.Tx, thin bus.Outgoing) error
}

// Registrar is the part of the bus handlers are registered with.
type Registrar interface {
	Handle(consumerGroup, topic string, h bus.Handler)
}

// BlobFunc stores a blob under a storage id (idempotently) in the content
// store; the worker keeps each job's comparisons there for the results
// service, which shows them with the judge's justifications.
type BlobFunc func(ctx context.Context, id, contentType string, data []byte) error

// WorkerDeps are what a Worker needs.
type WorkerDeps struct {
	DB      *store.DB
	Service *Service
	Pub     Publisher
	Texts   TextFunc
	Blobs   BlobFunc
	// BlobID derives a storage id from parts (content.DerivedID).
	BlobID func(parts ...string) string
	Logger *slog.Logger
	// Lease is how long a claim on a request lasts without renewal: how
	// long a crashed process's job waits before another process resumes it
	// (default DefaultLease). It is renewed every quarter of its length.
	Lease time.Duration
}

// DefaultLease is the claim length of a worker whose WorkerDeps.Lease is 0.
const DefaultLease = 30 * time.Second

// Worker takes the CJ requests the bus delivers and runs their jobs. The
// bus handler only queues a request; Run claims queued requests with a
// lease (so several processes share the work and a crashed one's request is
// taken over when its lease ends), runs the job — which resumes from the
// judgements already stored — and publishes the thin and rich events (or the
// failure) in the transaction that marks the request done.
type Worker struct {
	d      WorkerDeps
	id     string
	wake   chan struct{}
	lease  time.Duration
	poll   time.Duration
	maxTry int
	// picked, when set by a test, runs in the claim's transaction between
	// picking a request and claiming it.
	picked func()
}

// NewWorker returns a worker.
func NewWorker(d WorkerDeps) *Worker {
	if d.Logger == nil {
		d.Logger = slog.New(slog.DiscardHandler)
	}
	if d.Lease <= 0 {
		d.Lease = DefaultLease
	}
	return &Worker{d: d, id: uuid.NewString(), wake: make(chan struct{}, 1),
		lease: d.Lease, poll: time.Second, maxTry: 5}
}

// Register subscribes the worker's queueing handler to the CJ request topic.
func (w *Worker) Register(r Registrar) {
	r.Handle(Group, events.TopicELSCJAssessmentRequested, w.handleRequest)
}

// handleRequest validates the request and queues it, in the consumer's
// transaction; a redelivery is ignored by the primary key.
func (w *Worker) handleRequest(ctx context.Context, tx *sql.Tx, ev events.Raw) error {
	req, err := events.DecodeData[events.ELSCJAssessmentRequestV1](ev)
	if err != nil {
		return err
	}
	payload, err := events.Marshal(ev)
	if err != nil {
		return fault.Permanent(fmt.Errorf("encode cj request %s: %w", ev.EventID, err))
	}
	_, err = tx.ExecContext(ctx,
		`INSERT INTO cj_requests (event_id, batch_id, payload, state, created_ms) VALUES ($1, $2, $3, 'pending', $4)
		 ON CONFLICT (event_id) DO NOTHING`,
		ev.EventID.String(), batchOf(req), payload, time.Now().UnixMilli())
	if err != nil {
		return fmt.Errorf("queue cj request %s: %w", ev.EventID, err)
	}
	select {
	case w.wake <- struct{}{}:
	default:
	}
	return nil
}

func batchOf(req events.ELSCJAssessmentRequestV1) string {
	if req.EntityID != nil && *req.EntityID != "" {
		return *req.EntityID
	}
	return req.SystemMetadata.EntityID
}

// Run works off queued requests until ctx ends.
func (w *Worker) Run(ctx context.Context) error {
	t := time.NewTicker(w.poll)
	defer t.Stop()
	for {
		for {
			did, err := w.next(ctx)
			if ctx.Err() != nil {
				return nil
			}
			if err != nil {
				w.d.Logger.ErrorContext(ctx, "cj request failed", "err", err)
			}
			if !did {
				break
			}
		}
		select {
		case <-ctx.Done():
			return nil
		case <-t.C:
		case <-w.wake:
		}
	}
}

// next claims and runs one request; it reports whether there was one.
func (w *Worker) next(ctx context.Context) (bool, error) {
	for {
		eventID, payload, attempts, err := w.claim(ctx)
		if errors.Is(err, errClaimTaken) {
			continue // another worker took it first; look for the next one
		}
		if errors.Is(err, sql.ErrNoRows) {
			return false, nil
		}
		if err != nil {
			return false, fmt.Errorf("claim cj request: %w", err)
		}
		return true, w.run(ctx, eventID, payload, attempts)
	}
}

// errClaimTaken means that the request claim picked was claimed by another
// worker between the pick and the claim.
var errClaimTaken = errors.New("cj request claimed by another worker")

// claim picks the oldest claimable request and claims it with a lease. The
// UPDATE repeats the SELECT's conditions: under PostgreSQL's READ COMMITTED
// two workers can both pick the same row, and the second one's UPDATE, which
// waits for the first to commit, then re-checks them against the claimed
// row and changes nothing, instead of claiming the request a second time
// and running its job alongside the first worker. It returns the attempt the
// claim starts.
func (w *Worker) claim(ctx context.Context) (eventID string, payload []byte, attempts int, err error) {
	err = store.InTx(ctx, w.d.DB.DB, func(tx *sql.Tx) error {
		now := time.Now().UnixMilli()
		err := tx.QueryRowContext(ctx,
			`SELECT event_id, payload FROM cj_requests
			 WHERE state = 'pending' AND claimed_until_ms < $1 AND not_before_ms <= $2
			 ORDER BY created_ms LIMIT 1`, now, now).Scan(&eventID, &payload)
		if err != nil {
			return err
		}
		if w.picked != nil {
			w.picked()
		}
		err = tx.QueryRowContext(ctx,
			`UPDATE cj_requests SET claimed_by = $1, claimed_until_ms = $2, attempts = attempts + 1
			 WHERE event_id = $3 AND state = 'pending' AND claimed_until_ms < $4 AND not_before_ms <= $5
			 RETURNING attempts`,
			w.id, now+w.lease.Milliseconds(), eventID, now, now).Scan(&attempts)
		if errors.Is(err, sql.ErrNoRows) {
			return errClaimTaken
		}
		return err
	})
	return eventID, payload, attempts, err
}

func (w *Worker) run(ctx context.Context, eventID string, payload []byte, attempt int) error {
	env, err := events.DecodeRaw(payload)
	if err != nil {
		return w.finishFailed(ctx, eventID, nil, fault.Permanent(err))
	}
	req, err := events.DecodeData[events.ELSCJAssessmentRequestV1](env)
	if err != nil {
		return w.finishFailed(ctx, eventID, &env, err)
	}
	// Renew the lease while the job runs, so no other process takes it.
	// Renewal stops with the job: what follows is a few quick writes, done
	// well within the rest of the lease.
	jobCtx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	renewing := make(chan struct{})
	go func() {
		defer close(renewing)
		w.renew(jobCtx, cancel, eventID)
	}()
	pub, err := w.d.Service.Assess(jobCtx, req, w.d.Texts)
	cancel(nil)
	<-renewing
	if err != nil && errors.Is(context.Cause(jobCtx), errClaimLost) {
		// The lease ran out and another worker holds the request now: it
		// runs the job, so this one stops without touching the request.
		return nil
	}
	if err != nil && ctx.Err() != nil {
		// Shutting down: hand the request back at once rather than when
		// the lease runs out, so another process resumes the job now.
		return w.release(ctx, eventID)
	}
	if err != nil {
		if !fault.IsPermanent(err) && attempt < w.maxTry {
			return w.retryLater(ctx, eventID, attempt, err)
		}
		return w.finishFailed(ctx, eventID, &env, err)
	}
	if pub.Failed != nil {
		return w.publish(ctx, eventID, env, func(tx *sql.Tx) error {
			return w.d.Pub.PublishFailure(ctx, tx, bus.Event(w.envelope(env, events.TopicCJAssessmentFailed, pub.Failed)))
		})
	}
	if err := w.attachDetails(ctx, pub.Result); err != nil {
		return w.retryLater(ctx, eventID, attempt, err)
	}
	return w.publish(ctx, eventID, env, func(tx *sql.Tx) error {
		return w.d.Pub.PublishCompletion(ctx, tx,
			bus.Event(w.envelope(env, events.TopicCJAssessmentCompleted, pub.Completed)),
			bus.Event(w.envelope(env, events.TopicAssessmentResultPublished, pub.Result)))
	})
}

// envelope wraps data in an envelope that keeps the request's correlation
// id and user.
func (w *Worker) envelope(req events.Raw, topic string, data events.Event) events.Envelope[events.Event] {
	env := events.NewEnvelope(topic, sourceService, req.CorrelationID, data)
	if u := req.MetaString(events.MetaUserID); u != "" {
		env.SetMeta(events.MetaUserID, u)
	}
	return env
}

// publish runs pub and marks the request done in one transaction: the
// outcome is published exactly when the request is finished.
func (w *Worker) publish(ctx context.Context, eventID string, _ events.Raw, pub func(tx *sql.Tx) error) error {
	return store.InTx(ctx, w.d.DB.DB, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx,
			`UPDATE cj_requests SET state = 'done', done_ms = $1, claimed_by = NULL WHERE event_id = $2 AND state = 'pending'`,
			time.Now().UnixMilli(), eventID)
		if err != nil {
			return fmt.Errorf("finish cj request %s: %w", eventID, err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return nil // another worker finished it
		}
		return pub(tx)
	})
}

// finishFailed publishes a CJAssessmentFailedV1 for a request that can
// never succeed, so lifecycle fails the phase instead of waiting forever.
func (w *Worker) finishFailed(ctx context.Context, eventID string, env *events.Raw, cause error) error {
	w.d.Logger.ErrorContext(ctx, "cj request failed for good", "event_id", eventID, "err", cause)
	if env == nil {
		// Undecodable: nobody can be told; keep the row as the record.
		return store.InTx(ctx, w.d.DB.DB, func(tx *sql.Tx) error {
			_, err := tx.ExecContext(ctx, `UPDATE cj_requests SET state = 'failed', last_error = $1 WHERE event_id = $2`,
				cause.Error(), eventID)
			return err
		})
	}
	batchID := ""
	var req struct {
		EntityID string `json:"entity_id"`
	}
	if json.Unmarshal(env.Data, &req) == nil {
		batchID = req.EntityID
	}
	out := &Outcome{JobID: eventID, BatchID: batchID, Finished: time.Now().UTC()}
	failed, err := ThinFailed(out, &JobError{Code: events.AnyErrorCode(events.ErrorCodeProcessingError), Message: cause.Error()})
	if err != nil {
		return fmt.Errorf("build cj failure for %s: %w", eventID, err)
	}
	return w.publish(ctx, eventID, *env, func(tx *sql.Tx) error {
		return w.d.Pub.PublishFailure(ctx, tx, bus.Event(w.envelope(*env, events.TopicCJAssessmentFailed, &failed)))
	})
}

// retryLater releases the claim and schedules another attempt with an
// exponential backoff. It changes nothing if the claim is no longer this
// worker's, so that it never hands back a request another worker runs.
func (w *Worker) retryLater(ctx context.Context, eventID string, attempt int, cause error) error {
	delay := time.Duration(1<<min(attempt, 8)) * time.Second
	w.d.Logger.WarnContext(ctx, "cj request will be retried", "event_id", eventID, "attempt", attempt, "in", delay, "err", cause)
	ctx = context.WithoutCancel(ctx)
	return store.InTx(ctx, w.d.DB.DB, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx,
			`UPDATE cj_requests SET claimed_until_ms = 0, claimed_by = NULL, not_before_ms = $1, last_error = $2
			 WHERE event_id = $3 AND claimed_by = $4`,
			time.Now().Add(delay).UnixMilli(), cause.Error(), eventID, w.id)
		return err
	})
}

// release gives back this worker's claim on a request whose job was
// interrupted by shutdown, without counting the interruption as an attempt.
func (w *Worker) release(ctx context.Context, eventID string) error {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
	defer cancel()
	err := store.InTx(ctx, w.d.DB.DB, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx,
			`UPDATE cj_requests SET claimed_until_ms = 0, claimed_by = NULL, attempts = attempts - 1
			 WHERE event_id = $1 AND claimed_by = $2 AND state = 'pending'`, eventID, w.id)
		return err
	})
	if err != nil {
		return fmt.Errorf("release cj request %s: %w", eventID, err)
	}
	w.d.Logger.InfoContext(ctx, "cj request released on shutdown", "event_id", eventID)
	return nil
}

// errClaimLost is the cause with which renew stops a job whose claim is
// no longer this worker's.
var errClaimLost = errors.New("cj request claim lost")

// renew extends the worker's lease on eventID every quarter lease until ctx
// ends. If the claim has gone to another worker (this one's lease ran out,
// say while the database was unreachable), it stops the job through stop:
// one worker per job at a time.
func (w *Worker) renew(ctx context.Context, stop context.CancelCauseFunc, eventID string) {
	t := time.NewTicker(w.lease / 4)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			held := true
			err := store.InTx(ctx, w.d.DB.DB, func(tx *sql.Tx) error {
				res, err := tx.ExecContext(ctx,
					`UPDATE cj_requests SET claimed_until_ms = $1 WHERE event_id = $2 AND claimed_by = $3 AND state = 'pending'`,
					time.Now().Add(w.lease).UnixMilli(), eventID, w.id)
				if err != nil {
					return err
				}
				n, err := res.RowsAffected()
				held = err != nil || n > 0
				return nil
			})
			if err != nil && ctx.Err() == nil {
				w.d.Logger.WarnContext(ctx, "renew cj request lease", "event_id", eventID, "err", err)
			}
			if !held {
				w.d.Logger.WarnContext(ctx, "cj request claim lost to another worker", "event_id", eventID)
				stop(errClaimLost)
				return
			}
		}
	}
}

// comparisonView is one comparison as the results service shows it.
type comparisonView struct {
	EssayA        string `json:"essay_a"`
	EssayB        string `json:"essay_b"`
	Winner        string `json:"winner"`
	Justification string `json:"justification"`
	Confidence    int    `json:"confidence"`
	Model         string `json:"model"`
}

// attachDetails stores the job's successful comparisons as a content blob
// and names it in the rich event's assessment metadata.
func (w *Worker) attachDetails(ctx context.Context, r *events.AssessmentResultV1) error {
	if w.d.Blobs == nil || w.d.BlobID == nil {
		return nil
	}
	comps, err := w.d.Service.store.Comparisons(ctx, r.CJAssessmentJobID)
	if err != nil {
		return fmt.Errorf("comparisons of job %s: %w", r.CJAssessmentJobID, err)
	}
	views := make([]comparisonView, 0, len(comps))
	for _, c := range comps {
		if c.Winner == "" {
			continue
		}
		views = append(views, comparisonView{EssayA: c.EssayA, EssayB: c.EssayB, Winner: c.Winner,
			Justification: c.Justification, Confidence: c.Confidence, Model: c.Model})
	}
	b, err := json.Marshal(views)
	if err != nil {
		return fmt.Errorf("encode comparisons: %w", err)
	}
	id := w.d.BlobID(r.CJAssessmentJobID, "comparisons")
	if err := w.d.Blobs(ctx, id, "application/json", b); err != nil {
		return fmt.Errorf("store comparisons of job %s: %w", r.CJAssessmentJobID, err)
	}
	var meta map[string]any
	if err := r.AssessmentMetadata.Decode(&meta); err != nil {
		return fault.Permanent(fmt.Errorf("assessment metadata: %w", err))
	}
	meta["comparisons_storage_id"] = id
	obj, err := events.NewObject(meta)
	if err != nil {
		return fault.Permanent(err)
	}
	r.AssessmentMetadata = obj
	return nil
}
