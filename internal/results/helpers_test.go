package results

import (
	"context"
	"database/sql"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/hule-dev/hule/internal/bus"
	"github.com/hule-dev/hule/internal/bus/bustest"
	"github.com/hule-dev/hule/internal/content"
	"github.com/hule-dev/hule/internal/events"
	"github.com/hule-dev/hule/internal/httpapi"
	"github.com/hule-dev/hule/internal/store"
	"github.com/hule-dev/hule/internal/store/storetest"
)

// registrar captures the handlers a service registers.
type registrar map[string]bus.Handler

func (r registrar) Handle(group, topic string, h bus.Handler) {
	if group != Group {
		panic("unexpected group " + group)
	}
	r[topic] = h
}

// fixture is a results service on a real database with a recording
// publisher and a file content store.
type fixture struct {
	t        testing.TB
	db       *store.DB
	rec      *bustest.Recorder
	svc      *Service
	content  *content.FileStore
	handlers registrar
	mux      *http.ServeMux
}

func newFixture(t testing.TB, db *store.DB) *fixture {
	t.Helper()
	cs, err := content.NewFileStore(t.TempDir(), content.DefaultMaxSize)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = cs.Close() })
	rec := &bustest.Recorder{}
	svc, err := New(Deps{DB: db, Bus: rec, Content: cs}, Config{})
	if err != nil {
		t.Fatal(err)
	}
	f := &fixture{t: t, db: db, rec: rec, svc: svc, content: cs, handlers: registrar{}, mux: newMux(svc)}
	svc.Register(f.handlers)
	return f
}

func newMux(svc *Service) *http.ServeMux {
	mux := http.NewServeMux()
	svc.Routes(mux)
	return mux
}

func sqliteFixture(t testing.TB) *fixture {
	t.Helper()
	return newFixture(t, storetest.SQLite(t, Schema()))
}

// msg is one event to feed: its envelope, already encoded and decoded
// like the bus does.
type msg struct {
	topic string
	raw   events.Raw
}

// base time of the scenarios.
var t0 = time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)

// build wraps data in an envelope at t0+offset, with the user in metadata
// when user is not empty, and runs it through encoding and DecodeRaw.
func build(t testing.TB, data events.Event, offset time.Duration, corr uuid.UUID, user string, meta ...string) msg {
	t.Helper()
	if err := data.Validate(); err != nil {
		t.Fatalf("test event %s invalid: %v", data.Topic(), err)
	}
	env := events.NewEnvelope(data.Topic(), "test", corr, data)
	env.EventTimestamp = events.AsTime(t0.Add(offset))
	if user != "" {
		env.SetMeta(events.MetaUserID, user)
	}
	for i := 0; i+1 < len(meta); i += 2 {
		env.SetMeta(meta[i], meta[i+1])
	}
	b, err := events.Marshal(&env)
	if err != nil {
		t.Fatal(err)
	}
	raw, err := events.DecodeRaw(b)
	if err != nil {
		t.Fatal(err)
	}
	return msg{topic: data.Topic(), raw: raw}
}

// example returns the events package's example of topic as a msg.
func example(t testing.TB, topic string) msg {
	t.Helper()
	env, ok := events.Example(topic)
	if !ok {
		t.Fatalf("no example for %s", topic)
	}
	b, err := events.Marshal(&env)
	if err != nil {
		t.Fatal(err)
	}
	raw, err := events.DecodeRaw(b)
	if err != nil {
		t.Fatal(err)
	}
	return msg{topic: topic, raw: raw}
}

// feed handles m in a transaction, as the bus would.
func (f *fixture) feed(m msg) error {
	h, ok := f.handlers[m.topic]
	if !ok {
		f.t.Fatalf("no handler for %s", m.topic)
	}
	return store.InTx(context.Background(), f.db.DB, func(tx *sql.Tx) error {
		return h(context.Background(), tx, m.raw)
	})
}

func (f *fixture) mustFeed(ms ...msg) {
	f.t.Helper()
	for _, m := range ms {
		if err := f.feed(m); err != nil {
			f.t.Fatalf("handle %s: %v", m.topic, err)
		}
	}
}

// notes decodes the notifications published so far.
func (f *fixture) notes() []events.TeacherNotificationRequestedV1 {
	f.t.Helper()
	return bustest.Data[events.TeacherNotificationRequestedV1](f.t, f.rec, events.TopicTeacherNotificationRequested)
}

func noteTypes(ns []events.TeacherNotificationRequestedV1) []string {
	out := make([]string, len(ns))
	for i, n := range ns {
		out[i] = n.NotificationType
	}
	return out
}

func payloadOf(t testing.TB, n events.TeacherNotificationRequestedV1) map[string]any {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal(n.Payload, &m); err != nil {
		t.Fatal(err)
	}
	return m
}

// get calls a route as user and decodes a JSON answer into v (when v is
// not nil); it returns the recorder.
func (f *fixture) get(user, path string, v any) *httptest.ResponseRecorder {
	f.t.Helper()
	req := httptest.NewRequest(http.MethodGet, path, nil)
	if user != "" {
		req = req.WithContext(httpapi.WithUser(req.Context(), user))
	}
	w := httptest.NewRecorder()
	httpapi.Correlation(f.mux).ServeHTTP(w, req)
	if v != nil && w.Code == http.StatusOK {
		if err := json.Unmarshal(w.Body.Bytes(), v); err != nil {
			f.t.Fatalf("GET %s: decode %s: %v", path, w.Body.String(), err)
		}
	}
	return w
}

func (f *fixture) put(data string) string {
	f.t.Helper()
	id := content.NewID()
	if err := f.content.Put(context.Background(), id, "text/plain", []byte(data)); err != nil {
		f.t.Fatal(err)
	}
	return string(id)
}

func ptr[T any](v T) *T { return &v }
