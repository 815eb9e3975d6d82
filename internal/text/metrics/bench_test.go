package metrics

import (
	"os"
	"strings"
	"testing"
)

func loadEssay(tb testing.TB) string {
	tb.Helper()
	b, err := os.ReadFile("testdata/essay_en.txt")
	if err != nil {
		tb.Fatal(err)
	}
	return string(b)
}

// essayFrequencies gives every word of text a Zipf value, so the benchmark
// pays for one map lookup per word like a real frequency list.
func essayFrequencies(text string) zipfMap {
	m := zipfMap{}
	for i, w := range Words(text) {
		m[normalize(w.Text)] = 2 + float64(i%6)
	}
	return m
}

func TestEssayFixture(t *testing.T) {
	r := Analyze(loadEssay(t), English, nil)
	if r.WordCount < 480 || r.WordCount > 520 {
		t.Errorf("fixture has %d words, want about 500", r.WordCount)
	}
	if r.ParagraphCount != 7 {
		t.Errorf("paragraphs = %d, want 7", r.ParagraphCount)
	}
	if r.HDD <= 0 || r.MTLD <= 0 {
		t.Errorf("HD-D %v and MTLD %v should be defined for a 500-word essay", r.HDD, r.MTLD)
	}
	if r.Grammar.ErrorCount != 0 {
		t.Errorf("a clean essay has findings: %+v", r.Grammar.Findings)
	}
}

// BenchmarkAnalyze500Words reports essays/s for a 500-word English essay
// with a frequency list and the grammar rules.
func BenchmarkAnalyze500Words(b *testing.B) {
	text := loadEssay(b)
	freq := essayFrequencies(text)
	b.SetBytes(int64(len(text)))
	b.ReportAllocs()
	for b.Loop() {
		Analyze(text, English, freq)
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "essays/s")
}

// BenchmarkAnalyze500WordsSwedishRules runs the same text with the smaller
// Swedish rule set, for comparison.
func BenchmarkAnalyze500WordsSwedishRules(b *testing.B) {
	text := strings.Clone(loadEssay(b))
	b.ReportAllocs()
	for b.Loop() {
		Analyze(text, Swedish, nil)
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "essays/s")
}
