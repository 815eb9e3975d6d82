package lexicon

import (
	"bufio"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"unicode/utf8"
)

// DefaultSwedishDir is where Debian's hunspell-sv package installs the
// Swedish dictionary (sv_SE.dic and sv_SE.aff).
const DefaultSwedishDir = "/usr/share/hunspell"

// ErrNoDictionary is returned (wrapped) when a language's word list is not
// installed.
var ErrNoDictionary = errors.New("dictionary not installed")

var (
	swedishMu    sync.Mutex
	swedishCache = map[string]*Lexicon{}
)

// Swedish loads the Swedish lexicon from the hunspell files sv_SE.dic and
// sv_SE.aff in dir (Debian's hunspell-sv package; DefaultSwedishDir when dir
// is empty). The stems are expanded with the suffix rules of the .aff file,
// and compounds of listed parts are accepted as hunspell would. Swedish has
// no frequency list: Freq, Zipf and Rank are 0. A lexicon is loaded once per
// dir. When the files are missing the error wraps ErrNoDictionary and says
// which package to install.
func Swedish(dir string) (*Lexicon, error) {
	if dir == "" {
		dir = DefaultSwedishDir
	}
	swedishMu.Lock()
	defer swedishMu.Unlock()
	if l, ok := swedishCache[dir]; ok {
		return l, nil
	}
	dic, aff := filepath.Join(dir, "sv_SE.dic"), filepath.Join(dir, "sv_SE.aff")
	for _, p := range []string{dic, aff} {
		if _, err := os.Stat(p); errors.Is(err, fs.ErrNotExist) {
			return nil, fmt.Errorf("swedish lexicon: %s missing (install the Debian package hunspell-sv): %w", p, ErrNoDictionary)
		}
	}
	l, err := LoadHunspell("sv", dic, aff)
	if err != nil {
		return nil, fmt.Errorf("swedish lexicon: %w", err)
	}
	swedishCache[dir] = l
	return l, nil
}

// LoadHunspell builds a lexicon from a hunspell dictionary: every stem of the
// .dic file expanded with the suffix (SFX, two levels) and prefix (PFX, on
// stems) rules of the .aff file. Compounding uses the COMPOUNDBEGIN,
// COMPOUNDMIDDLE, COMPOUNDEND, COMPOUNDFLAG and ONLYINCOMPOUND flags with a
// minimum part length of COMPOUNDMIN (at least 3); the finer compound rules
// (CHECKCOMPOUND*, COMPOUNDRULE) are not applied. Flags are single
// characters (the default FLAG type).
func LoadHunspell(lang, dicPath, affPath string) (*Lexicon, error) {
	a, err := parseAff(affPath)
	if err != nil {
		return nil, err
	}
	f, err := os.Open(dicPath)
	if err != nil {
		return nil, fmt.Errorf("open dic: %w", err)
	}
	defer f.Close()
	l := New(lang, nil, nil)
	c := &compounds{begin: map[string]struct{}{}, middle: map[string]struct{}{}, end: map[string]struct{}{}, min: max(a.compoundMin, minCompoundPart)}
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 64*1024), 1024*1024)
	first := true
	for sc.Scan() {
		line := sc.Text()
		if first {
			first = false
			continue // the entry count
		}
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		if i := strings.IndexAny(line, " \t"); i > 0 {
			line = line[:i] // morphological fields follow
		}
		word, flags, _ := strings.Cut(line, "/")
		if word == "" {
			continue
		}
		a.expand(word, flags, func(form, fl string) {
			if a.has(fl, a.forbidden) {
				return
			}
			if !a.has(fl, a.needAffix) && !a.has(fl, a.onlyInCompound) {
				l.add(form)
			}
			lf := strings.ToLower(form)
			if a.has(fl, a.compoundFlag) || a.has(fl, a.compoundBegin) {
				c.begin[lf] = struct{}{}
			}
			if a.has(fl, a.compoundFlag) || a.has(fl, a.compoundMiddle) {
				c.middle[lf] = struct{}{}
			}
			if a.has(fl, a.compoundFlag) || a.has(fl, a.compoundEnd) {
				c.end[lf] = struct{}{}
			}
		})
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("read dic: %w", err)
	}
	if len(c.begin) > 0 && len(c.end) > 0 {
		l.compound = c
	}
	return l, nil
}

// minCompoundPart is the shortest compound part accepted whatever the .aff
// file says: without hunspell's finer compound checks, shorter parts would
// let through misspellings such as "flika" (fl+ika).
const minCompoundPart = 3

// compounds accepts a word made of a beginning, any number of middles and an
// end, each at least min runes long.
type compounds struct {
	begin, middle, end map[string]struct{}
	min                int
}

// split reports whether lw (lower case) is a compound of listed parts.
func (c *compounds) split(lw string) bool {
	n := len(lw)
	if utf8.RuneCountInString(lw) < 2*c.min {
		return false
	}
	// reach[i]: lw[:i] is a beginning followed by zero or more middles.
	reach := make([]bool, n+1)
	for i := 1; i < n; i++ {
		if !utf8.RuneStart(lw[i]) {
			continue
		}
		if utf8.RuneCountInString(lw[:i]) >= c.min {
			if _, ok := c.begin[lw[:i]]; ok {
				reach[i] = true
			}
		}
		for j := 1; j < i && !reach[i]; j++ {
			if reach[j] && utf8.RuneStart(lw[j]) && utf8.RuneCountInString(lw[j:i]) >= c.min {
				if _, ok := c.middle[lw[j:i]]; ok {
					reach[i] = true
				}
			}
		}
		if reach[i] && utf8.RuneCountInString(lw[i:]) >= c.min {
			if _, ok := c.end[lw[i:]]; ok {
				return true
			}
		}
	}
	return false
}

// affixRule is one SFX or PFX line: strip, then add affix, where the
// condition matches; cont are the continuation flags of the affixed form.
type affixRule struct {
	strip, affix, cont string
	cond               []condPart
}

type affixClass struct {
	prefix bool
	cross  bool
	rules  []affixRule
}

// condPart is one position of a condition: a set of runes (negated or not),
// or any rune.
type condPart struct {
	any    bool
	negate bool
	set    string
}

type affData struct {
	classes                                     map[rune]*affixClass
	needAffix, forbidden, onlyInCompound        rune
	compoundFlag, compoundBegin, compoundMiddle rune
	compoundEnd                                 rune
	compoundMin                                 int
}

func (a *affData) has(flags string, f rune) bool {
	return f != 0 && strings.ContainsRune(flags, f)
}

func parseAff(path string) (*affData, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("open aff: %w", err)
	}
	defer f.Close()
	a := &affData{classes: map[rune]*affixClass{}, compoundMin: 3}
	flag := func(s string) rune { r, _ := utf8.DecodeRuneInString(s); return r }
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		fs := strings.Fields(sc.Text())
		if len(fs) < 2 || strings.HasPrefix(fs[0], "#") {
			continue
		}
		switch fs[0] {
		case "FLAG":
			if fs[1] != "UTF-8" {
				return nil, fmt.Errorf("parse aff: FLAG %s not supported", fs[1])
			}
		case "NEEDAFFIX":
			a.needAffix = flag(fs[1])
		case "FORBIDDENWORD":
			a.forbidden = flag(fs[1])
		case "ONLYINCOMPOUND":
			a.onlyInCompound = flag(fs[1])
		case "COMPOUNDFLAG":
			a.compoundFlag = flag(fs[1])
		case "COMPOUNDBEGIN":
			a.compoundBegin = flag(fs[1])
		case "COMPOUNDMIDDLE":
			a.compoundMiddle = flag(fs[1])
		case "COMPOUNDEND":
			a.compoundEnd = flag(fs[1])
		case "COMPOUNDMIN":
			n, err := strconv.Atoi(fs[1])
			if err != nil {
				return nil, fmt.Errorf("parse aff: COMPOUNDMIN: %w", err)
			}
			a.compoundMin = n
		case "SFX", "PFX":
			fl := flag(fs[1])
			cl, ok := a.classes[fl]
			if !ok { // header: SFX flag cross count
				if len(fs) < 4 {
					return nil, fmt.Errorf("parse aff: short header %q", sc.Text())
				}
				a.classes[fl] = &affixClass{prefix: fs[0] == "PFX", cross: fs[2] == "Y"}
				continue
			}
			if len(fs) < 4 {
				return nil, fmt.Errorf("parse aff: short rule %q", sc.Text())
			}
			r := affixRule{strip: zero(fs[2])}
			r.affix, r.cont, _ = strings.Cut(fs[3], "/")
			r.affix = zero(r.affix)
			cond := "."
			if len(fs) > 4 {
				cond = fs[4]
			}
			r.cond = parseCond(cond)
			cl.rules = append(cl.rules, r)
		}
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("read aff: %w", err)
	}
	return a, nil
}

func zero(s string) string {
	if s == "0" {
		return ""
	}
	return s
}

func parseCond(s string) []condPart {
	var parts []condPart
	rs := []rune(s)
	for i := 0; i < len(rs); i++ {
		switch rs[i] {
		case '.':
			parts = append(parts, condPart{any: true})
		case '[':
			j := i + 1
			p := condPart{}
			if j < len(rs) && rs[j] == '^' {
				p.negate = true
				j++
			}
			k := j
			for k < len(rs) && rs[k] != ']' {
				k++
			}
			p.set = string(rs[j:k])
			parts = append(parts, p)
			i = k
		default:
			parts = append(parts, condPart{set: string(rs[i])})
		}
	}
	return parts
}

// matches reports whether the condition matches the end (suffix) or the
// start (prefix) of word.
func matches(cond []condPart, word string, suffix bool) bool {
	if utf8.RuneCountInString(word) < len(cond) {
		return false
	}
	for k := range cond {
		var r rune
		var size int
		if suffix {
			r, size = utf8.DecodeLastRuneInString(word)
			word = word[:len(word)-size]
		} else {
			r, size = utf8.DecodeRuneInString(word)
			word = word[size:]
		}
		p := cond[k]
		if suffix {
			p = cond[len(cond)-1-k]
		}
		if !p.any && strings.ContainsRune(p.set, r) == p.negate {
			return false
		}
	}
	return true
}

// expand calls emit with the stem and every form its flags derive, each with
// the flags that apply to that form.
func (a *affData) expand(word, flags string, emit func(form, flags string)) {
	emit(word, flags)
	for _, f := range flags {
		cl, ok := a.classes[f]
		if !ok {
			continue
		}
		for _, r := range cl.rules {
			form, ok := apply(cl.prefix, r, word)
			if !ok {
				continue
			}
			emit(form, r.cont)
			if cl.prefix {
				continue
			}
			for _, f2 := range r.cont { // a second suffix level
				cl2, ok := a.classes[f2]
				if !ok || cl2.prefix {
					continue
				}
				for _, r2 := range cl2.rules {
					if form2, ok := apply(false, r2, form); ok {
						emit(form2, r2.cont)
					}
				}
			}
		}
	}
}

func apply(prefix bool, r affixRule, word string) (string, bool) {
	if !matches(r.cond, word, !prefix) {
		return "", false
	}
	if prefix {
		if !strings.HasPrefix(word, r.strip) {
			return "", false
		}
		return r.affix + word[len(r.strip):], true
	}
	if !strings.HasSuffix(word, r.strip) || len(word) == len(r.strip) {
		return "", false
	}
	return word[:len(word)-len(r.strip)] + r.affix, true
}
