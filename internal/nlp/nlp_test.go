package nlp

import (
	"context"
	"database/sql"
	"errors"
	"slices"
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
	"github.com/hule-dev/hule/internal/text/metrics"
)

// Essay texts. grammarText has an a/an error after a two-byte letter, so
// its byte and code-point offsets differ.
const (
	plainText = "Schools should start later in the morning. Teenagers need more sleep than adults, " +
		"and tired students learn less. Several studies show that later starts improve grades and attendance.\n\n" +
		"On the other hand, buses and sports would have to change. Parents who work early might find it hard. " +
		"Still, the benefits for health and learning are worth the effort."
	grammarText = "Åsa ate a apple in the garden. She said it was the best apple she had ever eaten."
)

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

func newFixture(t testing.TB, cs content.Store) *fixture {
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
	svc, err := New(Deps{DB: db, Bus: rec, Content: cs}, Config{})
	if err != nil {
		t.Fatal(err)
	}
	r := registrar{}
	svc.Register(r)
	h, ok := r[RequestTopic]
	if !ok {
		t.Fatalf("no handler registered for %s", RequestTopic)
	}
	return &fixture{db: db, rec: rec, content: cs, handler: h}
}

func (f *fixture) put(t testing.TB, text string) string {
	t.Helper()
	id, err := content.Save(context.Background(), f.content, "text/plain", []byte(text))
	if err != nil {
		t.Fatal(err)
	}
	return string(id)
}

func request(t testing.TB, batchID, lang string, refs ...events.EssayProcessingInputRefV1) events.Raw {
	t.Helper()
	data := events.BatchServiceNLPInitiateCommandDataV2{
		BaseEventData: events.BaseEventData{
			EventName: events.EventBatchNLPProcessingRequestedV2, EntityType: ptr("batch"), Timestamp: events.Now(),
		},
		EssaysToProcess: refs,
		Language:        lang,
	}
	if batchID != "" {
		data.EntityID = &batchID
	}
	env := events.NewEnvelope(RequestTopic, "hule-lifecycle", uuid.New(), data)
	env.SetMeta(events.MetaUserID, "teacher-1")
	b, err := events.Marshal(&env)
	if err != nil {
		t.Fatal(err)
	}
	raw, err := events.DecodeRaw(b)
	if err != nil {
		t.Fatalf("decode raw request: %v", err)
	}
	return raw
}

func (f *fixture) handle(t testing.TB, ev events.Raw) error {
	t.Helper()
	return store.InTx(context.Background(), f.db.DB, func(tx *sql.Tx) error {
		return f.handler(context.Background(), tx, ev)
	})
}

func summaryOf(t *testing.T, thin events.BatchNlpAnalysisCompletedV1) Summary {
	t.Helper()
	var s Summary
	if err := thin.ProcessingSummary.Decode(&s); err != nil {
		t.Fatalf("processing summary: %v", err)
	}
	return s
}

func TestAnalyzeBatch(t *testing.T) {
	f := newFixture(t, nil)
	plainID, grammarID := f.put(t, plainText), f.put(t, grammarText)
	ev := request(t, "batch-1", "en",
		events.EssayProcessingInputRefV1{EssayID: "e1", TextStorageID: plainID,
			SpellcheckMetrics: events.RawValue(`{"total_corrections":5,"word_count":58}`)},
		events.EssayProcessingInputRefV1{EssayID: "e2", TextStorageID: grammarID},
		events.EssayProcessingInputRefV1{EssayID: "e2", TextStorageID: grammarID}, // duplicate: once
	)
	if err := f.handle(t, ev); err != nil {
		t.Fatalf("handle: %v", err)
	}
	rich := bustest.Data[events.EssayNlpCompletedV1](t, f.rec, events.TopicEssayNLPCompleted)
	thin := bustest.Data[events.BatchNlpAnalysisCompletedV1](t, f.rec, events.TopicBatchNLPAnalysisCompleted)
	if len(rich) != 2 || len(thin) != 1 {
		t.Fatalf("published %d rich and %d thin events, want 2 and 1", len(rich), len(thin))
	}
	all := f.rec.All()
	if all[len(all)-1].Topic != events.TopicBatchNLPAnalysisCompleted {
		t.Errorf("last event on %s, want the thin batch event after the essays", all[len(all)-1].Topic)
	}

	e1, e2 := rich[0], rich[1]
	want := metrics.AnalyzeInput(metrics.Input{Text: plainText, Language: metrics.English})
	m := e1.NlpMetrics
	if e1.EssayID != "e1" || e1.TextStorageID != plainID || m.WordCount != want.WordCount ||
		m.SentenceCount != want.SentenceCount || m.AvgSentenceLength != want.AvgSentenceLength ||
		m.LanguageDetected != "en" || m.MTLDScore <= 0 || m.HDDScore <= 0 || m.MeanZipfFrequency <= 0 {
		t.Errorf("e1 = %s %+v, want the metrics of the plain text (words %d, sentences %d) with frequencies",
			e1.EssayID, m, want.WordCount, want.SentenceCount)
	}
	var meta map[string]any
	if err := e1.ProcessingMetadata.Decode(&meta); err != nil {
		t.Fatal(err)
	}
	if meta["spelling_corrections"] != float64(5) || meta["spelling_corrections_known"] != true ||
		meta["paragraph_count"] != float64(2) || meta["analyzer"] != AnalyzerVersion {
		t.Errorf("e1 processing metadata = %v", meta)
	}
	if e1.ParentID == nil || *e1.ParentID != "batch-1" {
		t.Errorf("e1 parent = %v, want batch-1", e1.ParentID)
	}

	g := e2.GrammarAnalysis
	i := slices.IndexFunc(g.Errors, func(e events.GrammarError) bool { return e.RuleID == metrics.RuleArticleAAn })
	if i < 0 || g.ErrorCount != len(g.Errors) || g.Language != "en" {
		t.Fatalf("e2 grammar = %+v, want an %s finding", g, metrics.RuleArticleAAn)
	}
	before, _, found := strings.Cut(grammarText, "a apple")
	wantOff := len([]rune(before))
	if !found {
		t.Fatal("test text lost its a/an error")
	}
	if ge := g.Errors[i]; ge.Offset != wantOff || ge.Length != 1 || !slices.Contains(ge.Replacements, "an") {
		t.Errorf("a/an finding %+v, want code-point offset %d, length 1, replacement an", ge, wantOff)
	}
	if g.GrammarRuleCounts == nil || (*g.GrammarRuleCounts)[metrics.RuleArticleAAn] != 1 {
		t.Errorf("rule counts = %v", g.GrammarRuleCounts)
	}

	th := thin[0]
	s := summaryOf(t, th)
	if th.Status != events.UpdateStatus(events.BatchStatusCompletedSuccessfully) || th.BatchID != "batch-1" ||
		s.TotalEssays != 2 || s.Successful != 2 || s.Failed != 0 ||
		!slices.Equal(s.SuccessfulEssayIDs, []string{"e1", "e2"}) || len(s.FailedEssayIDs) != 0 {
		t.Errorf("thin = %s %+v, want completed_successfully with e1, e2", th.Status, s)
	}
}

func TestFailedEssays(t *testing.T) {
	tests := []struct {
		name       string
		refs       func(f *fixture) []events.EssayProcessingInputRefV1
		wantStatus events.BatchStatus
		wantKind   bustest.Kind
		wantOK     []string
		wantFailed []string
	}{
		{
			name: "one missing text fails alone",
			refs: func(f *fixture) []events.EssayProcessingInputRefV1 {
				return []events.EssayProcessingInputRefV1{
					{EssayID: "e1", TextStorageID: f.put(t, plainText)},
					{EssayID: "e2", TextStorageID: string(content.NewID())},
					{EssayID: "e3", TextStorageID: f.put(t, grammarText)},
				}
			},
			wantStatus: events.BatchStatusCompletedWithFailures, wantKind: bustest.KindPublish,
			wantOK: []string{"e1", "e3"}, wantFailed: []string{"e2"},
		},
		{
			name: "every essay failing fails the batch",
			refs: func(f *fixture) []events.EssayProcessingInputRefV1 {
				return []events.EssayProcessingInputRefV1{
					{EssayID: "e1", TextStorageID: "malformed"},
					{EssayID: "e2", TextStorageID: f.put(t, "  \n ")},
				}
			},
			wantStatus: events.BatchStatusFailedCritically, wantKind: bustest.KindFailure,
			wantOK: []string{}, wantFailed: []string{"e1", "e2"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFixture(t, nil)
			if err := f.handle(t, request(t, "batch-1", "en", tt.refs(f)...)); err != nil {
				t.Fatalf("handle: %v", err)
			}
			rich := bustest.Data[events.EssayNlpCompletedV1](t, f.rec, events.TopicEssayNLPCompleted)
			thin := bustest.Data[events.BatchNlpAnalysisCompletedV1](t, f.rec, events.TopicBatchNLPAnalysisCompleted)
			if len(rich) != len(tt.wantOK) || len(thin) != 1 {
				t.Fatalf("published %d rich, %d thin, want %d and 1", len(rich), len(thin), len(tt.wantOK))
			}
			for i, r := range rich {
				if r.EssayID != tt.wantOK[i] {
					t.Errorf("rich event %d for %s, want %s", i, r.EssayID, tt.wantOK[i])
				}
			}
			s := summaryOf(t, thin[0])
			if thin[0].Status != events.UpdateStatus(tt.wantStatus) || !slices.Equal(s.SuccessfulEssayIDs, tt.wantOK) ||
				!slices.Equal(s.FailedEssayIDs, tt.wantFailed) || s.Failed != len(tt.wantFailed) {
				t.Errorf("thin = %s %+v, want %s ok %v failed %v", thin[0].Status, s, tt.wantStatus, tt.wantOK, tt.wantFailed)
			}
			var info map[string]any
			if err := thin[0].SystemMetadata.ErrorInfo.Decode(&info); err != nil {
				t.Fatal(err)
			}
			if info["error_code"] != string(events.ErrorCodeNLPServiceError) || s.FailureReasons[tt.wantFailed[0]] == "" {
				t.Errorf("error info %v, reasons %v: want the failure explained", info, s.FailureReasons)
			}
			all := f.rec.All()
			if k := all[len(all)-1].Kind; k != tt.wantKind {
				t.Errorf("thin event published as %s, want %s", k, tt.wantKind)
			}
		})
	}
}

func TestSwedishAndUnknownLanguage(t *testing.T) {
	tests := []struct {
		lang     string
		wantLang string
		wantZipf bool
	}{
		{"en", "en", true},
		{"sv", "sv", false},
		{"SV", "sv", false},
		{"de", "de", false},
	}
	for _, tt := range tests {
		t.Run(tt.lang, func(t *testing.T) {
			f := newFixture(t, nil)
			ev := request(t, "batch-1", tt.lang, events.EssayProcessingInputRefV1{EssayID: "e1", TextStorageID: f.put(t, plainText)})
			if err := f.handle(t, ev); err != nil {
				t.Fatal(err)
			}
			rich := bustest.Data[events.EssayNlpCompletedV1](t, f.rec, events.TopicEssayNLPCompleted)
			if len(rich) != 1 || rich[0].NlpMetrics.LanguageDetected != tt.wantLang ||
				(rich[0].NlpMetrics.MeanZipfFrequency > 0) != tt.wantZipf || rich[0].NlpMetrics.WordCount == 0 {
				t.Errorf("rich = %+v, want language %s, frequencies %v", rich, tt.wantLang, tt.wantZipf)
			}
		})
	}
}

type failingStore struct{ content.Store }

func (failingStore) Get(context.Context, content.ID) (content.Blob, error) {
	return content.Blob{}, errors.New("connection reset")
}

func TestRetriedAndPermanentErrors(t *testing.T) {
	fs, err := content.NewFileStore(t.TempDir(), 0)
	if err != nil {
		t.Fatal(err)
	}
	ref := events.EssayProcessingInputRefV1{EssayID: "e1", TextStorageID: string(content.NewID())}
	tests := []struct {
		name          string
		store         content.Store
		ev            func(t *testing.T) events.Raw
		wantPermanent bool
	}{
		{"content store unavailable is retried", failingStore{fs}, func(t *testing.T) events.Raw {
			return request(t, "batch-1", "en", ref)
		}, false},
		{"request without batch id", fs, func(t *testing.T) events.Raw {
			return request(t, "", "en", ref)
		}, true},
		{"request failing validation", fs, func(t *testing.T) events.Raw {
			ev := request(t, "batch-1", "en", ref)
			ev.Data = []byte(`{"event_name":"batch.nlp.processing.requested.v2","language":"en"}`)
			return ev
		}, true},
		{"request on another topic", fs, func(t *testing.T) events.Raw {
			ev := request(t, "batch-1", "en", ref)
			ev.EventType = events.TopicBatchNLPInitiateCommandV2
			return ev
		}, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFixture(t, tt.store)
			err := f.handle(t, tt.ev(t))
			if err == nil || fault.IsPermanent(err) != tt.wantPermanent {
				t.Fatalf("handle = %v, want permanent=%v", err, tt.wantPermanent)
			}
			if n := len(f.rec.All()); n != 0 {
				t.Errorf("published %d events, want none", n)
			}
		})
	}
}
