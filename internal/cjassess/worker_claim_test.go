package cjassess_test

import (
	"context"
	"database/sql"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/hule-dev/hule/internal/bus/bustest"
	"github.com/hule-dev/hule/internal/cjassess"
	"github.com/hule-dev/hule/internal/cjassess/judge"
	"github.com/hule-dev/hule/internal/cjassess/pairing"
	"github.com/hule-dev/hule/internal/events"
	"github.com/hule-dev/hule/internal/store"
	"github.com/hule-dev/hule/internal/store/storetest"
)

// TestWorkersClaimARequestOnce has two workers (two processes) pick the
// same queued request on PostgreSQL before either claims it, the
// interleaving of two polls that coincide. Only one of them may claim it
// and run its job; the other must find nothing to do, not resume the job
// the first one is still running.
func TestWorkersClaimARequestOnce(t *testing.T) {
	students, _ := exampleEssays(t)
	db, _ := storetest.Postgres(t, cjassess.Schema())
	cs := newTextStore()
	texts := map[string]string{}
	for _, s := range students[:6] {
		texts[s.ID] = s.Text
	}
	req := newRequest(t, cs, texts)
	req.AssignmentID = nil

	// Each worker waits, once, after its pick until the other has picked
	// too, so both read the request as claimable before either claims it.
	var bothPicked sync.WaitGroup
	bothPicked.Add(2)
	type worker struct {
		w     *cjassess.Worker
		judge *recordingJudge
		pub   *bustest.Recorder
	}
	newWorker := func() worker {
		j := newRecordingJudge()
		svc, err := cjassess.NewService(cjassess.NewSQLStore(db.DB), j,
			cjassess.Config{Pairing: pairing.Options{ComparisonsPerEssay: 4}}, nil)
		if err != nil {
			t.Fatal(err)
		}
		pub := &bustest.Recorder{}
		w := cjassess.NewWorker(cjassess.WorkerDeps{DB: db, Service: svc, Pub: pub, Texts: cs.get, Lease: time.Hour})
		var once sync.Once
		cjassess.SetPicked(w, func() {
			once.Do(func() {
				bothPicked.Done()
				bothPicked.Wait()
			})
		})
		return worker{w: w, judge: j, pub: pub}
	}
	workers := []worker{newWorker(), newWorker()}

	var reg captureRegistrar
	workers[0].w.Register(&reg)
	raw := rawOf(t, events.NewEnvelope(events.TopicELSCJAssessmentRequested, "test", uuid.New(), req))
	ctx := context.Background()
	if err := store.InTx(ctx, db.DB, func(tx *sql.Tx) error { return reg.h(ctx, tx, raw) }); err != nil {
		t.Fatal(err)
	}

	type result struct {
		did bool
		err error
	}
	results := make([]result, len(workers))
	var wg sync.WaitGroup
	for i, w := range workers {
		wg.Go(func() {
			did, err := cjassess.RunNext(ctx, w.w)
			results[i] = result{did, err}
		})
	}
	wg.Wait()

	ran, judged, published := 0, 0, 0
	for i, w := range workers {
		if results[i].err != nil {
			t.Errorf("worker %d: %v", i, results[i].err)
		}
		if results[i].did {
			ran++
		}
		if w.judge.total() > 0 {
			judged++
		}
		published += len(w.pub.All())
	}
	if ran != 1 || judged != 1 {
		t.Errorf("%d workers claimed the request and %d judged pairs, want 1 and 1: one worker per job", ran, judged)
	}
	if published != 2 {
		t.Errorf("published %d events, want one completion pair", published)
	}
	if n := storetest.Count(t, db.DB, `SELECT attempts FROM cj_requests`); n != 1 {
		t.Errorf("attempts = %d, want 1", n)
	}
}

// stealingJudge judges through inner until its call number at; then it
// runs steal once and, like a judge that hangs, waits for its context to
// end.
type stealingJudge struct {
	inner judge.Judge
	at    int32
	steal func()
	n     atomic.Int32
	once  sync.Once
}

func (j *stealingJudge) Judge(ctx context.Context, r judge.Request) (judge.Verdict, error) {
	if j.n.Add(1) < j.at {
		return j.inner.Judge(ctx, r)
	}
	j.once.Do(j.steal)
	<-ctx.Done()
	return judge.Verdict{}, ctx.Err()
}

func (j *stealingJudge) Name() string { return j.inner.Name() }

// TestWorkerStopsAJobWhoseClaimWasTaken lets another worker's claim replace
// a running job's (as when the first worker's lease ran out while it could
// not renew it): the first worker stops the job at its next renewal and
// leaves the request to the new holder, neither publishing nor handing the
// request back.
func TestWorkerStopsAJobWhoseClaimWasTaken(t *testing.T) {
	students, _ := exampleEssays(t)
	db, _ := storetest.Postgres(t, cjassess.Schema())
	cs := newTextStore()
	texts := map[string]string{}
	for _, s := range students[:6] {
		texts[s.ID] = s.Text
	}
	req := newRequest(t, cs, texts)
	req.AssignmentID = nil
	// A deadline far beyond any renewal, so that a worker that never
	// notices the lost claim fails the test instead of hanging it.
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	const thief, thiefUntil = "another-worker", int64(1) << 50
	j := &stealingJudge{inner: judge.NewOffline(nil), at: 3, steal: func() {
		if _, err := db.ExecContext(ctx, `UPDATE cj_requests SET claimed_by = $1, claimed_until_ms = $2`, thief, thiefUntil); err != nil {
			t.Error(err)
		}
	}}
	svc, err := cjassess.NewService(cjassess.NewSQLStore(db.DB), j,
		cjassess.Config{Pairing: pairing.Options{ComparisonsPerEssay: 4}}, nil)
	if err != nil {
		t.Fatal(err)
	}
	pub := &bustest.Recorder{}
	w := cjassess.NewWorker(cjassess.WorkerDeps{DB: db, Service: svc, Pub: pub, Texts: cs.get, Lease: 40 * time.Millisecond})
	var reg captureRegistrar
	w.Register(&reg)
	raw := rawOf(t, events.NewEnvelope(events.TopicELSCJAssessmentRequested, "test", uuid.New(), req))
	if err := store.InTx(ctx, db.DB, func(tx *sql.Tx) error { return reg.h(ctx, tx, raw) }); err != nil {
		t.Fatal(err)
	}

	if did, err := cjassess.RunNext(ctx, w); !did || err != nil {
		t.Fatalf("ran %v, err %v", did, err)
	}
	if ctx.Err() != nil {
		t.Fatal("the worker ran on until the test's deadline: it never noticed that its claim was taken")
	}
	if n := len(pub.All()); n != 0 {
		t.Errorf("the worker that lost its claim published %d events", n)
	}
	var (
		by    string
		until int64
		state string
	)
	if err := db.QueryRowContext(ctx, `SELECT claimed_by, claimed_until_ms, state FROM cj_requests`).Scan(&by, &until, &state); err != nil {
		t.Fatal(err)
	}
	if by != thief || until != thiefUntil || state != "pending" {
		t.Errorf("request claimed by %q until %d, state %s; want it left to %s until %d, pending", by, until, state, thief, thiefUntil)
	}
}
