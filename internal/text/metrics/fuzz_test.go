package metrics

import (
	"encoding/json"
	"strings"
	"testing"
	"unicode/utf8"
)

func FuzzAnalyze(f *testing.F) {
	for _, s := range []string{
		"", " ", "a", "...", "The the cat. i has a apple , there is many dogs.  ok",
		"“Stop!” she said… Åsa åt äpplen. e.g. U.S.A. 3.14 10:30",
		"Dr. Smith.\r\n\r\nNo. 5 etc. osv. t.ex.", "a\xffb \xc3", "i) (i) it’s don’t",
		"ö\u0301 \u2028 \u00a0\u00a0x", strings.Repeat("word ", 60),
	} {
		f.Add(s, false)
		f.Add(s, true)
	}
	f.Fuzz(func(t *testing.T, text string, swedish bool) {
		lang := English
		if swedish {
			lang = Swedish
		}
		r := AnalyzeInput(Input{Text: text, Language: lang, Frequencies: zipfMap{"the": 7, "a": 7.5}, SpellingCorrections: 2})
		if _, err := json.Marshal(r); err != nil {
			t.Fatalf("marshal: %v", err)
		}
		if r.WordCount < 0 || r.SentenceCount > r.WordCount || r.ParagraphCount > r.SentenceCount || r.LexicalTokens > r.WordCount {
			t.Fatalf("inconsistent counts: %+v", r)
		}
		if r.WordCount > 0 && r.SentenceCount == 0 {
			t.Fatalf("%d words in no sentence", r.WordCount)
		}
		if r.HDD < 0 || r.HDD > 1 || r.TypeTokenRatio < 0 || r.TypeTokenRatio > 1 || r.MTLD < 0 {
			t.Fatalf("diversity out of range: HDD %v TTR %v MTLD %v", r.HDD, r.TypeTokenRatio, r.MTLD)
		}
		g := r.Grammar
		if g.ErrorCount != len(g.Findings) {
			t.Fatalf("error_count %d, %d findings", g.ErrorCount, len(g.Findings))
		}
		valid := utf8.ValidString(text)
		for _, fd := range g.Findings {
			end := fd.Offset + fd.Length
			if fd.Offset < 0 || fd.Length < 0 || end > len(text) {
				t.Fatalf("%s at %d+%d outside text of %d bytes", fd.RuleID, fd.Offset, fd.Length, len(text))
			}
			if valid && (!utf8.RuneStart(text[fd.Offset]) || end < len(text) && !utf8.RuneStart(text[end])) {
				t.Fatalf("%s at %d+%d splits a character", fd.RuleID, fd.Offset, fd.Length)
			}
			if fd.ContextOffset < 0 || fd.ContextOffset+fd.Length > len(fd.Context) {
				t.Fatalf("%s: context offset %d outside context %q", fd.RuleID, fd.ContextOffset, fd.Context)
			}
			if len(fd.Replacements) == 0 {
				t.Fatalf("%s without a replacement", fd.RuleID)
			}
		}
		prevEnd := 0
		for _, s := range Sentences(text) {
			if s.Start < prevEnd || s.End < s.Start || s.End > len(text) {
				t.Fatalf("sentence span %+v after %d in %d bytes", s, prevEnd, len(text))
			}
			prevEnd = s.End
		}
		for _, w := range Words(text) {
			if text[w.Start:w.End] != w.Text || w.Text == "" {
				t.Fatalf("token %+v does not match text", w)
			}
		}
	})
}
