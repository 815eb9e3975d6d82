// Package metrics computes the text metrics of one essay: counts, sentence
// and word length, lexical diversity (MTLD, HD-D), word frequency, readability
// (Flesch–Kincaid and Flesch reading ease for English, LIX) and a rule-based
// grammar analysis with the position of every finding. It is pure computation
// with no I/O, so the nlp service and `hule metrics` run the same code; the
// definitions are in docs/text-metrics.md.
package metrics

import (
	"fmt"
	"math"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Language selects the language-specific parts of the analysis (syllables and
// Flesch scores, grammar rules, abbreviations).
type Language string

// Languages the analysis knows. Any other value gets only the
// language-independent metrics and rules.
const (
	English Language = "en"
	Swedish Language = "sv"
)

// ParseLanguage accepts "en"/"english" and "sv"/"swedish" in any case.
func ParseLanguage(s string) (Language, error) {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "en", "english":
		return English, nil
	case "sv", "swedish", "svenska":
		return Swedish, nil
	}
	return "", fmt.Errorf("unknown language %q (want en or sv)", s)
}

// RareZipf is the Zipf value below which a word counts as rare (about one
// occurrence per million words).
const RareZipf = 3.0

// Frequencies gives the Zipf frequency of a lower-case word: log10 of its
// frequency per billion words, so 3 is once per million; 0 means unknown. It
// is declared here, by its consumer, so the lexicon package stays swappable.
type Frequencies interface {
	Zipf(word string) float64
}

// Input is everything Analyze can use beyond the text.
type Input struct {
	Text     string
	Language Language
	// Frequencies may be nil: the frequency metrics are then 0.
	Frequencies Frequencies
	// SpellingCorrections is the number of corrections the spellcheck phase
	// made in this essay; it only feeds ErrorDensity.
	SpellingCorrections int
}

// Result holds the metrics of one essay. JSON names follow the wire fields of
// EssayNlpCompletedV1.nlp_metrics where one exists (word_count, mtld_score,
// ...). Scores that are undefined for the text (HD-D under 42 tokens,
// readability without sentences) are 0.
type Result struct {
	Language Language `json:"language"`

	WordCount      int `json:"word_count"`
	SentenceCount  int `json:"sentence_count"`
	ParagraphCount int `json:"paragraph_count"`
	// CharacterCount counts Unicode code points, white space included.
	CharacterCount int `json:"character_count"`
	// CharacterCountNoSpaces counts code points that are not white space.
	CharacterCountNoSpaces int `json:"character_count_no_spaces"`
	// LetterCount counts letters inside words.
	LetterCount int `json:"letter_count"`

	// AvgSentenceLength is words per sentence; SentenceLengthStdDev is the
	// population standard deviation of words per sentence.
	AvgSentenceLength    float64 `json:"avg_sentence_length"`
	SentenceLengthStdDev float64 `json:"sentence_length_std_dev"`
	// AvgWordLength is letters per lexical word (a word with a letter).
	AvgWordLength float64 `json:"avg_word_length"`

	// LexicalTokens counts words that contain a letter (numbers excluded);
	// the diversity and frequency metrics are computed over them, lower-cased.
	LexicalTokens  int     `json:"lexical_tokens"`
	TypeCount      int     `json:"type_count"`
	TypeTokenRatio float64 `json:"type_token_ratio"`
	MTLD           float64 `json:"mtld_score"`
	HDD            float64 `json:"hdd_score"`

	// MeanZipf is the mean Zipf frequency of the lexical tokens the frequency
	// list knows. RareWordPercent is the percentage of all lexical tokens
	// with Zipf < RareZipf, an unknown word counting as Zipf 0.
	// KnownWordPercent is the percentage the list knows.
	MeanZipf         float64 `json:"mean_zipf_frequency"`
	RareWordPercent  float64 `json:"percent_tokens_zipf_below_3"`
	KnownWordPercent float64 `json:"known_word_percent"`

	Syllables          int     `json:"syllables"`
	FleschKincaidGrade float64 `json:"flesch_kincaid_grade"`
	FleschReadingEase  float64 `json:"flesch_reading_ease"`
	LongWords          int     `json:"long_words"`
	LIX                float64 `json:"lix"`

	// SpellingCorrections echoes the input; ErrorDensity is spelling
	// corrections per 100 words and GrammarErrorDensity grammar findings per
	// 100 words.
	SpellingCorrections int     `json:"spelling_corrections"`
	ErrorDensity        float64 `json:"error_density"`
	GrammarErrorDensity float64 `json:"grammar_error_density"`

	Grammar GrammarAnalysis `json:"grammar_analysis"`
}

// Analyze computes the metrics and grammar findings of text. freq may be nil.
func Analyze(text string, lang Language, freq Frequencies) Result {
	return AnalyzeInput(Input{Text: text, Language: lang, Frequencies: freq})
}

// AnalyzeInput is Analyze with every input, including the spelling
// correction count that error density needs.
func AnalyzeInput(in Input) Result {
	text := in.Text
	d := newDoc(text, in.Language)
	r := Result{
		Language:            in.Language,
		WordCount:           len(d.words),
		SpellingCorrections: in.SpellingCorrections,
	}
	for _, c := range text {
		r.CharacterCount++
		if !unicode.IsSpace(c) {
			r.CharacterCountNoSpaces++
		}
	}
	for _, p := range Paragraphs(text) {
		if hasWordRune(text[p.Start:p.End]) {
			r.ParagraphCount++
		}
	}
	r.SentenceCount = len(d.sentences)
	if r.SentenceCount > 0 {
		lengths := make([]int, r.SentenceCount)
		for _, s := range d.sentOf {
			if s >= 0 {
				lengths[s]++
			}
		}
		mean, sd := meanStdDev(lengths)
		r.AvgSentenceLength, r.SentenceLengthStdDev = mean, sd
	}

	lexical := make([]string, 0, len(d.words))
	for i, w := range d.words {
		r.LetterCount += w.Letters
		r.Syllables += Syllables(w.Text)
		if w.Letters > LIXLongWord {
			r.LongWords++
		}
		if w.Letters > 0 {
			lexical = append(lexical, d.norm[i])
		}
	}
	r.LexicalTokens = len(lexical)
	if r.LexicalTokens > 0 {
		r.AvgWordLength = float64(r.LetterCount) / float64(r.LexicalTokens)
	}
	ids, types := intern(lexical)
	r.TypeCount = types
	r.TypeTokenRatio = ttr(len(ids), types)
	r.MTLD = mtld(ids, types)
	r.HDD = hdd(ids, types)
	if in.Frequencies != nil && len(lexical) > 0 {
		r.MeanZipf, r.RareWordPercent, r.KnownWordPercent = frequencyStats(lexical, in.Frequencies)
	}

	if in.Language == English {
		r.FleschKincaidGrade = FleschKincaidGrade(r.WordCount, r.SentenceCount, r.Syllables)
		r.FleschReadingEase = FleschReadingEase(r.WordCount, r.SentenceCount, r.Syllables)
	} else {
		r.Syllables = 0 // the heuristic is English only
	}
	r.LIX = LIX(r.WordCount, r.SentenceCount, r.LongWords)

	r.Grammar = d.grammar()
	if r.WordCount > 0 {
		r.ErrorDensity = 100 * float64(in.SpellingCorrections) / float64(r.WordCount)
		r.GrammarErrorDensity = 100 * float64(r.Grammar.ErrorCount) / float64(r.WordCount)
	}
	return r
}

func frequencyStats(tokens []string, f Frequencies) (mean, rarePct, knownPct float64) {
	sum := 0.0
	known, rare := 0, 0
	for _, t := range tokens {
		z := f.Zipf(t)
		if math.IsNaN(z) || math.IsInf(z, 0) || z <= 0 {
			z = 0
		} else {
			known++
			sum += z
		}
		if z < RareZipf {
			rare++
		}
	}
	if known > 0 {
		mean = sum / float64(known)
	}
	n := float64(len(tokens))
	return mean, 100 * float64(rare) / n, 100 * float64(known) / n
}

func meanStdDev(xs []int) (mean, sd float64) {
	if len(xs) == 0 {
		return 0, 0
	}
	sum := 0
	for _, x := range xs {
		sum += x
	}
	mean = float64(sum) / float64(len(xs))
	v := 0.0
	for _, x := range xs {
		d := float64(x) - mean
		v += d * d
	}
	return mean, math.Sqrt(v / float64(len(xs)))
}

func hasWordRune(s string) bool {
	for _, r := range s {
		if isWordRune(r) {
			return true
		}
	}
	return false
}

// doc is a tokenised text shared by the metrics and the grammar rules.
type doc struct {
	text      string
	lang      Language
	words     []Token
	norm      []string // normalize(words[i].Text)
	sentences []Span
	sentOf    []int // sentence index of each word, -1 if none
	firstWord []int // index of each sentence's first word
}

func newDoc(text string, lang Language) *doc {
	d := &doc{text: text, lang: lang, words: Words(text), sentences: Sentences(text)}
	d.norm = make([]string, len(d.words))
	d.sentOf = make([]int, len(d.words))
	d.firstWord = make([]int, len(d.sentences))
	for i := range d.firstWord {
		d.firstWord[i] = -1
	}
	s := 0
	for i, w := range d.words {
		d.norm[i] = normalize(w.Text)
		for s < len(d.sentences) && d.sentences[s].End <= w.Start {
			s++
		}
		if s < len(d.sentences) && w.Start >= d.sentences[s].Start {
			d.sentOf[i] = s
			if d.firstWord[s] < 0 {
				d.firstWord[s] = i
			}
		} else {
			d.sentOf[i] = -1
		}
	}
	return d
}

// RuneSpan converts a byte offset and length in text to a code-point offset
// and length, for consumers that index text by characters (the original
// platform's LanguageTool offsets). For text in the Basic Multilingual Plane,
// which includes å, ä and ö, this is also the UTF-16 offset.
func RuneSpan(text string, offset, length int) (int, int) {
	offset = min(max(offset, 0), len(text))
	end := min(max(offset+length, offset), len(text))
	o := utf8.RuneCountInString(text[:offset])
	return o, utf8.RuneCountInString(text[offset:end])
}
