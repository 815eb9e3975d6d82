//nolint:misspell // deliberate misspellings: the spell checker under test corrects them
package spell

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"sync"
	"testing"

	"github.com/hule-dev/hule/internal/text/lexicon"
)

func englishChecker(t testing.TB, opts Options) *Checker {
	t.Helper()
	en, err := lexicon.English()
	if err != nil {
		t.Fatalf("English: %v", err)
	}
	c, err := NewChecker(en, opts)
	if err != nil {
		t.Fatalf("NewChecker: %v", err)
	}
	return c
}

func TestCheckText(t *testing.T) {
	c := englishChecker(t, Options{})
	tests := []struct {
		name  string
		text  string
		allow []string
		want  string
	}{
		{"learner table", "I recieve teh letter.", nil, "I receive the letter."},
		{"dictionary", "Her abilty is clear.", nil, "Her ability is clear."},
		{"sentence start keeps capital", "Abilty matters. Teh end.", nil, "Ability matters. The end."},
		{"upper case kept", "This is ABILTY.", nil, "This is ABILITY."},
		{"name mid-sentence kept", "We met Kowalczyk yesterday.", nil, "We met Kowalczyk yesterday."},
		{"name written lower case", "She speaks english in london.", nil, "She speaks English in London."},
		{"short acronym kept", "The XYZQ group met.", nil, "The XYZQ group met."},
		{"numbers and codes kept", "On the 3rd of May 2024 room B12b opened.", nil, "On the 3rd of May 2024 room B12b opened."},
		{"url kept", "See http://exampel.com/teh now.", nil, "See http://exampel.com/teh now."},
		{"email kept", "Mail teh@exampel.org now.", nil, "Mail teh@exampel.org now."},
		{"handle kept", "Ask @tehguy now.", nil, "Ask @tehguy now."},
		{"allow-list kept", "Her abilty is clear.", []string{"Abilty"}, "Her abilty is clear."},
		{"contractions", "It’s fine, dont worry, it's late.", nil, "It’s fine, don't worry, it's late."},
		{"acronym written lower case", "It is ok.", nil, "It is OK."},
		{"correct text unchanged", "The quick brown fox jumps over the lazy dog.", nil, "The quick brown fox jumps over the lazy dog."},
		{"ambiguous table entry takes the common word", "The book wich I read.", nil, "The book which I read."},
		{"words written together", "We need more freetime.", nil, "We need more free time."},
		{"v for w", "It was wery nice.", nil, "It was very nice."},
		{"hyphen prefix kept", "They co-operate with non-native ex-pupils.", nil, "They co-operate with non-native ex-pupils."},
		{"hyphen parts checked", "A well-knwon fact.", nil, "A well-known fact."},
		{"empty", "", nil, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := c.Check(tt.text, tt.allow)
			if got.Text != tt.want {
				t.Errorf("Check(%q).Text = %q, want %q", tt.text, got.Text, tt.want)
			}
		})
	}
}

func TestCheckCorrectionsAndMetrics(t *testing.T) {
	c := englishChecker(t, Options{})
	text := "Mr Öberg: I recieve it. Her abilty grew."
	got := c.Check(text, nil)
	want := []Correction{
		{Offset: 13, RuneOffset: 12, Original: "recieve", Replacement: "receive", Source: SourceLearner},
		{Offset: 29, RuneOffset: 28, Original: "abilty", Replacement: "ability", Source: SourceDictionary},
	}
	if !slices.Equal(got.Corrections, want) {
		t.Errorf("corrections = %+v, want %+v", got.Corrections, want)
	}
	for _, cr := range got.Corrections {
		if text[cr.Offset:cr.Offset+len(cr.Original)] != cr.Original {
			t.Errorf("text at offset %d = %q, want %q", cr.Offset, text[cr.Offset:cr.Offset+len(cr.Original)], cr.Original)
		}
		if string([]rune(text)[cr.RuneOffset:cr.RuneOffset+len([]rune(cr.Original))]) != cr.Original {
			t.Errorf("text at rune offset %d is not %q", cr.RuneOffset, cr.Original)
		}
	}
	wantM := Metrics{LearnerCorrections: 1, DictionaryCorrections: 1, TotalCorrections: 2, Words: 8, ErrorDensity: 200.0 / 8}
	if got.Metrics != wantM {
		t.Errorf("metrics = %+v, want %+v", got.Metrics, wantM)
	}
	if clean := c.Check("All is well.", nil); clean.Corrections == nil || len(clean.Corrections) != 0 || clean.Metrics.ErrorDensity != 0 {
		t.Errorf("clean text: corrections %#v, density %v, want an empty list and 0", clean.Corrections, clean.Metrics.ErrorDensity)
	}
}

func TestOptions(t *testing.T) {
	en, err := lexicon.English()
	if err != nil {
		t.Fatalf("English: %v", err)
	}
	tests := []struct {
		name     string
		opts     Options
		word     string
		wantRepl string
		wantSrc  Source
	}{
		{"shipped table", Options{}, "recieve", "receive", SourceLearner},
		{"no table", Options{NoLearnerTable: true}, "recieve", "receive", SourceDictionary},
		{"own table", Options{Learner: Table{"recieve": "get"}}, "recieve", "get", SourceLearner},
		{"distance 1 finds no far word", Options{MaxDistance: 1, NoLearnerTable: true}, "abilitiezz", "", ""},
		{"distance 2 finds it", Options{NoLearnerTable: true}, "abilitiezz", "abilities", SourceDictionary},
		{"distance-frequency ranking", Options{NoLearnerTable: true, Ranking: RankDistanceFrequency}, "abilty", "ability", SourceDictionary},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := NewChecker(en, tt.opts)
			if err != nil {
				t.Fatalf("NewChecker: %v", err)
			}
			repl, src, _ := c.Correct(tt.word)
			if repl != tt.wantRepl || src != tt.wantSrc {
				t.Errorf("Correct(%q) = %q, %q, want %q, %q", tt.word, repl, src, tt.wantRepl, tt.wantSrc)
			}
		})
	}
	for _, bad := range []struct {
		lex  *lexicon.Lexicon
		opts Options
	}{{nil, Options{}}, {en, Options{MaxDistance: 3}}} {
		if _, err := NewChecker(bad.lex, bad.opts); err == nil {
			t.Errorf("NewChecker(%v, %+v) error = nil, want an error", bad.lex != nil, bad.opts)
		}
	}
}

func TestParseTable(t *testing.T) {
	tab, err := ParseTable([]byte("# comment\nTeh\tthe\n\nalot\ta lot\n"))
	if err != nil {
		t.Fatalf("ParseTable: %v", err)
	}
	if len(tab) != 2 || tab["teh"] != "the" || tab["alot"] != "a lot" {
		t.Errorf("ParseTable = %v, want teh->the, alot->a lot", tab)
	}
	if _, err := ParseTable([]byte("no tab here\n")); err == nil {
		t.Error("ParseTable(bad line) error = nil, want an error")
	}
	if sv, err := LearnerTable("sv"); err != nil || len(sv) != 0 {
		t.Errorf("LearnerTable(sv) = %d entries, %v, want an empty table", len(sv), err)
	}
}

func TestDistance(t *testing.T) {
	tests := []struct {
		a, b string
		want int
	}{
		{"abc", "abc", 0},
		{"abc", "acb", 1}, // a swap
		{"recieve", "receive", 1},
		{"teh", "the", 1},
		{"ca", "abc", 3},
		{"kitten", "sitting", 3},
		{"åka", "aka", 1},
	}
	for _, tt := range tests {
		t.Run(tt.a+"-"+tt.b, func(t *testing.T) {
			if got := distance(tt.a, tt.b, 5); got != tt.want {
				t.Errorf("distance(%q, %q) = %d, want %d", tt.a, tt.b, got, tt.want)
			}
		})
	}
	if got := distance("kitten", "sitting", 2); got != 3 {
		t.Errorf("distance beyond max = %d, want max+1 = 3", got)
	}
}

// TestIndexMatchesBruteForce checks that the delete index finds exactly the
// words a scan of the whole dictionary finds.
func TestIndexMatchesBruteForce(t *testing.T) {
	words := []string{"receive", "recipe", "relieve", "deceive", "believe", "the", "then", "he", "abilities", "ability", "Berlin", "a"}
	lex := lexicon.New("xx", words, nil)
	ix := buildIndex(lex, 2)
	for _, q := range []string{"recieve", "teh", "abilitiezz", "berlni", "ab", "x"} {
		var got, want []string
		for _, c := range ix.lookup(q, 2) {
			got = append(got, ix.words[c.id])
		}
		for _, w := range ix.words {
			if lw := ix.lower[ix.idOf(w)]; lw != q && distance(q, lw, 2) <= 2 {
				want = append(want, w)
			}
		}
		slices.Sort(got)
		slices.Sort(want)
		if !slices.Equal(got, want) {
			t.Errorf("lookup(%q) = %v, want %v", q, got, want)
		}
	}
}

func (ix *index) idOf(w string) int {
	i, _ := slices.BinarySearch(ix.words, w)
	return i
}

func TestConcurrentChecks(t *testing.T) {
	c := englishChecker(t, Options{})
	texts := essays(t, 8, 100)
	want := make([]Result, len(texts))
	for i, s := range texts {
		want[i] = c.Check(s, nil)
	}
	var wg sync.WaitGroup
	errs := make(chan error, len(texts)*4)
	for g := range 4 {
		wg.Go(func() {
			for i, s := range texts {
				if got := c.Check(s, nil); got.Text != want[i].Text || len(got.Corrections) != len(want[i].Corrections) {
					errs <- fmt.Errorf("goroutine %d essay %d differs from the sequential result", g, i)
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
}

func TestSwedish(t *testing.T) {
	if raceEnabled {
		t.Skip("slow under the race detector; run without -race")
	}
	if _, err := os.Stat(filepath.Join(lexicon.DefaultSwedishDir, "sv_SE.dic")); err != nil {
		t.Skip("Swedish dictionary not installed (Debian package hunspell-sv)")
	}
	sv, err := lexicon.Swedish("")
	if err != nil {
		t.Fatalf("Swedish: %v", err)
	}
	c, err := NewChecker(sv, Options{})
	if err != nil {
		t.Fatalf("NewChecker: %v", err)
	}
	text := "Jag har en bil och en katt. Vi åkte tilsammans till Stockholm med sjukhuspersonal och vänerna."
	want := "Jag har en bil och en katt. Vi åkte tillsammans till Stockholm med sjukhuspersonal och vännerna."
	if got := c.Check(text, nil); got.Text != want {
		t.Errorf("Check = %q, want %q (corrections %+v)", got.Text, want, got.Corrections)
	}
}

func TestSwedishMissing(t *testing.T) {
	_, err := lexicon.Swedish(t.TempDir())
	if !errors.Is(err, lexicon.ErrNoDictionary) {
		t.Errorf("Swedish(empty dir) error = %v, want ErrNoDictionary", err)
	}
}
