package metrics

import (
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"
)

// found renders the findings of one rule as "span→replacement".
func found(text string, lang Language, rule string) []string {
	var out []string
	for _, f := range Analyze(text, lang, nil).Grammar.Findings {
		if f.RuleID != rule {
			continue
		}
		repl := "<none>"
		if len(f.Replacements) > 0 {
			repl = f.Replacements[0]
		}
		out = append(out, text[f.Offset:f.Offset+f.Length]+"→"+repl)
	}
	return out
}

type ruleCase struct {
	name string
	lang Language
	text string
	want []string
}

func runRuleCases(t *testing.T, rule string, tests []ruleCase) {
	t.Helper()
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			lang := tt.lang
			if lang == "" {
				lang = English
			}
			if got := found(tt.text, lang, rule); !slices.Equal(got, tt.want) {
				t.Errorf("%s on %q\n got %q\nwant %q", rule, tt.text, got, tt.want)
			}
		})
	}
}

func TestRuleWordRepeat(t *testing.T) {
	runRuleCases(t, RuleWordRepeat, []ruleCase{
		{"repeated", "", "I saw the the cat.", []string{"the the→the"}},
		{"case differs", "", "The the cat sat.", []string{"The the→The"}},
		{"run of three is one finding", "", "It is is is fine.", []string{"is is is→is"}},
		{"line break between", "", "It was very\nvery cold.", []string{"very\nvery→very"}},
		{"swedish", Swedish, "Jag såg en en katt.", []string{"en en→en"}},
		{"swedish å ä ö", Swedish, "Vi åt åt äpplen.", []string{"åt åt→åt"}},
		{"negative: comma between", "", "Well, well, well.", nil},
		{"negative: sentence between", "", "I know that. That is true.", nil},
		{"negative: had had", "", "She had had enough.", nil},
		{"negative: that that", "", "He said that that was fine.", nil},
		{"negative: paragraph between", "", "Home\n\nHome is where we live.", nil},
		{"negative: numbers", "", "Call 112 112 now.", nil},
		{"negative: swedish det det", Swedish, "Det det handlar om är viktigt.", nil},
	})
}

func TestRuleSentenceStartCase(t *testing.T) {
	runRuleCases(t, RuleSentenceStartCase, []ruleCase{
		{"first sentence", "", "the cat sat.", []string{"the→The"}},
		{"after stop", "", "It rained. then it stopped.", []string{"then→Then"}},
		{"after opening quote", "", "He left. \"why?\" she asked.", []string{"why→Why"}},
		{"new paragraph", "", "First part\n\nsecond part.", []string{"second→Second"}},
		{"swedish å", Swedish, "Vi åt. åsa drack.", []string{"åsa→Åsa"}},
		{"swedish ö", Swedish, "öl är gott.", []string{"öl→Öl"}},
		{"negative: capitals", "", "It rained. Then it stopped.", nil},
		{"negative: brand names", "", "It broke. iPhones are fragile.", nil},
		{"negative: digits", "", "It rained. 3 people came.", nil},
		{"negative: dialog continues", "", "\"Stop!\" she said.", nil},
		{"negative: ellipsis continues", "", "Well... maybe.", nil},
		{"negative: abbreviation", "", "We met at 5 p.m. on Monday.", nil},
		{"negative: lower-case i is LOWERCASE_I's", "", "It rained. i stayed in.", nil},
		{"swedish lower-case i is a word", Swedish, "i dag regnar det.", []string{"i→I"}},
	})
}

func TestRuleLowercaseI(t *testing.T) {
	runRuleCases(t, RuleLowercaseI, []ruleCase{
		{"pronoun", "", "Then i went home.", []string{"i→I"}},
		{"sentence start", "", "i went home.", []string{"i→I"}},
		{"contractions", "", "Yes i'm sure i’ve seen it and i'll go.", []string{"i→I", "i→I", "i→I"}},
		{"negative: capital", "", "Then I went home.", nil},
		{"negative: list numbering", "", "Two steps: (i) read and ii) write.", nil},
		{"negative: i.e.", "", "A fruit, i.e. an apple.", nil},
		{"negative: swedish preposition", Swedish, "Jag bor i Lund.", nil},
	})
}

func TestRuleArticleAAn(t *testing.T) {
	runRuleCases(t, RuleArticleAAn, []ruleCase{
		{"a before vowel", "", "I ate a apple.", []string{"a→an"}},
		{"an before consonant", "", "It was an big dog.", []string{"an→a"}},
		{"capital kept", "", "A egg fell. An car came.", []string{"A→An", "An→A"}},
		{"an university", "", "She went to an university.", []string{"an→a"}},
		{"an one-off", "", "It was an one-off event.", []string{"an→a"}},
		{"an European", "", "He is an European citizen.", []string{"an→a"}},
		{"a hour", "", "We waited a hour.", []string{"a→an"}},
		{"a honest", "", "He is a honest man.", []string{"a→an"}},
		{"letter names", "", "She got a A and a F, not an B.", []string{"a→an", "a→an", "an→a"}},
		{"letter before hyphen", "", "I had a X-ray, an T-shirt and an U-turn.", []string{"a→an", "an→a", "an→a"}},
		{"negative: correct", "", "An apple, a dog, an hour, a university, a one-off, a European, a useful tip, an umbrella.", nil},
		{"negative: un- words", "", "An unimportant, an uninteresting and an unidentified thing.", nil},
		{"negative: a year", "", "A year and a yacht.", nil},
		{"negative: letter names before hyphen", "", "An X-ray, a T-shirt, an S-bend and a U-turn.", nil},
		{"negative: either article with historic", "", "An historic day and a historic day.", nil},
		{"negative: acronyms unknown", "", "An FBI agent met a NASA engineer.", nil},
		{"negative: letter a", "", "Choose a or b.", nil},
		{"negative: punctuation between", "", "It is a, um, apple.", nil},
		{"negative: swedish", Swedish, "Det var en a apa.", nil},
	})
}

func TestRuleSubjectVerb(t *testing.T) {
	runRuleCases(t, RuleSubjectVerb, []ruleCase{
		{"he have", "", "He have a car.", []string{"have→has"}},
		{"she don't", "", "She don't like it.", []string{"don't→doesn't"}},
		{"curly apostrophe kept", "", "She don’t like it.", []string{"don’t→doesn’t"}},
		{"they was", "", "They was late.", []string{"was→were"}},
		{"we is", "", "We is ready.", []string{"is→are"}},
		{"I is", "", "Yesterday I is tired.", []string{"is→am"}},
		{"i has", "", "Now i has a dog.", []string{"has→have"}},
		{"he go", "", "Every day he go to school.", []string{"go→goes"}},
		{"it are at clause start", "", "It are broken.", []string{"are→is"}},
		{"you was at clause start", "", "You was right.", []string{"was→were"}},
		{"you was after because", "", "I agree because you was right.", []string{"was→were"}},
		{"it are after that", "", "My teacher says that it are important.", []string{"are→is"}},
		{"negative: correct", "", "He has a car. She doesn't care. They were late. I am here. We are ready.", nil},
		{"negative: question", "", "Does he have a car? Why doesn't she like it? Did they go?", nil},
		{"negative: modal", "", "Maybe he can go. She must have left. Let him go.", nil},
		{"negative: compound subject", "", "He and she have a car. Tom and I are here.", nil},
		{"negative: object you", "", "The book I gave you was good.", nil},
		{"negative: object it", "", "The people who run it are kind.", nil},
		{"negative: roman numeral", "", "In World War I is a book.", nil},
		{"negative: were subjunctive", "", "If he were rich, he would go.", nil},
		{"negative: comma between", "", "He, have you seen it?", nil},
		{"negative: swedish", Swedish, "He have a car.", nil},
	})
}

func TestRuleThereIsPlural(t *testing.T) {
	runRuleCases(t, RuleThereIsPlural, []ruleCase{
		{"there is many", "", "There is many dogs.", []string{"is→are"}},
		{"there was two", "", "There was two cats.", []string{"was→were"}},
		{"there isn't several", "", "There isn't several options.", []string{"isn't→aren't"}},
		{"there's several", "", "There's several ways.", []string{"There's→There are"}},
		{"digits", "", "There was 25 students.", []string{"was→were"}},
		{"negative: singular", "", "There is a dog. There was one cat. There is 1 way.", nil},
		{"negative: are", "", "There are many dogs.", nil},
		{"negative: many a", "", "There is many a slip.", nil},
		{"negative: a lot", "", "There is a lot of water.", nil},
		{"negative: swedish", Swedish, "There is many dogs.", nil},
	})
}

func TestRuleSpacing(t *testing.T) {
	runRuleCases(t, RuleDoubleSpace, []ruleCase{
		{"double", "", "One  two.", []string{"  → "}},
		{"triple", "", "One   two.", []string{"   → "}},
		{"after stop", "", "One.  Two.", []string{"  → "}},
		{"swedish", Swedish, "Åsa  åt.", []string{"  → "}},
		{"negative: single", "", "One two.", nil},
		{"negative: indentation", "", "    Indented text.", nil},
		{"negative: trailing", "", "Text.   \nMore.", nil},
		{"negative: before punctuation is the other rule", "", "One  , two.", nil},
	})
	runRuleCases(t, RuleSpaceBeforePunct, []ruleCase{
		{"comma", "", "One , two.", []string{" →"}},
		{"stop at end", "", "One two .", []string{" →"}},
		{"question", "", "Really ?", []string{" →"}},
		{"two spaces", "", "One  , two.", []string{"  →"}},
		{"swedish", Swedish, "Hej , Åsa !", []string{" →", " →"}},
		{"negative: ellipsis", "", "Wait ... what?", nil},
		{"negative: number", "", "It costs .5 dollars.", nil},
		{"negative: emoticon", "", "Great :) indeed.", nil},
		{"negative: correct", "", "One, two. Three!", nil},
	})
}

func TestFindingOffsetsAreBytes(t *testing.T) {
	text := "Åsa  åt."
	r := Analyze(text, Swedish, nil)
	if len(r.Grammar.Findings) != 1 {
		t.Fatalf("findings = %+v, want one", r.Grammar.Findings)
	}
	f := r.Grammar.Findings[0]
	// "Åsa" is 4 bytes (Å takes 2), so the double space starts at byte 4.
	if f.Offset != 4 || f.Length != 2 || f.RuleID != RuleDoubleSpace {
		t.Errorf("finding = %s at %d+%d, want DOUBLE_SPACE at 4+2", f.RuleID, f.Offset, f.Length)
	}
	if f.Context != text || f.ContextOffset != 4 {
		t.Errorf("context = %q at %d, want %q at 4", f.Context, f.ContextOffset, text)
	}
	if o, n := RuneSpan(text, f.Offset, f.Length); o != 3 || n != 2 {
		t.Errorf("RuneSpan = %d+%d, want 3+2", o, n)
	}
}

func TestFindingFields(t *testing.T) {
	text := strings.Repeat("X", 50) + " he have a car\n" + strings.Repeat("z", 60)
	g := Analyze(text, English, nil).Grammar
	if g.ErrorCount != 1 || len(g.Findings) != 1 {
		t.Fatalf("findings = %+v, want one", g.Findings)
	}
	f := g.Findings[0]
	want := Finding{
		RuleID: RuleSubjectVerb, ShortMessage: "Subject–verb agreement",
		Offset: 54, Length: 4, Replacements: []string{"has"},
		Category: "grammar", CategoryID: "GRAMMAR", CategoryName: "Grammar", Severity: "error",
		ContextOffset: 40,
	}
	f.Message, want.Message = "", ""
	ctx := f.Context
	f.Context = ""
	if !equalFinding(f, want) {
		t.Errorf("finding = %+v\nwant %+v", f, want)
	}
	if wantCtx := strings.Repeat("X", 36) + " he have a car " + strings.Repeat("z", 33); ctx != wantCtx {
		t.Errorf("context = %q, want %q", ctx, wantCtx)
	}
	if g.RuleCounts[RuleSubjectVerb] != 1 || g.CategoryCounts["GRAMMAR"] != 1 || len(g.RuleCounts) != 1 {
		t.Errorf("counts = %v, %v", g.RuleCounts, g.CategoryCounts)
	}
}

func equalFinding(a, b Finding) bool {
	return reflect.DeepEqual(a, b)
}

// TestReplacementsFixText applies the first replacement of every finding
// that does not overlap another, repeating until nothing is found, and checks
// the corrected text.
func TestReplacementsFixText(t *testing.T) {
	text := "the the dog barked , and i think he have a apple.  there is many dogs. they was here."
	for round := 0; ; round++ {
		g := Analyze(text, English, nil).Grammar
		if g.ErrorCount == 0 {
			break
		}
		if round == 3 {
			t.Fatalf("still %d findings after 3 rounds: %q", g.ErrorCount, text)
		}
		last := len(text) + 1
		for _, f := range slices.Backward(g.Findings) {
			if f.Offset+f.Length > last {
				continue // overlaps a later fix; the next round sees it again
			}
			text = text[:f.Offset] + f.Replacements[0] + text[f.Offset+f.Length:]
			last = f.Offset
		}
	}
	if want := "The dog barked, and I think he has an apple. There are many dogs. They were here."; text != want {
		t.Errorf("fixed = %q, want %q", text, want)
	}
}

func TestRulesAreDocumented(t *testing.T) {
	doc := filepath.Join("..", "..", "..", "docs", "text-metrics.md")
	b, err := os.ReadFile(doc)
	if err != nil {
		t.Fatalf("read %s: %v", doc, err)
	}
	for _, r := range Rules() {
		if !strings.Contains(string(b), "`"+r.ID+"`") {
			t.Errorf("rule %s is not described in docs/text-metrics.md", r.ID)
		}
	}
}
