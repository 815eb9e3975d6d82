package cjassess_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/hule-dev/hule/internal/cjassess"
	"github.com/hule-dev/hule/internal/events"
	"github.com/hule-dev/hule/internal/store/storetest"
)

// storeImpls are the Store implementations every store test runs
// against; open returns a fresh, empty store on each call.
var storeImpls = []struct {
	name string
	open func(t *testing.T) cjassess.Store
}{
	{"sqlite", func(t *testing.T) cjassess.Store { return sqliteStore(t) }},
	{"postgres", func(t *testing.T) cjassess.Store {
		db, _ := storetest.Postgres(t, cjassess.Schema())
		return cjassess.NewSQLStore(db.DB)
	}},
}

// TestStore runs one suite against every Store implementation.
func TestStore(t *testing.T) {
	for _, impl := range storeImpls {
		t.Run(impl.name, func(t *testing.T) {
			t.Run("jobs", func(t *testing.T) { testStoreJobs(t, impl.open(t)) })
			t.Run("anchors", func(t *testing.T) { testStoreAnchors(t, impl.open(t)) })
		})
	}
}

func testStoreJobs(t *testing.T, st cjassess.Store) {
	ctx := context.Background()
	job := cjassess.JobRecord{
		ID: "job-1", BatchID: "batch-1", AssignmentID: "as-1", Seed: 1<<63 + 5,
		Settings: cjassess.Settings{Scale: "swedish_8_anchor", Concurrency: 3},
		Essays: []cjassess.EssayRecord{
			{ID: "e1", StorageID: "s1"},
			{ID: "e2", FailedReason: "content not found"},
			{ID: "a1", Anchor: true, KnownGrade: "C+", DisplayName: "anchor one"},
		},
	}
	got, created, err := st.CreateJob(ctx, job)
	if err != nil || !created {
		t.Fatalf("CreateJob = %v, created %v; want created", err, created)
	}
	if got.State != events.CJBatchStateInitializing || got.Seed != job.Seed || got.Settings.Concurrency != 3 {
		t.Errorf("stored job = state %s seed %d settings %+v", got.State, got.Seed, got.Settings)
	}
	if len(got.Essays) != 3 || got.Essays[1].FailedReason == "" || !got.Essays[2].Anchor || got.Essays[2].KnownGrade != "C+" {
		t.Errorf("stored essays = %+v", got.Essays)
	}
	job.BatchID = "changed"
	again, created, err := st.CreateJob(ctx, job)
	if err != nil || created || again.BatchID != "batch-1" {
		t.Errorf("second CreateJob = %v, created %v, batch %s; want the stored job untouched", err, created, again.BatchID)
	}
	if _, err := st.Job(ctx, "nope"); !errors.Is(err, cjassess.ErrJobNotFound) {
		t.Errorf("Job(nope) err = %v, want ErrJobNotFound", err)
	}

	comps := []cjassess.ComparisonRecord{
		{EssayA: "e1", EssayB: "a1", Attempt: 1, Status: cjassess.StatusSucceeded, Winner: "a1", Justification: "clearer",
			Confidence: 4, Raw: `{"winner":"Essay B"}`, Model: "m", Provider: "openai", InputTokens: 900, OutputTokens: 40,
			CostUSD: 0.0012, Latency: 1500 * time.Millisecond},
		{EssayA: "a1", EssayB: "e1", Attempt: 1, Status: cjassess.StatusFailed, Error: "429"},
	}
	if err := st.SaveComparisons(ctx, "job-1", comps); err != nil {
		t.Fatalf("SaveComparisons: %v", err)
	}
	if err := st.SaveComparisons(ctx, "job-1", comps[:1]); err == nil {
		t.Error("saving the same pair and attempt twice succeeded, want a constraint error")
	}
	back, err := st.Comparisons(ctx, "job-1")
	if err != nil {
		t.Fatal(err)
	}
	if len(back) != 2 {
		t.Fatalf("comparisons = %d, want 2", len(back))
	}
	c := back[0]
	if c.Winner != "a1" || c.Confidence != 4 || c.InputTokens != 900 || c.CostUSD != 0.0012 || c.Latency != 1500*time.Millisecond || c.Raw == "" {
		t.Errorf("comparison round trip = %+v", c)
	}
	if back[1].Status != cjassess.StatusFailed || back[1].Error != "429" || back[1].Winner != "" {
		t.Errorf("failed comparison = %+v", back[1])
	}

	if err := st.SetJobState(ctx, "job-1", events.CJBatchStateFailed, "CJ_INSUFFICIENT_COMPARISONS", "too few"); err != nil {
		t.Fatal(err)
	}
	if err := st.SaveResults(ctx, "job-1", 0.87, []cjassess.EssayResult{{ID: "e1", Rank: 1, Score: 0.5, SE: 0.3, Grade: "C"}}); err != nil {
		t.Fatal(err)
	}
	got, err = st.Job(ctx, "job-1")
	if err != nil {
		t.Fatal(err)
	}
	if got.State != events.CJBatchStateFailed || got.ErrorCode != "CJ_INSUFFICIENT_COMPARISONS" || got.SSR == nil || *got.SSR != 0.87 {
		t.Errorf("job after update = state %s code %s ssr %v", got.State, got.ErrorCode, got.SSR)
	}
	if err := st.SetJobState(ctx, "nope", events.CJBatchStateCompleted, "", ""); !errors.Is(err, cjassess.ErrJobNotFound) {
		t.Errorf("SetJobState(nope) err = %v, want ErrJobNotFound", err)
	}
}

func testStoreAnchors(t *testing.T, st cjassess.Store) {
	ctx := context.Background()
	a1, err := cjassess.NewAnchor("as-1", "B", "good.txt", "A good essay.\n", "", "")
	if err != nil {
		t.Fatal(err)
	}
	a2, err := cjassess.NewAnchor("as-1", "E", "weak.txt", "weak essay", "9f3c2b1a0d8e4f6a7b5c4d3e2f1a0b9c", "")
	if err != nil {
		t.Fatal(err)
	}
	for _, a := range []cjassess.AnchorRecord{a1, a2} {
		if err := st.AddAnchor(ctx, a); err != nil {
			t.Fatalf("AddAnchor %s: %v", a.DisplayName, err)
		}
	}
	// The same text (modulo line endings and surrounding space) again.
	dup, err := cjassess.NewAnchor("as-1", "C", "copy.txt", "  A good essay.\r\n", "", "")
	if err != nil {
		t.Fatal(err)
	}
	if err := st.AddAnchor(ctx, dup); !errors.Is(err, cjassess.ErrDuplicateAnchor) {
		t.Errorf("duplicate AddAnchor err = %v, want ErrDuplicateAnchor", err)
	}
	other, _ := cjassess.NewAnchor("as-2", "C", "good.txt", "A good essay.", "", "")
	if err := st.AddAnchor(ctx, other); err != nil {
		t.Errorf("same text for another assignment: %v, want accepted", err)
	}
	list, err := st.Anchors(ctx, "as-1")
	if err != nil {
		t.Fatal(err)
	}
	if len(list) != 2 || list[0].Grade != "B" || list[0].Text != "A good essay.\n" || list[1].StorageID == "" || list[1].Text != "" {
		t.Errorf("anchors = %+v", list)
	}
	if err := st.DeleteAnchor(ctx, a1.ID); err != nil {
		t.Fatal(err)
	}
	if err := st.DeleteAnchor(ctx, a1.ID); !errors.Is(err, cjassess.ErrAnchorNotFound) {
		t.Errorf("second delete err = %v, want ErrAnchorNotFound", err)
	}
	if list, _ := st.Anchors(ctx, "as-1"); len(list) != 1 {
		t.Errorf("after delete %d anchors, want 1", len(list))
	}
}

func TestNewAnchorChecks(t *testing.T) {
	tests := []struct {
		name, assignment, grade, text, scale string
	}{
		{"empty assignment", "", "B", "text", ""},
		{"empty text", "as", "B", "  ", ""},
		{"grade off scale", "as", "Q", "text", ""},
		{"unknown scale", "as", "B", "text", "nope"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := cjassess.NewAnchor(tt.assignment, tt.grade, "f.txt", tt.text, "", tt.scale); err == nil {
				t.Error("NewAnchor accepted it, want an error")
			}
		})
	}
}
