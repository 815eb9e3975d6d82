package events

import (
	stdjson "encoding/json"
	"fmt"
	"syscall"
	"testing"
	"time"

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

// cpuTime is the process's user+system CPU time. The benchmarks report it
// per op next to wall time: on a shared machine wall time includes waiting
// for a core, CPU time does not.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// loop runs f b.N times, reporting allocations and CPU time per op.
func loop(b *testing.B, f func() error) {
	b.ReportAllocs()
	start := cpuTime()
	n := 0
	for b.Loop() {
		if err := f(); err != nil {
			b.Fatal(err)
		}
		n++
	}
	b.ReportMetric(float64(cpuTime()-start)/float64(n), "cpu-ns/op")
}

func BenchmarkEncode(b *testing.B) {
	for _, n := range benchSizes {
		thin, rich := benchThin(n), benchRich(n)
		b.Run(fmt.Sprintf("thin/%d", n), func(b *testing.B) {
			loop(b, func() error { _, err := Marshal(thin); return err })
		})
		b.Run(fmt.Sprintf("rich/%d", n), func(b *testing.B) {
			loop(b, func() error { _, err := Marshal(rich); return err })
		})
	}
}

func BenchmarkDecodeValidate(b *testing.B) {
	for _, n := range benchSizes {
		thin, _ := Marshal(benchThin(n))
		rich, _ := Marshal(benchRich(n))
		b.Run(fmt.Sprintf("thin/%d", n), func(b *testing.B) {
			b.SetBytes(int64(len(thin)))
			loop(b, func() error { _, err := Decode(thin); return err })
		})
		// The thin event keeps processing_summary as raw (validated) JSON;
		// a consumer that needs the essay ids decodes it too. This variant
		// counts that.
		b.Run(fmt.Sprintf("thin+summary/%d", n), func(b *testing.B) {
			b.SetBytes(int64(len(thin)))
			loop(b, func() error {
				env, err := Decode(thin)
				if err != nil {
					return err
				}
				var s CJProcessingSummary
				return env.Data.(*CJAssessmentCompletedV1).ProcessingSummary.Decode(&s)
			})
		})
		b.Run(fmt.Sprintf("rich/%d", n), func(b *testing.B) {
			b.SetBytes(int64(len(rich)))
			loop(b, func() error { _, err := Decode(rich); return err })
		})
	}
}

// BenchmarkStdlib is the yardstick measured in the same run: encoding/json
// decoding the same envelopes into the same types (without any contract
// checks) and encoding them through reflection of the plain struct (an
// alias type without the MarshalJSON methods). On a shared machine the
// ratio to BenchmarkDecodeValidate and BenchmarkEncode is steadier than
// either absolute figure.
func BenchmarkStdlib(b *testing.B) {
	type plainEssays struct {
		BaseEventData
		BatchID            string          `json:"batch_id"`
		CJAssessmentJobID  string          `json:"cj_assessment_job_id"`
		AssignmentID       *string         `json:"assignment_id"`
		AssessmentMethod   string          `json:"assessment_method"`
		ModelUsed          string          `json:"model_used"`
		ModelProvider      string          `json:"model_provider"`
		ModelVersion       *string         `json:"model_version"`
		EssayResults       []EssayResultV1 `json:"essay_results"`
		AssessmentMetadata map[string]any  `json:"assessment_metadata"`
		AssessedAt         Time            `json:"assessed_at"`
	}
	type plainEnvelope struct {
		EventID        string         `json:"event_id"`
		EventType      string         `json:"event_type"`
		EventTimestamp Time           `json:"event_timestamp"`
		SourceService  string         `json:"source_service"`
		SchemaVersion  int            `json:"schema_version"`
		CorrelationID  string         `json:"correlation_id"`
		DataSchemaURI  *string        `json:"data_schema_uri"`
		Data           plainEssays    `json:"data"`
		Metadata       map[string]any `json:"metadata"`
	}
	for _, n := range benchSizes {
		rich, _ := Marshal(benchRich(n))
		var env plainEnvelope
		if err := stdjson.Unmarshal(rich, &env); err != nil {
			b.Fatal(err)
		}
		b.Run(fmt.Sprintf("decode/rich/%d", n), func(b *testing.B) {
			b.SetBytes(int64(len(rich)))
			loop(b, func() error {
				var e plainEnvelope
				return stdjson.Unmarshal(rich, &e)
			})
		})
		b.Run(fmt.Sprintf("encode/rich/%d", n), func(b *testing.B) {
			loop(b, func() error { _, err := stdjson.Marshal(&env); return err })
		})
	}
}
