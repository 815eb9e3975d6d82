package metrics

import (
	"bytes"
	"unicode"
)

// LIXLongWord is the length above which a word counts as long in LIX: words
// of more than six letters.
const LIXLongWord = 6

// Syllables estimates the number of syllables of an English word with a
// rule-based heuristic (see docs/text-metrics.md): count groups of vowels
// (a e i o u, and y after the first letter) after dropping a silent final
// "e", a silent "-es" and a silent "-ed". A word with letters has at least one
// syllable; a token without letters (a number) counts as one.
func Syllables(word string) int {
	var buf [32]byte
	b := buf[:0]
	for _, r := range word {
		switch {
		case r >= 'a' && r <= 'z':
			b = append(b, byte(r))
		case r >= 'A' && r <= 'Z':
			b = append(b, byte(r)+'a'-'A')
		case unicode.IsLetter(r):
			b = append(b, 'a') // an accented letter counts as a vowel
		}
	}
	if len(b) <= 3 {
		return 1
	}
	w := stripSilentEnding(b)
	n := 0
	prevVowel := false
	for i, c := range w {
		v := isVowel(c) || (c == 'y' && i > 0)
		if v && !prevVowel {
			n++
		}
		prevVowel = v
	}
	return max(n, 1)
}

func isVowel(c byte) bool {
	return c == 'a' || c == 'e' || c == 'i' || c == 'o' || c == 'u'
}

// stripSilentEnding drops a final "e" ("make"), "es" ("makes") or "ed"
// ("liked") that is usually not pronounced as its own syllable. "-le" after a
// consonant ("table"), "-es" after a sibilant ("boxes", "places") and "-ed"
// after t or d ("wanted") are kept.
func stripSilentEnding(w []byte) []byte {
	n := len(w)
	switch {
	case bytes.HasSuffix(w, []byte("ed")):
		if c := w[n-3]; c != 't' && c != 'd' {
			return w[:n-2]
		}
	case bytes.HasSuffix(w, []byte("es")):
		if bytes.HasSuffix(w[:n-2], []byte("ch")) || bytes.HasSuffix(w[:n-2], []byte("sh")) {
			return w
		}
		switch w[n-3] {
		case 's', 'x', 'z', 'c', 'g':
			return w
		}
		return w[:n-2]
	case bytes.HasSuffix(w, []byte("le")):
		if !isVowel(w[n-3]) {
			return w
		}
		return w[:n-1]
	case w[n-1] == 'e':
		return w[:n-1]
	}
	return w
}

// FleschKincaidGrade is the Flesch–Kincaid grade level:
// 0.39·(words/sentences) + 11.8·(syllables/words) − 15.59; 0 without words.
func FleschKincaidGrade(words, sentences, syllables int) float64 {
	if words == 0 || sentences == 0 {
		return 0
	}
	return 0.39*float64(words)/float64(sentences) + 11.8*float64(syllables)/float64(words) - 15.59
}

// FleschReadingEase is Flesch's reading ease:
// 206.835 − 1.015·(words/sentences) − 84.6·(syllables/words); 0 without words.
func FleschReadingEase(words, sentences, syllables int) float64 {
	if words == 0 || sentences == 0 {
		return 0
	}
	return 206.835 - 1.015*float64(words)/float64(sentences) - 84.6*float64(syllables)/float64(words)
}

// LIX is Björnsson's readability index: words/sentences +
// 100·longWords/words, where a long word has more than six letters; 0 without
// words.
func LIX(words, sentences, longWords int) float64 {
	if words == 0 || sentences == 0 {
		return 0
	}
	return float64(words)/float64(sentences) + 100*float64(longWords)/float64(words)
}
