package metrics

import (
	"slices"
	"testing"
)

func tokenTexts(ts []Token) []string {
	out := make([]string, len(ts))
	for i, t := range ts {
		out[i] = t.Text
	}
	return out
}

func spanTexts(text string, ss []Span) []string {
	out := make([]string, len(ss))
	for i, s := range ss {
		out[i] = text[s.Start:s.End]
	}
	return out
}

func TestWords(t *testing.T) {
	tests := []struct {
		name string
		text string
		want []string
	}{
		{"empty", "", nil},
		{"only punctuation", "?! ... -- ,", nil},
		{"simple", "The cat sat.", []string{"The", "cat", "sat"}},
		{"apostrophes", "don't it’s students' 'quoted'", []string{"don't", "it’s", "students", "quoted"}},
		{"hyphens", "well-known e-mail -- dash - word", []string{"well-known", "e-mail", "dash", "word"}},
		{"decimals and separators", "3.14 1,000 10:30 2020-2021", []string{"3.14", "1,000", "10:30", "2020-2021"}},
		{"number then stop", "It was 1990. Then", []string{"It", "was", "1990", "Then"}},
		{"dotted abbreviations", "e.g. t.ex. bl.a. U.S.A. p.m.", []string{"e.g.", "t.ex.", "bl.a.", "U.S.A.", "p.m."}},
		{"missing space is two words", "end.Next", []string{"end", "Next"}},
		{"swedish letters", "Åsa åt äpplen, öl!", []string{"Åsa", "åt", "äpplen", "öl"}},
		{"curly quotes", "“Hej,” sa hon.", []string{"Hej", "sa", "hon"}},
		{"em dash", "yes—no", []string{"yes", "no"}},
		{"combining mark", "cafe\u0301 ok", []string{"cafe\u0301", "ok"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ws := Words(tt.text)
			if got := tokenTexts(ws); !slices.Equal(got, tt.want) {
				t.Errorf("Words(%q) = %q, want %q", tt.text, got, tt.want)
			}
			for _, w := range ws {
				if tt.text[w.Start:w.End] != w.Text {
					t.Errorf("token %q: text[%d:%d] = %q", w.Text, w.Start, w.End, tt.text[w.Start:w.End])
				}
			}
		})
	}
}

func TestWordsLetters(t *testing.T) {
	ws := Words("Åsa don't 3.14 COVID-19")
	want := []int{3, 4, 0, 5}
	for i, w := range ws {
		if w.Letters != want[i] {
			t.Errorf("%q: letters = %d, want %d", w.Text, w.Letters, want[i])
		}
	}
}

func TestSentences(t *testing.T) {
	tests := []struct {
		name string
		text string
		want []string
	}{
		{"empty", "", nil},
		{"only punctuation", "... !!! ???", nil},
		{"one word no stop", "hello", []string{"hello"}},
		{"three kinds", "It rained. Did it? Yes! Fine", []string{"It rained.", "Did it?", "Yes!", "Fine"}},
		{"lower-case start still splits", "He left. then she came.", []string{"He left.", "then she came."}},
		{"title abbreviation", "Dr. Smith met Mrs. Jones. They talked.", []string{"Dr. Smith met Mrs. Jones.", "They talked."}},
		{"e.g. never ends", "Fruit, e.g. Apples, is good. Yes.", []string{"Fruit, e.g. Apples, is good.", "Yes."}},
		{"etc before capital ends", "Cats, dogs etc. Then birds.", []string{"Cats, dogs etc.", "Then birds."}},
		{"etc before lower case continues", "Cats, dogs etc. and birds.", []string{"Cats, dogs etc. and birds."}},
		{"dotted abbreviation", "We met at 5 p.m. on Monday. It was late.", []string{"We met at 5 p.m. on Monday.", "It was late."}},
		{"dotted abbreviation at end", "He lives in the U.S. The weather is fine.", []string{"He lives in the U.S.", "The weather is fine."}},
		{"decimal", "Pi is 3.14 or so. Right.", []string{"Pi is 3.14 or so.", "Right."}},
		{"initials", "J. K. Rowling wrote it. Really.", []string{"J. K. Rowling wrote it.", "Really."}},
		{"pronoun I ends", "The winner was I. Then we left.", []string{"The winner was I.", "Then we left."}},
		{"number abbreviation", "See No. 5 here. Done.", []string{"See No. 5 here.", "Done."}},
		{"quote after stop", `He said "Go." Then he left.`, []string{`He said "Go."`, "Then he left."}},
		{"dialog continues", `"Stop!" she said. Fine.`, []string{`"Stop!" she said.`, "Fine."}},
		{"curly dialog continues", "“Stop!” she said. Fine.", []string{"“Stop!” she said.", "Fine."}},
		{"ellipsis before lower case", "Well... maybe not. Ok.", []string{"Well... maybe not.", "Ok."}},
		{"ellipsis before capital", "Well... Maybe not.", []string{"Well...", "Maybe not."}},
		{"unicode ellipsis", "Well… Maybe.", []string{"Well…", "Maybe."}},
		{"stacked marks", "Really?! Yes.", []string{"Really?!", "Yes."}},
		{"paragraph break ends", "A title\n\nThe text starts here.", []string{"A title", "The text starts here."}},
		{"single newline joins", "A line\ncontinues here.", []string{"A line\ncontinues here."}},
		{"swedish abbreviation", "Vi åt t.ex. Äpplen och bl.a. päron. Sedan gick vi.", []string{"Vi åt t.ex. Äpplen och bl.a. päron.", "Sedan gick vi."}},
		{"swedish sentences", "Åsa åt. Örjan drack.", []string{"Åsa åt.", "Örjan drack."}},
		{"crlf paragraphs", "One.\r\n\r\nTwo.", []string{"One.", "Two."}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := spanTexts(tt.text, Sentences(tt.text)); !slices.Equal(got, tt.want) {
				t.Errorf("Sentences(%q)\n got %q\nwant %q", tt.text, got, tt.want)
			}
		})
	}
}

func TestParagraphs(t *testing.T) {
	tests := []struct {
		name string
		text string
		want []string
	}{
		{"empty", "", nil},
		{"blank lines only", "\n \n\t\n", nil},
		{"one", "  One line.\nSecond line.  ", []string{"One line.\nSecond line."}},
		{"two", "First.\n\nSecond.", []string{"First.", "Second."}},
		{"whitespace-only separator line", "First.\n   \nSecond.\n", []string{"First.", "Second."}},
		{"many blank lines", "\n\nA\n\n\n\nB\n\n", []string{"A", "B"}},
		{"crlf", "A\r\n\r\nB\r\n", []string{"A", "B"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := spanTexts(tt.text, Paragraphs(tt.text)); !slices.Equal(got, tt.want) {
				t.Errorf("Paragraphs(%q) = %q, want %q", tt.text, got, tt.want)
			}
		})
	}
}
