package results

import (
	"testing"
)

// BenchmarkScenario measures handling the events of one three-essay batch
// (about 35 events, each in its own transaction) on SQLite.
func BenchmarkScenario(b *testing.B) {
	var n int
	for b.Loop() {
		b.StopTimer()
		f := sqliteFixture(b)
		ms := scenario(b, f)
		n = len(ms)
		b.StartTimer()
		f.mustFeed(ms...)
	}
	b.ReportMetric(float64(n), "events/op")
}

// BenchmarkResultsRoute measures GET /v1/batches/{id}/results for the
// scenario's batch on SQLite.
func BenchmarkResultsRoute(b *testing.B) {
	f := sqliteFixture(b)
	f.mustFeed(scenario(b, f)...)
	for b.Loop() {
		if w := f.get(scUser, "/v1/batches/"+scBatch+"/results", nil); w.Code != 200 {
			b.Fatalf("status %d", w.Code)
		}
	}
}
