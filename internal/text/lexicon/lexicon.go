// Package lexicon answers two questions about a word of a language: is it
// spelled right (a dictionary) and how common is it (a frequency list). The
// spell checker uses both to find and rank corrections; the text metrics use
// the frequencies for word rarity. English data is embedded in the binary;
// Swedish is read from Debian's hunspell-sv files at run time, because its
// license and size make it better left to the system.
package lexicon

import (
	"bufio"
	"bytes"
	"compress/gzip"
	_ "embed" // the English data files are embedded
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
	"sync"
)

// Lexicon is a read-only dictionary with optional word frequencies. It is
// safe for concurrent use once built.
type Lexicon struct {
	lang string
	// lower holds the words listed in lower case: they match in any case.
	lower map[string]struct{}
	// proper maps the lower-cased form of a word listed with capitals (a name
	// such as "Paris" or "NASA") to its listed form: it matches only when
	// written with at least one capital.
	proper map[string]string
	freq   map[string]freqEntry
	// compound is non-nil for languages that write compounds as one word
	// (Swedish): a word is also accepted when it splits into listed parts.
	compound *compounds
}

type freqEntry struct {
	perMillion float64
	rank       int
}

// New builds a lexicon from words (as listed: lower case for ordinary words,
// capitals for names) and raw corpus counts (keys are lower-cased; nil when
// the language has no frequency list). Frequencies are relative to the sum
// of counts. Tests and other languages use it; English() and Swedish() are
// the shipped lexicons.
func New(lang string, words []string, counts map[string]int64) *Lexicon {
	l := &Lexicon{
		lang:   lang,
		lower:  make(map[string]struct{}, len(words)),
		proper: make(map[string]string),
		freq:   make(map[string]freqEntry, len(counts)),
	}
	for _, w := range words {
		l.add(w)
	}
	type wc struct {
		w string
		c int64
	}
	list := make([]wc, 0, len(counts))
	var total int64
	for w, c := range counts {
		if c > 0 {
			list = append(list, wc{strings.ToLower(w), c})
			total += c
		}
	}
	slices.SortFunc(list, func(a, b wc) int {
		if a.c != b.c {
			if a.c > b.c {
				return -1
			}
			return 1
		}
		return strings.Compare(a.w, b.w)
	})
	for i, e := range list {
		l.freq[e.w] = freqEntry{perMillion: float64(e.c) * 1e6 / float64(total), rank: i + 1}
	}
	return l
}

func (l *Lexicon) add(w string) {
	w = normalize(strings.TrimSpace(w))
	if w == "" {
		return
	}
	lw := strings.ToLower(w)
	if lw == w {
		l.lower[w] = struct{}{}
		return
	}
	if _, ok := l.proper[lw]; !ok {
		l.proper[lw] = w
	}
}

// Lang is the language code of the lexicon ("en", "sv").
func (l *Lexicon) Lang() string { return l.lang }

// Len is the number of distinct dictionary words.
func (l *Lexicon) Len() int { return len(l.lower) + len(l.proper) }

// HasFrequencies reports whether Freq, Zipf and Rank can be non-zero.
func (l *Lexicon) HasFrequencies() bool { return len(l.freq) > 0 }

// Contains reports whether word is spelled right. Case is ignored for words
// the dictionary lists in lower case ("the", "The", "THE"); a name listed with
// capitals must be written with at least one ("Paris", "PARIS", not "paris").
// Typographic apostrophes count as straight ones.
func (l *Lexicon) Contains(word string) bool {
	word = normalize(word)
	lw := strings.ToLower(word)
	if _, ok := l.lower[lw]; ok {
		return true
	}
	if _, ok := l.proper[lw]; ok {
		return lw != word
	}
	return l.compound != nil && l.compound.split(lw)
}

// ContainsLower reports whether word (compared in lower case) is listed as an
// ordinary lower-case word, not only as a name. The spell checker uses it to
// tell a capitalised common word from a proper noun.
func (l *Lexicon) ContainsLower(word string) bool {
	_, ok := l.lower[strings.ToLower(normalize(word))]
	return ok
}

// Proper returns the listed spelling of a name ("NASA" for "nasa") and true,
// or "" and false when the word is not listed as a name.
func (l *Lexicon) Proper(word string) (string, bool) {
	p, ok := l.proper[strings.ToLower(normalize(word))]
	return p, ok
}

// Freq is the word's frequency in occurrences per million corpus words
// (case-insensitive), 0 when unknown or the language has no frequency list.
func (l *Lexicon) Freq(word string) float64 {
	return l.lookup(word).perMillion
}

// lookup finds the frequency entry of word. The frequency list splits words
// at apostrophes ("don't" is counted as "don" and "t"), so a word with an
// apostrophe that is not listed whole takes the entry of its part before
// the apostrophe.
func (l *Lexicon) lookup(word string) freqEntry {
	lw := strings.ToLower(normalize(word))
	if e, ok := l.freq[lw]; ok {
		return e
	}
	if head, _, ok := strings.Cut(lw, "'"); ok && head != "" {
		return l.freq[head]
	}
	return freqEntry{}
}

// Zipf is the word's Zipf value, log10 of occurrences per billion words
// (log10(Freq)+3): about 1 for very rare words, 7 for "the". 0 when unknown.
func (l *Lexicon) Zipf(word string) float64 {
	pm := l.Freq(word)
	if pm <= 0 {
		return 0
	}
	return math.Log10(pm) + 3
}

// Rank is the word's position in the frequency list, 1 for the most frequent
// word, 0 when unknown.
func (l *Lexicon) Rank(word string) int {
	return l.lookup(word).rank
}

// Words calls fn with every dictionary word as listed (names keep their
// capitals), in no particular order, until fn returns false. The spell
// checker builds its candidate index from it.
func (l *Lexicon) Words(fn func(word string) bool) {
	for w := range l.lower {
		if !fn(w) {
			return
		}
	}
	for _, w := range l.proper {
		if !fn(w) {
			return
		}
	}
}

// normalize maps typographic apostrophes to the straight one the word lists use.
func normalize(w string) string {
	if !strings.ContainsAny(w, "\u2019\u02bc") {
		return w
	}
	return strings.NewReplacer("\u2019", "'", "\u02bc", "'").Replace(w)
}

//go:embed data/en_words.txt.gz
var enWords []byte

//go:embed data/en_freq.tsv.gz
var enFreq []byte

var english = sync.OnceValues(func() (*Lexicon, error) {
	words, err := readLines(enWords)
	if err != nil {
		return nil, fmt.Errorf("read english words: %w", err)
	}
	rows, err := readLines(enFreq)
	if err != nil {
		return nil, fmt.Errorf("read english frequencies: %w", err)
	}
	counts := make(map[string]int64, len(rows))
	for _, r := range rows {
		if strings.HasPrefix(r, "#") {
			continue
		}
		w, c, ok := strings.Cut(r, "\t")
		if !ok {
			return nil, fmt.Errorf("read english frequencies: bad row %q", r)
		}
		n, err := strconv.ParseInt(c, 10, 64)
		if err != nil {
			return nil, fmt.Errorf("read english frequencies: row %q: %w", r, err)
		}
		counts[w] = n
	}
	return New("en", words, counts), nil
})

// English returns the shipped English lexicon: the union of Debian's
// wamerican and wbritish word lists (SCOWL) with SUBTLEXus word frequencies.
// It is decoded once and shared.
func English() (*Lexicon, error) { return english() }

func readLines(gz []byte) ([]string, error) {
	zr, err := gzip.NewReader(bytes.NewReader(gz))
	if err != nil {
		return nil, err
	}
	defer zr.Close()
	var lines []string
	sc := bufio.NewScanner(zr)
	for sc.Scan() {
		if t := sc.Text(); t != "" {
			lines = append(lines, t)
		}
	}
	return lines, sc.Err()
}
