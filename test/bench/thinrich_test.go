package bench

import (
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/hule-dev/hule/internal/events"
)

// The batch sizes of issue 8: a class, a school year, a district.
var batchSizes = []int{30, 300, 3000}

// batch is one batch's worth of encoded envelopes on one topic, as the bus
// would deliver them to lifecycle.
type batch [][]byte

func (b batch) bytes() int {
	n := 0
	for _, m := range b {
		n += len(m)
	}
	return n
}

func essayID(i int) string { return fmt.Sprintf("essay-%05d", i) }

// example returns the example envelope of topic with a fresh event id, so
// scaled copies are distinct events.
func example(tb testing.TB, topic string) events.Envelope[events.Event] {
	tb.Helper()
	env, ok := events.Example(topic)
	if !ok {
		tb.Fatalf("no example for %s", topic)
	}
	env.EventID = uuid.New()
	return env
}

func marshal(tb testing.TB, env events.Envelope[events.Event]) []byte {
	tb.Helper()
	b, err := events.Marshal(env)
	if err != nil {
		tb.Fatalf("marshal %s: %v", env.EventType, err)
	}
	return b
}

// cjThin is the thin CJ completion of a batch of n essays: one
// CJAssessmentCompletedV1 whose processing summary lists every essay id.
func cjThin(tb testing.TB, n int) batch {
	env := example(tb, events.TopicCJAssessmentCompleted)
	d := env.Data.(*events.CJAssessmentCompletedV1)
	var s events.CJProcessingSummary
	if err := d.ProcessingSummary.Decode(&s); err != nil {
		tb.Fatal(err)
	}
	s.TotalEssays, s.Successful = n, n
	s.SuccessfulEssayIDs = make([]string, n)
	for i := range n {
		s.SuccessfulEssayIDs[i] = essayID(i)
	}
	d.ProcessingSummary = events.MustObject(s)
	return batch{marshal(tb, env)}
}

// cjRich is the rich CJ result of the same batch: one AssessmentResultV1
// with every essay's score, grade, confidence and rank.
func cjRich(tb testing.TB, n int) batch {
	env := example(tb, events.TopicAssessmentResultPublished)
	d := env.Data.(*events.AssessmentResultV1)
	tmpl := d.EssayResults
	d.EssayResults = make([]events.EssayResultV1, n)
	for i := range n {
		r := tmpl[i%len(tmpl)]
		r.EssayID = essayID(i)
		r.Rank = i + 1
		r.NormalizedScore = float64(n-i) / float64(n)
		r.BTScore = 2.5 - 5*float64(i)/float64(n)
		d.EssayResults[i] = r
	}
	return batch{marshal(tb, env)}
}

// spellThin is the thin spellcheck completions of a batch: one
// SpellcheckPhaseCompletedV1 per essay.
func spellThin(tb testing.TB, n int) batch {
	out := make(batch, n)
	for i := range n {
		env := example(tb, events.TopicSpellcheckPhaseCompleted)
		d := env.Data.(*events.SpellcheckPhaseCompletedV1)
		d.EntityID = essayID(i)
		out[i] = marshal(tb, env)
	}
	return out
}

// spellRich is the rich spellcheck results of a batch: one
// SpellcheckResultV1 per essay with its correction metrics.
func spellRich(tb testing.TB, n int) batch {
	out := make(batch, n)
	for i := range n {
		env := example(tb, events.TopicSpellcheckResults)
		d := env.Data.(*events.SpellcheckResultV1)
		id := essayID(i)
		d.EntityID = &id
		d.SystemMetadata.EntityID = id
		d.CorrectionsMade = i % 17
		d.CorrectionMetrics.TotalCorrections = i % 17
		out[i] = marshal(tb, env)
	}
	return out
}

// consume is what lifecycle does with a batch's messages: decode and
// validate each envelope and its data, and extract the essay ids that
// finished (all lifecycle needs to settle the phase).
type consume func(batch) ([]string, error)

func decode[T any, P interface {
	*T
	events.Event
}](m []byte) (T, error) {
	raw, err := events.DecodeRaw(m)
	if err != nil {
		var zero T
		return zero, err
	}
	return events.DecodeData[T, P](raw)
}

func consumeCJThin(b batch) ([]string, error) {
	var ids []string
	for _, m := range b {
		d, err := decode[events.CJAssessmentCompletedV1](m)
		if err != nil {
			return nil, err
		}
		var s events.CJProcessingSummary
		if err := d.ProcessingSummary.Decode(&s); err != nil {
			return nil, err
		}
		ids = append(ids, s.SuccessfulEssayIDs...)
	}
	return ids, nil
}

func consumeCJRich(b batch) ([]string, error) {
	var ids []string
	for _, m := range b {
		d, err := decode[events.AssessmentResultV1](m)
		if err != nil {
			return nil, err
		}
		for _, r := range d.EssayResults {
			ids = append(ids, r.EssayID)
		}
	}
	return ids, nil
}

func consumeSpellThin(b batch) ([]string, error) {
	ids := make([]string, 0, len(b))
	for _, m := range b {
		d, err := decode[events.SpellcheckPhaseCompletedV1](m)
		if err != nil {
			return nil, err
		}
		ids = append(ids, d.EntityID)
	}
	return ids, nil
}

func consumeSpellRich(b batch) ([]string, error) {
	ids := make([]string, 0, len(b))
	for _, m := range b {
		d, err := decode[events.SpellcheckResultV1](m)
		if err != nil {
			return nil, err
		}
		ids = append(ids, d.SystemMetadata.EntityID)
	}
	return ids, nil
}

// pair is one phase's thin and rich way of telling lifecycle the same
// thing.
type pair struct {
	phase                    string
	thin, rich               func(testing.TB, int) batch
	consumeThin, consumeRich consume
}

var pairs = []pair{
	{"cj", cjThin, cjRich, consumeCJThin, consumeCJRich},
	{"spellcheck", spellThin, spellRich, consumeSpellThin, consumeSpellRich},
}

// TestSameInformation checks the premise of the benchmarks: for every
// phase and size both forms decode, validate, and yield the same essays.
func TestSameInformation(t *testing.T) {
	for _, p := range pairs {
		for _, n := range []int{1, 30, 300} {
			t.Run(fmt.Sprintf("%s/%d", p.phase, n), func(t *testing.T) {
				thin, err := p.consumeThin(p.thin(t, n))
				if err != nil {
					t.Fatalf("consume thin: %v", err)
				}
				rich, err := p.consumeRich(p.rich(t, n))
				if err != nil {
					t.Fatalf("consume rich: %v", err)
				}
				if len(thin) != n {
					t.Errorf("thin: got %d essay ids, want %d", len(thin), n)
				}
				slices.Sort(thin)
				slices.Sort(rich)
				if !slices.Equal(thin, rich) {
					t.Errorf("essay ids differ: thin %v, rich %v", thin[:min(3, len(thin))], rich[:min(3, len(rich))])
				}
			})
		}
	}
}

// BenchmarkLifecycleConsume measures lifecycle's cost of one batch's
// completion information: decode + validate time, allocations and bytes on
// the wire (bytes/batch), thin completion events against the same
// information read from the rich events.
func BenchmarkLifecycleConsume(b *testing.B) {
	for _, p := range pairs {
		for _, n := range batchSizes {
			for _, form := range []struct {
				name    string
				build   func(testing.TB, int) batch
				consume consume
			}{{"thin", p.thin, p.consumeThin}, {"rich", p.rich, p.consumeRich}} {
				msgs := form.build(b, n)
				b.Run(fmt.Sprintf("%s/%s/%d", p.phase, form.name, n), func(b *testing.B) {
					b.ReportAllocs()
					b.SetBytes(int64(msgs.bytes()))
					for b.Loop() {
						if _, err := form.consume(msgs); err != nil {
							b.Fatal(err)
						}
					}
					b.ReportMetric(float64(msgs.bytes()), "bytes/batch")
				})
			}
		}
	}
}

// BenchmarkThinRichRatio reports rich/thin ratios for one batch: time
// (both forms interleaved in the same loop, so a busy shared machine slows
// both alike), bytes on the wire and allocations. A ratio of 4 means that
// reading the rich events costs lifecycle four times what the thin ones do.
func BenchmarkThinRichRatio(b *testing.B) {
	for _, p := range pairs {
		for _, n := range batchSizes {
			thin, rich := p.thin(b, n), p.rich(b, n)
			b.Run(fmt.Sprintf("%s/%d", p.phase, n), func(b *testing.B) {
				run := func(c consume, m batch) func() {
					return func() {
						if _, err := c(m); err != nil {
							b.Fatal(err)
						}
					}
				}
				thinAllocs := testing.AllocsPerRun(3, run(p.consumeThin, thin))
				richAllocs := testing.AllocsPerRun(3, run(p.consumeRich, rich))
				var thinD, richD time.Duration
				for b.Loop() {
					t0 := time.Now()
					run(p.consumeThin, thin)()
					t1 := time.Now()
					run(p.consumeRich, rich)()
					thinD += t1.Sub(t0)
					richD += time.Since(t1)
				}
				b.ReportMetric(float64(richD)/float64(max(thinD, 1)), "time-x")
				b.ReportMetric(float64(rich.bytes())/float64(thin.bytes()), "bytes-x")
				b.ReportMetric(richAllocs/max(thinAllocs, 1), "allocs-x")
			})
		}
	}
}
