//nolint:misspell // deliberate misspellings: the spell checker under test corrects them
package spellcheck

import (
	"strings"
	"testing"

	"github.com/google/uuid"
)

// essay500 is a 500-word essay with a learner error or a misspelling in
// about one word of fifteen.
func essay500() string {
	sentences := []string{
		"Many students beleive that homework helps them to learn, but others think it is a waste of time.",
		"In my opinion the truth is somwhere in the midle, because it depends on the kind of task.",
		"When teh teacher gives us a long exercise the day before a test, we recieve a chance to practise.",
		"However, if the work is boring and repetetive, most of my freinds simply copy the answers.",
		"Furthermore, families have diffrent amounts of time, and some children must help at home in the evening.",
		"For this reason I think schools should give less homework but make it more interesting and usefull.",
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

// BenchmarkHandle500Words measures the whole handler on a 500-word essay:
// read from the file content store, check, store corrected text and
// corrections (each write fsynced), publish the completion pair.
func BenchmarkHandle500Words(b *testing.B) {
	f := newFixture(b, nil, Config{})
	textID := f.put(b, essay500())
	warm := request(b, textID, "en", nil)
	if err := f.handle(b, warm); err != nil { // builds the checker
		b.Fatal(err)
	}
	evs := make([]uuid.UUID, b.N)
	for i := range evs {
		evs[i] = uuid.New()
	}
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		ev := warm
		ev.EventID = evs[i]
		if err := f.handle(b, ev); err != nil {
			b.Fatal(err)
		}
		if i%256 == 0 {
			f.rec.Reset()
		}
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "essays/s")
}

// BenchmarkCheck500Words measures the checker alone on the same essay, to
// show what the handler adds (storage, fsync, publishing).
func BenchmarkCheck500Words(b *testing.B) {
	f := newFixture(b, nil, Config{})
	svc, err := New(Deps{Bus: f.rec, Content: f.content}, Config{})
	if err != nil {
		b.Fatal(err)
	}
	c, err := svc.checker("en")
	if err != nil {
		b.Fatal(err)
	}
	text := essay500()
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		_ = c.Check(text, nil)
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "essays/s")
}
