package events

import (
	"fmt"
	"testing"

	"github.com/google/uuid"
)

// benchThin builds a CJAssessmentCompletedV1 envelope for n essays.
func benchThin(n int) Envelope[CJAssessmentCompletedV1] {
	ids := make([]string, n)
	for i := range ids {
		ids[i] = fmt.Sprintf("essay-%05d-%s", i, uuid.NewString()[:8])
	}
	var d CJAssessmentCompletedV1
	d.SetDefaults()
	batch, typ := "batch-1", "batch"
	d.EntityID, d.EntityType = &batch, &typ
	d.Timestamp = Now()
	d.Status = UpdateStatus(BatchStatusCompletedSuccessfully)
	stage := ProcessingStageCompleted
	d.SystemMetadata = SystemProcessingMetadata{EntityID: batch, EntityType: typ, Timestamp: Now(), ProcessingStage: &stage, ErrorInfo: Object("{}")}
	d.CJAssessmentJobID = "42"
	d.ProcessingSummary = MustObject(CJProcessingSummary{TotalEssays: n, Successful: n, SuccessfulEssayIDs: ids, FailedEssayIDs: []string{}, ProcessingTimeSeconds: 12.5})
	return NewEnvelope(d.Topic(), "cj_assessment_service", uuid.New(), d)
}

// benchRich builds an AssessmentResultV1 envelope for n essays.
func benchRich(n int) Envelope[AssessmentResultV1] {
	var d AssessmentResultV1
	d.SetDefaults()
	batch, typ := "batch-1", "batch"
	d.EntityID, d.EntityType = &batch, &typ
	d.Timestamp = Now()
	d.BatchID, d.CJAssessmentJobID = batch, "42"
	d.AssessmentMethod, d.ModelUsed, d.ModelProvider = "cj_assessment", "offline-features", "internal"
	grades := []string{"A", "B+", "B", "C-", "D", "E", "F", "U"}
	labels := []ConfidenceLabel{ConfidenceLabelHigh, ConfidenceLabelMid, ConfidenceLabelLow}
	d.EssayResults = make([]EssayResultV1, n)
	for i := range d.EssayResults {
		d.EssayResults[i] = EssayResultV1{
			EssayID:         fmt.Sprintf("essay-%05d-%s", i, uuid.NewString()[:8]),
			NormalizedScore: float64(n-i) / float64(n),
			LetterGrade:     grades[i%len(grades)],
			ConfidenceScore: 0.5 + float64(i%50)/100,
			ConfidenceLabel: labels[i%3],
			BTScore:         2.5 - 5*float64(i)/float64(n),
			Rank:            i + 1,
		}
	}
	d.AssessmentMetadata = MustObject(map[string]any{"anchor_essays_used": 0, "comparison_count": 6 * n})
	d.AssessedAt = Now()
	return NewEnvelope(d.Topic(), "cj_assessment_service", uuid.New(), d)
}

var benchSizes = []int{30, 300, 3000}

func BenchmarkEncode(b *testing.B) {
	for _, n := range benchSizes {
		thin, rich := benchThin(n), benchRich(n)
		b.Run(fmt.Sprintf("thin/%d", n), func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if _, err := Marshal(thin); err != nil {
					b.Fatal(err)
				}
			}
		})
		b.Run(fmt.Sprintf("rich/%d", n), func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if _, err := Marshal(rich); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

func BenchmarkDecodeValidate(b *testing.B) {
	for _, n := range benchSizes {
		thin, _ := Marshal(benchThin(n))
		rich, _ := Marshal(benchRich(n))
		b.Run(fmt.Sprintf("thin/%d", n), func(b *testing.B) {
			b.ReportAllocs()
			b.SetBytes(int64(len(thin)))
			for b.Loop() {
				env, err := Decode(thin)
				if err != nil {
					b.Fatal(err)
				}
				// A consumer reads the summary too; count it.
				var s CJProcessingSummary
				if err := env.Data.(*CJAssessmentCompletedV1).ProcessingSummary.Decode(&s); err != nil {
					b.Fatal(err)
				}
			}
		})
		b.Run(fmt.Sprintf("rich/%d", n), func(b *testing.B) {
			b.ReportAllocs()
			b.SetBytes(int64(len(rich)))
			for b.Loop() {
				if _, err := Decode(rich); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
