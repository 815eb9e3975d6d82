package results

import (
	"encoding/csv"
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/hule-dev/hule/internal/events"
	"github.com/hule-dev/hule/internal/httpapi"
)

func registration(t testing.TB, batchID, user string, at time.Duration) msg {
	return build(t, &events.BatchEssaysRegistered{EntityID: batchID, ExpectedEssayCount: 1, EssayIDs: []string{batchID + "-e1"},
		Metadata:   events.SystemProcessingMetadata{EntityID: batchID, EntityType: "batch", ErrorInfo: events.Object("{}")},
		CourseCode: events.CourseCodeENG5, UserID: user}, at, uuid.New(), user)
}

func completion(t testing.TB, batchID, user string, at time.Duration, status events.BatchStatus) msg {
	return build(t, &events.BatchPipelineCompletedV1{BatchID: batchID, CompletedPhases: []string{}, FinalStatus: status,
		ProcessingDurationSeconds: 1, CorrelationID: uuid.New(),
		Metadata: events.SystemProcessingMetadata{EntityID: batchID, EntityType: "batch", ErrorInfo: events.Object("{}")}},
		at, uuid.New(), user)
}

func errorCode(t testing.TB, body []byte) string {
	t.Helper()
	var e httpapi.ErrorBody
	if err := json.Unmarshal(body, &e); err != nil {
		t.Fatalf("error body %s: %v", body, err)
	}
	if e.Error.CorrelationID == "" || e.Error.Message == "" {
		t.Errorf("error body %s lacks message or correlation id", body)
	}
	return e.Error.Code
}

// TestRoutesAccess checks every route's answer to an unauthenticated
// caller, to another user and to unknown ids.
func TestRoutesAccess(t *testing.T) {
	f := sqliteFixture(t)
	f.mustFeed(scenario(t, f)...)
	routes := []string{
		"/v1/batches/" + scBatch,
		"/v1/batches/" + scBatch + "/results",
		"/v1/batches/" + scBatch + "/export?format=csv",
		"/v1/batches/" + scBatch + "/export?format=json",
		"/v1/batches/" + scBatch + "/essays/essay-a",
		"/v1/assignments/" + scAsg + "/analytics",
	}
	for _, path := range append(routes, "/v1/batches") {
		if w := f.get("", path, nil); w.Code != http.StatusUnauthorized || errorCode(t, w.Body.Bytes()) != "unauthenticated" {
			t.Errorf("GET %s without user: %d %s, want 401", path, w.Code, w.Body)
		}
		if w := f.get(scUser, path, nil); w.Code != http.StatusOK {
			t.Errorf("GET %s as owner: %d %s, want 200", path, w.Code, w.Body)
		}
	}
	for _, path := range routes {
		if w := f.get("intruder", path, nil); w.Code != http.StatusNotFound || errorCode(t, w.Body.Bytes()) != "not_found" {
			t.Errorf("GET %s as another user: %d %s, want 404", path, w.Code, w.Body)
		}
	}
	for _, path := range []string{
		"/v1/batches/nope", "/v1/batches/nope/results", "/v1/batches/nope/export", "/v1/batches/nope/essays/essay-a",
		"/v1/batches/" + scBatch + "/essays/nope", "/v1/batches/" + scBatch + "/essays/anchor-1", "/v1/assignments/nope/analytics",
	} {
		if w := f.get(scUser, path, nil); w.Code != http.StatusNotFound {
			t.Errorf("GET %s: %d, want 404", path, w.Code)
		}
	}
	var other BatchList
	f.get("intruder", "/v1/batches", &other)
	if len(other.Batches) != 0 {
		t.Errorf("another user lists %d batches, want 0", len(other.Batches))
	}
}

// TestListBatches pages through a user's batches newest first and filters
// them by status.
func TestListBatches(t *testing.T) {
	eachDB(t, testListBatches)
}

func testListBatches(t *testing.T, f *fixture) {
	for i := range 5 {
		f.mustFeed(registration(t, fmt.Sprintf("b%d", i), "u1", time.Duration(i)*time.Minute))
	}
	f.mustFeed(registration(t, "other", "u2", time.Hour))
	f.mustFeed(completion(t, "b1", "u1", time.Hour, events.BatchStatusCompletedSuccessfully),
		completion(t, "b3", "u1", time.Hour, events.BatchStatusCompletedWithFailures),
		completion(t, "b4", "u1", time.Hour, events.BatchStatusFailedCritically))

	var ids []string
	cur := ""
	for page := 0; ; page++ {
		var l BatchList
		path := "/v1/batches?limit=2"
		if cur != "" {
			path += "&cursor=" + cur
		}
		if w := f.get("u1", path, &l); w.Code != 200 {
			t.Fatalf("GET %s: %d %s", path, w.Code, w.Body)
		}
		if len(l.Batches) > 2 {
			t.Fatalf("page %d has %d batches, limit 2", page, len(l.Batches))
		}
		for _, b := range l.Batches {
			ids = append(ids, b.BatchID)
			if b.EssayCount != 1 || b.CreatedAt.IsZero() || b.Phases == nil {
				t.Errorf("batch %+v lacks essay count, created time or phases", b)
			}
		}
		if l.NextCursor == nil {
			break
		}
		if page > 5 {
			t.Fatal("pagination does not end")
		}
		cur = *l.NextCursor
	}
	if want := []string{"b4", "b3", "b2", "b1", "b0"}; !slices.Equal(ids, want) {
		t.Errorf("paged ids %v, want %v", ids, want)
	}

	filters := []struct {
		query string
		want  []string
	}{
		{"completed", []string{"b3", "b1"}},
		{"completed_successfully", []string{"b1"}},
		{"failed,awaiting_content_validation", []string{"b4", "b2", "b0"}},
		{"processing", nil},
	}
	for _, c := range filters {
		var l BatchList
		if w := f.get("u1", "/v1/batches?status="+c.query, &l); w.Code != 200 {
			t.Fatalf("status=%s: %d %s", c.query, w.Code, w.Body)
		}
		var got []string
		for _, b := range l.Batches {
			got = append(got, b.BatchID)
		}
		if !slices.Equal(got, c.want) {
			t.Errorf("status=%s: %v, want %v", c.query, got, c.want)
		}
	}
	for _, q := range []string{"status=bogus", "limit=0", "limit=101", "limit=x", "cursor=***", "cursor=bm90anNvbg"} {
		if w := f.get("u1", "/v1/batches?"+q, nil); w.Code != http.StatusBadRequest || errorCode(t, w.Body.Bytes()) != "invalid_request" {
			t.Errorf("GET /v1/batches?%s: %d %s, want 400", q, w.Code, w.Body)
		}
	}
}

func TestExport(t *testing.T) {
	f := sqliteFixture(t)
	f.mustFeed(scenario(t, f)...)
	w := f.get(scUser, "/v1/batches/"+scBatch+"/export?format=csv", nil)
	if w.Code != 200 || !strings.HasPrefix(w.Header().Get("Content-Type"), "text/csv") {
		t.Fatalf("csv export: %d %s", w.Code, w.Header().Get("Content-Type"))
	}
	if got, want := w.Header().Get("Content-Disposition"), `attachment; filename="Class_9B__argument-results.csv"`; got != want {
		t.Errorf("Content-Disposition %q, want %q", got, want)
	}
	rows, err := csv.NewReader(w.Body).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) != 5 {
		t.Fatalf("%d csv rows, want header + 3 students + 1 anchor", len(rows))
	}
	if !slices.Equal(rows[0], csvHeader) {
		t.Errorf("header %v", rows[0])
	}
	col := func(name string) int { return slices.Index(csvHeader, name) }
	first := rows[1]
	if first[col("rank")] != "1" || first[col("essay_id")] != "essay-b" || first[col("file_name")] != "bo.txt" ||
		first[col("grade")] != "A" || first[col("se")] != "0.5" || first[col("is_anchor")] != "false" {
		t.Errorf("first row %v", first)
	}
	if last := rows[4]; last[col("is_anchor")] != "true" || last[col("essay_id")] != "anchor-1" {
		t.Errorf("anchor row %v", last)
	}
	for i, r := range rows {
		if len(r) != len(csvHeader) {
			t.Errorf("row %d has %d fields, want %d", i, len(r), len(csvHeader))
		}
	}

	w = f.get(scUser, "/v1/batches/"+scBatch+"/export?format=json", nil)
	var res BatchResults
	if err := json.Unmarshal(w.Body.Bytes(), &res); err != nil || len(res.Essays) != 3 || len(res.Anchors) != 1 {
		t.Errorf("json export: %v, %d essays %d anchors", err, len(res.Essays), len(res.Anchors))
	}
	if !strings.HasSuffix(w.Header().Get("Content-Disposition"), `-results.json"`) {
		t.Errorf("json Content-Disposition %q", w.Header().Get("Content-Disposition"))
	}
	if w := f.get(scUser, "/v1/batches/"+scBatch+"/export?format=xml", nil); w.Code != http.StatusBadRequest {
		t.Errorf("format=xml: %d, want 400", w.Code)
	}
}

func TestEssayDetail(t *testing.T) {
	f := sqliteFixture(t)
	f.mustFeed(scenario(t, f)...)
	var d EssayDetail
	if w := f.get(scUser, "/v1/batches/"+scBatch+"/essays/essay-a", &d); w.Code != 200 {
		t.Fatalf("essay: %d %s", w.Code, w.Body)
	}
	if d.OriginalText == nil || *d.OriginalText != "Anna writes wel about school." {
		t.Errorf("original text %v", d.OriginalText)
	}
	if d.CorrectedText == nil || !strings.HasSuffix(*d.CorrectedText, "(corrected)") {
		t.Errorf("corrected text %v", d.CorrectedText)
	}
	want := Correction{Offset: 12, RuneOffset: 12, Original: "wel", Replacement: "well", Source: "dictionary"}
	if len(d.Corrections) != 1 || d.Corrections[0] != want {
		t.Errorf("corrections %+v, want [%+v]", d.Corrections, want)
	}
	if orig := *d.OriginalText; orig[want.Offset:want.Offset+len(want.Original)] != want.Original {
		t.Errorf("correction offset %d does not point at %q in %q", want.Offset, want.Original, orig)
	}
	var nlp events.NlpMetrics
	if err := json.Unmarshal(d.NLPMetrics, &nlp); err != nil || nlp.WordCount != 5 || nlp.MTLDScore != 40 {
		t.Errorf("nlp metrics %s: %v", d.NLPMetrics, err)
	}
	var grammar events.GrammarAnalysis
	if err := json.Unmarshal(d.Grammar, &grammar); err != nil || grammar.Language != "en" {
		t.Errorf("grammar %s: %v", d.Grammar, err)
	}
	if len(d.Comparisons) != 3 {
		t.Fatalf("comparisons %+v, want the 3 judged ones", d.Comparisons)
	}
	c0, c1, c2 := d.Comparisons[0], d.Comparisons[1], d.Comparisons[2]
	if c0.OpponentID != "essay-b" || c0.OpponentFileName != "bo.txt" || c0.Won == nil || *c0.Won || c0.Justification != "B argues more clearly." {
		t.Errorf("first comparison %+v", c0)
	}
	if c1.Position != "B" || c1.Won == nil || !*c1.Won || c1.WinnerID != "essay-a" {
		t.Errorf("second comparison %+v, want a win as essay B", c1)
	}
	if !c2.OpponentIsAnchor || c2.OpponentGrade != "B" || c2.OpponentFileName != "Anchor B" {
		t.Errorf("anchor comparison %+v", c2)
	}

	// Without content for the texts, the fields are null, not an error.
	f.svc.content = nil
	var bare EssayDetail
	if w := f.get(scUser, "/v1/batches/"+scBatch+"/essays/essay-c", &bare); w.Code != 200 {
		t.Fatalf("essay without content: %d", w.Code)
	}
	if bare.OriginalText != nil || bare.CorrectedText != nil || len(bare.Corrections) != 0 || len(bare.Comparisons) != 0 {
		t.Errorf("essay without content %+v", bare)
	}
	if bare.Grade == nil || *bare.Grade != "E" {
		t.Errorf("essay-c grade %v, want E", bare.Grade)
	}
}

func TestAssignmentAnalytics(t *testing.T) {
	f := sqliteFixture(t)
	f.mustFeed(scenario(t, f)...)
	// A second batch of the same assignment with one graded essay.
	res := example(t, events.TopicAssessmentResultPublished)
	f.mustFeed(example(t, events.TopicBatchEssaysRegistered), res)
	var a AssignmentAnalytics
	if w := f.get(scUser, "/v1/assignments/"+scAsg+"/analytics", &a); w.Code != 200 {
		t.Fatalf("analytics: %d %s", w.Code, w.Body)
	}
	if len(a.Batches) != 1 || a.Batches[0].BatchID != scBatch || a.EssaysAssessed != 3 || a.MeanSSR == nil || *a.MeanSSR != 0.83 {
		t.Errorf("analytics %+v", a)
	}
	if a.NormalizedScores == nil || a.NormalizedScores.Count != 3 || a.NormalizedScores.Max != 0.9 {
		t.Errorf("normalized scores %+v", a.NormalizedScores)
	}
	// The example batch belongs to another teacher and another assignment.
	var other AssignmentAnalytics
	if w := f.get("teacher-31f0", "/v1/assignments/eng5-argumentative-2025/analytics", &other); w.Code != 200 ||
		len(other.Batches) != 1 || other.EssaysAssessed != 3 {
		t.Errorf("other teacher's analytics: %d %+v", w.Code, other)
	}
}
