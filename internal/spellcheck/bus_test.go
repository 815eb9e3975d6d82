package spellcheck

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
// one essay that checks and one whose text is missing give a completion
// pair and a lone thin failure.
func TestOnSQLiteTopics(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
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
	type seenEvent struct {
		topic  string
		status string
	}
	got := make(chan seenEvent, 4)
	b.Handle("test", events.TopicSpellcheckPhaseCompleted, func(_ context.Context, _ *sql.Tx, ev events.Raw) error {
		d, err := events.DecodeData[events.SpellcheckPhaseCompletedV1](ev)
		got <- seenEvent{ev.EventType, string(d.Status)}
		return err
	})
	b.Handle("test", events.TopicSpellcheckResults, func(_ context.Context, _ *sql.Tx, ev events.Raw) error {
		got <- seenEvent{ev.EventType, ""}
		return nil
	})

	f := &fixture{content: fs}
	reqs := []events.Raw{request(t, f.put(t, errorText), "en", nil), request(t, string(content.NewID()), "en", nil)}
	bustest.Start(ctx, t, b)
	err = store.InTx(ctx, db.DB, func(tx *sql.Tx) error {
		for _, r := range reqs {
			data, err := events.DecodeData[events.EssayLifecycleSpellcheckRequestV1](r)
			if err != nil {
				return err
			}
			env := events.NewEnvelope(r.EventType, r.SourceService, r.CorrelationID, data)
			if err := b.Publish(ctx, tx, bus.Event(env)); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	seen := map[seenEvent]int{}
	for n := 0; n < 3; n++ {
		select {
		case e := <-got:
			seen[e]++
		case <-ctx.Done():
			t.Fatalf("saw %v before the timeout", seen)
		}
	}
	want := map[seenEvent]int{
		{events.TopicSpellcheckPhaseCompleted, string(events.ProcessingStatusCompleted)}: 1,
		{events.TopicSpellcheckPhaseCompleted, string(events.ProcessingStatusFailed)}:    1,
		{events.TopicSpellcheckResults, ""}:                                              1,
	}
	for k, v := range want {
		if seen[k] != v {
			t.Errorf("saw %v, want %v", seen, want)
			break
		}
	}
}
