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
	dropped := 0
	for _, p := range pairs {
		wrong, right := p[0], p[1]
		if !usable(en, wrong, right) {
			dropped++
			continue
		}
		line := wrong + "\t" + right
		if h := fnv.New32a(); true {
			h.Write([]byte(wrong))
			if h.Sum32()%heldOutEvery == 0 && !strings.Contains(right, " ") {
				held = append(held, line)
				continue
			}
		}
		kept = append(kept, line)
	}
	slices.Sort(kept)
	slices.Sort(held)
	if err := writeGzip(*table, kept); err != nil {
		return err
	}
	if err := os.WriteFile(*test, []byte(strings.Join(held, "\n")+"\n"), 0o644); err != nil {
		return fmt.Errorf("write test set: %w", err)
	}
	fmt.Printf("%d source pairs: %d in the table, %d held out, %d dropped\n", len(pairs), len(kept), len(held), dropped)
	return nil
}

// readCspell returns [misspelling, correction] pairs with exactly one
// suggested correction; entries offering several are ambiguous and left out.
func readCspell(path string) ([][2]string, error) {
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
	var out [][2]string
	for _, d := range doc.Defs {
		for _, e := range slices.Concat(d.FlagWords, d.SuggestWords) {
			wrong, right, ok := strings.Cut(e, "->")
			if !ok || strings.Contains(right, ",") {
				continue
			}
			wrong = strings.ToLower(strings.TrimSpace(wrong))
			right = strings.TrimSpace(right)
			if seen[wrong] {
				continue
			}
			seen[wrong] = true
			out = append(out, [2]string{wrong, right})
		}
	}
	return out, nil
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
	zw, _ := gzip.NewWriterLevel(f, gzip.BestCompression)
	bw := bufio.NewWriter(zw)
	for _, l := range lines {
		bw.WriteString(l)
		bw.WriteByte('\n')
	}
	err = errors.Join(bw.Flush(), zw.Close(), f.Close())
	if err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	return nil
}
