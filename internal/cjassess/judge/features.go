package judge

import (
	"math"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Features are the text measurements the offline judge scores. They are
// computed by a small tokenizer in this package so the judge has no
// dependency on the NLP service; see docs/offline-judge.md.
type Features struct {
	Words             int     `json:"words"`
	Sentences         int     `json:"sentences"`
	Paragraphs        int     `json:"paragraphs"`
	MTLD              float64 `json:"mtld"`
	ErrorsPer100      float64 `json:"errors_per_100_words"`
	MeanWordLength    float64 `json:"mean_word_length"`
	LongWordShare     float64 `json:"long_word_share"`
	MeanSentenceLen   float64 `json:"mean_sentence_length"`
	SentenceLenCV     float64 `json:"sentence_length_cv"`
	PunctVariety      int     `json:"punctuation_variety"`
	ConnectivesPer100 float64 `json:"connectives_per_100_words"`
}

// Speller tells whether a lower-case word is spelled correctly. The offline
// judge uses one when given (*lexicon.Lexicon from internal/text/lexicon
// fits); without it a heuristic counts only unmistakable errors.
type Speller interface {
	Contains(word string) bool
}

// mtldThreshold is the type-token ratio at which MTLD closes a factor; 0.72
// is the value the measure was defined and validated with.
const mtldThreshold = 0.72

// longWord is the letter count from which a word counts as long.
const longWord = 7

// Extract measures text. A nil speller selects the built-in heuristic.
func Extract(text string, sp Speller) Features {
	var f Features
	words, sentLens, errs := scan(text, sp)
	f.Words = len(words)
	f.Sentences = len(sentLens)
	f.Paragraphs = countParagraphs(text)
	f.PunctVariety = punctuationVariety(text)
	if f.Words == 0 {
		return f
	}
	n := float64(f.Words)
	letters, long, conn := 0, 0, 0
	for i, w := range words {
		c := utf8.RuneCountInString(w)
		letters += c
		if c >= longWord {
			long++
		}
		if connectives[w] {
			conn++
		}
		if i+1 < len(words) && connectivePairs[w+" "+words[i+1]] {
			conn++
		}
	}
	f.MeanWordLength = float64(letters) / n
	f.LongWordShare = float64(long) / n
	f.ConnectivesPer100 = 100 * float64(conn) / n
	f.ErrorsPer100 = 100 * float64(errs) / n
	f.MTLD = mtld(words)
	f.MeanSentenceLen, f.SentenceLenCV = meanCV(sentLens)
	return f
}

// scan tokenizes text into lower-case words, returns the word count of each
// sentence and counts spelling and mechanics errors.
func scan(text string, sp Speller) (words []string, sentLens []int, errs int) {
	inSentence := 0
	sentenceStart := true
	runes := make([]rune, 0, len(text))
	offs := make([]int, 0, len(text)+1) // byte offset of each rune in text
	for o, r := range text {
		runes = append(runes, r)
		offs = append(offs, o)
	}
	offs = append(offs, len(text))
	for i := 0; i < len(runes); {
		r := runes[i]
		switch {
		case unicode.IsLetter(r):
			j := i + 1
			for j < len(runes) && (unicode.IsLetter(runes[j]) ||
				((runes[j] == '\'' || runes[j] == '’' || runes[j] == '-') && j+1 < len(runes) && unicode.IsLetter(runes[j+1]))) {
				j++
			}
			raw := text[offs[i]:offs[j]]
			w := strings.ToLower(raw)
			words = append(words, w)
			switch {
			case misspelled(raw, w, sp):
				errs++
			case sentenceStart && unicode.IsLower(r):
				errs++ // sentence begins with a small letter
			}
			sentenceStart = false
			inSentence++
			i = j
		case r == '.' || r == '!' || r == '?':
			j := i + 1
			for j < len(runes) && (runes[j] == '.' || runes[j] == '!' || runes[j] == '?' || runes[j] == '"' || runes[j] == '”' || runes[j] == ')') {
				j++
			}
			// A full stop inside a token (3.5, e.g) does not end a sentence.
			if j == len(runes) || unicode.IsSpace(runes[j]) {
				if inSentence > 0 {
					sentLens = append(sentLens, inSentence)
				}
				inSentence = 0
				sentenceStart = true
			}
			i = j
		case unicode.IsDigit(r):
			j := i + 1
			for j < len(runes) && (unicode.IsDigit(runes[j]) ||
				((runes[j] == '.' || runes[j] == ',') && j+1 < len(runes) && unicode.IsDigit(runes[j+1]))) {
				j++
			}
			inSentence++
			sentenceStart = false
			i = j
		case r == '\n' && i+1 < len(runes) && blankLineAhead(runes[i+1:]):
			// A paragraph break ends an unterminated sentence (a heading or a
			// list item).
			if inSentence > 0 {
				sentLens = append(sentLens, inSentence)
			}
			inSentence = 0
			sentenceStart = true
			i++
		default:
			i++
		}
	}
	if inSentence > 0 {
		sentLens = append(sentLens, inSentence)
	}
	return words, sentLens, errs
}

func blankLineAhead(rs []rune) bool {
	for _, r := range rs {
		if r == '\n' {
			return true
		}
		if !unicode.IsSpace(r) {
			return false
		}
	}
	return true
}

// misspelled reports a spelling error: with a speller, an unknown word that
// is not capitalized (names are not checked); without one, only errors no
// dictionary is needed for.
func misspelled(raw, w string, sp Speller) bool {
	if raw == "i" {
		return true // the pronoun written small
	}
	if sp != nil {
		if first, _ := utf8.DecodeRuneInString(raw); unicode.IsUpper(first) {
			return false
		}
		return !sp.Contains(w)
	}
	if commonMisspellings[w] {
		return true
	}
	run, vowel := 1, false
	var prev rune
	for k, r := range w {
		if k > 0 && r == prev {
			run++
			if run >= 3 {
				return true // "sooo", "helllo"
			}
		} else {
			run = 1
		}
		prev = r
		switch r {
		case 'a', 'e', 'i', 'o', 'u', 'y', 'å', 'ä', 'ö', 'é', 'è', 'ü':
			vowel = true
		}
	}
	return !vowel && utf8.RuneCountInString(w) >= 3
}

// countParagraphs counts blocks separated by blank lines; a text written with
// one line per paragraph and no blank lines counts its non-empty lines.
func countParagraphs(text string) int {
	text = strings.ReplaceAll(text, "\r\n", "\n")
	blocks := 0
	for b := range strings.SplitSeq(text, "\n\n") {
		if strings.TrimSpace(b) != "" {
			blocks++
		}
	}
	if blocks > 1 {
		return blocks
	}
	lines := 0
	for l := range strings.SplitSeq(text, "\n") {
		if strings.TrimSpace(l) != "" {
			lines++
		}
	}
	return lines
}

// punctuationVariety counts the distinct kinds of punctuation beyond the full
// stop: comma, semicolon, colon, brackets, quotes, question and exclamation
// marks, and a dash between words.
func punctuationVariety(text string) int {
	seen := map[rune]bool{}
	rs := []rune(text)
	for i, r := range rs {
		switch r {
		case ',', ';', ':', '?', '!':
			seen[r] = true
		case '(', ')':
			seen['('] = true
		case '"', '“', '”', '\'', '‘', '’':
			if r == '\'' || r == '’' {
				// an apostrophe inside a word is not a quotation mark
				if i > 0 && i+1 < len(rs) && unicode.IsLetter(rs[i-1]) && unicode.IsLetter(rs[i+1]) {
					continue
				}
			}
			seen['"'] = true
		case '-', '–', '—':
			if i > 0 && i+1 < len(rs) && (unicode.IsSpace(rs[i-1]) || unicode.IsSpace(rs[i+1]) || r != '-') {
				seen['-'] = true
			}
		}
	}
	return len(seen)
}

// mtld is the measure of textual lexical diversity (McCarthy and Jarvis):
// the mean length of word runs that keep the type-token ratio above 0.72,
// averaged over a forward and a backward pass. Unlike a plain type-token
// ratio it does not fall as a text grows longer. A text too short to close
// a factor makes the estimate explode, so it is capped at the word count.
func mtld(words []string) float64 {
	if len(words) == 0 {
		return 0
	}
	// Number the word types once so both passes test membership in a slice.
	ids := make([]int, len(words))
	index := make(map[string]int, len(words)/2)
	for i, w := range words {
		id, ok := index[w]
		if !ok {
			id = len(index)
			index[w] = id
		}
		ids[i] = id
	}
	seen := make([]int, len(index)) // factor number in which a type was last seen
	fwd := mtldPass(ids, seen, false)
	clear(seen)
	bwd := mtldPass(ids, seen, true)
	return math.Min((fwd+bwd)/2, float64(len(words)))
}

// mtldPass counts factors over ids; seen[id] == factor+1 marks a type as
// already used in the current factor.
func mtldPass(ids, seen []int, reverse bool) float64 {
	factor := 1
	factors, tokens, types := 0.0, 0, 0
	ttr := 1.0
	n := len(ids)
	for k := range n {
		id := ids[k]
		if reverse {
			id = ids[n-1-k]
		}
		tokens++
		if seen[id] != factor {
			seen[id] = factor
			types++
		}
		ttr = float64(types) / float64(tokens)
		if ttr <= mtldThreshold {
			factors++
			factor++
			tokens, types, ttr = 0, 0, 1
		}
	}
	if tokens > 0 {
		factors += (1 - ttr) / (1 - mtldThreshold)
	}
	if factors == 0 {
		// Every word differs: the text never used up a factor.
		return float64(n)
	}
	return float64(n) / factors
}

func meanCV(xs []int) (mean, cv float64) {
	if len(xs) == 0 {
		return 0, 0
	}
	for _, x := range xs {
		mean += float64(x)
	}
	mean /= float64(len(xs))
	if len(xs) < 3 || mean == 0 {
		return mean, 0
	}
	var ss float64
	for _, x := range xs {
		d := float64(x) - mean
		ss += d * d
	}
	return mean, math.Sqrt(ss/float64(len(xs)-1)) / mean
}

// connectives are single-word discourse markers whose use signals organized
// argument; connectivePairs are two-word ones.
var connectives = setOf(
	"however", "therefore", "moreover", "furthermore", "although", "because",
	"consequently", "nevertheless", "nonetheless", "meanwhile", "whereas",
	"thus", "hence", "firstly", "secondly", "thirdly", "finally", "additionally",
	"similarly", "instead", "otherwise", "overall", "since", "unless", "while",
	"despite", "accordingly", "likewise", "conversely", "ultimately",
)

var connectivePairs = setOf(
	"for example", "for instance", "in addition", "in conclusion",
	"in contrast", "as well", "even though", "such as", "in fact",
	"to conclude", "to sum", "other hand", "a result",
)

// commonMisspellings are frequent learner misspellings that are never
// correct English words, so flagging them needs no dictionary.
//
//nolint:misspell // the list holds misspellings on purpose
var commonMisspellings = setOf(
	"alot", "teh", "becuase", "becasue", "beacuse", "recieve", "recieved",
	"beleive", "belive", "definately", "definatly", "seperate", "wich", "whith",
	"thier", "untill", "occured", "tommorow", "tomorow", "goverment", "enviroment",
	"existance", "independant", "neccessary", "necesary", "occassion", "realy",
	"finaly", "begining", "wierd", "freind", "frend", "becaus", "beacause",
	"thats", "dont", "doesnt", "didnt", "cant", "wont", "isnt", "im", "ive",
	"alright", "noone", "everytime", "aswell", "infront", "intresting",
	"diffrent", "differnt", "importent", "problably", "probaly", "peolpe",
	"poeple", "pepole", "knowlege", "lenght", "whit", "becouse", "usefull",
	"succesful", "sucessful", "wanna", "gonna", "gotta", "u", "ur", "cuz", "coz",
	"tho", "thru", "ppl",
)

func setOf(ws ...string) map[string]bool {
	m := make(map[string]bool, len(ws))
	for _, w := range ws {
		m[w] = true
	}
	return m
}
