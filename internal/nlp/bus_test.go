package nlp

import (
	"context"
	"database/sql"
	"testing"
	"time"

	"github.com/hule-dev/hule/internal/bus"
	"github.com/hule-dev/hule/internal/bus/bustest"
	"github.com/hule-dev/hule/internal/content"
	"github.com/hule-dev/hule/internal/events"
	"github.com/hule-dev/hule/internal/store"
	"github.com/hule-dev/hule/internal/store/storetest"
)

// TestOnSQLiteTopics runs the service on the real bus with SQLite topics:
// a request on RequestTopic, which has no Go type in the events package,
// travels, is decoded and answered with the rich and thin events.
func TestOnSQLiteTopics(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	db := storetest.SQLite(t, Schema())
	fs, err := content.NewFileStore(t.TempDir(), 0)
	if err != nil {
		t.Fatal(err)
	}
	defer fs.Close()
	b := bustest.SQLiteBus(t, db)
	svc, err := New(Deps{DB: db, Bus: b, Content: fs}, Config{})
	if err != nil {
		t.Fatal(err)
	}
	svc.Register(b)
	got := make(chan string, 4)
	collect := func(_ context.Context, _ *sql.Tx, ev events.Raw) error {
		got <- ev.EventType
		return nil
	}
	b.Handle("test", events.TopicEssayNLPCompleted, collect)
	b.Handle("test", events.TopicBatchNLPAnalysisCompleted, collect)

	f := &fixture{content: fs}
	id := f.put(t, plainText)
	req := request(t, "batch-1", "en", events.EssayProcessingInputRefV1{EssayID: "e1", TextStorageID: id})
	data, err := DecodeRequest(req)
	if err != nil {
		t.Fatal(err)
	}
	env := events.NewEnvelope(RequestTopic, "hule-lifecycle", req.CorrelationID, data)

	bustest.Start(ctx, t, b)
	if err := store.InTx(ctx, db.DB, func(tx *sql.Tx) error { return b.Publish(ctx, tx, bus.Event(env)) }); err != nil {
		t.Fatal(err)
	}
	seen := map[string]int{}
	for len(seen) < 2 {
		select {
		case topic := <-got:
			seen[topic]++
		case <-ctx.Done():
			t.Fatalf("saw %v before the timeout, want one rich and one thin event", seen)
		}
	}
	if seen[events.TopicEssayNLPCompleted] != 1 || seen[events.TopicBatchNLPAnalysisCompleted] != 1 {
		t.Errorf("saw %v, want one event on each topic", seen)
	}
}
