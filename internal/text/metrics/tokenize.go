package metrics

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// Token is one word of a text: a run of letters, digits and combining marks,
// with internal apostrophes ("don't", "it’s"), hyphens ("well-known"), digit
// separators ("3.14", "1,000", "10:30") and short dotted abbreviations
// ("e.g.", "t.ex.", "U.S.A.") kept inside. Offsets are byte offsets into the
// analyzed text, so text[Start:End] == Text.
type Token struct {
	Text    string `json:"text"`
	Start   int    `json:"start"`
	End     int    `json:"end"`
	Letters int    `json:"letters"`
}

// Span is a byte range [Start, End) of the analyzed text.
type Span struct {
	Start int `json:"start"`
	End   int `json:"end"`
}

func isWordRune(r rune) bool {
	if r < utf8.RuneSelf {
		return 'a' <= r && r <= 'z' || 'A' <= r && r <= 'Z' || '0' <= r && r <= '9'
	}
	return unicode.IsLetter(r) || unicode.IsNumber(r) || unicode.IsMark(r)
}

func isApostrophe(r rune) bool { return r == '\'' || r == '’' || r == 'ʼ' }

func isHyphen(r rune) bool { return r == '-' || r == '‐' || r == '‑' }

// runeAt decodes the rune starting at byte i; it returns utf8.RuneError and 0
// at the end of s.
func runeAt(s string, i int) (rune, int) {
	if i >= len(s) {
		return utf8.RuneError, 0
	}
	return utf8.DecodeRuneInString(s[i:])
}

// runeBefore decodes the rune ending at byte i; it returns utf8.RuneError and
// 0 at the start of s.
func runeBefore(s string, i int) (rune, int) {
	if i <= 0 {
		return utf8.RuneError, 0
	}
	return utf8.DecodeLastRuneInString(s[:i])
}

// Words splits text into word tokens in order.
func Words(text string) []Token {
	out := make([]Token, 0, len(text)/6)
	i := 0
	for i < len(text) {
		r, sz := runeAt(text, i)
		if !isWordRune(r) {
			i += sz
			continue
		}
		start := i
		end, ok := dottedAbbrevAt(text, start)
		if !ok {
			end = wordEnd(text, start)
		}
		out = append(out, Token{Text: text[start:end], Start: start, End: end, Letters: countLetters(text[start:end])})
		i = end
	}
	return out
}

// wordEnd returns the end of the word that starts at start.
func wordEnd(text string, start int) int {
	_, sz := runeAt(text, start)
	j := start + sz
	for j < len(text) {
		r, sz := runeAt(text, j)
		if isWordRune(r) {
			j += sz
			continue
		}
		prev, _ := runeBefore(text, j)
		next, nsz := runeAt(text, j+sz)
		switch {
		case nsz == 0:
		case isApostrophe(r) && unicode.IsLetter(prev) && unicode.IsLetter(next),
			isHyphen(r) && isWordRune(prev) && isWordRune(next),
			(r == '.' || r == ',' || r == ':') && unicode.IsDigit(prev) && unicode.IsDigit(next):
			j += sz
			continue
		}
		break
	}
	return j
}

// dottedAbbrevAt recognizes two or more groups of one or two letters each
// followed by a full stop ("e.g.", "t.ex.", "bl.a.", "U.S.A.") starting at
// start, and returns the end including the final stop.
func dottedAbbrevAt(text string, start int) (int, bool) {
	groups := 0
	i := start
	for {
		n := 0
		j := i
		for n < 3 {
			r, sz := runeAt(text, j)
			if !unicode.IsLetter(r) {
				break
			}
			n++
			j += sz
		}
		if n == 0 || n > 2 {
			break
		}
		if r, _ := runeAt(text, j); r != '.' {
			break
		}
		groups++
		i = j + 1
	}
	if groups < 2 {
		return 0, false
	}
	if r, sz := runeAt(text, i); sz > 0 && isWordRune(r) {
		return 0, false
	}
	return i, true
}

func countLetters(s string) int {
	n := 0
	for _, r := range s {
		if unicode.IsLetter(r) {
			n++
		}
	}
	return n
}

// normalize is the form a word is compared and looked up in: lower case with
// typographic apostrophes folded to ASCII.
func normalize(w string) string {
	w = strings.ToLower(w)
	if !isASCII(w) && strings.ContainsAny(w, "’ʼ") {
		w = strings.NewReplacer("’", "'", "ʼ", "'").Replace(w)
	}
	return w
}

func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= utf8.RuneSelf {
			return false
		}
	}
	return true
}

// Paragraphs splits text into paragraphs separated by one or more blank
// (whitespace-only) lines. Each span is trimmed of surrounding whitespace;
// empty paragraphs are not returned.
func Paragraphs(text string) []Span {
	var out []Span
	start := -1 // start of the current paragraph's first non-blank line
	lastEnd := 0
	lineStart := 0
	for lineStart <= len(text) {
		nl := strings.IndexByte(text[lineStart:], '\n')
		lineEnd := len(text)
		if nl >= 0 {
			lineEnd = lineStart + nl
		}
		line := text[lineStart:lineEnd]
		if strings.TrimSpace(line) == "" {
			if start >= 0 {
				out = append(out, trimSpan(text, Span{start, lastEnd}))
				start = -1
			}
		} else {
			if start < 0 {
				start = lineStart
			}
			lastEnd = lineEnd
		}
		if nl < 0 {
			break
		}
		lineStart = lineEnd + 1
	}
	if start >= 0 {
		out = append(out, trimSpan(text, Span{start, lastEnd}))
	}
	return out
}

func trimSpan(text string, s Span) Span {
	for s.Start < s.End {
		r, sz := runeAt(text, s.Start)
		if !unicode.IsSpace(r) {
			break
		}
		s.Start += sz
	}
	for s.End > s.Start {
		r, sz := runeBefore(text, s.End)
		if !unicode.IsSpace(r) {
			break
		}
		s.End -= sz
	}
	return s
}

// Abbreviations that never end a sentence (titles, "e.g.", Swedish "t.ex.").
// Keys are lower case without the final stop.
var neverFinal = map[string]bool{
	"mr": true, "mrs": true, "ms": true, "dr": true, "prof": true, "st": true, "mt": true,
	"vs": true, "cf": true, "e.g": true, "i.e": true, "approx": true, "fig": true,
	"hr": true, "t.ex": true, "bl.a": true, "s.k": true, "d.v.s": true, "dvs": true,
	"p.g.a": true, "pga": true, "ca": true, "kl": true, "jfr": true, "resp": true, "nr": true,
	"fr.o.m": true, "t.o.m": true,
}

// Abbreviations that end a sentence only when the next word is capitalized.
var finalIfUpper = map[string]bool{
	"etc": true, "osv": true, "jr": true, "sr": true, "inc": true, "ltd": true, "co": true,
}

func isSentenceTerminator(r rune) bool {
	return r == '.' || r == '!' || r == '?' || r == '…'
}

func isClosingPunct(r rune) bool {
	switch r {
	case '"', '\'', '”', '’', ')', ']', '}', '»', '›':
		return true
	}
	return false
}

func isOpeningPunct(r rune) bool {
	switch r {
	case '"', '\'', '“', '‘', '„', '(', '[', '{', '«', '‹', '¿', '¡', '-', '–', '—', '*':
		return true
	}
	return false
}

type nextKind int

const (
	nextOther nextKind = iota
	nextUpper
	nextLower
	nextDigit
)

// classifyNext looks at the first rune at or after i, skipping opening
// punctuation, and reports its kind.
func classifyNext(text string, i, end int) nextKind {
	for i < end {
		r, sz := runeAt(text, i)
		switch {
		case isOpeningPunct(r):
			i += sz
			continue
		case unicode.IsUpper(r) || unicode.IsTitle(r):
			return nextUpper
		case unicode.IsLower(r):
			return nextLower
		case unicode.IsDigit(r):
			return nextDigit
		}
		return nextOther
	}
	return nextOther
}

// wordBeforeStop returns the letters and dots directly before the full stop
// at i, lower-cased ("e.g" for "e.g.", "mr" for "Mr."), and whether that
// word is a single upper-case letter other than "I" (an initial).
func wordBeforeStop(text string, i int) (word string, initial bool) {
	j := i
	for j > 0 {
		r, sz := runeBefore(text, j)
		if !unicode.IsLetter(r) && r != '.' {
			break
		}
		j -= sz
	}
	raw := strings.Trim(text[j:i], ".")
	if utf8.RuneCountInString(raw) == 1 {
		r, _ := utf8.DecodeRuneInString(raw)
		initial = unicode.IsUpper(r) && r != 'I'
	}
	return strings.ToLower(raw), initial
}

// Sentences splits text into sentences. A sentence ends at '!', '?', '.', or
// an ellipsis followed by white space (after any closing quotes or brackets),
// and always at a paragraph break. See docs/text-metrics.md for the
// exceptions (abbreviations, initials, decimals, dialog, ellipses).
// Spans without any word character are dropped.
func Sentences(text string) []Span {
	var out []Span
	emit := func(s Span) {
		s = trimSpan(text, s)
		for _, r := range text[s.Start:s.End] {
			if isWordRune(r) {
				out = append(out, s)
				return
			}
		}
	}
	for _, p := range Paragraphs(text) {
		start := p.Start
		i := p.Start
		for i < p.End {
			r, sz := runeAt(text, i)
			if !isSentenceTerminator(r) {
				i += sz
				continue
			}
			runStart := i
			dots, marks := 0, 0
			for i < p.End {
				r, sz = runeAt(text, i)
				if !isSentenceTerminator(r) {
					break
				}
				switch r {
				case '.':
					dots++
				case '…':
					dots += 3
				default:
					marks++
				}
				i += sz
			}
			k := i
			for k < p.End {
				r, sz = runeAt(text, k)
				if !isClosingPunct(r) {
					break
				}
				k += sz
			}
			closed := k > i
			if k >= p.End {
				break // the paragraph end closes the sentence
			}
			if r, _ = runeAt(text, k); !unicode.IsSpace(r) {
				i = k
				continue
			}
			m := k
			for m < p.End {
				r, sz = runeAt(text, m)
				if !unicode.IsSpace(r) {
					break
				}
				m += sz
			}
			next := classifyNext(text, m, p.End)
			if endsSentence(text, runStart, dots, marks, closed, next) {
				emit(Span{start, k})
				start = m
			}
			i = k
		}
		emit(Span{start, p.End})
	}
	return out
}

// endsSentence decides whether a run of terminators at runStart (dots full
// stops, or 3 per "…", and marks '!' or '?') followed by white space ends
// the sentence, given the kind of the next word.
func endsSentence(text string, runStart, dots, marks int, closed bool, next nextKind) bool {
	if marks > 0 {
		// "Stop!" she said. — a closing quote and a lower-case word continue.
		return !closed || next != nextLower
	}
	if dots > 1 {
		// An ellipsis ends a sentence only before a capital.
		return next == nextUpper
	}
	if closed && next == nextLower {
		return false
	}
	word, initial := wordBeforeStop(text, runStart)
	switch {
	case word == "no" && next == nextDigit:
		return false
	case neverFinal[word], initial:
		return false
	case finalIfUpper[word], strings.Contains(word, "."):
		return next == nextUpper
	}
	return true
}
