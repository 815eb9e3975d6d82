package spell

import (
	"slices"
	"strings"
	"sync"
	"unicode/utf8"

	"github.com/hule-dev/hule/internal/text/lexicon"
)

// prefixLen is how many leading runes of a word the delete index covers
// (SymSpell's prefix trick): longer words are found through their first
// prefixLen runes and then checked in full, which keeps the index small.
const prefixLen = 7

// index finds the dictionary words within an edit distance of a word with
// the symmetric-delete method: every word is stored under each string its
// prefix becomes after up to maxDist deletions; a query generates the same
// deletions of its own prefix and looks them up. Two words within distance d
// share such a deletion, so the lookups return a superset of the answers,
// which a real Damerau-Levenshtein check then narrows. Keys are 32-bit hashes
// sorted in one slice (8 bytes per entry, no map) so that the English index
// costs about 25 MB; a hash collision only adds a candidate that the check
// rejects.
type index struct {
	maxDist int
	words   []string // as listed (names keep their capitals)
	lower   []string // lower-cased, same order
	entries []uint64 // hash<<32 | word id, sorted
}

type indexKey struct {
	lex     *lexicon.Lexicon
	maxDist int
}

// indexes caches one index per lexicon and distance: building the English one
// takes about a second, and every checker of a process shares it.
var indexes sync.Map // indexKey -> func() *index

func indexFor(lex *lexicon.Lexicon, maxDist int) *index {
	k := indexKey{lex, maxDist}
	f, ok := indexes.Load(k)
	if !ok {
		f, _ = indexes.LoadOrStore(k, sync.OnceValue(func() *index { return buildIndex(lex, maxDist) }))
	}
	return f.(func() *index)()
}

func buildIndex(lex *lexicon.Lexicon, maxDist int) *index {
	ix := &index{maxDist: maxDist}
	lex.Words(func(w string) bool {
		ix.words = append(ix.words, w)
		return true
	})
	slices.Sort(ix.words) // deterministic ids
	ix.lower = make([]string, len(ix.words))
	ix.entries = make([]uint64, 0, len(ix.words)*20)
	var dels []uint32
	for id, w := range ix.words {
		lw := strings.ToLower(w)
		ix.lower[id] = lw
		dels = deleteHashes(dels[:0], lw, maxDist)
		for _, h := range dels {
			ix.entries = append(ix.entries, uint64(h)<<32|uint64(id))
		}
	}
	radixSortByHash(ix.entries)
	ix.entries = slices.Compact(ix.entries)
	return ix
}

// radixSortByHash sorts entries by their hash (the upper 32 bits) with a
// stable LSD radix sort: four byte passes, linear in the entry count, several
// times faster than a comparison sort on the 20 million entries of the
// Swedish index. Entries are appended in id order, so stability keeps the
// ids of one hash sorted.
func radixSortByHash(a []uint64) {
	buf := make([]uint64, len(a))
	src, dst := a, buf
	for shift := uint(32); shift < 64; shift += 8 {
		var count [257]int
		for _, v := range src {
			count[int(byte(v>>shift))+1]++ //nolint:gosec // taking the low byte is the point
		}
		for i := 1; i < 257; i++ {
			count[i] += count[i-1]
		}
		for _, v := range src {
			b := byte(v >> shift) //nolint:gosec // taking the low byte is the point
			dst[count[b]] = v
			count[b]++
		}
		src, dst = dst, src
	}
	// four passes: the sorted data is back in a
}

// deleteHashes appends to dst the hashes of the strings made by removing up
// to maxDist runes from the first prefixLen runes of w (w's prefix itself
// included). It works on rune arrays and never builds the strings, so that
// indexing a large dictionary allocates little. Positions are deleted in
// increasing order, so each set of positions is visited once; words with
// repeated letters still yield a few equal hashes, which the index build
// compacts and lookup skips.
func deleteHashes(dst []uint32, w string, maxDist int) []uint32 {
	var rs [prefixLen]rune
	n := 0
	for _, r := range w {
		if n == prefixLen {
			break
		}
		rs[n] = r
		n++
	}
	return addDeletes(dst, rs, n, 0, 0, maxDist)
}

// addDeletes adds the hash of rs[:n] and, while depth < maxDist, those of
// its deletions at positions from `from` on.
func addDeletes(dst []uint32, rs [prefixLen]rune, n, from, depth, maxDist int) []uint32 {
	dst = append(dst, runeHash(rs[:n]))
	if depth == maxDist {
		return dst
	}
	for i := from; i < n; i++ {
		if i > from && rs[i] == rs[i-1] {
			continue // deleting either of two equal adjacent runes gives one string
		}
		var next [prefixLen]rune
		copy(next[:], rs[:i])
		copy(next[i:], rs[i+1:n])
		dst = addDeletes(dst, next, n-1, i, depth+1, maxDist)
	}
	return dst
}

// runeHash is FNV-1a over the runes (not their UTF-8 bytes).
func runeHash(rs []rune) uint32 {
	h := uint32(2166136261)
	for _, r := range rs {
		h ^= uint32(r) //nolint:gosec // runes are non-negative
		h *= 16777619
	}
	return h
}

// candidate is a dictionary word within the distance limit.
type candidate struct {
	id   int
	dist int
}

// lookup returns the ids and distances of the words within maxDist of lw
// (lower case), the word itself excluded.
func (ix *index) lookup(lw string, maxDist int) []candidate {
	n := utf8.RuneCountInString(lw)
	var out []candidate
	var seen []uint32
	var dbuf [64]uint32
	for _, h := range deleteHashes(dbuf[:0], lw, maxDist) {
		i, _ := slices.BinarySearch(ix.entries, uint64(h)<<32)
		for ; i < len(ix.entries) && uint32(ix.entries[i]>>32) == h; i++ {
			id := uint32(ix.entries[i]) //nolint:gosec // the low 32 bits hold the id
			if slices.Contains(seen, id) {
				continue
			}
			seen = append(seen, id)
			cand := ix.lower[id]
			m := utf8.RuneCountInString(cand)
			if m-n > maxDist || n-m > maxDist || cand == lw {
				continue
			}
			if dist := distance(lw, cand, maxDist); dist <= maxDist {
				out = append(out, candidate{id: int(id), dist: dist})
			}
		}
	}
	return out
}

// distance is the Damerau-Levenshtein distance of a and b in its optimal
// string alignment form (insertions, deletions, substitutions and swaps of
// two adjacent runes each cost 1), computed on runes. It returns max+1 as
// soon as the distance is known to exceed max.
func distance(a, b string, max int) int {
	ra, rb := []rune(a), []rune(b)
	if len(ra) > len(rb) {
		ra, rb = rb, ra
	}
	n, m := len(ra), len(rb)
	if m-n > max {
		return max + 1
	}
	var rows [3][64]int
	var prev2, prev, cur []int
	if n < 64 {
		prev2, prev, cur = rows[0][:n+1], rows[1][:n+1], rows[2][:n+1]
	} else {
		prev2, prev, cur = make([]int, n+1), make([]int, n+1), make([]int, n+1)
	}
	for i := range prev {
		prev[i] = i
	}
	for j := 1; j <= m; j++ {
		cur[0] = j
		rowMin := cur[0]
		for i := 1; i <= n; i++ {
			cost := 1
			if ra[i-1] == rb[j-1] {
				cost = 0
			}
			v := min(prev[i]+1, cur[i-1]+1, prev[i-1]+cost)
			if i > 1 && j > 1 && ra[i-1] == rb[j-2] && ra[i-2] == rb[j-1] {
				v = min(v, prev2[i-2]+1)
			}
			cur[i] = v
			rowMin = min(rowMin, v)
		}
		if rowMin > max {
			return max + 1
		}
		prev2, prev, cur = prev, cur, prev2
	}
	return prev[n]
}
