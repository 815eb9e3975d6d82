package cjassess_test

import (
	"context"
	"database/sql"
	"encoding/json"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/hule-dev/hule/internal/bus"
	"github.com/hule-dev/hule/internal/bus/bustest"
	"github.com/hule-dev/hule/internal/cjassess"
	"github.com/hule-dev/hule/internal/cjassess/judge"
	"github.com/hule-dev/hule/internal/cjassess/pairing"
	"github.com/hule-dev/hule/internal/events"
	"github.com/hule-dev/hule/internal/store"
	"github.com/hule-dev/hule/internal/store/storetest"
)

// captureRegistrar keeps the handler the worker registers.
type captureRegistrar struct {
	topic string
	h     bus.Handler
}

func (c *captureRegistrar) Handle(_, topic string, h bus.Handler) {
	c.topic, c.h = topic, h
}

type blobStore struct {
	mu    sync.Mutex
	blobs map[string][]byte
}

func (b *blobStore) put(_ context.Context, id, _ string, data []byte) error {
	b.mu.Lock()
	defer b.mu.Unlock()
	if _, ok := b.blobs[id]; !ok {
		b.blobs[id] = data
	}
	return nil
}

func rawOf(t *testing.T, env events.Envelope[events.ELSCJAssessmentRequestV1]) events.Raw {
	t.Helper()
	b, err := events.Marshal(env)
	if err != nil {
		t.Fatal(err)
	}
	raw, err := events.DecodeRaw(b)
	if err != nil {
		t.Fatal(err)
	}
	return raw
}

func TestWorkerQueuesRunsAndPublishesOnce(t *testing.T) {
	ctx := context.Background()
	students, _ := exampleEssays(t)
	db := storetest.SQLite(t, cjassess.Schema())
	cs := newTextStore()
	texts := map[string]string{}
	for _, s := range students[:6] {
		texts[s.ID] = s.Text
	}
	req := newRequest(t, cs, texts)
	req.AssignmentID = nil
	svc, err := cjassess.NewService(cjassess.NewSQLStore(db.DB), judge.NewOffline(nil),
		cjassess.Config{Pairing: pairing.Options{ComparisonsPerEssay: 6}}, nil)
	if err != nil {
		t.Fatal(err)
	}
	var pub bustest.Recorder
	blobs := &blobStore{blobs: map[string][]byte{}}
	w := cjassess.NewWorker(cjassess.WorkerDeps{DB: db, Service: svc, Pub: &pub, Texts: cs.get,
		Blobs: blobs.put, BlobID: func(parts ...string) string { return parts[0] + "/" + parts[1] }})
	var reg captureRegistrar
	w.Register(&reg)
	if reg.topic != events.TopicELSCJAssessmentRequested {
		t.Fatalf("registered for %s", reg.topic)
	}

	env := events.NewEnvelope(events.TopicELSCJAssessmentRequested, "test", uuid.New(), req)
	env.SetMeta(events.MetaUserID, "teacher-1")
	raw := rawOf(t, env)
	for range 2 { // a redelivery queues nothing new
		if err := store.InTx(ctx, db.DB, func(tx *sql.Tx) error { return reg.h(ctx, tx, raw) }); err != nil {
			t.Fatal(err)
		}
	}
	if len(pub.All()) != 0 {
		t.Fatal("the handler published before the job ran")
	}
	for range 3 {
		if _, err := cjassess.RunNext(ctx, w); err != nil {
			t.Fatal(err)
		}
	}
	all := pub.All()
	if len(all) != 2 || all[0].Kind != bustest.KindCompletion || all[0].Topic != events.TopicCJAssessmentCompleted ||
		all[1].Topic != events.TopicAssessmentResultPublished {
		t.Fatalf("published %d events %+v, want one completion pair", len(all), all)
	}
	rich := bustest.Data[events.AssessmentResultV1](t, &pub, events.TopicAssessmentResultPublished)[0]
	var meta cjassess.Metadata
	if err := rich.AssessmentMetadata.Decode(&meta); err != nil {
		t.Fatal(err)
	}
	if len(meta.Essays) != 6 || meta.Essays[0].SE <= 0 || meta.ComparisonsStorageID == "" {
		t.Fatalf("metadata essays %d, first SE %v, comparisons id %q", len(meta.Essays), meta.Essays[0].SE, meta.ComparisonsStorageID)
	}
	var comps []map[string]any
	if err := json.Unmarshal(blobs.blobs[meta.ComparisonsStorageID], &comps); err != nil || len(comps) != meta.ComparisonCount {
		t.Errorf("comparisons blob: %d entries, %v; want %d", len(comps), err, meta.ComparisonCount)
	}
	thin, err := all[0].Decode()
	if err != nil || thin.CorrelationID != env.CorrelationID || thin.MetaString(events.MetaUserID) != "teacher-1" {
		t.Errorf("thin envelope %+v, %v: want the request's correlation id and user", thin, err)
	}
}

func TestWorkerFailsAnUnrunnableRequest(t *testing.T) {
	ctx := context.Background()
	db := storetest.SQLite(t, cjassess.Schema())
	cs := newTextStore()
	req := newRequest(t, cs, map[string]string{}, "gone-1", "gone-2")
	req.AssignmentID = nil
	svc, err := cjassess.NewService(cjassess.NewSQLStore(db.DB), judge.NewOffline(nil), cjassess.Config{}, nil)
	if err != nil {
		t.Fatal(err)
	}
	var pub bustest.Recorder
	w := cjassess.NewWorker(cjassess.WorkerDeps{DB: db, Service: svc, Pub: &pub, Texts: cs.get})
	var reg captureRegistrar
	w.Register(&reg)
	raw := rawOf(t, events.NewEnvelope(events.TopicELSCJAssessmentRequested, "test", uuid.New(), req))
	if err := store.InTx(ctx, db.DB, func(tx *sql.Tx) error { return reg.h(ctx, tx, raw) }); err != nil {
		t.Fatal(err)
	}
	if _, err := cjassess.RunNext(ctx, w); err != nil {
		t.Fatal(err)
	}
	all := pub.All()
	if len(all) != 1 || all[0].Kind != bustest.KindFailure || all[0].Topic != events.TopicCJAssessmentFailed {
		t.Fatalf("published %+v, want one failure", all)
	}
}

// TestWorkerReleasesItsClaimOnShutdown stops a worker in the middle of a
// job: the request goes back to the queue at once, without the
// interruption counting as an attempt, and another worker (another
// process) resumes and finishes it without waiting for the lease to end.
func TestWorkerReleasesItsClaimOnShutdown(t *testing.T) {
	students, _ := exampleEssays(t)
	db := storetest.SQLite(t, cjassess.Schema())
	cs := newTextStore()
	texts := map[string]string{}
	for _, s := range students[:8] {
		texts[s.ID] = s.Text
	}
	req := newRequest(t, cs, texts)
	req.AssignmentID = nil
	ctx, stop := context.WithCancel(context.Background())
	defer stop()
	j := newRecordingJudge()
	j.after = func(n int) {
		if n == 5 {
			stop() // SIGTERM in the middle of the job
		}
	}
	worker := func(j *recordingJudge) (*cjassess.Worker, *bustest.Recorder) {
		svc, err := cjassess.NewService(cjassess.NewSQLStore(db.DB), j,
			cjassess.Config{Pairing: pairing.Options{ComparisonsPerEssay: 4}}, nil)
		if err != nil {
			t.Fatal(err)
		}
		pub := &bustest.Recorder{}
		blobs := &blobStore{blobs: map[string][]byte{}}
		return cjassess.NewWorker(cjassess.WorkerDeps{DB: db, Service: svc, Pub: pub, Texts: cs.get,
			Blobs: blobs.put, BlobID: func(parts ...string) string { return parts[0] + "/" + parts[1] },
			Lease: time.Hour}), pub
	}
	first, firstPub := worker(j)
	var reg captureRegistrar
	first.Register(&reg)
	raw := rawOf(t, events.NewEnvelope(events.TopicELSCJAssessmentRequested, "test", uuid.New(), req))
	if err := store.InTx(context.Background(), db.DB, func(tx *sql.Tx) error { return reg.h(context.Background(), tx, raw) }); err != nil {
		t.Fatal(err)
	}
	if did, err := cjassess.RunNext(ctx, first); !did || err != nil {
		t.Fatalf("first worker: ran %v, err %v", did, err)
	}
	if n := len(firstPub.All()); n != 0 {
		t.Fatalf("the stopped worker published %d events", n)
	}

	second, pub := worker(newRecordingJudge())
	did, err := cjassess.RunNext(context.Background(), second)
	if err != nil || !did {
		t.Fatalf("second worker: ran %v, err %v; want it to take the released request within the first's hour-long lease", did, err)
	}
	if all := pub.All(); len(all) != 2 || all[0].Topic != events.TopicCJAssessmentCompleted {
		t.Fatalf("second worker published %+v, want the completion pair", all)
	}
	var attempts int
	if err := db.QueryRowContext(context.Background(), `SELECT attempts FROM cj_requests`).Scan(&attempts); err != nil {
		t.Fatal(err)
	}
	if attempts != 1 {
		t.Errorf("attempts = %d, want 1: a shutdown is not a failed attempt", attempts)
	}
}
