package client_test

import (
	"bytes"
	"encoding/json"
	"reflect"
	"testing"

	"github.com/hule-dev/hule/internal/batch"
	"github.com/hule-dev/hule/internal/cjassess"
	"github.com/hule-dev/hule/internal/client"
	"github.com/hule-dev/hule/internal/content"
	"github.com/hule-dev/hule/internal/gateway"
	"github.com/hule-dev/hule/internal/results"
)

// TestShapesMatchTheServices checks that each client type has exactly the
// JSON fields of the service response it decodes: the service's value
// decodes into the client type with unknown fields refused, and the
// client's value back into the service type the same way. Nested lists
// hold one element so that their fields are compared too.
func TestShapesMatchTheServices(t *testing.T) {
	f := 0.5
	n := 3
	s := "x"
	tests := []struct {
		name    string
		service any // a pointer to a populated service response
		client  any // a pointer to the zero client type
	}{
		{"register", &batch.RegisterResponse{EssayIDs: []string{"e"}}, &client.Registration{}},
		{"pipeline accepted", &batch.PipelineResponse{}, &client.PipelineAccepted{}},
		{"pipeline state", &batch.StateResponse{CompletedPhases: []string{"spellcheck"},
			Runs: []batch.RunResponse{{Phases: []string{"nlp"}, SkippedPhases: []string{"spellcheck"}, CurrentPhase: "nlp",
				FinalStatus: "completed_successfully", RefusalCode: "c", RefusalReason: "r"}}}, &client.PipelineState{}},
		{"upload", &content.UploadResponse{Files: []content.UploadedFile{{RawStorageID: "r", TextStorageID: "t",
			Error: &content.UploadError{Code: "EMPTY_CONTENT"}}}}, &client.UploadResult{}},
		{"batch list", &results.BatchList{NextCursor: &s, Batches: []results.BatchSummary{{
			Phases: []results.PhaseProgress{{SkipReason: "r", Error: "e", DurationSeconds: &f}}}}}, &client.BatchPage{}},
		{"batch status", &results.BatchDetail{
			BatchSummary: results.BatchSummary{Phases: []results.PhaseProgress{{SkipReason: "r", Error: "e"}}},
			Pipelines:    []results.PipelineRun{{CompletedPhases: []string{"nlp"}, SuccessfulEssays: &n, FailedEssays: &n, DurationSeconds: &f}},
			Failures:     []results.Failure{{EssayID: &s}},
			Analytics: results.Analytics{GradeDistribution: []results.GradeCount{{Grade: "A", Count: 1}}, BTScores: &results.Stats{},
				NormalizedScores: &results.Stats{}, SSR: &f, SSRReading: &results.SSRReading{}, Comparisons: &n,
				MeanSpellingDensity: &f, MeanWordCount: &f, MeanMTLD: &f, PhaseDurations: map[string]float64{"nlp": 1}},
		}, &client.BatchStatus{}},
		{"results", &results.BatchResults{SSR: &f, SSRReading: &results.SSRReading{},
			Essays:  []results.EssayResult{{Rank: &n, Grade: &s, Failures: []results.Failure{{}}}},
			Anchors: []results.AnchorResult{{SE: &f}}}, &client.BatchResults{}},
		{"essay", &results.EssayDetail{Corrections: []results.Correction{{}}, Segments: []results.Segment{{Original: &s, Source: "dictionary"}},
			Comparisons: []results.Comparison{{OpponentGrade: "B", Won: new(bool), Confidence: &f, Judge: "offline"}}, NLPMetrics: json.RawMessage(`{"a":1}`),
			TextMetrics: json.RawMessage(`{"b":2}`), Grammar: json.RawMessage(`[]`)}, &client.EssayDetail{}},
		{"anchor", &cjassess.AnchorView{CreatedAt: "2026-11-27T10:00:00Z"}, &client.Anchor{}},
		{"anchor list", &cjassess.AnchorList{Anchors: []cjassess.AnchorView{{CreatedAt: "2026-11-27T10:00:00Z"}}}, &client.AnchorList{}},
		{"assignment", &results.AssignmentAnalytics{Batches: []results.AssignmentBatch{{GradeDistribution: []results.GradeCount{{}}}}},
			&client.AssignmentAnalytics{}}, {"notification", &gateway.Notification{Type: "phase_progress", Category: "batch_progress", Priority: "low", BatchID: "b",
			Payload: map[string]any{"done": 1}}, &client.Notification{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b, err := json.Marshal(tt.service)
			if err != nil {
				t.Fatal(err)
			}
			if err := strict(b, tt.client); err != nil {
				t.Fatalf("service JSON has a field the client lacks: %v\n%s", err, b)
			}
			back, err := json.Marshal(tt.client)
			if err != nil {
				t.Fatal(err)
			}
			fresh := reflect.New(reflect.TypeOf(tt.service).Elem()).Interface()
			if err := strict(back, fresh); err != nil {
				t.Fatalf("client type has a field the service does not send: %v\n%s", err, back)
			}
		})
	}
}

func strict(b []byte, v any) error {
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	return dec.Decode(v)
}

// TestAnchorRequestMatchesTheService checks the body AddAnchor sends
// against the anchor route's request type, unknown fields refused as the
// route does.
func TestAnchorRequestMatchesTheService(t *testing.T) {
	b, err := json.Marshal(client.NewAnchor{Grade: "B", DisplayName: "a.txt", Text: "text", Scale: "swedish_8_anchor"})
	if err != nil {
		t.Fatal(err)
	}
	var got cjassess.AnchorRequest
	if err := strict(b, &got); err != nil {
		t.Fatalf("anchor request %s: %v", b, err)
	}
	if got.Grade != "B" || got.DisplayName != "a.txt" || got.Text != "text" || got.Scale != "swedish_8_anchor" {
		t.Errorf("service decoded %+v", got)
	}
}
