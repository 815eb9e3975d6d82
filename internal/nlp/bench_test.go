package nlp

import (
	"fmt"
	"strings"
	"testing"

	"github.com/google/uuid"

	"github.com/hule-dev/hule/internal/events"
)

// essay500 is a 500-word essay in paragraphs of six sentences.
func essay500() string {
	sentences := []string{
		"Many students believe that homework helps them to learn, but others think it is a waste of time.",
		"In my opinion the truth is somewhere in the middle, because it depends on the kind of task.",
		"When the teacher gives us a long exercise the day before a test, we receive a chance to practice.",
		"However, if the work is boring and repetitive, most of my friends simply copy the answers.",
		"Furthermore, families have different amounts of time, and some children must help at home in the evening.",
		"For this reason I think schools should give less homework but make it more interesting and useful.",
	}
	var b strings.Builder
	words := 0
	for i := 0; words < 500; i++ {
		s := sentences[i%len(sentences)]
		b.WriteString(s)
		b.WriteString(" ")
		if i%6 == 5 {
			b.WriteString("\n\n")
		}
		words += len(strings.Fields(s))
	}
	return b.String()
}

// BenchmarkHandlePerEssay measures the handler on a batch of 20 500-word
// essays (read from the file content store, analyzed, 20 rich events and
// one thin event published) and reports the cost per essay.
func BenchmarkHandlePerEssay(b *testing.B) {
	const batchSize = 20
	f := newFixture(b, nil)
	refs := make([]events.EssayProcessingInputRefV1, batchSize)
	for i := range refs {
		refs[i] = events.EssayProcessingInputRefV1{EssayID: fmt.Sprintf("e%d", i), TextStorageID: f.put(b, essay500())}
	}
	ev := request(b, "batch-1", "en", refs...)
	if err := f.handle(b, ev); err != nil { // loads the frequency list
		b.Fatal(err)
	}
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		ev.EventID = uuid.New()
		if err := f.handle(b, ev); err != nil {
			b.Fatal(err)
		}
		f.rec.Reset()
	}
	perEssay := b.Elapsed().Seconds() / float64(b.N*batchSize)
	b.ReportMetric(perEssay*1e6, "µs/essay")
	b.ReportMetric(1/perEssay, "essays/s")
}
