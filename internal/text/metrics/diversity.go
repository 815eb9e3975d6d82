package metrics

// MTLDThreshold is the type-token ratio at which an MTLD factor is complete
// (McCarthy & Jarvis 2010).
const MTLDThreshold = 0.72

// HDDSampleSize is the number of tokens in the random sample HD-D models
// (McCarthy & Jarvis 2007).
const HDDSampleSize = 42

// TypeTokenRatio is the number of distinct tokens divided by the number of
// tokens; 0 for no tokens.
func TypeTokenRatio(tokens []string) float64 {
	_, types := intern(tokens)
	return ttr(len(tokens), types)
}

// MTLD is the measure of textual lexical diversity (McCarthy & Jarvis 2010):
// the mean length of sequential word runs whose type-token ratio stays above
// MTLDThreshold, averaged over a forward and a backward pass. Tokens must
// already be normalized (lower case). It returns 0 when the value is
// undefined: no tokens, or a text that never completes even part of a factor
// (every token distinct in both directions).
func MTLD(tokens []string) float64 {
	ids, types := intern(tokens)
	return mtld(ids, types)
}

// HDD is the hypergeometric distribution D (McCarthy & Jarvis 2007): for
// every type, the probability that a random sample of HDDSampleSize tokens
// drawn without replacement contains it at least once, summed and divided by
// the sample size. That is the expected type-token ratio of a 42-token
// sample, a value between 0 and 1. It returns 0 for fewer than 42 tokens,
// where the measure is undefined.
func HDD(tokens []string) float64 {
	ids, types := intern(tokens)
	return hdd(ids, types)
}

// intern numbers the distinct tokens 0..types-1 in order of appearance, so
// the diversity measures can count with slices instead of maps.
func intern(tokens []string) (ids []int, types int) {
	index := make(map[string]int, len(tokens)/2)
	ids = make([]int, len(tokens))
	for i, t := range tokens {
		id, ok := index[t]
		if !ok {
			id = len(index)
			index[t] = id
		}
		ids[i] = id
	}
	return ids, len(index)
}

func ttr(tokens, types int) float64 {
	if tokens == 0 {
		return 0
	}
	return float64(types) / float64(tokens)
}

func mtld(ids []int, types int) float64 {
	if len(ids) == 0 {
		return 0
	}
	// seen[id] holds the number of the factor in which id last appeared, so
	// starting a new factor needs no clearing.
	seen := make([]int, types)
	fwd := mtldPass(ids, seen, false)
	clear(seen)
	bwd := mtldPass(ids, seen, true)
	if fwd == 0 || bwd == 0 {
		return 0
	}
	return (fwd + bwd) / 2
}

// mtldPass runs one direction: a factor is counted each time the running TTR
// falls to the threshold or below, the remainder counts as the partial
// factor (1-TTR)/(1-threshold), and the result is tokens / factors.
func mtldPass(ids, seen []int, reverse bool) float64 {
	factor := 1
	factors := 0.0
	count, distinct := 0, 0
	ratio := 1.0
	for i := range ids {
		id := ids[i]
		if reverse {
			id = ids[len(ids)-1-i]
		}
		count++
		if seen[id] != factor {
			seen[id] = factor
			distinct++
		}
		ratio = float64(distinct) / float64(count)
		if ratio <= MTLDThreshold {
			factors++
			factor++
			count, distinct = 0, 0
			ratio = 1
		}
	}
	factors += (1 - ratio) / (1 - MTLDThreshold)
	if factors == 0 {
		return 0
	}
	return float64(len(ids)) / factors
}

func hdd(ids []int, types int) float64 {
	n := len(ids)
	if n < HDDSampleSize {
		return 0
	}
	counts := make([]int, types)
	for _, id := range ids {
		counts[id]++
	}
	// P(no occurrence in the sample) depends only on a type's count.
	absent := make(map[int]float64)
	sum := 0.0
	for _, c := range counts {
		p, ok := absent[c]
		if !ok {
			p = hypergeomZero(n, c, HDDSampleSize)
			absent[c] = p
		}
		sum += 1 - p
	}
	return sum / HDDSampleSize
}

// hypergeomZero is P(X = 0) for X ~ Hypergeometric(population n, successes
// c, draws k): C(n-c, k) / C(n, k) = Π_{i<k} (n-c-i)/(n-i).
func hypergeomZero(n, c, k int) float64 {
	if n-c < k {
		return 0
	}
	p := 1.0
	for i := range k {
		p *= float64(n-c-i) / float64(n-i)
	}
	return p
}
