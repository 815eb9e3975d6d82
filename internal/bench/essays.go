//nolint:misspell // deliberate learner misspellings (and British spellings) are the essays' data
package bench

import (
	"fmt"
	"math/rand/v2"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/hule-dev/hule/internal/client"
)

// Essay is one generated learner essay.
type Essay struct {
	// Name is its file name, essay-0001.txt and so on.
	Name string
	// Text is the essay, paragraphs separated by blank lines.
	Text string
	// Words counts its words (tokens between spaces).
	Words int
	// Quality is the writer's level in [0, 1) that shaped it: sentence
	// register, connectives and the rate of misspellings.
	Quality float64
}

// Word counts of a generated essay: the range of an ordinary school essay.
const (
	minWords = 250
	maxWords = 600
)

// Essays returns n distinct essays made deterministically from seed: the
// same n and seed give the same texts. Each argues one of a few everyday
// school topics at a quality drawn per essay, so that the batch has weak
// and strong writers; weak ones use plain sentences, few connectives and
// misspell often (the spellchecker has work), strong ones vary their
// sentences and rarely misspell (the judge has differences to rank).
func Essays(n int, seed uint64) []Essay {
	rng := rand.New(rand.NewPCG(seed, seed^0x6a09e667f3bcc909)) //nolint:gosec // reproducible test data, not a secret
	seen := make(map[string]bool, n)
	out := make([]Essay, 0, n)
	for i := range n {
		for {
			e := generate(rng)
			if seen[e.Text] {
				continue // practically never: draw again rather than send a duplicate the platform refuses
			}
			seen[e.Text] = true
			e.Name = fmt.Sprintf("essay-%04d.txt", i+1)
			out = append(out, e)
			break
		}
	}
	return out
}

// Files returns the essays as upload files of the API client, in order.
func Files(essays []Essay) []client.File {
	files := make([]client.File, len(essays))
	for i, e := range essays {
		files[i] = client.File{Name: e.Name, Data: []byte(e.Text)}
	}
	return files
}

// topic is what one essay argues: a title, opening and closing sentences,
// and body sentences in a plain and a more mature register.
type topic struct {
	title    string
	openings []string
	plain    []string
	rich     []string
	closings []string
}

// Slot values, filled into {name}, {town}, {family}, {subject}, {num} and
// {age} of the sentences so that texts differ beyond sentence choice.
var (
	names    = []string{"Emma", "Liam", "Sara", "Omar", "Elin", "Noah", "Maja", "Hugo", "Aisha", "Viktor", "Lena", "Ali", "Freja", "Jonas", "Nora", "Elias"}
	towns    = []string{"Uppsala", "Luleå", "Malmö", "Borås", "Gävle", "Kiruna", "Lund", "Falun", "Umeå", "Visby"}
	families = []string{"my brother", "my sister", "my cousin", "my mother", "my father", "my uncle", "my grandmother", "my best friend"}
	subjects = []string{"maths", "English", "history", "biology", "music", "chemistry", "geography", "art"}
)

var topics = []topic{
	{
		title: "Should mobile phones be banned in school?",
		openings: []string{
			"Many people think that mobile phones should be banned in school.",
			"Today almost every student has a mobile phone in the pocket, also in the classroom.",
			"The question if phones belong in the classroom is discussed a lot in {town} right now.",
			"In my school there was a big debate last year about taking our phones away during lessons.",
		},
		plain: []string{
			"I think phones are good because you can look up things fast.",
			"But many students play games in the lesson and dont listen to the teacher.",
			"My friend {name} always check her phone when the teacher talks.",
			"It is hard to concentrate when the phone makes a sound all the time.",
			"Some teachers take the phones and put them in a box before the lesson.",
			"I dont think that is fair because we need the phone if something happens.",
			"In {subject} we use the phone to make videos and that is fun.",
			"If you have a phone you can call your parents after school.",
			"Phones is also a problem in the breaks because nobody talk to each other.",
			"Last week {num} students in my class was on social media in the lesson.",
			"{family} says that phones make young people lazy.",
			"I agree a little bit but not all the way.",
			"Without the phone I feel that I miss something.",
			"We can learn to use the phone in a good way instead of banning it.",
		},
		rich: []string{
			"Research suggests that even a silent phone on the desk reduces how much attention students can give to a task.",
			"On the other hand, a complete ban ignores the fact that phones are powerful tools for learning when they are used with purpose.",
			"A reasonable compromise would be to collect the phones at the start of each lesson and return them when the teacher decides they are needed.",
			"When our {subject} teacher tried this for {num} weeks, the class became noticeably calmer and more focused.",
			"It is also worth remembering that the habits we build at school follow us into our adult working lives.",
			"Students who are constantly interrupted by notifications rarely reach the deep concentration that difficult problems require.",
			"Parents, however, often want to be able to reach their children, which makes a total ban difficult to defend.",
			"Instead of treating phones as enemies, schools could teach students to regulate their own use responsibly.",
			"Such an approach respects students as individuals while still protecting the quality of the teaching.",
			"The experience of schools in {town} shows that clear rules work better than vague recommendations.",
		},
		closings: []string{
			"In conclusion I think phones should not be banned but we need rules for them.",
			"To sum up, a total ban is too strict, but some limits are clearly necessary.",
			"All in all, the best solution is a balance between freedom and responsibility.",
			"That is why I believe that phones can stay in school, as long as they stay in the bag during lessons.",
		},
	},
	{
		title: "The environment and our future",
		openings: []string{
			"The environment is one of the most important questions for my generation.",
			"Climate change is a big problem in the world today.",
			"When I was {age} years old I saw a film about melting ice and I have thought about it ever since.",
			"Everybody talks about the climate, but few people actually change how they live.",
		},
		plain: []string{
			"We must stop to use so much plastic because it goes in the sea.",
			"Many people drive car even when they can take the bike.",
			"In {town} the buses are cheap but people dont use them.",
			"My family try to recycle everything at home.",
			"{family} bought an electric car last year and is very happy with it.",
			"I think the goverment should do more for the nature.",
			"The animals is dying because their homes disappear.",
			"It is important that young people also do something.",
			"We can eat less meat and more vegetables.",
			"Some people says that one person cannot change anything but I dont agree.",
			"When I go to school I always walk or take the bike.",
			"My friend {name} started to buy second hand clothes.",
			"The summers is getting hotter every year.",
			"If we dont do something now it will be to late.",
		},
		rich: []string{
			"Scientists agree that the average temperature has risen faster during the last decades than at any time before.",
			"Individual choices matter, but without political decisions they will never be enough to reverse the trend.",
			"A carbon tax, for example, makes polluting more expensive and rewards companies that invest in cleaner technology.",
			"Critics argue that such measures hit families in the countryside hardest, since they depend on their cars.",
			"This objection deserves to be taken seriously, and it shows that a fair transition must include everyone.",
			"Our school in {town} reduced its food waste by {num} percent after students started weighing the leftovers every day.",
			"Small local projects like this demonstrate that change is possible when people can see the results of their efforts.",
			"Furthermore, young people can influence their parents, who in turn influence what companies produce.",
			"The real challenge is to combine economic growth with a sustainable use of natural resources.",
			"History shows that societies are capable of rapid change when they recognise a common threat.",
		},
		closings: []string{
			"To conclude, everybody must help to save the planet.",
			"In the end, the future of the environment depends on the choices we make today.",
			"In short, individuals, companies and governments all share the responsibility.",
			"So I hope that my generation will be the one who finally solve this problem.",
		},
	},
	{
		title: "Is homework necessary?",
		openings: []string{
			"Homework is something almost every student has an opinion about.",
			"Most students hate homework, and I understand why.",
			"In my class we get homework in nearly every subject, especially in {subject}.",
			"Teachers and students rarely agree on how much homework is reasonable.",
		},
		plain: []string{
			"After school I am very tired and dont want to do more school work.",
			"I play football four days a week so I dont have so much time.",
			"Sometimes the homework is to difficult and nobody at home can help me.",
			"{family} helps me with {subject} but not with the other subjects.",
			"But homework can also be good because you practise what you learned.",
			"My friend {name} does the homework on the bus in the morning.",
			"Some teachers give homework on friday and that is not fair.",
			"If we have a test we need to study at home anyway.",
			"I think we should have less homework and more time in school to work.",
			"Many students copy the homework from each other.",
			"Last week I had {num} different homeworks at the same time.",
			"It is stressful when everything have to be ready on monday.",
			"Reading a book at home is a good homework I think.",
			"Students who has a quiet room at home get better grades.",
		},
		rich: []string{
			"The purpose of homework should be to consolidate knowledge, not to introduce entirely new material.",
			"Studies indicate that moderate amounts of homework improve results in secondary school, while large amounts have little additional effect.",
			"Moreover, homework can increase inequality, because not every student has a quiet place to study or adults who can explain difficult concepts.",
			"A possible solution is to offer supervised study time at the end of the school day.",
			"When my school in {town} introduced such a study hour, the number of students who handed in their assignments rose considerably.",
			"Nevertheless, learning to plan and work independently is a skill that homework can develop.",
			"Teachers should therefore coordinate their assignments so that students are not overwhelmed in the same week.",
			"It would also help if the feedback on homework were quick and specific, so that the effort feels meaningful.",
			"Rest and leisure are not a waste of time; they are necessary for memory and motivation.",
			"Consequently, the question is not whether homework should exist, but how much of it is useful.",
		},
		closings: []string{
			"In conclusion, homework is sometimes good but we get too much of it.",
			"To sum up, homework should be short, meaningful and planned together by the teachers.",
			"Finally, I believe that quality matters far more than quantity when it comes to homework.",
			"That is my opinion about homework and I hope the teachers listen.",
		},
	},
	{
		title: "A person who inspires me",
		openings: []string{
			"There is one person in my life that I really admire.",
			"Everybody needs someone to look up to, and for me that person is {family}.",
			"When I think about who inspires me, I immediately think of {family}.",
			"I want to write about a person who has changed the way I see the world.",
		},
		plain: []string{
			"{family} moved to {town} when she was very young and did not know anybody.",
			"She worked very hard every day and never complained.",
			"When I was {age} years old she taught me how to ride a bike.",
			"She always says that you should never give up.",
			"She is very kind and helps everybody in the family.",
			"One time she helped a old man who fell on the street.",
			"I want to be like her when I grow up.",
			"She also likes {subject} and we talk about it a lot.",
			"Sometimes we cook food together and she tells storys from her life.",
			"My friend {name} thinks she is very funny.",
			"She dont have a lot of money but she is happy anyway.",
			"Every summer we visit her and it is the best time of the year.",
			"She learned me to be patient.",
			"I think everybody should have a person like that.",
		},
		rich: []string{
			"What impresses me most is not what she has achieved but how she treats the people around her.",
			"Despite a difficult start in a new country, she completed her education while working evenings in a shop.",
			"Her patience became obvious to me when she spent {num} evenings helping me prepare for an exam in {subject}.",
			"She never tells me what to think; instead, she asks questions until I discover the answer myself.",
			"This way of teaching has made me more independent and more confident in my own judgement.",
			"Moreover, she shows that success can be measured in kindness rather than in money or status.",
			"Whenever I face a setback, I try to imagine how she would react, and it usually calms me down.",
			"Her story reminds me that circumstances shape us, but they do not have to define us.",
			"Even strangers seem to trust her after only a few minutes of conversation.",
			"I have gradually realised that her calmness is a result of discipline rather than luck.",
		},
		closings: []string{
			"That is why she is my biggest inspiration.",
			"In conclusion, she has taught me more than any school could.",
			"To sum up, I hope I can one day inspire someone the way she has inspired me.",
			"She is the reason that I try to be a better person every day.",
		},
	},
}

// Sentences that fit any topic: personal asides, in both registers.
var (
	genericPlain = []string{
		"I have thought a lot about this question.",
		"Many of my friends have the same opinion as me.",
		"Not everybody agree with this of course.",
		"This is a difficult question and there is many sides.",
		"Me and {name} talked about it on the way home from school.",
		"When I was {age} I did not care about things like this.",
		"I think it is important to listen to everybody.",
		"It is easy to say but more difficult to do.",
		"I dont know what the right answer is.",
		"In {town} people have different opinions about this.",
		"{family} always says that you have to think for yourself.",
		"Maybe the adults should ask the young people more.",
	}
	genericRich = []string{
		"It is worth considering the question from more than one perspective.",
		"A discussion with {name} after our {subject} lesson made me reconsider my first opinion.",
		"Naturally, there are strong arguments on both sides of this debate.",
		"What seems obvious at first often turns out to be more complicated on closer inspection.",
		"My own experience, however, points in a fairly clear direction.",
		"Whatever we decide, the decision should be based on evidence rather than on habit.",
		"Living in {town} has given me a slightly different view of the matter.",
		"Ultimately, the most convincing arguments are those that take everyone's needs into account.",
	}
	plainLinks = []string{"And", "But", "Also", "So", "Because of that"}
	richLinks  = []string{"Furthermore", "However", "In addition", "Consequently", "Nevertheless", "For instance", "Similarly", "On the contrary", "As a result"}
)

// misspellings are common learner errors of frequent words.
var misspellings = map[string][]string{
	"because":     {"becuase", "beacuse", "becouse"},
	"their":       {"thier"},
	"believe":     {"beleive"},
	"different":   {"diffrent", "diferent"},
	"environment": {"enviroment", "enviorment"},
	"government":  {"goverment"},
	"necessary":   {"neccessary", "nessesary"},
	"really":      {"realy"},
	"which":       {"wich"},
	"people":      {"poeple", "peopel"},
	"friend":      {"freind", "frend"},
	"friends":     {"freinds", "frends"},
	"beautiful":   {"beutiful", "beautifull"},
	"until":       {"untill"},
	"important":   {"importent", "importan"},
	"opinion":     {"oppinion", "opinon"},
	"difficult":   {"dificult", "difficoult"},
	"everybody":   {"everbody", "evrybody"},
	"sometimes":   {"somtimes", "sometime"},
	"always":      {"allways", "alway"},
	"think":       {"tink", "thinck"},
	"school":      {"scool", "shool"},
	"teacher":     {"teatcher", "techer"},
	"homework":    {"homwork", "homeworck"},
	"problem":     {"problen", "probelm"},
	"example":     {"exemple", "exampel"},
	"country":     {"contry", "countrie"},
	"family":      {"famaly", "familly"},
	"children":    {"childrens", "childen"},
	"student":     {"studdent", "studen"},
	"students":    {"studdents", "studens"},
	"learn":       {"lern"},
	"write":       {"wright", "writte"},
	"would":       {"wuold", "woud"},
	"something":   {"somthing", "someting"},
	"tomorrow":    {"tommorow", "tomorow"},
	"whether":     {"wether"},
	"decision":    {"desicion", "decition"},
	"experience":  {"experiance", "expirience"},
	"especially":  {"especialy", "expecially"},
}

// generate writes one essay at a random quality and length.
func generate(rng *rand.Rand) Essay {
	q := rng.Float64()
	t := topics[rng.IntN(len(topics))]
	target := minWords + rng.IntN(maxWords-minWords+1)
	g := &writer{rng: rng, q: q, used: map[string]bool{}}

	var paras []string
	// Weaker writers keep the prompt as a title more often.
	if rng.Float64() < 0.6-0.4*q {
		paras = append(paras, t.title)
	}
	intro := []string{g.fill(pick(rng, t.openings))}
	for range 1 + rng.IntN(2) {
		intro = append(intro, g.body(t))
	}
	paras = append(paras, g.join(intro))
	words := countWords(strings.Join(paras, " "))
	closing := 10 // room for the closing paragraph
	for words < target-closing {
		var p []string
		for range 3 + rng.IntN(4) {
			p = append(p, g.body(t))
		}
		s := g.join(p)
		paras = append(paras, s)
		words += countWords(s)
	}
	end := []string{g.fill(pick(rng, t.closings))}
	if q > 0.5 {
		end = append(end, g.fill(pick(rng, genericRich)))
	}
	paras = append(paras, g.join(end))
	text := strings.Join(paras, "\n\n")
	// Longer than the range by a sentence too many: cut whole sentences
	// from the last body paragraph until it fits.
	for countWords(text) > maxWords && len(paras) > 3 {
		body := paras[len(paras)-2]
		cut := strings.LastIndex(strings.TrimRight(body, ". "), ". ")
		if cut < 0 {
			paras = append(paras[:len(paras)-2], paras[len(paras)-1])
		} else {
			paras[len(paras)-2] = body[:cut+1]
		}
		text = strings.Join(paras, "\n\n")
	}
	text = g.misspell(text) + "\n"
	return Essay{Text: text, Words: countWords(text), Quality: q}
}

// writer holds one essay's random source, writer quality and the
// sentences it has used, so that it repeats itself only when it has run out
// of things to say.
type writer struct {
	rng  *rand.Rand
	q    float64
	used map[string]bool
}

// body returns one body sentence: the mature register with a
// probability that grows with quality, sometimes led by a connective.
func (g *writer) body(t topic) string {
	var pools [][]string
	switch r := g.rng.Float64(); {
	case r < 0.15:
		if g.rng.Float64() < g.q {
			pools = [][]string{genericRich, t.rich, genericPlain, t.plain}
		} else {
			pools = [][]string{genericPlain, t.plain}
		}
	case g.rng.Float64() < g.q*g.q+0.1:
		pools = [][]string{t.rich, genericRich, t.plain, genericPlain}
	default:
		pools = [][]string{t.plain, genericPlain}
	}
	s := g.fresh(pools)
	if !linked(s) && g.rng.Float64() < 0.15+0.25*g.q {
		links := plainLinks
		if g.rng.Float64() < g.q {
			links = richLinks
		}
		link := pick(g.rng, links)
		sep := " "
		if g.q > 0.4 || strings.HasPrefix(link, "Because") {
			sep = ", "
		}
		s = link + sep + lowerFirst(s)
	}
	return s
}

// fresh picks a sentence not used yet from the first pool that has one,
// or any sentence of the first pool when all are used, and fills its slots.
func (g *writer) fresh(pools [][]string) string {
	for _, pool := range pools {
		var unused []string
		for _, s := range pool {
			if !g.used[s] {
				unused = append(unused, s)
			}
		}
		if len(unused) > 0 {
			s := pick(g.rng, unused)
			g.used[s] = true
			return g.fill(s)
		}
	}
	return g.fill(pick(g.rng, pools[0]))
}

// linked reports whether a sentence already opens with a connective or
// carries one, so that another in front would read oddly.
func linked(s string) bool {
	l := strings.ToLower(s)
	for _, p := range []string{"but ", "and ", "also ", "so ", "however", "furthermore", "moreover", "nevertheless",
		"consequently", "instead", "on the other hand", "naturally", "whatever", "ultimately", "despite", "such ",
		"this ", "even ", "what ", "it would also", "small ", "if ", "when ", "whenever ", "without ", "maybe ", "not "} {
		if strings.HasPrefix(l, p) {
			return true
		}
	}
	return strings.Contains(l, ", however,") || strings.Contains(l, ", for example,") || strings.Contains(l, ", therefore,")
}

// join makes a paragraph; weak writers sometimes run two sentences
// together with a comma.
func (g *writer) join(sentences []string) string {
	var b strings.Builder
	for i, s := range sentences {
		if i > 0 {
			if g.q < 0.3 && g.rng.Float64() < 0.25 && strings.HasSuffix(b.String(), ".") {
				str := b.String()
				b.Reset()
				b.WriteString(str[:len(str)-1] + ", ")
				b.WriteString(lowerFirst(s))
				continue
			}
			b.WriteByte(' ')
		}
		b.WriteString(s)
	}
	return b.String()
}

// fill replaces a sentence's slots with random values.
func (g *writer) fill(s string) string {
	if !strings.Contains(s, "{") {
		return s
	}
	r := strings.NewReplacer(
		"{name}", pick(g.rng, names),
		"{town}", pick(g.rng, towns),
		"{family}", pick(g.rng, families),
		"{subject}", pick(g.rng, subjects),
		"{num}", fmt.Sprint(2+g.rng.IntN(28)),
		"{age}", fmt.Sprint(6+g.rng.IntN(8)),
	)
	s = r.Replace(s)
	return upperFirst(s)
}

// misspell introduces learner errors: known misspellings of frequent
// words and letter slips in longer words, both more often the weaker the
// writer (about 7 % of words at the bottom, under 1 % at the top).
func (g *writer) misspell(text string) string {
	rate := 0.07 * (1 - g.q) * (1 - g.q)
	rate = max(rate, 0.004)
	lines := strings.Split(text, "\n")
	for li, line := range lines {
		words := strings.Split(line, " ")
		for i, w := range words {
			core, tail := splitPunct(w)
			lower := strings.ToLower(core)
			if alts, ok := misspellings[lower]; ok && g.rng.Float64() < rate*5 {
				words[i] = matchCase(core, pick(g.rng, alts)) + tail
				continue
			}
			if utf8.RuneCountInString(core) >= 5 && isASCIIWord(core) && g.rng.Float64() < rate {
				words[i] = g.slip(core) + tail
			}
		}
		lines[li] = strings.Join(words, " ")
	}
	return strings.Join(lines, "\n")
}

// slip makes one typing error inside a word: two letters swapped, one
// dropped or one doubled. The first letter stays, as in real slips.
func (g *writer) slip(w string) string {
	b := []byte(w)
	i := 1 + g.rng.IntN(len(b)-2)
	switch g.rng.IntN(3) {
	case 0:
		b[i], b[i+1] = b[i+1], b[i]
	case 1:
		b = append(b[:i], b[i+1:]...)
	default:
		b = append(b[:i+1], b[i:]...)
	}
	return string(b)
}

func pick[T any](rng *rand.Rand, xs []T) T { return xs[rng.IntN(len(xs))] }

func countWords(s string) int { return len(strings.Fields(s)) }

func splitPunct(w string) (core, tail string) {
	end := len(w)
	for end > 0 && strings.ContainsRune(".,;:!?", rune(w[end-1])) {
		end--
	}
	return w[:end], w[end:]
}

func isASCIIWord(w string) bool {
	for _, r := range w {
		if r > unicode.MaxASCII || !unicode.IsLetter(r) {
			return false
		}
	}
	return true
}

func matchCase(orig, repl string) string {
	if r, _ := utf8.DecodeRuneInString(orig); unicode.IsUpper(r) {
		return upperFirst(repl)
	}
	return repl
}

func upperFirst(s string) string {
	r, n := utf8.DecodeRuneInString(s)
	return string(unicode.ToUpper(r)) + s[n:]
}

func lowerFirst(s string) string {
	r, n := utf8.DecodeRuneInString(s)
	// Keep "I" and names capitalised.
	if r == 'I' && (len(s) == 1 || s[1] == ' ' || s[1] == '\'') {
		return s
	}
	for _, name := range names {
		if strings.HasPrefix(s, name) {
			return s
		}
	}
	return string(unicode.ToLower(r)) + s[n:]
}
