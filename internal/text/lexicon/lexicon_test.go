//nolint:misspell // deliberate misspellings: the spell checker under test corrects them
package lexicon

import (
	"errors"
	"math"
	"os"
	"path/filepath"
	"testing"
)

func TestEnglishContains(t *testing.T) {
	en, err := English()
	if err != nil {
		t.Fatalf("English: %v", err)
	}
	tests := []struct {
		word string
		want bool
	}{
		{"the", true},
		{"The", true},
		{"THE", true},
		{"colour", true}, // British list
		{"color", true},  // American list
		{"don't", true},
		{"don\u2019t", true}, // typographic apostrophe
		{"Paris", true},
		{"PARIS", true},
		{"paris", false}, // a name needs a capital
		{"NASA", true},
		{"recieve", false},
		{"teh", false},
		{"", false},
	}
	for _, tt := range tests {
		t.Run(tt.word, func(t *testing.T) {
			if got := en.Contains(tt.word); got != tt.want {
				t.Errorf("Contains(%q) = %v, want %v", tt.word, got, tt.want)
			}
		})
	}
	if en.Len() < 90000 {
		t.Errorf("Len() = %d, want at least 90000 words", en.Len())
	}
}

func TestEnglishFrequencies(t *testing.T) {
	en, err := English()
	if err != nil {
		t.Fatalf("English: %v", err)
	}
	if !en.HasFrequencies() {
		t.Fatal("HasFrequencies() = false, want true")
	}
	if got := en.Rank("you"); got != 1 {
		t.Errorf("Rank(you) = %d, want 1 (most frequent in SUBTLEXus)", got)
	}
	if got, want := en.Zipf("the"), 7.0; got < want || got > 8 {
		t.Errorf("Zipf(the) = %.2f, want between %v and 8", got, want)
	}
	if got := en.Zipf("The"); got != en.Zipf("the") {
		t.Errorf("Zipf(The) = %v, want the same as Zipf(the) %v", got, en.Zipf("the"))
	}
	if z := en.Zipf("zymurgy"); z <= 0 || z > 2 {
		t.Errorf("Zipf(zymurgy) = %.2f, want a rare word's value in (0, 2]", z)
	}
	if f := en.Freq("house"); math.Abs(en.Zipf("house")-(math.Log10(f)+3)) > 1e-9 {
		t.Errorf("Zipf(house) = %v, want log10(Freq)+3 = %v", en.Zipf("house"), math.Log10(f)+3)
	}
	if en.Freq("house") <= en.Freq("hovel") {
		t.Errorf("Freq(house) = %v <= Freq(hovel) = %v", en.Freq("house"), en.Freq("hovel"))
	}
	for _, w := range []string{"qwxzv", ""} {
		if en.Freq(w) != 0 || en.Zipf(w) != 0 || en.Rank(w) != 0 {
			t.Errorf("unknown %q: Freq %v Zipf %v Rank %v, want zeros", w, en.Freq(w), en.Zipf(w), en.Rank(w))
		}
	}
	if en.Freq("don't") == 0 {
		t.Error("Freq(don't) = 0, want the frequency of its stem")
	}
}

func TestNew(t *testing.T) {
	l := New("xx", []string{"cat", "dog", "Rex"}, map[string]int64{"cat": 3, "dog": 1})
	if got := l.Freq("cat"); got != 750000 {
		t.Errorf("Freq(cat) = %v, want 750000 per million", got)
	}
	if got := l.Rank("dog"); got != 2 {
		t.Errorf("Rank(dog) = %d, want 2", got)
	}
	if !l.Contains("Rex") || l.Contains("rex") {
		t.Errorf("Contains(Rex) = %v, Contains(rex) = %v, want true, false", l.Contains("Rex"), l.Contains("rex"))
	}
	if p, ok := l.Proper("REX"); !ok || p != "Rex" {
		t.Errorf("Proper(REX) = %q, %v, want Rex, true", p, ok)
	}
	if l.ContainsLower("Rex") || !l.ContainsLower("Cat") {
		t.Errorf("ContainsLower(Rex) = %v, ContainsLower(Cat) = %v, want false, true", l.ContainsLower("Rex"), l.ContainsLower("Cat"))
	}
	n := 0
	l.Words(func(string) bool { n++; return true })
	if n != 3 {
		t.Errorf("Words visited %d words, want 3", n)
	}
}

func TestHunspellExpansion(t *testing.T) {
	dir := t.TempDir()
	aff := "SET UTF-8\nNEEDAFFIX !\nONLYINCOMPOUND Z\nCOMPOUNDBEGIN X\nCOMPOUNDEND Y\nCOMPOUNDMIN 2\n" +
		"SFX A Y 2\nSFX A 0 ar [^a]\nSFX A a or/B a\n" +
		"SFX B Y 1\nSFX B 0 na .\n" +
		"SFX C Y 1\nSFX C 0 s/Z .\n"
	dic := "5\nbil/AX\nflicka/A\nstam/!A\nhus/XYC\nbåt/Y\n"
	writeFile(t, filepath.Join(dir, "x.aff"), aff)
	writeFile(t, filepath.Join(dir, "x.dic"), dic)
	l, err := LoadHunspell("xx", filepath.Join(dir, "x.dic"), filepath.Join(dir, "x.aff"))
	if err != nil {
		t.Fatalf("LoadHunspell: %v", err)
	}
	tests := []struct {
		word string
		want bool
	}{
		{"bil", true},
		{"bilar", true},
		{"flickor", true},   // strip a, add or
		{"flickorna", true}, // second suffix level
		{"flickaar", false}, // [^a] condition
		{"stam", false},     // needs an affix
		{"stamar", true},
		{"huss", false},   // only in compounds
		{"bilbåt", true},  // begin + end
		{"husbåt", true},  // begin + end
		{"båtbil", false}, // båt cannot begin, bil cannot end
	}
	for _, tt := range tests {
		t.Run(tt.word, func(t *testing.T) {
			if got := l.Contains(tt.word); got != tt.want {
				t.Errorf("Contains(%q) = %v, want %v", tt.word, got, tt.want)
			}
		})
	}
}

func TestSwedishMissing(t *testing.T) {
	_, err := Swedish(t.TempDir())
	if !errors.Is(err, ErrNoDictionary) {
		t.Fatalf("Swedish(empty dir) error = %v, want ErrNoDictionary", err)
	}
}

func TestSwedish(t *testing.T) {
	if _, err := os.Stat(filepath.Join(DefaultSwedishDir, "sv_SE.dic")); err != nil {
		t.Skip("Swedish dictionary not installed (Debian package hunspell-sv)")
	}
	sv, err := Swedish("")
	if err != nil {
		t.Fatalf("Swedish: %v", err)
	}
	tests := []struct {
		word string
		want bool
	}{
		{"flicka", true},
		{"flickorna", true},
		{"bilarna", true},
		{"också", true},
		{"Stockholm", true},
		{"stockholm", false},
		{"sjukhuspersonal", true}, // compound
		{"ochså", false},
		{"flickorbil", false},
	}
	for _, tt := range tests {
		t.Run(tt.word, func(t *testing.T) {
			if got := sv.Contains(tt.word); got != tt.want {
				t.Errorf("Contains(%q) = %v, want %v", tt.word, got, tt.want)
			}
		})
	}
	if sv.HasFrequencies() || sv.Zipf("och") != 0 {
		t.Errorf("Swedish has frequencies (Zipf(och) = %v), want none", sv.Zipf("och"))
	}
	again, err := Swedish(DefaultSwedishDir)
	if err != nil || again != sv {
		t.Errorf("second Swedish() = %p, %v, want the cached %p", again, err, sv)
	}
}

func writeFile(t *testing.T, path, s string) {
	t.Helper()
	if err := os.WriteFile(path, []byte(s), 0o600); err != nil {
		t.Fatal(err)
	}
}
