package metrics

import (
	"encoding/json"
	"math"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/hule-dev/hule/internal/repotest"
)

type zipfMap map[string]float64

func (m zipfMap) Zipf(w string) float64 { return m[w] }

func TestAnalyzeCounts(t *testing.T) {
	// Sentences of 3, 2, 5 and 1 words: mean 2.75, deviations 0.25, −0.75,
	// 2.25, −1.75, population variance 8.75/4 = 2.1875, SD 1.479020.
	// Letters 3+3+5+4+4+3+5+5+4+3+6 = 45 over 11 words = 4.090909.
	// Characters: 25 + 2 newlines + 33 = 60, of which 9 spaces and 2
	// newlines are white space.
	text := "One two three. Four five!\n\nSix seven eight nine ten? Eleven."
	r := Analyze(text, English, nil)
	ints := []struct {
		name      string
		got, want int
	}{
		{"words", r.WordCount, 11},
		{"sentences", r.SentenceCount, 4},
		{"paragraphs", r.ParagraphCount, 2},
		{"characters", r.CharacterCount, 60},
		{"characters without spaces", r.CharacterCountNoSpaces, 49},
		{"letters", r.LetterCount, 45},
		{"lexical tokens", r.LexicalTokens, 11},
		{"types", r.TypeCount, 11},
		{"grammar findings", r.Grammar.ErrorCount, 0},
	}
	for _, c := range ints {
		if c.got != c.want {
			t.Errorf("%s = %d, want %d", c.name, c.got, c.want)
		}
	}
	floats := []struct {
		name      string
		got, want float64
	}{
		{"avg sentence length", r.AvgSentenceLength, 2.75},
		{"sentence length SD", r.SentenceLengthStdDev, 1.479020},
		{"avg word length", r.AvgWordLength, 45.0 / 11},
		{"TTR", r.TypeTokenRatio, 1},
		{"MTLD undefined (all distinct)", r.MTLD, 0},
		{"HD-D undefined (< 42 tokens)", r.HDD, 0},
	}
	for _, c := range floats {
		if !near(c.got, c.want, 1e-6) {
			t.Errorf("%s = %v, want %v", c.name, c.got, c.want)
		}
	}
}

func TestAnalyzeNumbersAreWordsButNotLexical(t *testing.T) {
	r := Analyze("In 1990 I was 5 years old.", English, nil)
	if r.WordCount != 7 || r.LexicalTokens != 5 {
		t.Errorf("words, lexical = %d, %d, want 7, 5", r.WordCount, r.LexicalTokens)
	}
	// Letters: In 2, I 1, was 3, years 5, old 3 = 14 over 5 lexical words.
	if !near(r.AvgWordLength, 14.0/5, 1e-12) {
		t.Errorf("avg word length = %v, want 2.8", r.AvgWordLength)
	}
}

func TestAnalyzeFrequencies(t *testing.T) {
	freq := zipfMap{"the": 7.5, "cat": 4.5, "sat": 4.0, "on": 7.0, "zounds": 2.0}
	tests := []struct {
		name                 string
		text                 string
		freq                 Frequencies
		mean, rare, knownPct float64
	}{
		// Known: the, cat, sat, on, the = 30.5/5 = 6.1; "xyzzy" unknown
		// counts as rare: 1 of 6 = 16.67 %; known 5 of 6.
		{"unknown word", "The cat sat on the xyzzy.", freq, 6.1, 100.0 / 6, 500.0 / 6},
		// Adding "zounds" (Zipf 2, known but rare): mean 32.5/6, rare 2/7.
		{"known rare word", "The cat sat on the xyzzy zounds.", freq, 32.5 / 6, 200.0 / 7, 600.0 / 7},
		{"numbers are not looked up", "The 42 cat.", freq, 6, 0, 100},
		{"no list", "The cat sat.", nil, 0, 0, 0},
		{"no words", "...", freq, 0, 0, 0},
		{"NaN from a list is unknown", "bad", zipfMap{"bad": math.NaN()}, 0, 100, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := Analyze(tt.text, English, tt.freq)
			if !near(r.MeanZipf, tt.mean, 1e-9) || !near(r.RareWordPercent, tt.rare, 1e-9) || !near(r.KnownWordPercent, tt.knownPct, 1e-9) {
				t.Errorf("mean, rare%%, known%% = %v, %v, %v, want %v, %v, %v",
					r.MeanZipf, r.RareWordPercent, r.KnownWordPercent, tt.mean, tt.rare, tt.knownPct)
			}
		})
	}
}

func TestAnalyzeLooksUpNormalizedWords(t *testing.T) {
	var asked []string
	f := recordingFreq(func(w string) float64 { asked = append(asked, w); return 5 })
	Analyze("It’s DON'T Åsa", English, f)
	want := []string{"it's", "don't", "åsa"}
	if !slices.Equal(asked, want) {
		t.Errorf("looked up %q, want %q", asked, want)
	}
}

type recordingFreq func(string) float64

func (f recordingFreq) Zipf(w string) float64 { return f(w) }

func TestAnalyzeErrorDensity(t *testing.T) {
	text := "One two three four five six seven eight nine ten."
	tests := []struct {
		name        string
		corrections int
		want        float64
	}{
		{"none", 0, 0},
		{"two in ten words", 2, 20},
		{"one", 1, 10},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := AnalyzeInput(Input{Text: text, Language: English, SpellingCorrections: tt.corrections})
			if r.ErrorDensity != tt.want || r.SpellingCorrections != tt.corrections {
				t.Errorf("density = %v (corrections %d), want %v", r.ErrorDensity, r.SpellingCorrections, tt.want)
			}
		})
	}
	r := AnalyzeInput(Input{Text: "", Language: English, SpellingCorrections: 3})
	if r.ErrorDensity != 0 {
		t.Errorf("density of empty text = %v, want 0", r.ErrorDensity)
	}
	r = Analyze("the the cat sat on a mat, ok then yes.", English, nil)
	// Two findings (repeated word, lower-case start) in 10 words.
	if want := 100 * float64(r.Grammar.ErrorCount) / 10; r.GrammarErrorDensity != want || r.Grammar.ErrorCount != 2 {
		t.Errorf("grammar density = %v with %d findings, want %v with 2", r.GrammarErrorDensity, r.Grammar.ErrorCount, want)
	}
}

func TestAnalyzeEdgeCases(t *testing.T) {
	tests := []struct {
		name                       string
		text                       string
		lang                       Language
		words, sentences, paras    int
		chars                      int
		avgSentence, avgWordLength float64
	}{
		{"empty", "", English, 0, 0, 0, 0, 0, 0},
		{"white space", " \n\t\n ", English, 0, 0, 0, 5, 0, 0},
		{"only punctuation", "?!... ,;", English, 0, 0, 0, 8, 0, 0},
		{"one word", "Hello", English, 1, 1, 1, 5, 1, 5},
		{"swedish letters", "Åsa åt äpplen. Öl är gott.", Swedish, 6, 2, 1, 26, 3, 19.0 / 6},
		{"curly quotes", "“Stop!” she said. It’s fine.", English, 5, 2, 1, 28, 2.5, 18.0 / 5},
		{"unknown language", "Hola amigo. Que tal.", Language("es"), 4, 2, 1, 20, 2, 15.0 / 4},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := Analyze(tt.text, tt.lang, zipfMap{})
			if r.WordCount != tt.words || r.SentenceCount != tt.sentences || r.ParagraphCount != tt.paras || r.CharacterCount != tt.chars {
				t.Errorf("words, sentences, paragraphs, chars = %d, %d, %d, %d, want %d, %d, %d, %d",
					r.WordCount, r.SentenceCount, r.ParagraphCount, r.CharacterCount, tt.words, tt.sentences, tt.paras, tt.chars)
			}
			if !near(r.AvgSentenceLength, tt.avgSentence, 1e-9) || !near(r.AvgWordLength, tt.avgWordLength, 1e-9) {
				t.Errorf("avg sentence, word length = %v, %v, want %v, %v", r.AvgSentenceLength, r.AvgWordLength, tt.avgSentence, tt.avgWordLength)
			}
			if _, err := json.Marshal(r); err != nil {
				t.Errorf("marshal: %v", err)
			}
			if r.Grammar.Findings == nil || r.Grammar.RuleCounts == nil {
				t.Error("grammar findings and counts must be non-nil (they marshal as [] and {})")
			}
		})
	}
}

func TestParseLanguage(t *testing.T) {
	tests := []struct {
		in   string
		want Language
		err  bool
	}{
		{"en", English, false}, {"EN", English, false}, {"english", English, false},
		{"sv", Swedish, false}, {" Swedish ", Swedish, false}, {"de", "", true}, {"", "", true},
	}
	for _, tt := range tests {
		got, err := ParseLanguage(tt.in)
		if got != tt.want || (err != nil) != tt.err {
			t.Errorf("ParseLanguage(%q) = %q, %v, want %q, error %v", tt.in, got, err, tt.want, tt.err)
		}
	}
}

func TestRuneSpan(t *testing.T) {
	text := "Åsa åt äpplen"
	off := strings.Index(text, "äpplen")
	o, n := RuneSpan(text, off, len("äpplen"))
	if o != 7 || n != 6 {
		t.Errorf("RuneSpan = %d, %d, want 7, 6", o, n)
	}
	if o, n := RuneSpan(text, -5, 1000); o != 0 || n != 13 {
		t.Errorf("clamped RuneSpan = %d, %d, want 0, 13", o, n)
	}
}

type schemaObject struct {
	Properties map[string]struct {
		Type  string `json:"type"`
		AnyOf []struct {
			Type string `json:"type"`
		} `json:"anyOf"`
	} `json:"properties"`
	Required []string `json:"required"`
}

func (o schemaObject) typeOf(name string) string {
	p := o.Properties[name]
	if p.Type != "" {
		return p.Type
	}
	for _, a := range p.AnyOf {
		if a.Type != "null" {
			return a.Type
		}
	}
	return ""
}

func jsonTags(v any) map[string]reflect.Type {
	out := map[string]reflect.Type{}
	rt := reflect.TypeOf(v)
	for i := range rt.NumField() {
		f := rt.Field(i)
		name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
		out[name] = f.Type
	}
	return out
}

func jsonType(t reflect.Type) string {
	switch t.Kind() {
	case reflect.Int:
		return "integer"
	case reflect.Float64:
		return "number"
	case reflect.String:
		return "string"
	case reflect.Slice:
		return "array"
	case reflect.Map, reflect.Struct:
		return "object"
	}
	return t.Kind().String()
}

// TestWireMapping checks that Result, GrammarAnalysis and Finding carry the
// fields of EssayNlpCompletedV1 under the same names and JSON types.
func TestWireMapping(t *testing.T) {
	raw, err := os.ReadFile(filepath.Join(repotest.ReferenceDir(t), "EssayNlpCompletedV1.schema.json"))
	if err != nil {
		t.Fatal(err)
	}
	var schema struct {
		Defs map[string]schemaObject `json:"$defs"`
	}
	if err := json.Unmarshal(raw, &schema); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name    string
		def     string
		value   any
		fields  []string // Go JSON names that must exist on the wire with the same type
		allWire bool     // every Go field must be a wire field
	}{
		{"nlp metrics", "NlpMetrics", Result{}, []string{
			"word_count", "sentence_count", "avg_sentence_length", "mean_zipf_frequency",
			"percent_tokens_zipf_below_3", "mtld_score", "hdd_score",
		}, false},
		{"grammar analysis", "GrammarAnalysis", GrammarAnalysis{}, nil, true},
		{"grammar error", "GrammarError", Finding{}, nil, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			def, ok := schema.Defs[tt.def]
			if !ok {
				t.Fatalf("schema has no $defs.%s", tt.def)
			}
			tags := jsonTags(tt.value)
			fields := tt.fields
			if tt.allWire {
				for name := range tags {
					fields = append(fields, name)
				}
				for _, req := range def.Required {
					if _, ok := tags[req]; !ok {
						t.Errorf("required wire field %s has no Go field", req)
					}
				}
			}
			for _, name := range fields {
				goType, ok := tags[name]
				if !ok {
					t.Errorf("Go type has no field %s", name)
					continue
				}
				if got, want := jsonType(goType), def.typeOf(name); got != want {
					t.Errorf("%s: Go marshals %s, wire has %q", name, got, want)
				}
			}
		})
	}
}
