//nolint:misspell // deliberate misspellings: the spell checker under test corrects them
package spellcheck

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"strings"
	"testing"

	"github.com/google/uuid"

	"github.com/hule-dev/hule/internal/bus"
	"github.com/hule-dev/hule/internal/bus/bustest"
	"github.com/hule-dev/hule/internal/content"
	"github.com/hule-dev/hule/internal/events"
	"github.com/hule-dev/hule/internal/fault"
	"github.com/hule-dev/hule/internal/store"
	"github.com/hule-dev/hule/internal/store/storetest"
	"github.com/hule-dev/hule/internal/text/lexicon"
)

// errorText has four learner-table errors (recieve, teh, beleive,
// wonderfull) and two only the dictionary fixes (elephint, jungel).
const errorText = "I recieve teh letter yesterday and I beleive it was a wonderfull elephint in the jungel."

const wantCorrected = "I receive the letter yesterday and I believe it was a wonderful elephant in the jungle."

// registrar keeps the handlers a service registers.
type registrar map[string]bus.Handler

func (r registrar) Handle(group, topic string, h bus.Handler) {
	if group != Group {
		panic("unexpected group " + group)
	}
	r[topic] = h
}

type fixture struct {
	db      *store.DB
	rec     *bustest.Recorder
	content content.Store
	handler bus.Handler
}

func newFixture(t testing.TB, cs content.Store, cfg Config) *fixture {
	t.Helper()
	db := storetest.SQLite(t, Schema())
	if cs == nil {
		fs, err := content.NewFileStore(t.TempDir(), 0)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { _ = fs.Close() })
		cs = fs
	}
	rec := &bustest.Recorder{}
	svc, err := New(Deps{DB: db, Bus: rec, Content: cs}, cfg)
	if err != nil {
		t.Fatal(err)
	}
	r := registrar{}
	svc.Register(r)
	h, ok := r[events.TopicEssaySpellcheckRequested]
	if !ok {
		t.Fatalf("no handler registered for %s", events.TopicEssaySpellcheckRequested)
	}
	return &fixture{db: db, rec: rec, content: cs, handler: h}
}

// put stores text and returns its storage id.
func (f *fixture) put(t testing.TB, text string) string {
	t.Helper()
	id, err := content.Save(context.Background(), f.content, "text/plain", []byte(text))
	if err != nil {
		t.Fatal(err)
	}
	return string(id)
}

// request builds the raw request event for one essay.
func request(t testing.TB, textID, lang string, meta map[string]any) events.Raw {
	t.Helper()
	req := events.EssayLifecycleSpellcheckRequestV1{
		ProcessingUpdate: events.ProcessingUpdate{
			BaseEventData: events.BaseEventData{
				EventName: events.EventEssaySpellcheckRequested, EntityID: ptr("essay-1"),
				EntityType: ptr("essay"), ParentID: ptr("batch-1"), Timestamp: events.Now(),
			},
			Status: events.UpdateStatus(events.EssayStatusAwaitingSpellcheck),
			SystemMetadata: events.SystemProcessingMetadata{
				EntityID: "essay-1", EntityType: "essay", ParentID: ptr("batch-1"), Timestamp: events.Now(),
			},
		},
		TextStorageID: textID,
		Language:      lang,
	}
	env := events.NewEnvelope(req.Topic(), "hule-lifecycle", uuid.New(), req)
	env.SetMeta(events.MetaUserID, "teacher-1")
	for k, v := range meta {
		env.SetMeta(k, v)
	}
	return toRaw(t, &env)
}

func toRaw(t testing.TB, env any) events.Raw {
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

func (f *fixture) handle(t testing.TB, ev events.Raw) error {
	t.Helper()
	return store.InTx(context.Background(), f.db.DB, func(tx *sql.Tx) error {
		return f.handler(context.Background(), tx, ev)
	})
}

func TestCheckSuccess(t *testing.T) {
	f := newFixture(t, nil, Config{})
	textID := f.put(t, errorText)
	ev := request(t, textID, "en", nil)
	if err := f.handle(t, ev); err != nil {
		t.Fatalf("handle: %v", err)
	}

	all := f.rec.All()
	if len(all) != 2 || all[0].Kind != bustest.KindCompletion || all[1].Kind != bustest.KindCompletion ||
		all[0].Topic != events.TopicSpellcheckPhaseCompleted || all[1].Topic != events.TopicSpellcheckResults {
		t.Fatalf("published %+v, want one completion pair (thin, rich)", kinds(all))
	}
	thin := bustest.Data[events.SpellcheckPhaseCompletedV1](t, f.rec, events.TopicSpellcheckPhaseCompleted)[0]
	rich := bustest.Data[events.SpellcheckResultV1](t, f.rec, events.TopicSpellcheckResults)[0]

	wantID := string(content.DerivedID(ev.EventID.String(), "corrected"))
	if thin.Status != events.ProcessingStatusCompleted || thin.CorrectedTextStorageID == nil ||
		*thin.CorrectedTextStorageID != wantID || thin.EntityID != "essay-1" || thin.BatchID != "batch-1" ||
		thin.CorrelationID != ev.CorrelationID.String() || thin.ErrorCode != nil {
		t.Errorf("thin = %+v, want completed essay-1/batch-1 with corrected id %s", thin, wantID)
	}
	blob, err := f.content.Get(context.Background(), content.ID(wantID))
	if err != nil {
		t.Fatalf("corrected text: %v", err)
	}
	if got := string(blob.Data); got != wantCorrected {
		t.Errorf("corrected text = %q, want %q", got, wantCorrected)
	}

	// The fix over the original: real metrics, not zeros.
	m := rich.CorrectionMetrics
	want := events.SpellcheckMetricsV1{TotalCorrections: 6, L2DictionaryCorrections: 4,
		SpellcheckerCorrections: 2, WordCount: 16, CorrectionDensity: 6.0 / 16 * 100}
	if m.TotalCorrections != want.TotalCorrections || m.L2DictionaryCorrections != want.L2DictionaryCorrections ||
		m.SpellcheckerCorrections != want.SpellcheckerCorrections || m.WordCount != want.WordCount ||
		m.CorrectionDensity < want.CorrectionDensity-1e-9 || m.CorrectionDensity > want.CorrectionDensity+1e-9 {
		t.Errorf("metrics = %+v, want %+v", m, want)
	}
	if rich.CorrectionsMade != 6 || rich.OriginalTextStorageID != textID || rich.CorrectedTextStorageID == nil ||
		*rich.CorrectedTextStorageID != wantID || rich.UserID == nil || *rich.UserID != "teacher-1" ||
		rich.Status != events.UpdateStatus(events.EssayStatusSpellcheckedSuccess) {
		t.Errorf("rich = %+v", rich)
	}

	// The corrections list is stored and referenced from the rich envelope.
	env, err := all[1].Decode()
	if err != nil {
		t.Fatal(err)
	}
	listID := env.MetaString(MetaCorrectionsStorageID)
	blob, err = f.content.Get(context.Background(), content.ID(listID))
	if err != nil {
		t.Fatalf("corrections list %q: %v", listID, err)
	}
	var list []Correction
	if err := json.Unmarshal(blob.Data, &list); err != nil {
		t.Fatalf("corrections list: %v", err)
	}
	if blob.ContentType != CorrectionsContentType || len(list) != 6 || list[0].Original != "recieve" ||
		list[0].Replacement != "receive" || list[0].Offset != 2 || list[0].Source != "learner" ||
		list[4].Source != "dictionary" {
		t.Errorf("corrections list (%s) = %+v", blob.ContentType, list)
	}
	if env.MetaString(events.MetaUserID) != "teacher-1" {
		t.Errorf("rich envelope user_id = %q, want teacher-1", env.MetaString(events.MetaUserID))
	}
}

func TestRedeliveryIsIdempotent(t *testing.T) {
	f := newFixture(t, nil, Config{})
	ev := request(t, f.put(t, errorText), "en", nil)
	var ids []string
	for range 2 {
		f.rec.Reset()
		if err := f.handle(t, ev); err != nil {
			t.Fatal(err)
		}
		thin := bustest.Data[events.SpellcheckPhaseCompletedV1](t, f.rec, events.TopicSpellcheckPhaseCompleted)
		if len(thin) != 1 || thin[0].CorrectedTextStorageID == nil {
			t.Fatalf("thin events = %+v", thin)
		}
		ids = append(ids, *thin[0].CorrectedTextStorageID)
	}
	if ids[0] != ids[1] {
		t.Errorf("corrected text ids %s and %s, want the same on redelivery", ids[0], ids[1])
	}
	// A different request for the same text stores under another id.
	f.rec.Reset()
	if err := f.handle(t, request(t, f.put(t, errorText), "en", nil)); err != nil {
		t.Fatal(err)
	}
	other := bustest.Data[events.SpellcheckPhaseCompletedV1](t, f.rec, events.TopicSpellcheckPhaseCompleted)[0]
	if *other.CorrectedTextStorageID == ids[0] {
		t.Errorf("two requests share corrected id %s", ids[0])
	}
}

func TestAllowList(t *testing.T) {
	tests := []struct {
		name string
		meta map[string]any
		want string
	}{
		{"no list", nil, "elephant"},
		{"json list", map[string]any{MetaAllowList: []any{"Elephint", 3}}, "elephint"},
		{"comma string", map[string]any{MetaAllowList: "foo, elephint"}, "elephint"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFixture(t, nil, Config{})
			if err := f.handle(t, request(t, f.put(t, "The big elephint slept."), "en", tt.meta)); err != nil {
				t.Fatal(err)
			}
			thin := bustest.Data[events.SpellcheckPhaseCompletedV1](t, f.rec, events.TopicSpellcheckPhaseCompleted)[0]
			blob, err := f.content.Get(context.Background(), content.ID(*thin.CorrectedTextStorageID))
			if err != nil {
				t.Fatal(err)
			}
			if got := string(blob.Data); !strings.Contains(got, " "+tt.want+" ") {
				t.Errorf("corrected text %q, want it to contain %q", got, tt.want)
			}
		})
	}
}

func TestEssayFailures(t *testing.T) {
	tests := []struct {
		name     string
		text     *string // stored when not nil
		textID   string  // used when text is nil
		lang     string
		wantCode events.ErrorCode
		wantMsg  string
	}{
		{"text missing from content", nil, string(content.NewID()), "en", events.ErrorCodeResourceNotFound, "not in the content store"},
		{"malformed storage id", nil, "not-an-id", "en", events.ErrorCodeResourceNotFound, "malformed storage id"},
		{"empty text", ptr(" \n\t "), "", "en", events.ErrorCodeValidationError, "empty"},
		{"swedish without dictionary", ptr("Jag har en hund."), "", "sv", events.ErrorCodeConfigurationError, "hunspell-sv"},
		{"unsupported language", ptr("Ich habe einen Hund."), "", "de", events.ErrorCodeValidationError, `language "de" is not supported`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			// An empty dictionary directory stands for a server without hunspell-sv.
			f := newFixture(t, nil, Config{DictDir: t.TempDir()})
			id := tt.textID
			if tt.text != nil {
				id = f.put(t, *tt.text)
			}
			if err := f.handle(t, request(t, id, tt.lang, nil)); err != nil {
				t.Fatalf("handle returned %v, want the essay failed and the event handled", err)
			}
			all := f.rec.All()
			if len(all) != 1 || all[0].Kind != bustest.KindFailure || all[0].Topic != events.TopicSpellcheckPhaseCompleted {
				t.Fatalf("published %v, want one thin failure", kinds(all))
			}
			thin := bustest.Data[events.SpellcheckPhaseCompletedV1](t, f.rec, events.TopicSpellcheckPhaseCompleted)[0]
			if thin.Status != events.ProcessingStatusFailed || thin.ErrorCode == nil || *thin.ErrorCode != string(tt.wantCode) ||
				thin.CorrectedTextStorageID != nil || thin.EntityID != "essay-1" || thin.BatchID != "batch-1" {
				t.Errorf("thin = %+v, want failed with %s", thin, tt.wantCode)
			}
			env, err := all[0].Decode()
			if err != nil {
				t.Fatal(err)
			}
			if msg := env.MetaString(MetaErrorMessage); !strings.Contains(msg, tt.wantMsg) {
				t.Errorf("error message %q, want it to mention %q", msg, tt.wantMsg)
			}
		})
	}
}

// failingStore fails every Get with a transient error.
type failingStore struct{ content.Store }

func (failingStore) Get(context.Context, content.ID) (content.Blob, error) {
	return content.Blob{}, errors.New("disk on fire")
}

func TestRetriedAndPermanentErrors(t *testing.T) {
	t.Run("content store unavailable is retried", func(t *testing.T) {
		fs, err := content.NewFileStore(t.TempDir(), 0)
		if err != nil {
			t.Fatal(err)
		}
		f := newFixture(t, failingStore{fs}, Config{})
		err = f.handle(t, request(t, string(content.NewID()), "en", nil))
		if err == nil || fault.IsPermanent(err) {
			t.Fatalf("handle = %v, want a transient error", err)
		}
		if n := len(f.rec.All()); n != 0 {
			t.Errorf("published %d events, want none before the retry", n)
		}
	})
	t.Run("invalid request is dead-lettered", func(t *testing.T) {
		f := newFixture(t, nil, Config{})
		ev := request(t, "x", "en", nil)
		ev.Data = []byte(`{"event_name":"essay.spellcheck.requested","status":"awaiting_spellcheck","language":"en"}`)
		err := f.handle(t, ev)
		if err == nil || !fault.IsPermanent(err) {
			t.Fatalf("handle = %v, want a permanent error", err)
		}
		if n := len(f.rec.All()); n != 0 {
			t.Errorf("published %d events, want none", n)
		}
	})
}

func TestNewChecksDeps(t *testing.T) {
	fs, err := content.NewFileStore(t.TempDir(), 0)
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		deps Deps
		cfg  Config
	}{
		{"no bus", Deps{Content: fs}, Config{}},
		{"no content", Deps{Bus: &bustest.Recorder{}}, Config{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := New(tt.deps, tt.cfg); err == nil {
				t.Error("New succeeded, want an error")
			}
		})
	}
}

func kinds(ps []bustest.Published) []string {
	out := make([]string, len(ps))
	for i, p := range ps {
		out[i] = string(p.Kind) + " " + p.Topic
	}
	return out
}

func TestSwedishWithDictionary(t *testing.T) {
	if testing.Short() || raceEnabled {
		t.Skip("loading the Swedish dictionary takes seconds (minutes under -race)")
	}
	if _, err := lexicon.Swedish(""); err != nil {
		t.Skipf("Swedish dictionary not installed here: %v", err)
	}
	f := newFixture(t, nil, Config{})
	if err := f.handle(t, request(t, f.put(t, "Jag har en hund och en katt. Vi bor i ett hus."), "sv", nil)); err != nil {
		t.Fatal(err)
	}
	thin := bustest.Data[events.SpellcheckPhaseCompletedV1](t, f.rec, events.TopicSpellcheckPhaseCompleted)
	rich := bustest.Data[events.SpellcheckResultV1](t, f.rec, events.TopicSpellcheckResults)
	if len(thin) != 1 || thin[0].Status != events.ProcessingStatusCompleted || len(rich) != 1 ||
		rich[0].CorrectionMetrics.WordCount != 12 {
		t.Errorf("thin %+v rich %+v, want a completed Swedish essay of 12 words", thin, rich)
	}
}
