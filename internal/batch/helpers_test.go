package batch

import (
	"context"
	"database/sql"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/google/uuid"

	"github.com/hule-dev/hule/internal/bus"
	"github.com/hule-dev/hule/internal/bus/bustest"
	"github.com/hule-dev/hule/internal/events"
	"github.com/hule-dev/hule/internal/httpapi"
	"github.com/hule-dev/hule/internal/store"
	"github.com/hule-dev/hule/internal/store/storetest"
)

// routes captures the handlers a service registers, by topic.
type routes map[string]bus.Handler

func (r routes) Handle(_, topic string, h bus.Handler) { r[topic] = h }

// harness runs the batch service on a real database with a recorder in
// place of the bus.
type harness struct {
	t      *testing.T
	db     *store.DB
	rec    *bustest.Recorder
	svc    *Service
	routes routes
}

func dbKinds(t *testing.T, f func(t *testing.T, open func(t *testing.T) *store.DB)) {
	t.Run("sqlite", func(t *testing.T) {
		f(t, func(t *testing.T) *store.DB { return storetest.SQLite(t, Schema()) })
	})
	t.Run("postgres", func(t *testing.T) {
		f(t, func(t *testing.T) *store.DB {
			db, _ := storetest.Postgres(t, Schema())
			return db
		})
	})
}

func newHarness(t *testing.T, db *store.DB) *harness {
	t.Helper()
	if db == nil {
		db = storetest.SQLite(t, Schema())
	}
	h := &harness{t: t, db: db, rec: &bustest.Recorder{}, routes: routes{}}
	svc, err := New(Deps{DB: db, Bus: h.rec}, Config{MaxEssays: 50})
	if err != nil {
		t.Fatal(err)
	}
	h.svc = svc
	svc.Register(h.routes)
	return h
}

// send delivers data to batch's handler for its topic, as the bus would.
func (h *harness) send(data events.Event, corr uuid.UUID) error {
	h.t.Helper()
	if err := data.Validate(); err != nil {
		h.t.Fatalf("test event %s is invalid: %v", data.Topic(), err)
	}
	hd, ok := h.routes[data.Topic()]
	if !ok {
		h.t.Fatalf("batch has no handler for %s", data.Topic())
	}
	env := events.NewEnvelope(data.Topic(), "test", corr, data)
	b, err := events.Marshal(&env)
	if err != nil {
		h.t.Fatal(err)
	}
	raw, err := events.DecodeRaw(b)
	if err != nil {
		h.t.Fatal(err)
	}
	return store.InTx(context.Background(), h.db.DB, func(tx *sql.Tx) error {
		return hd(context.Background(), tx, raw)
	})
}

func (h *harness) must(data events.Event, corr uuid.UUID) {
	h.t.Helper()
	if err := h.send(data, corr); err != nil {
		h.t.Fatalf("handle %s: %v", data.Topic(), err)
	}
}

// register registers a batch of n essays for user u1.
func (h *harness) register(n int) Batch {
	h.t.Helper()
	b, err := h.svc.RegisterBatch(context.Background(), RegisterRequest{UserID: "u1", CourseCode: events.CourseCodeENG5, ExpectedEssayCount: n})
	if err != nil {
		h.t.Fatal(err)
	}
	return b
}

// ready delivers the provisioning completion with texts t<i> for the
// batch's essays.
func (h *harness) ready(b Batch) {
	h.t.Helper()
	var refs []events.EssayProcessingInputRefV1
	for i, id := range b.EssayIDs {
		refs = append(refs, events.EssayProcessingInputRefV1{EssayID: id, TextStorageID: textID(i)})
	}
	h.must(events.BatchContentProvisioningCompletedV1{
		Event: string(events.EventBatchContentProvisioningCompleted), BatchID: b.ID, ProvisionedCount: len(refs),
		ExpectedCount: len(refs), CourseCode: b.CourseCode, UserID: b.UserID, EssaysForProcessing: refs,
	}, uuid.New())
}

func textID(i int) string { return "t" + string(rune('0'+i)) }

// request delivers a pipeline request from the bus.
func (h *harness) request(batchID, user, pipeline string, corr uuid.UUID) {
	h.t.Helper()
	h.must(events.ClientBatchPipelineRequestV1{BatchID: batchID, RequestedPipeline: pipeline, UserID: user,
		ClientCorrelationID: corr}, corr)
}

// outcome delivers a phase outcome.
func (h *harness) outcome(batchID string, p events.PhaseName, st events.BatchStatus, corr uuid.UUID,
	ok map[string]string, failed ...string) {
	h.t.Helper()
	o := events.ELSBatchPhaseOutcomeV1{BatchID: batchID, PhaseName: p, PhaseStatus: st, CorrelationID: corr,
		ProcessedEssays: []events.EssayProcessingInputRefV1{}, FailedEssayIDs: failed}
	if o.FailedEssayIDs == nil {
		o.FailedEssayIDs = []string{}
	}
	for id, sid := range ok {
		o.ProcessedEssays = append(o.ProcessedEssays, events.EssayProcessingInputRefV1{EssayID: id, TextStorageID: sid})
	}
	h.must(o, corr)
}

// server serves the batch routes behind a stand-in for the gateway's
// auth: the X-Test-User header names the user.
func (h *harness) server() *httptest.Server {
	mux := http.NewServeMux()
	h.svc.Routes(mux)
	srv := httptest.NewServer(httpapi.Correlation(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if u := r.Header.Get("X-Test-User"); u != "" {
			r = r.WithContext(httpapi.WithUser(r.Context(), u))
		}
		mux.ServeHTTP(w, r)
	})))
	h.t.Cleanup(srv.Close)
	return srv
}
