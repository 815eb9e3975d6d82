package bench

import (
	"strings"
	"testing"
)

func TestEssaysAreDeterministicDistinctAndInRange(t *testing.T) {
	const n = 300
	a, b := Essays(n, 7), Essays(n, 7)
	if len(a) != n {
		t.Fatalf("got %d essays, want %d", len(a), n)
	}
	texts := map[string]bool{}
	lowQ, highQ := 0, 0
	for i, e := range a {
		if e.Text != b[i].Text || e.Name != b[i].Name {
			t.Fatalf("essay %d differs between two runs with the same seed", i)
		}
		if texts[e.Text] {
			t.Fatalf("essay %d (%s) repeats an earlier text", i, e.Name)
		}
		texts[e.Text] = true
		if e.Words < minWords || e.Words > maxWords {
			t.Errorf("%s: %d words, want %d-%d", e.Name, e.Words, minWords, maxWords)
		}
		if e.Words != len(strings.Fields(e.Text)) {
			t.Errorf("%s: Words %d, text has %d", e.Name, e.Words, len(strings.Fields(e.Text)))
		}
		switch {
		case e.Quality < 0.3:
			lowQ++
		case e.Quality > 0.7:
			highQ++
		}
	}
	if lowQ == 0 || highQ == 0 {
		t.Errorf("qualities do not vary: %d weak and %d strong writers of %d", lowQ, highQ, n)
	}
	if other := Essays(1, 8); other[0].Text == a[0].Text {
		t.Error("another seed gave the same first essay")
	}
}

// TestWeakWritersMisspellMore checks that the essays give the spellchecker
// work, more of it for weak writers: counted as words of the essays that
// are known misspellings.
func TestWeakWritersMisspellMore(t *testing.T) {
	known := map[string]bool{}
	for _, alts := range misspellings {
		for _, a := range alts {
			known[a] = true
		}
	}
	rate := func(lo, hi float64) float64 {
		words, bad := 0, 0
		for _, e := range Essays(400, 3) {
			if e.Quality < lo || e.Quality >= hi {
				continue
			}
			for _, w := range strings.Fields(e.Text) {
				words++
				core, _ := splitPunct(strings.ToLower(w))
				if known[core] {
					bad++
				}
			}
		}
		if words == 0 {
			t.Fatalf("no essays of quality %.1f-%.1f", lo, hi)
		}
		return float64(bad) / float64(words)
	}
	weak, strong := rate(0, 0.3), rate(0.7, 1)
	if weak == 0 {
		t.Fatal("weak writers made no known misspelling")
	}
	if weak <= strong {
		t.Errorf("weak writers misspell %.4f of words, strong %.4f: want weak > strong", weak, strong)
	}
}

func TestFilesKeepNamesTextsAndOrder(t *testing.T) {
	essays := Essays(3, 1)
	files := Files(essays)
	if len(files) != len(essays) {
		t.Fatalf("got %d files, want %d", len(files), len(essays))
	}
	for i, f := range files {
		if f.Name != essays[i].Name || string(f.Data) != essays[i].Text {
			t.Errorf("file %d = %s (%d bytes), want %s (%d bytes)", i, f.Name, len(f.Data), essays[i].Name, len(essays[i].Text))
		}
	}
}
