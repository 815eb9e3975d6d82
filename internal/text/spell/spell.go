// Package spell corrects the spelling of essays in two passes, as the
// original platform did: a table of common learner and typing errors first,
// then a dictionary search for the words still unknown (candidates within
// Damerau-Levenshtein distance 2, ranked by a noisy-channel score: how
// likely the typing error, and how common the word). It keeps names, numbers, URLs, e-mail addresses and words on a
// per-batch allow-list, and the case pattern of every word it changes. The
// spellcheck service and `hule spell` both call it.
package spell

import (
	"cmp"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/hule-dev/hule/internal/text/lexicon"
)

// Source says which pass made a correction.
type Source string

// The passes of a check.
const (
	SourceLearner    Source = "learner"
	SourceDictionary Source = "dictionary"
)

// Options configure a Checker. The zero value uses the language's shipped
// learner table and a distance limit of 2.
type Options struct {
	// Learner replaces the shipped learner table of the lexicon's language.
	Learner Table
	// NoLearnerTable switches the first pass off (for measuring what the
	// dictionary pass does alone).
	NoLearnerTable bool
	// MaxDistance is the largest edit distance of a dictionary correction,
	// 1 or 2; 0 means 2.
	MaxDistance int
	// Ranking orders the dictionary candidates; the zero value is
	// RankNoisyChannel.
	Ranking Ranking
}

// Checker corrects texts of one language. It is immutable once built and
// safe for concurrent use.
type Checker struct {
	lex     *lexicon.Lexicon
	learner Table
	index   *index
	maxDist int
	ranking Ranking
}

// NewChecker builds a checker on lex. The first checker of a lexicon and
// distance builds the candidate index (about a second for English); later
// ones share it.
func NewChecker(lex *lexicon.Lexicon, opts Options) (*Checker, error) {
	if lex == nil {
		return nil, fmt.Errorf("new checker: no lexicon")
	}
	maxDist := opts.MaxDistance
	if maxDist == 0 {
		maxDist = 2
	}
	if maxDist < 1 || maxDist > 2 {
		return nil, fmt.Errorf("new checker: max distance %d not in 1..2", maxDist)
	}
	c := &Checker{lex: lex, maxDist: maxDist, ranking: opts.Ranking}
	switch {
	case opts.NoLearnerTable:
		c.learner = Table{}
	case opts.Learner != nil:
		c.learner = opts.Learner
	default:
		t, err := LearnerTable(lex.Lang())
		if err != nil {
			return nil, fmt.Errorf("new checker: %w", err)
		}
		c.learner = t
	}
	c.index = indexFor(lex, maxDist)
	return c, nil
}

// Correction is one changed word.
type Correction struct {
	// Offset is the byte offset of the original word in the checked text.
	Offset int `json:"offset"`
	// RuneOffset is the same position counted in Unicode code points, for
	// consumers that index strings by character.
	RuneOffset  int    `json:"rune_offset"`
	Original    string `json:"original"`
	Replacement string `json:"replacement"`
	Source      Source `json:"source"`
}

// Metrics summarize a check.
type Metrics struct {
	LearnerCorrections    int `json:"learner_corrections"`
	DictionaryCorrections int `json:"dictionary_corrections"`
	TotalCorrections      int `json:"total_corrections"`
	// Words counts the word tokens (runs of letters, with inner apostrophes;
	// hyphens separate words). Numbers, URLs and e-mail addresses are not
	// words.
	Words int `json:"words"`
	// ErrorDensity is corrections per 100 words (0 for a text with no words).
	ErrorDensity float64 `json:"error_density"`
}

// Result is the outcome of checking one text.
type Result struct {
	Text        string       `json:"text"`
	Corrections []Correction `json:"corrections"`
	Metrics     Metrics      `json:"metrics"`
}

// skipSpans matches text that is never spell-checked: URLs and e-mail
// addresses.
var skipSpans = regexp.MustCompile(`(?i)\b(?:https?://|ftp://|www\.)[^\s<>"]+|[\p{L}\p{N}._%+\-]+@[\p{L}\p{N}\-]+(?:\.[\p{L}\p{N}\-]+)+`)

// Check corrects text. Words in allow (compared case-insensitively) are kept
// as written, like names and numbers.
func (c *Checker) Check(text string, allow []string) Result {
	allowed := make(map[string]bool, len(allow))
	for _, a := range allow {
		allowed[strings.ToLower(strings.TrimSpace(a))] = true
	}
	var skips [][]int
	if strings.Contains(text, "@") || strings.Contains(text, "://") || strings.Contains(text, "www.") {
		skips = skipSpans.FindAllStringIndex(text, -1)
	}
	res := Result{Corrections: []Correction{}}
	var out strings.Builder
	out.Grow(len(text))
	last := 0        // bytes of text copied to out
	runeBase := 0    // runes before byte offset runeAt
	runeAt := 0      // byte offset runeBase counts to
	sentence := true // the next word starts a sentence
	for i := 0; i < len(text); {
		if len(skips) > 0 && i >= skips[0][0] {
			if i < skips[0][1] {
				i = skips[0][1]
				sentence = false
			}
			skips = skips[1:]
			continue
		}
		r, size := utf8.DecodeRuneInString(text[i:])
		if !unicode.IsLetter(r) {
			switch r {
			case '.', '!', '?', '\n':
				sentence = true
			}
			i += size
			continue
		}
		end := wordEnd(text, i)
		if len(skips) > 0 && end > skips[0][0] {
			end = skips[0][0]
		}
		word := text[i:end]
		start := i
		i = end
		if alnumNeighbour(text, start, end) {
			sentence = false
			continue // part of "3rd", "A4", "user_name", "@handle"
		}
		res.Metrics.Words++
		atStart := sentence
		sentence = false
		if allowed[strings.ToLower(word)] || hyphenPrefix(text, word, end) {
			continue
		}
		repl, src, ok := c.correct(word, atStart)
		if !ok {
			continue
		}
		runeBase += utf8.RuneCountInString(text[runeAt:start])
		runeAt = start
		res.Corrections = append(res.Corrections, Correction{
			Offset: start, RuneOffset: runeBase, Original: word, Replacement: repl, Source: src,
		})
		out.WriteString(text[last:start])
		out.WriteString(repl)
		last = end
		if src == SourceLearner {
			res.Metrics.LearnerCorrections++
		} else {
			res.Metrics.DictionaryCorrections++
		}
	}
	out.WriteString(text[last:])
	res.Text = out.String()
	res.Metrics.TotalCorrections = len(res.Corrections)
	if res.Metrics.Words > 0 {
		res.Metrics.ErrorDensity = float64(res.Metrics.TotalCorrections) * 100 / float64(res.Metrics.Words)
	}
	return res
}

// wordEnd returns the end of the word starting at i: letters and marks, with
// an apostrophe inside when a letter follows it ("don't", "John's").
func wordEnd(text string, i int) int {
	for i < len(text) {
		r, size := utf8.DecodeRuneInString(text[i:])
		switch {
		case unicode.IsLetter(r) || unicode.IsMark(r):
			i += size
		case r == '\'' || r == '\u2019':
			next, _ := utf8.DecodeRuneInString(text[i+size:])
			if !unicode.IsLetter(next) {
				return i
			}
			i += size
		default:
			return i
		}
	}
	return i
}

// hyphenPrefix reports whether word is a short first part of a hyphenated
// compound ("co-operate", "non-native", "ex-wife"): the word lists have no
// hyphenated entries, and such prefixes are not words of their own.
func hyphenPrefix(text, word string, end int) bool {
	if end+1 >= len(text) || text[end] != '-' || utf8.RuneCountInString(word) > 4 {
		return false
	}
	r, _ := utf8.DecodeRuneInString(text[end+1:])
	return unicode.IsLetter(r)
}

// alnumNeighbour reports whether the word touches a digit, an underscore or
// a handle/hashtag sign: such tokens are codes, not words.
func alnumNeighbour(text string, start, end int) bool {
	if start > 0 {
		r, _ := utf8.DecodeLastRuneInString(text[:start])
		if unicode.IsDigit(r) || r == '_' || r == '@' || r == '#' {
			return true
		}
	}
	if end < len(text) {
		r, _ := utf8.DecodeRuneInString(text[end:])
		if unicode.IsDigit(r) || r == '_' {
			return true
		}
	}
	return false
}

// Correct returns the correction of a single word, without context (as if
// it started a sentence), and which pass found it; ok is false when the word
// is kept.
func (c *Checker) Correct(word string) (replacement string, src Source, ok bool) {
	return c.correct(word, true)
}

func (c *Checker) correct(word string, atSentenceStart bool) (string, Source, bool) {
	lw := strings.ToLower(word)
	pattern := casePattern(word)
	if repl, ok := c.learner[normalizeApostrophe(lw)]; ok {
		return applyCase(repl, pattern), SourceLearner, true
	}
	if c.lex.Contains(word) {
		return "", "", false
	}
	switch {
	case pattern == caseUpper && utf8.RuneCountInString(word) <= 4:
		return "", "", false // an acronym
	case pattern == caseTitle && !atSentenceStart && !c.lex.ContainsLower(word):
		return "", "", false // a name
	case pattern == caseMixed:
		return "", "", false // "iPhone", "McDougal": not a plain word
	}
	if name, ok := c.lex.Proper(lw); ok && pattern == caseLower {
		return name, SourceDictionary, true // "english" -> "English"
	}
	best, ok := c.best(normalizeApostrophe(lw), pattern)
	if !ok {
		return "", "", false
	}
	if best != strings.ToLower(best) { // a name keeps its listed capitals
		if pattern == caseUpper {
			return strings.ToUpper(best), SourceDictionary, true
		}
		return best, SourceDictionary, true
	}
	return applyCase(best, pattern), SourceDictionary, true
}

// best picks the dictionary correction of lw, typed in the case pattern
// pattern (see Ranking). Acronyms are candidates only for words typed in
// capitals; ties go to an ordinary word before a name (for a word typed in
// lower case), then to alphabetical order so that the result is
// deterministic.
func (c *Checker) best(lw string, pattern wordCase) (string, bool) {
	lower, upper := pattern == caseLower, pattern == caseUpper
	type scored struct {
		word   string
		dist   int
		cost   float64
		freq   float64
		proper bool
	}
	typed := []rune(lw)
	hasApos := strings.ContainsRune(lw, '\'')
	var ss []scored
	for _, cd := range c.index.lookup(lw, c.maxDist) {
		w := c.index.words[cd.id]
		if !upper && isAcronym(w) {
			continue // "Al" is no "AL"
		}
		s := scored{word: w, dist: cd.dist, freq: c.lex.Freq(w), proper: lower && w != c.index.lower[cd.id]}
		if c.ranking == RankNoisyChannel {
			s.cost = channelCost(typed, []rune(c.index.lower[cd.id])) - zipfWeight*c.zipf(w)
			if s.proper {
				s.cost += costName
			}
			if !hasApos && strings.HasSuffix(w, "'s") {
				s.cost += costPossessive
			}
		}
		ss = append(ss, s)
	}
	if lower && c.ranking == RankNoisyChannel {
		for _, sp := range c.splits(lw) {
			s := scored{word: sp[0] + " " + sp[1], dist: 1, freq: min(c.lex.Freq(sp[0]), c.lex.Freq(sp[1]))}
			s.cost = costSplit - zipfWeight*min(c.zipf(sp[0]), c.zipf(sp[1]))
			ss = append(ss, s)
		}
	}
	if len(ss) == 0 {
		return "", false
	}
	b := slices.MinFunc(ss, func(a, b scored) int {
		if c.ranking == RankNoisyChannel {
			if r := cmp.Compare(a.cost, b.cost); r != 0 {
				return r
			}
		}
		return cmp.Or(
			cmp.Compare(a.dist, b.dist),
			-cmp.Compare(a.freq, b.freq),
			boolCmp(a.proper, b.proper),
			strings.Compare(a.word, b.word),
		)
	})
	return b.word, true
}

// zipf is the word's Zipf value, or zipfUnknown for a dictionary word
// missing from the frequency list.
func (c *Checker) zipf(w string) float64 {
	if z := c.lex.Zipf(w); z > 0 {
		return z
	}
	return zipfUnknown
}

// splits returns the ways lw divides into two dictionary words written
// together ("alot", "freetime"): each part at least two letters, or "a".
func (c *Checker) splits(lw string) [][2]string {
	var out [][2]string
	for i := 1; i < len(lw); i++ {
		if !utf8.RuneStart(lw[i]) {
			continue
		}
		a, b := lw[:i], lw[i:]
		if !splitPart(a) || !splitPart(b) || strings.ContainsRune(a+b, '\'') {
			continue
		}
		if c.lex.ContainsLower(a) && c.lex.ContainsLower(b) {
			out = append(out, [2]string{a, b})
		}
	}
	return out
}

func splitPart(p string) bool {
	return p == "a" || utf8.RuneCountInString(p) >= 2
}

// isAcronym reports whether w is written in capitals only ("NASA", "AL").
func isAcronym(w string) bool {
	return casePattern(w) == caseUpper
}

func boolCmp(a, b bool) int {
	switch {
	case a == b:
		return 0
	case a:
		return 1
	default:
		return -1
	}
}

func normalizeApostrophe(s string) string { return strings.ReplaceAll(s, "\u2019", "'") }

type wordCase int

const (
	caseLower wordCase = iota // "word"
	caseTitle                 // "Word"
	caseUpper                 // "WORD"
	caseMixed                 // "wOrD", "iPhone"
)

func casePattern(w string) wordCase {
	upper, lower, first := 0, 0, true
	firstUpper := false
	for _, r := range w {
		if unicode.IsUpper(r) {
			upper++
			if first {
				firstUpper = true
			}
		} else if unicode.IsLower(r) {
			lower++
		}
		if unicode.IsLetter(r) {
			first = false
		}
	}
	switch {
	case upper == 0:
		return caseLower
	case lower == 0 && upper > 1:
		return caseUpper
	case firstUpper && upper == 1:
		return caseTitle
	case lower == 0: // a single capital letter
		return caseTitle
	default:
		return caseMixed
	}
}

// applyCase writes repl in the case pattern of the word it replaces.
func applyCase(repl string, p wordCase) string {
	switch p {
	case caseUpper:
		return strings.ToUpper(repl)
	case caseTitle:
		r, size := utf8.DecodeRuneInString(repl)
		return string(unicode.ToUpper(r)) + repl[size:]
	default:
		return repl
	}
}
