package lifecycle

import (
	"fmt"
	"testing"
)

// BenchmarkBatchThroughLifecycle measures lifecycle's own handling of one
// batch of 50 essays on SQLite: registration, 50 uploads, the spellcheck
// command and 50 thin results, up to the phase outcome (103 handler
// transactions). essays/s is the figure to compare.
func BenchmarkBatchThroughLifecycle(b *testing.B) {
	const n = 50
	h := newHarness(b, nil)
	i := 0
	for b.Loop() {
		i++
		id := fmt.Sprintf("bench-%d", i)
		h.must(registered(id, n))
		var r []string
		for k := range n {
			text := fmt.Sprintf("%s-t%d", id, k)
			h.must(content(id, text))
			r = append(r, fmt.Sprintf("%s-e%d", id, k+1), text)
		}
		h.must(spellcheckCmd(id, refs(r...)))
		for k := range n {
			h.must(spellDone(id, fmt.Sprintf("%s-e%d", id, k+1), true, "c"))
		}
	}
	b.StopTimer()
	if got := len(h.outcomes()); got != i {
		b.Fatalf("%d outcomes for %d batches", got, i)
	}
	b.ReportMetric(float64(i*n)/b.Elapsed().Seconds(), "essays/s")
}
