package metrics

import (
	"cmp"
	"fmt"
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Finding is one issue found by a grammar rule. Offset and Length are byte
// offsets into the analyzed text (RuneSpan converts them to characters).
// The fields map one to one onto GrammarError of EssayNlpCompletedV1.
type Finding struct {
	RuleID       string `json:"rule_id"`
	Message      string `json:"message"`
	ShortMessage string `json:"short_message"`
	Offset       int    `json:"offset"`
	Length       int    `json:"length"`
	// Replacements are suggestions for text[Offset:Offset+Length], best
	// first; applying the first one fixes the issue.
	Replacements []string `json:"replacements"`
	// Category is the issue type ("grammar", "duplication", "typographical",
	// "whitespace"); CategoryID and CategoryName name the rule's group.
	Category     string `json:"category"`
	CategoryID   string `json:"category_id"`
	CategoryName string `json:"category_name"`
	Severity     string `json:"severity"`
	// Context is up to 40 bytes of text either side of the finding, with
	// line breaks and tabs shown as spaces; ContextOffset is the finding's
	// offset inside it.
	Context       string `json:"context"`
	ContextOffset int    `json:"context_offset"`
}

// GrammarAnalysis is the outcome of all grammar rules on one text, shaped like
// EssayNlpCompletedV1.grammar_analysis.
type GrammarAnalysis struct {
	Language       Language       `json:"language"`
	ErrorCount     int            `json:"error_count"`
	Findings       []Finding      `json:"errors"`
	CategoryCounts map[string]int `json:"grammar_category_counts"`
	RuleCounts     map[string]int `json:"grammar_rule_counts"`
}

// Rule ids reported in Finding.RuleID.
const (
	RuleWordRepeat        = "WORD_REPEAT"
	RuleSentenceStartCase = "SENTENCE_START_CASE"
	RuleLowercaseI        = "LOWERCASE_I"
	RuleArticleAAn        = "A_AN"
	RuleSubjectVerb       = "SUBJECT_VERB_AGREEMENT"
	RuleThereIsPlural     = "THERE_IS_PLURAL"
	RuleDoubleSpace       = "DOUBLE_SPACE"
	RuleSpaceBeforePunct  = "SPACE_BEFORE_PUNCTUATION"
)

// Rule describes one grammar rule for documentation and listings.
type Rule struct {
	ID           string
	ShortMessage string
	CategoryID   string
	CategoryName string
	Category     string
	Severity     string
	// Languages the rule runs for; empty means every language.
	Languages []Language
}

type category struct{ id, name, issue string }

var (
	catCasing     = category{"CASING", "Capitalization", "typographical"}
	catGrammar    = category{"GRAMMAR", "Grammar", "grammar"}
	catMisc       = category{"MISC", "Miscellaneous", "duplication"}
	catTypography = category{"TYPOGRAPHY", "Typography", "whitespace"}
)

var ruleTable = []struct {
	id, short string
	cat       category
	severity  string
	langs     []Language
}{
	{RuleWordRepeat, "Repeated word", catMisc, "warning", nil},
	{RuleSentenceStartCase, "Capitalize sentence start", catCasing, "error", nil},
	{RuleLowercaseI, "Capitalize “I”", catCasing, "error", []Language{English}},
	{RuleArticleAAn, "Wrong article", catGrammar, "error", []Language{English}},
	{RuleSubjectVerb, "Subject–verb agreement", catGrammar, "error", []Language{English}},
	{RuleThereIsPlural, "Use “there are”", catGrammar, "warning", []Language{English}},
	{RuleDoubleSpace, "Double space", catTypography, "info", nil},
	{RuleSpaceBeforePunct, "Space before punctuation", catTypography, "info", nil},
}

// Rules lists every grammar rule in the order they run.
func Rules() []Rule {
	out := make([]Rule, 0, len(ruleTable))
	for _, r := range ruleTable {
		out = append(out, Rule{
			ID: r.id, ShortMessage: r.short, CategoryID: r.cat.id, CategoryName: r.cat.name,
			Category: r.cat.issue, Severity: r.severity, Languages: slices.Clone(r.langs),
		})
	}
	return out
}

const contextRadius = 40

func (d *doc) grammar() GrammarAnalysis {
	g := GrammarAnalysis{
		Language:       d.lang,
		Findings:       []Finding{},
		CategoryCounts: map[string]int{},
		RuleCounts:     map[string]int{},
	}
	adders := make(map[string]addFunc, len(ruleTable))
	for _, rule := range ruleTable {
		if len(rule.langs) > 0 && !slices.Contains(rule.langs, d.lang) {
			continue
		}
		adders[rule.id] = func(off, length int, msg string, repl ...string) {
			f := Finding{
				RuleID: rule.id, Message: msg, ShortMessage: rule.short,
				Offset: off, Length: length, Replacements: repl,
				Category: rule.cat.issue, CategoryID: rule.cat.id, CategoryName: rule.cat.name,
				Severity: rule.severity,
			}
			if f.Replacements == nil {
				f.Replacements = []string{}
			}
			f.Context, f.ContextOffset = context(d.text, off, length)
			g.Findings = append(g.Findings, f)
			g.CategoryCounts[rule.cat.id]++
			g.RuleCounts[rule.id]++
		}
	}
	for id, run := range map[string]func(addFunc){
		RuleWordRepeat:        d.wordRepeat,
		RuleSentenceStartCase: d.sentenceStartCase,
		RuleLowercaseI:        d.lowercaseI,
		RuleArticleAAn:        d.articleAAn,
		RuleSubjectVerb:       d.subjectVerb,
		RuleThereIsPlural:     d.thereIsPlural,
	} {
		if add := adders[id]; add != nil {
			run(add)
		}
	}
	d.spacing(adders[RuleDoubleSpace], adders[RuleSpaceBeforePunct])
	slices.SortStableFunc(g.Findings, func(a, b Finding) int {
		return cmp.Or(cmp.Compare(a.Offset, b.Offset), cmp.Compare(a.RuleID, b.RuleID))
	})
	g.ErrorCount = len(g.Findings)
	return g
}

type addFunc func(off, length int, msg string, repl ...string)

// context cuts up to contextRadius bytes either side of a finding, on rune
// boundaries, with line breaks and tabs replaced by spaces.
func context(text string, off, length int) (string, int) {
	start := max(off-contextRadius, 0)
	for start > 0 && !utf8.RuneStart(text[start]) {
		start--
	}
	end := min(off+length+contextRadius, len(text))
	for end < len(text) && !utf8.RuneStart(text[end]) {
		end++
	}
	c := strings.Map(func(r rune) rune {
		if r == '\n' || r == '\r' || r == '\t' {
			return ' '
		}
		return r
	}, text[start:end])
	return c, off - start
}

// adjacent reports whether words i and j (i < j) are in the same sentence
// with only white space between them.
func (d *doc) adjacent(i, j int) bool {
	if i < 0 || j >= len(d.words) || d.sentOf[i] < 0 || d.sentOf[i] != d.sentOf[j] {
		return false
	}
	return strings.TrimSpace(d.text[d.words[i].End:d.words[j].Start]) == ""
}

// prevInSentence is the index of the word before i in the same sentence, or -1.
func (d *doc) prevInSentence(i int) int {
	if i > 0 && d.sentOf[i-1] == d.sentOf[i] {
		return i - 1
	}
	return -1
}

// repeatAllowed lists words whose doubling is grammatical ("had had",
// "that that"; Swedish "det det").
var repeatAllowed = map[Language]map[string]bool{
	English: {"had": true, "that": true},
	Swedish: {"det": true},
}

func (d *doc) wordRepeat(add addFunc) {
	for i := 0; i < len(d.words); i++ {
		if d.words[i].Letters == 0 || repeatAllowed[d.lang][d.norm[i]] {
			continue
		}
		j := i
		for j+1 < len(d.words) && d.norm[j+1] == d.norm[i] && d.adjacent(j, j+1) {
			j++
		}
		if j == i {
			continue
		}
		w := d.words[i]
		add(w.Start, d.words[j].End-w.Start,
			fmt.Sprintf("The word “%s” is repeated.", w.Text), w.Text)
		i = j
	}
}

// isPronounI reports whether a token is the English pronoun "i" or one of
// its contractions, in lower case.
func isPronounI(norm, raw string) bool {
	if !strings.HasPrefix(raw, "i") {
		return false
	}
	switch norm {
	case "i", "i'm", "i've", "i'll", "i'd":
		return true
	}
	return false
}

func upperFirst(s string) string {
	r, sz := utf8.DecodeRuneInString(s)
	return string(unicode.ToUpper(r)) + s[sz:]
}

func (d *doc) sentenceStartCase(add addFunc) {
	for s, wi := range d.firstWord {
		if wi < 0 {
			continue
		}
		w := d.words[wi]
		lead := d.text[d.sentences[s].Start:w.Start]
		if strings.TrimFunc(lead, func(r rune) bool { return unicode.IsSpace(r) || isOpeningPunct(r) }) != "" {
			continue
		}
		first, _ := utf8.DecodeRuneInString(w.Text)
		if !unicode.IsLower(first) || strings.IndexFunc(w.Text, unicode.IsUpper) >= 0 {
			continue // "iPhone", "eBay"
		}
		if d.lang == English && isPronounI(d.norm[wi], w.Text) {
			continue // LOWERCASE_I reports it
		}
		add(w.Start, w.End-w.Start,
			"A sentence should start with a capital letter.", upperFirst(w.Text))
	}
}

func (d *doc) lowercaseI(add addFunc) {
	for i, w := range d.words {
		if !isPronounI(d.norm[i], w.Text) {
			continue
		}
		before, _ := runeBefore(d.text, w.Start)
		after, _ := runeAt(d.text, w.End)
		if before == '(' || after == ')' {
			continue // "(i)", "i)": list numbering
		}
		add(w.Start, 1, "The pronoun “I” is written with a capital letter.", "I")
	}
}

// letterNameVowel lists capital letters whose name starts with a vowel sound
// ("an F", "an M").
const letterNameVowel = "AEFHILMNORSX"

// Prefixes where a vowel letter sounds like a consonant ("a university", "a
// one-off"), the exceptions to them, prefixes with a silent h ("an hour"),
// and prefixes where either article is accepted ("a/an historic").
var (
	consonantSound = []string{
		"uni", "unanim", "use", "usu", "usa", "uti", "ute", "uto", "ura", "uri",
		"eu", "ewe", "one", "once", "uk", "ubi",
	}
	consonantSoundExcept = []string{"unin", "unim", "unid", "onerous"}
	silentH              = []string{"hour", "honest", "honor", "honour", "heir"} //nolint:misspell // British spelling is data
	eitherArticle        = []string{"herb", "histor", "hotel"}
)

// notAfterArticle are words that follow a letter "a" rather than the article
// ("option a or b", "a and b").
var notAfterArticle = map[string]bool{
	"and": true, "or": true, "is": true, "are": true, "was": true, "of": true,
	"in": true, "on": true, "at": true, "to": true,
}

func hasAnyPrefix(s string, ps []string) bool {
	for _, p := range ps {
		if strings.HasPrefix(s, p) {
			return true
		}
	}
	return false
}

// startsWithVowelSound guesses whether "an" (true) or "a" (false) goes
// before word; ok is false when it cannot tell.
func startsWithVowelSound(raw, norm string) (vowel, ok bool) {
	first, sz := utf8.DecodeRuneInString(raw)
	if utf8.RuneCountInString(raw) == 1 {
		if unicode.IsUpper(first) && first < unicode.MaxASCII {
			return strings.ContainsRune(letterNameVowel, first), true
		}
		return false, false
	}
	if next, _ := utf8.DecodeRuneInString(raw[sz:]); isHyphen(next) && first < unicode.MaxASCII {
		// A letter name before a hyphen: "an X-ray", "a T-shirt", "a U-turn".
		return strings.ContainsRune(letterNameVowel, unicode.ToUpper(first)), true
	}
	if strings.IndexFunc(raw, unicode.IsLower) < 0 {
		return false, false // an acronym: "a NASA", "an FBI" depend on speech
	}
	switch {
	case hasAnyPrefix(norm, eitherArticle):
		return false, false
	case hasAnyPrefix(norm, silentH):
		return true, true
	case hasAnyPrefix(norm, consonantSound) && !hasAnyPrefix(norm, consonantSoundExcept):
		return false, true
	}
	c := norm[0]
	if c >= 0x80 || !unicode.IsLetter(rune(c)) {
		return false, false
	}
	return isVowel(c), true
}

func matchCase(model, s string) string {
	if r, _ := utf8.DecodeRuneInString(model); unicode.IsUpper(r) {
		if strings.IndexFunc(model, unicode.IsLower) < 0 && utf8.RuneCountInString(model) > 1 {
			return strings.ToUpper(s)
		}
		return upperFirst(s)
	}
	return s
}

func (d *doc) articleAAn(add addFunc) {
	for i := 0; i+1 < len(d.words); i++ {
		art := d.norm[i]
		if (art != "a" && art != "an") || !d.adjacent(i, i+1) || notAfterArticle[d.norm[i+1]] {
			continue
		}
		next := d.words[i+1]
		vowel, ok := startsWithVowelSound(next.Text, d.norm[i+1])
		if !ok {
			continue
		}
		w := d.words[i]
		switch {
		case art == "a" && vowel:
			add(w.Start, w.End-w.Start,
				fmt.Sprintf("Use “an” before a vowel sound: “an %s”.", next.Text), matchCase(w.Text, "an"))
		case art == "an" && !vowel:
			add(w.Start, w.End-w.Start,
				fmt.Sprintf("Use “a” before a consonant sound: “a %s”.", next.Text), matchCase(w.Text, "a"))
		}
	}
}

var (
	thirdSingular = map[string]string{
		"have": "has", "haven't": "hasn't", "do": "does", "don't": "doesn't", "dont": "doesn't",
		"are": "is", "aren't": "isn't",
	}
	thirdSingularPerson = map[string]string{
		"go": "goes", "want": "wants", "like": "likes", "need": "needs", "know": "knows",
		"think": "thinks", "say": "says", "live": "lives", "play": "plays", "love": "loves",
		"work": "works", "come": "comes", "get": "gets", "take": "takes", "try": "tries",
		"study": "studies", "watch": "watches",
	}
	firstSingular = map[string]string{
		"is": "am", "are": "am", "has": "have", "hasn't": "haven't", "does": "do",
		"doesn't": "don't", "doesnt": "don't",
	}
	plural = map[string]string{
		"is": "are", "isn't": "aren't", "was": "were", "wasn't": "weren't", "has": "have",
		"hasn't": "haven't", "does": "do", "doesn't": "don't", "doesnt": "don't", "am": "are",
	}
	agreement = map[string]map[string]string{
		"he": merge(thirdSingular, thirdSingularPerson), "she": merge(thirdSingular, thirdSingularPerson),
		"it": thirdSingular, "i": firstSingular, "we": plural, "they": plural, "you": plural,
	}
	// ambiguousSubject are pronouns that are also objects ("the book I gave
	// you was"); they are checked only at the start of a clause.
	ambiguousSubject = map[string]bool{"it": true, "you": true}
	clauseStart      = map[string]bool{
		"and": true, "but": true, "because": true, "so": true, "when": true, "if": true,
		"since": true, "although": true, "though": true, "while": true, "or": true,
		"that": true,
	}
	// beforeBareVerb are words after which a pronoun is followed by a bare
	// verb legitimately: questions ("does he have"), modals, "let him go",
	// and compound subjects ("he and she have").
	beforeBareVerb = map[string]bool{
		"do": true, "does": true, "did": true, "don't": true, "doesn't": true, "didn't": true,
		"can": true, "can't": true, "cannot": true, "could": true, "couldn't": true,
		"will": true, "won't": true, "would": true, "wouldn't": true, "shall": true,
		"should": true, "shouldn't": true, "may": true, "might": true, "must": true,
		"mustn't": true, "let": true, "let's": true, "make": true, "makes": true, "made": true,
		"help": true, "helps": true, "helped": true, "see": true, "saw": true, "seen": true,
		"watch": true, "watched": true, "hear": true, "heard": true, "feel": true, "felt": true,
		"have": true, "has": true, "had": true, "is": true, "are": true, "was": true, "were": true,
		"not": true, "to": true, "and": true, "or": true, "nor": true,
	}
)

func merge(a, b map[string]string) map[string]string {
	m := make(map[string]string, len(a)+len(b))
	for k, v := range a {
		m[k] = v
	}
	for k, v := range b {
		m[k] = v
	}
	return m
}

// withApostropheOf uses the original's typographic apostrophe in s.
func withApostropheOf(orig, s string) string {
	if strings.ContainsRune(orig, '’') {
		return strings.ReplaceAll(s, "'", "’")
	}
	return s
}

func (d *doc) subjectVerb(add addFunc) {
	for i := 0; i+1 < len(d.words); i++ {
		forms, ok := agreement[d.norm[i]]
		if !ok || !d.adjacent(i, i+1) {
			continue
		}
		want, ok := forms[d.norm[i+1]]
		if !ok {
			continue
		}
		p := d.prevInSentence(i)
		if p >= 0 && beforeBareVerb[d.norm[p]] {
			continue
		}
		if ambiguousSubject[d.norm[i]] && p >= 0 && !clauseStart[d.norm[p]] {
			continue
		}
		if d.norm[i] == "i" && p >= 0 && p != d.firstWord[d.sentOf[i]] {
			if r, _ := utf8.DecodeRuneInString(d.words[p].Text); unicode.IsUpper(r) {
				continue // "World War I is": a numeral, not the pronoun
			}
		}
		subj, verb := d.words[i], d.words[i+1]
		add(verb.Start, verb.End-verb.Start,
			fmt.Sprintf("The verb does not agree with “%s”: “%s %s”.", subj.Text, subj.Text, want),
			matchCase(verb.Text, withApostropheOf(verb.Text, want)))
	}
}

var pluralQuantifier = map[string]bool{
	"two": true, "three": true, "four": true, "five": true, "six": true, "seven": true,
	"eight": true, "nine": true, "ten": true, "eleven": true, "twelve": true, "twenty": true,
	"hundreds": true, "thousands": true, "millions": true, "many": true, "several": true,
	"few": true, "numerous": true, "various": true, "both": true,
}

var thereVerb = map[string]string{
	"is": "are", "was": "were", "isn't": "aren't", "wasn't": "weren't",
}

func isPluralQuantifier(d *doc, i int) bool {
	if i >= len(d.words) {
		return false
	}
	n := d.norm[i]
	if n == "many" && i+1 < len(d.words) && d.norm[i+1] == "a" {
		return false // "many a student"
	}
	if pluralQuantifier[n] {
		return true
	}
	allDigits := strings.IndexFunc(n, func(r rune) bool { return r < '0' || r > '9' }) < 0
	return allDigits && n != "1" && n != "0" && !strings.HasPrefix(n, "0")
}

func (d *doc) thereIsPlural(add addFunc) {
	for i := 0; i+1 < len(d.words); i++ {
		switch {
		case d.norm[i] == "there's" && d.adjacent(i, i+1) && isPluralQuantifier(d, i+1):
			w := d.words[i]
			add(w.Start, w.End-w.Start, "Use “there are” before a plural.",
				matchCase(w.Text, "there are"))
		case d.norm[i] == "there" && i+2 < len(d.words) && d.adjacent(i, i+1) && d.adjacent(i+1, i+2):
			want, ok := thereVerb[d.norm[i+1]]
			if !ok || !isPluralQuantifier(d, i+2) {
				continue
			}
			v := d.words[i+1]
			add(v.Start, v.End-v.Start,
				fmt.Sprintf("Use “there %s” before a plural.", want),
				matchCase(v.Text, withApostropheOf(v.Text, want)))
		}
	}
}

// spaceBeforeFlagged reports whether the character at j is punctuation that
// takes no space before it in English or Swedish text. A full stop that
// starts an ellipsis or a number (".5", ".NET") and emoticons (" :)") are
// left alone.
func spaceBeforeFlagged(text string, j int) bool {
	r, sz := runeAt(text, j)
	if !strings.ContainsRune(",.;:!?)", r) {
		return false
	}
	next, nsz := runeAt(text, j+sz)
	if nsz == 0 {
		return true
	}
	if isWordRune(next) {
		return false
	}
	switch r {
	case '.':
		return next != '.'
	case ':', ';':
		return !strings.ContainsRune(")(-", next)
	}
	return true
}

// spacing runs DOUBLE_SPACE and SPACE_BEFORE_PUNCTUATION in one pass; a nil
// adder turns its rule off.
func (d *doc) spacing(double, before addFunc) {
	text := d.text
	for i := 0; i < len(text); {
		if text[i] != ' ' {
			i++
			continue
		}
		j := i
		for j < len(text) && text[j] == ' ' {
			j++
		}
		prev, psz := runeBefore(text, i)
		next, nsz := runeAt(text, j)
		inLine := psz > 0 && !unicode.IsSpace(prev) && nsz > 0 && !unicode.IsSpace(next)
		switch {
		case !inLine:
		case spaceBeforeFlagged(text, j):
			if before != nil {
				before(i, j-i, fmt.Sprintf("Remove the space before “%c”.", next), "")
			}
		case j-i >= 2:
			if double != nil {
				double(i, j-i, "Use a single space between words.", " ")
			}
		}
		i = j
	}
}
