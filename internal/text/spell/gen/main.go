// Command gen builds the English learner-error table that package spell
// embeds, and the held-out test set its accuracy benchmark uses. It is run by
// hand when the source changes (see internal/text/spell/data/SOURCES.md); its
// output is committed, so builds and tests never need it.
//
//	go run ./internal/text/spell/gen -cspell DIR
//
// DIR is the unpacked npm package @cspell/dict-en-common-misspellings.
package main

import (
	"bufio"
	"compress/gzip"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"hash/fnv"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"unicode"

	"github.com/hule-dev/hule/internal/text/lexicon"
)

// heldOutEvery puts one misspelling in this many (by hash) into the test set
// instead of the table, so the benchmark measures the dictionary pass on
// errors the table has never seen.
const heldOutEvery = 40

func main() {
	if err := run(os.Args[1:]); err != nil {
		fmt.Fprintln(os.Stderr, "gen:", err)
		os.Exit(1)
	}
}

func run(args []string) error {
	fs := flag.NewFlagSet("gen", flag.ContinueOnError)
	src := fs.String("cspell", "", "directory of the unpacked npm package @cspell/dict-en-common-misspellings")
	table := fs.String("table", "internal/text/spell/data/learner_en.tsv.gz", "output learner table")
	test := fs.String("testset", "internal/text/spell/testdata/heldout_en.tsv", "output held-out test set")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *src == "" {
		return errors.New("-cspell is required")
	}
	en, err := lexicon.English()
	if err != nil {
		return err
	}
	pairs, err := readCspell(filepath.Join(*src, "dict", "dict-en.json"))
	if err != nil {
		return err
	}
	var kept, held []string
	dropped, multi := 0, 0
	for _, p := range pairs {
		right, ok := choose(en, p)
		if !ok {
			dropped++
			continue
		}
		line := p.wrong + "\t" + right
		if len(p.right) > 1 {
			multi++ // ambiguous entries go to the table, never to the test set
			kept = append(kept, line)
			continue
		}
		if heldOutHash(p.wrong)%heldOutEvery == 0 && !strings.Contains(right, " ") {
			held = append(held, line)
			continue
		}
		kept = append(kept, line)
	}
	slices.Sort(kept)
	slices.Sort(held)
	if err := writeGzip(*table, kept); err != nil {
		return err
	}
	if err := os.WriteFile(*test, []byte(strings.Join(held, "\n")+"\n"), 0o600); err != nil {
		return fmt.Errorf("write test set: %w", err)
	}
	fmt.Printf("%d source entries: %d in the table (%d with several suggestions), %d held out, %d dropped\n",
		len(pairs), len(kept), multi, len(held), dropped)
	return nil
}

// heldOutHash is FNV-1a (32 bits) of the misspelling.
func heldOutHash(s string) uint32 {
	h := fnv.New32a()
	_, _ = h.Write([]byte(s)) // a hash.Hash never returns an error
	return h.Sum32()
}

// pair is one source entry: a misspelling and its suggested corrections.
type pair struct {
	wrong string
	right []string
}

// readCspell returns the entries with their suggested corrections.
func readCspell(path string) ([]pair, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("read cspell dictionary: %w", err)
	}
	var doc struct {
		Defs []struct {
			FlagWords    []string `json:"flagWords"`
			SuggestWords []string `json:"suggestWords"`
		} `json:"dictionaryDefinitions"`
	}
	if err := json.Unmarshal(b, &doc); err != nil {
		return nil, fmt.Errorf("decode cspell dictionary: %w", err)
	}
	seen := map[string]bool{}
	var out []pair
	for _, d := range doc.Defs {
		for _, e := range slices.Concat(d.FlagWords, d.SuggestWords) {
			wrong, right, ok := strings.Cut(e, "->")
			if !ok {
				continue
			}
			wrong = strings.ToLower(strings.TrimSpace(wrong))
			if seen[wrong] {
				continue
			}
			seen[wrong] = true
			p := pair{wrong: wrong}
			for _, r := range strings.Split(right, ",") {
				if r = strings.TrimSpace(r); r != "" {
					p.right = append(p.right, r)
				}
			}
			out = append(out, p)
		}
	}
	return out, nil
}

// choose picks the correction of an entry: its only suggestion, or of
// several (a slip that could stand for "which" or "witch") the most
// frequent, a phrase counting as its rarest word, the first on a tie.
// Unusable suggestions are skipped.
func choose(en *lexicon.Lexicon, p pair) (string, bool) {
	best, bestZipf := "", -1.0
	for _, r := range p.right {
		if !usable(en, p.wrong, r) {
			continue
		}
		z := 100.0
		for _, w := range strings.Fields(r) {
			z = min(z, en.Zipf(w))
		}
		if z > bestZipf {
			best, bestZipf = r, z
		}
	}
	return best, best != ""
}

// usable keeps pairs whose misspelling is one word the dictionary does not
// know (so a correct word is never changed) and whose correction is made of
// dictionary words.
func usable(en *lexicon.Lexicon, wrong, right string) bool {
	if wrong == "" || right == "" || strings.EqualFold(wrong, right) {
		return false
	}
	for _, r := range wrong {
		if !unicode.IsLetter(r) && r != '\'' {
			return false
		}
	}
	if en.Contains(wrong) {
		return false
	}
	if _, ok := en.Proper(wrong); ok {
		return false
	}
	for _, w := range strings.Fields(right) {
		if !en.Contains(w) {
			return false
		}
	}
	return true
}

func writeGzip(path string, lines []string) error {
	f, err := os.Create(path)
	if err != nil {
		return fmt.Errorf("create %s: %w", path, err)
	}
	zw, err := gzip.NewWriterLevel(f, gzip.BestCompression)
	if err != nil {
		return errors.Join(fmt.Errorf("gzip %s: %w", path, err), f.Close())
	}
	bw := bufio.NewWriter(zw)
	if _, err := bw.WriteString(strings.Join(lines, "\n") + "\n"); err != nil {
		return errors.Join(fmt.Errorf("write %s: %w", path, err), zw.Close(), f.Close())
	}
	err = errors.Join(bw.Flush(), zw.Close(), f.Close())
	if err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	return nil
}
