package spell

// Ranking chooses how dictionary candidates are ordered.
type Ranking int

const (
	// RankNoisyChannel (the default) orders candidates by a noisy-channel
	// cost: a weighted edit distance (the error model) minus a multiple of
	// the word's Zipf frequency (the language model). Edits learners and
	// typists make often cost less: doubling or undoubling a letter, one
	// vowel for another, swapping two adjacent letters.
	RankNoisyChannel Ranking = iota
	// RankDistanceFrequency orders candidates by plain edit distance, then
	// by frequency: the simplest rule, kept for comparison.
	RankDistanceFrequency
)

// Costs of the error model (one plain edit costs 1).
const (
	costDouble     = 0.5  // insert or delete a letter next to the same letter
	costVowel      = 0.8  // replace a vowel by another vowel
	costConfusable = 0.6  // replace a letter by its confusable partner (v/w, s/z, c/k)
	costSwap       = 0.7  // swap two adjacent letters
	costFirst      = 0.4  // added to an edit of the first letter, which learners rarely get wrong
	zipfWeight     = 0.25 // cost units per Zipf unit (a tenfold frequency)
	zipfUnknown    = 1.0  // Zipf of a dictionary word missing from the frequency list
	costApostrophe = 0.3  // insert or delete an apostrophe ("dont" for "don't")
	costName       = 0.5  // added for a name candidate ("Micke") of a word typed in lower case
	costSplit      = 2.0  // write two words together ("freetime" for "free time")
	costPossessive = 0.8  // added for a possessive candidate ("activist's") of a word typed without apostrophe
)

// confusable reports letter pairs that learners with Swedish (and other)
// first languages often mix up: v/w, s/z, c/k.
func confusable(a, b rune) bool {
	if a > b {
		a, b = b, a
	}
	switch [2]rune{a, b} {
	case [2]rune{'v', 'w'}, [2]rune{'s', 'z'}, [2]rune{'c', 'k'}:
		return true
	}
	return false
}

func isVowel(r rune) bool {
	switch r {
	case 'a', 'e', 'i', 'o', 'u', 'y', 'å', 'ä', 'ö', 'é':
		return true
	}
	return false
}

// channelCost is the weighted optimal-string-alignment distance of typed a
// to intended b under the error model.
func channelCost(a, b []rune) float64 {
	n, m := len(a), len(b)
	d := make([][]float64, n+1)
	for i := range d {
		d[i] = make([]float64, m+1)
	}
	first := func(i, j int) float64 {
		if i <= 1 && j <= 1 {
			return costFirst
		}
		return 0
	}
	for i := 1; i <= n; i++ { // typed an extra a[i-1]
		d[i][0] = d[i-1][0] + delCost(a, i-1) + first(i, 1)
	}
	for j := 1; j <= m; j++ { // left out b[j-1]
		d[0][j] = d[0][j-1] + delCost(b, j-1) + first(1, j)
	}
	for i := 1; i <= n; i++ {
		for j := 1; j <= m; j++ {
			sub := 0.0
			if a[i-1] != b[j-1] {
				sub = 1
				if isVowel(a[i-1]) && isVowel(b[j-1]) {
					sub = costVowel
				}
				if confusable(a[i-1], b[j-1]) {
					sub = costConfusable
				}
				sub += first(i, j)
			}
			v := min(
				d[i-1][j-1]+sub,
				d[i-1][j]+delCost(a, i-1)+first(i, j),
				d[i][j-1]+delCost(b, j-1)+first(i, j),
			)
			if i > 1 && j > 1 && a[i-1] == b[j-2] && a[i-2] == b[j-1] && a[i-1] != a[i-2] {
				v = min(v, d[i-2][j-2]+costSwap+first(i-1, j-1))
			}
			d[i][j] = v
		}
	}
	return d[n][m]
}

// delCost is the cost of inserting or deleting s[k]: cheaper when it doubles
// an adjacent equal letter.
func delCost(s []rune, k int) float64 {
	if s[k] == '\'' {
		return costApostrophe
	}
	if (k > 0 && s[k-1] == s[k]) || (k+1 < len(s) && s[k+1] == s[k]) {
		return costDouble
	}
	return 1
}
