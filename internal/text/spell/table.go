package spell

import (
	"bufio"
	"bytes"
	"compress/gzip"
	_ "embed" // the English learner table is embedded
	"fmt"
	"strings"
	"sync"
)

// Table maps a lower-case misspelling to its correction (one or more words,
// "alot" -> "a lot"). It is the first pass of a check: known learner and
// typing errors are fixed without a dictionary search.
type Table map[string]string

//go:embed data/learner_en.tsv.gz
var learnerEn []byte

var englishTable = sync.OnceValues(func() (Table, error) { return ParseTable(learnerEn) })

// LearnerTable returns the shipped table of common errors for a language:
// for "en", about 81,000 misspellings from Wikipedia's lists of common
// misspellings and the typos project, as packaged by cspell (CC BY-SA 4.0,
// see data/SOURCES.md). Other languages have none yet and get an empty table.
// The table is decoded once and shared: do not modify it.
func LearnerTable(lang string) (Table, error) {
	if lang != "en" {
		return Table{}, nil
	}
	return englishTable()
}

// ParseTable reads "misspelling<TAB>correction" lines, gzip-compressed or
// plain; blank lines and lines starting with # are skipped.
func ParseTable(data []byte) (Table, error) {
	var r *bufio.Scanner
	if bytes.HasPrefix(data, []byte{0x1f, 0x8b}) {
		zr, err := gzip.NewReader(bytes.NewReader(data))
		if err != nil {
			return nil, fmt.Errorf("parse table: %w", err)
		}
		defer zr.Close()
		r = bufio.NewScanner(zr)
	} else {
		r = bufio.NewScanner(bytes.NewReader(data))
	}
	t := Table{}
	for r.Scan() {
		line := r.Text()
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		wrong, right, ok := strings.Cut(line, "\t")
		if !ok || wrong == "" || right == "" {
			return nil, fmt.Errorf("parse table: bad line %q", line)
		}
		t[strings.ToLower(wrong)] = right
	}
	if err := r.Err(); err != nil {
		return nil, fmt.Errorf("parse table: %w", err)
	}
	return t, nil
}
