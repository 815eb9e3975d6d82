// Package pairing decides which essays a comparative-judgement batch compares
// next. It plans waves: in one wave every essay appears in at most one pair
// (with an odd count the most-compared essay sits out), so a wave can be
// judged concurrently and its outcomes refitted before the next is planned.
//
// Two modes exist. Adaptive pairing favors essays with fewer comparisons and,
// once scores exist, partners with close scores, which is where a judgement
// carries the most information. Random (balanced) pairing favors essays with
// fewer comparisons but picks partners at random: score-adaptive pairing is
// known to inflate the scale separation reliability (the SSR assumes
// comparisons independent of the scores they produce), so a batch whose
// reliability must be trusted should be paired at random.
//
// In both modes a pair is never planned twice until every pair still
// plannable has been seen, each essay is held to a comparison budget, the
// batch to an optional cap, and failed comparisons are retried a bounded
// number of times. Near the end of a batch the last essays with budget left
// may all have met one another; rather than repeat a pair, each then meets
// an essay it has not met whose budget is spent, which costs that essay one
// pair over its budget (never more). Planning is deterministic given the
// seed and the state, and Replay rebuilds that state after a restart.
package pairing

import (
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
)

// Mode selects how partners are chosen.
type Mode string

// The pairing modes.
const (
	// Adaptive pairs close scores once scores exist (random before).
	Adaptive Mode = "adaptive"
	// Random pairs least-compared essays with random partners.
	Random Mode = "random"
)

// Defaults for Options.
const (
	DefaultComparisonsPerEssay = 12
	DefaultMaxAttempts         = 3
	DefaultStabilityThreshold  = 0.05
)

// countPenalty is the cost, in logits, that adaptive pairing adds per
// comparison a candidate partner has beyond the essay being paired: it keeps
// close-score pairing from piling comparisons onto the same essays.
const countPenalty = 0.1

// Options configures a Planner.
type Options struct {
	// Mode is Adaptive (default) or Random.
	Mode Mode
	// ComparisonsPerEssay is each essay's budget (default 12). With
	// BothOrders a pair costs each of its essays two comparisons. An essay
	// may end one pair over it, met by an essay that has met every other
	// essay with budget left (see the package comment).
	ComparisonsPerEssay int
	// MaxComparisons caps the batch's total comparisons (0: no cap).
	MaxComparisons int
	// BothOrders plans each pair in both presentation orders (A/B and
	// B/A) in the same wave, to cancel a judge's position bias.
	BothOrders bool
	// MaxAttempts bounds how often one comparison is tried (default 3).
	MaxAttempts int
	// StabilityThreshold (logits) and MinComparisons define the early
	// stop: every essay has at least MinComparisons comparisons and no
	// score moved by StabilityThreshold or more since the previous fit.
	// Defaults: 0.05 and half the per-essay budget.
	StabilityThreshold float64
	MinComparisons     int
	// Seed makes planning reproducible.
	Seed uint64
}

// Validate reports an option out of range.
func (o Options) Validate() error {
	switch {
	case o.Mode != "" && o.Mode != Adaptive && o.Mode != Random:
		return fmt.Errorf("pairing mode %q: want %q or %q", o.Mode, Adaptive, Random)
	case o.ComparisonsPerEssay < 0, o.MaxComparisons < 0, o.MaxAttempts < 0, o.MinComparisons < 0:
		return errors.New("pairing options: counts must not be negative")
	case o.StabilityThreshold < 0:
		return errors.New("pairing options: stability threshold must not be negative")
	}
	return nil
}

func (o Options) withDefaults() Options {
	if o.Mode == "" {
		o.Mode = Adaptive
	}
	if o.ComparisonsPerEssay == 0 {
		o.ComparisonsPerEssay = DefaultComparisonsPerEssay
	}
	if o.MaxAttempts == 0 {
		o.MaxAttempts = DefaultMaxAttempts
	}
	if o.StabilityThreshold == 0 {
		o.StabilityThreshold = DefaultStabilityThreshold
	}
	if o.MinComparisons == 0 {
		o.MinComparisons = (o.ComparisonsPerEssay + 1) / 2
	}
	return o
}

// Pair is one comparison to judge: A is presented first.
type Pair struct {
	A string `json:"a"`
	B string `json:"b"`
}

// StopReason says why a batch should stop asking for comparisons.
type StopReason string

// The stop reasons; Continue (empty) means keep going.
const (
	Continue    StopReason = ""
	BudgetSpent StopReason = "budget_spent"
	Stable      StopReason = "stable"
)

type ordered struct{ a, b int }

// Planner plans the waves of one batch. It is not safe for concurrent use.
type Planner struct {
	opts   Options
	step   int // comparisons one planned pair costs each of its essays
	names  []string
	index  map[string]int
	counts []int // comparisons planned per essay (not counting abandoned ones)
	issued int   // total comparisons planned (not counting abandoned ones)

	seen      []uint64 // n×n bit matrix of unordered pairs seen in this cycle
	seenPairs int

	attempts  map[ordered]int
	retries   []ordered // failed comparisons to ask again, in order
	abandoned []Pair
}

// New returns a planner for the named essays (unique, non-empty names).
func New(items []string, opts Options) (*Planner, error) {
	if err := opts.Validate(); err != nil {
		return nil, err
	}
	opts = opts.withDefaults()
	p := &Planner{
		opts:     opts,
		step:     1,
		names:    slices.Clone(items),
		index:    make(map[string]int, len(items)),
		counts:   make([]int, len(items)),
		seen:     make([]uint64, (len(items)*len(items)+63)/64),
		attempts: map[ordered]int{},
	}
	if opts.BothOrders {
		p.step = 2
	}
	for i, name := range items {
		if name == "" {
			return nil, fmt.Errorf("essay %d: empty name", i)
		}
		if _, dup := p.index[name]; dup {
			return nil, fmt.Errorf("essay %q: duplicate name", name)
		}
		p.index[name] = i
	}
	return p, nil
}

func (p *Planner) bit(a, b int) (int, uint64) {
	if a > b {
		a, b = b, a
	}
	k := a*len(p.names) + b
	return k / 64, 1 << (k % 64)
}

func (p *Planner) isSeen(a, b int) bool {
	w, m := p.bit(a, b)
	return p.seen[w]&m != 0
}

func (p *Planner) markSeen(a, b int) {
	w, m := p.bit(a, b)
	if p.seen[w]&m == 0 {
		p.seen[w] |= m
		p.seenPairs++
	}
}

func (p *Planner) resetSeen() {
	clear(p.seen)
	p.seenPairs = 0
}

func (p *Planner) lookup(pair Pair) (int, int, error) {
	a, ok := p.index[pair.A]
	if !ok {
		return 0, 0, fmt.Errorf("essay %q: not in batch", pair.A)
	}
	b, ok := p.index[pair.B]
	if !ok {
		return 0, 0, fmt.Errorf("essay %q: not in batch", pair.B)
	}
	if a == b {
		return 0, 0, fmt.Errorf("essay %q paired with itself", pair.A)
	}
	return a, b, nil
}

// Record counts a comparison that was planned earlier, for rebuilding a
// planner from comparisons whose waves are not known: call it once per
// stored comparison, in either order, and then continue with Next. A pair
// recorded in both orders counts one comparison per order, as BothOrders
// plans it. Record cannot tell where the original started a new cycle or
// which comparisons were pending a retry; Replay can, and is exact.
func (p *Planner) Record(pair Pair) error {
	a, b, err := p.lookup(pair)
	if err != nil {
		return fmt.Errorf("record pair: %w", err)
	}
	p.counts[a]++
	p.counts[b]++
	p.issued++
	p.markSeen(a, b)
	return nil
}

// Replay rebuilds a planner after a restart from the waves it planned: call
// it with every wave Next returned, in order, each followed by Fail for the
// comparisons of that wave that failed (in the wave's order), as the
// original run did. The planner is then in the state the original was in,
// so Next plans what the original would have planned. The pairs of a wave
// that were never judged must be replayed too (they were planned); pairs
// with an essay that has left the batch may be left out.
func (p *Planner) Replay(wave []Pair) error {
	var fresh []ordered
	for _, pr := range wave {
		a, b, err := p.lookup(pr)
		if err != nil {
			return fmt.Errorf("replay wave: %w", err)
		}
		k := ordered{a, b}
		// Next takes pending retries first; they were counted when
		// first planned.
		if at := slices.Index(p.retries, k); at >= 0 {
			p.retries = slices.Delete(p.retries, at, at+1)
			continue
		}
		fresh = append(fresh, k)
	}
	// Next plans only unseen pairs, except right after it started a new
	// cycle, when every pair it could plan had been seen: a wave with a
	// seen pair is the first of a new cycle.
	for _, k := range fresh {
		if p.isSeen(k.a, k.b) {
			p.resetSeen()
			break
		}
	}
	for _, k := range fresh {
		p.markSeen(k.a, k.b)
		p.counts[k.a]++
		p.counts[k.b]++
		p.issued++
	}
	return nil
}

// Fail reports that a planned comparison could not be judged. It returns
// true when the comparison goes to the retry pool (it is planned again,
// first thing, in a later wave) and false when it has used its attempts and
// is abandoned; an abandoned comparison no longer counts against the budgets.
func (p *Planner) Fail(pair Pair) (bool, error) {
	a, b, err := p.lookup(pair)
	if err != nil {
		return false, fmt.Errorf("fail pair: %w", err)
	}
	k := ordered{a, b}
	p.attempts[k]++
	if p.attempts[k] < p.opts.MaxAttempts {
		p.retries = append(p.retries, k)
		return true, nil
	}
	p.counts[a]--
	p.counts[b]--
	p.issued--
	p.abandoned = append(p.abandoned, pair)
	return false, nil
}

// Abandoned lists the comparisons that failed MaxAttempts times.
func (p *Planner) Abandoned() []Pair { return slices.Clone(p.abandoned) }

// Count returns the comparisons planned for an essay (0 if unknown).
func (p *Planner) Count(item string) int {
	if i, ok := p.index[item]; ok {
		return p.counts[i]
	}
	return 0
}

// Total returns the comparisons planned for the batch.
func (p *Planner) Total() int { return p.issued }

// canPlan reports whether essay i may take one more planned pair.
func (p *Planner) canPlan(i int) bool {
	return p.counts[i]+p.step <= p.opts.ComparisonsPerEssay
}

// capLeft returns how many more pairs the batch cap allows.
func (p *Planner) capLeft() int {
	if p.opts.MaxComparisons == 0 {
		return math.MaxInt
	}
	return max(0, (p.opts.MaxComparisons-p.issued)/p.step)
}

// Next plans the next wave. scores (by essay name) steer adaptive pairing;
// nil or empty means no scores yet. Pending retries come first. An empty
// wave means nothing more can be planned: the budget is spent.
func (p *Planner) Next(scores map[string]float64) []Pair {
	n := len(p.names)
	// The stream depends on the planning state, so a planner rebuilt with
	// Replay after a restart plans what the original would have planned.
	rng := rand.New(rand.NewPCG(p.opts.Seed, uint64(p.issued)<<20|uint64(len(p.retries)))) //nolint:gosec // counts are never negative
	busy := make([]bool, n)
	var wave []Pair

	// Retries first, each essay at most once per wave.
	var later []ordered
	for _, r := range p.retries {
		if busy[r.a] || busy[r.b] {
			later = append(later, r)
			continue
		}
		busy[r.a], busy[r.b] = true, true
		wave = append(wave, Pair{A: p.names[r.a], B: p.names[r.b]})
	}
	p.retries = later

	budget := p.capLeft()
	if budget == 0 {
		return wave
	}
	eligible := make([]int, 0, n)
	for i := range n {
		if !busy[i] && p.canPlan(i) {
			eligible = append(eligible, i)
		}
	}
	if len(eligible) < 2 {
		return wave
	}

	// Least-compared first; random order among equals.
	key := make([]uint64, n)
	for _, i := range eligible {
		key[i] = rng.Uint64()
	}
	slices.SortFunc(eligible, func(x, y int) int {
		if c := p.counts[x] - p.counts[y]; c != 0 {
			return c
		}
		switch {
		case key[x] < key[y]:
			return -1
		case key[x] > key[y]:
			return 1
		}
		return 0
	})
	adaptive := p.opts.Mode == Adaptive && len(scores) > 0
	match := func(order []int) [][2]int {
		if len(order)%2 == 1 && p.anyUnseen(order[:len(order)-1]) {
			// The most-compared essay sits out (a random one among
			// equals), unless the others have all met: then the
			// matching leaves out one that has.
			order = order[:len(order)-1]
		}
		if adaptive {
			return p.matchAdaptive(order, scores, budget)
		}
		return p.matchBalanced(order, budget)
	}
	var pairs [][2]int
	if p.anyUnseen(eligible) {
		pairs = match(eligible)
	} else if pairs = p.matchOverBudget(eligible, busy, scores, budget, rng); len(pairs) == 0 {
		// Every pair an essay with budget left could take has been
		// seen: a new cycle starts. (This also guarantees a non-empty
		// wave whenever two essays have budget left, so an empty wave
		// means the budget is spent.)
		p.resetSeen()
		pairs = match(eligible)
	}
	for _, pr := range pairs {
		a, b := pr[0], pr[1]
		if !p.opts.BothOrders && rng.IntN(2) == 1 {
			a, b = b, a
		}
		p.markSeen(a, b)
		p.counts[a] += p.step
		p.counts[b] += p.step
		p.issued += p.step
		wave = append(wave, Pair{A: p.names[a], B: p.names[b]})
		if p.opts.BothOrders {
			wave = append(wave, Pair{A: p.names[b], B: p.names[a]})
		}
	}
	return wave
}

func (p *Planner) anyUnseen(eligible []int) bool {
	for x, i := range eligible {
		for _, j := range eligible[x+1:] {
			if !p.isSeen(i, j) {
				return true
			}
		}
	}
	return false
}

// list is a doubly linked list over positions 0..n-1 of a slice, for
// skipping already matched essays in O(1).
type list struct{ prev, next []int }

func newList(n int) list {
	l := list{prev: make([]int, n), next: make([]int, n)}
	for i := range n {
		l.prev[i], l.next[i] = i-1, i+1
	}
	return l
}

func (l list) remove(pos int) {
	if pv := l.prev[pos]; pv >= 0 {
		l.next[pv] = l.next[pos]
	}
	if nx := l.next[pos]; nx < len(l.next) {
		l.prev[nx] = l.prev[pos]
	}
}

// matchBalanced pairs each essay, least compared first, with the least
// compared unmatched essay it has not met (order is already least compared
// first with a random order among equals).
func (p *Planner) matchBalanced(order []int, budget int) [][2]int {
	n := len(order)
	l := newList(n)
	removed := make([]bool, n)
	var pairs [][2]int
	for x := range n {
		if removed[x] || len(pairs) >= budget {
			continue
		}
		for y := l.next[x]; y < n; y = l.next[y] {
			if p.isSeen(order[x], order[y]) {
				continue
			}
			pairs = append(pairs, [2]int{order[x], order[y]})
			for _, z := range [2]int{x, y} {
				removed[z] = true
				l.remove(z)
			}
			break
		}
	}
	return pairs
}

// matchAdaptive pairs each essay, least compared first, with the unmatched
// essay it has not met that minimizes |score difference| + countPenalty ×
// (extra comparisons of the partner), searching outwards in score order.
func (p *Planner) matchAdaptive(order []int, scores map[string]float64, budget int) [][2]int {
	n := len(order)
	byIndex := make([]float64, len(p.names)) // score per essay index
	for _, i := range order {
		byIndex[i] = scores[p.names[i]]
	}
	byScore := slices.Clone(order)
	slices.SortStableFunc(byScore, func(x, y int) int {
		switch sx, sy := byIndex[x], byIndex[y]; {
		case sx < sy:
			return -1
		case sx > sy:
			return 1
		}
		return 0
	})
	pos := make([]int, len(p.names)) // position in byScore per essay index
	s := make([]float64, n)          // score per position in byScore
	for k, i := range byScore {
		pos[i] = k
		s[k] = byIndex[i]
	}
	l := newList(n)
	matched := make([]bool, n) // by position in byScore
	var pairs [][2]int
	for _, i := range order {
		if len(pairs) >= budget {
			break
		}
		k := pos[i]
		if matched[k] {
			continue
		}
		best, bestCost := -1, math.Inf(1)
		consider := func(c int) bool { // false once further candidates cannot win
			d := math.Abs(s[c] - s[k])
			if d >= bestCost {
				return false
			}
			if p.isSeen(i, byScore[c]) {
				return true
			}
			cost := d + countPenalty*float64(max(0, p.counts[byScore[c]]-p.counts[i]))
			if cost < bestCost {
				best, bestCost = c, cost
			}
			return true
		}
		for c := l.prev[k]; c >= 0 && consider(c); c = l.prev[c] {
		}
		for c := l.next[k]; c < n && consider(c); c = l.next[c] {
		}
		if best < 0 {
			continue
		}
		pairs = append(pairs, [2]int{i, byScore[best]})
		for _, z := range [2]int{k, best} {
			matched[z] = true
			l.remove(z)
		}
	}
	return pairs
}

// matchOverBudget serves the end of a batch, when the essays with budget
// left (order, least compared first) have all met one another in this
// cycle: each of them meets a partner it has not met whose budget is spent
// but not exceeded, the closest score in adaptive mode (when scores exist),
// else the least compared, random among equals. The partner ends one pair
// over its budget, which is better than repeating a judged pair before
// every pair has been seen. It returns no pair when no such partner exists.
func (p *Planner) matchOverBudget(order []int, busy []bool, scores map[string]float64, budget int, rng *rand.Rand) [][2]int {
	adaptive := p.opts.Mode == Adaptive && len(scores) > 0
	type candidate struct {
		i     int
		key   uint64
		taken bool
	}
	var cands []candidate
	for j := range p.names {
		// Essays in order can still plan; the others over budget by a
		// pair already, or busy with a retry, are no partners.
		if !busy[j] && !p.canPlan(j) && p.counts[j] <= p.opts.ComparisonsPerEssay {
			cands = append(cands, candidate{i: j, key: rng.Uint64()})
		}
	}
	var pairs [][2]int
	for _, i := range order {
		if len(pairs) >= budget {
			break
		}
		best := -1
		var bestDist float64
		for c := range cands {
			j := cands[c].i
			if cands[c].taken || p.isSeen(i, j) {
				continue
			}
			var better bool
			switch d := math.Abs(scores[p.names[j]] - scores[p.names[i]]); {
			case best < 0:
				better = true
			case adaptive && d != bestDist:
				better = d < bestDist
			case !adaptive && p.counts[j] != p.counts[cands[best].i]:
				better = p.counts[j] < p.counts[cands[best].i]
			default:
				better = cands[c].key < cands[best].key
			}
			if better {
				best, bestDist = c, math.Abs(scores[p.names[j]]-scores[p.names[i]])
			}
		}
		if best < 0 {
			continue
		}
		cands[best].taken = true
		pairs = append(pairs, [2]int{i, cands[best].i})
	}
	return pairs
}

// Stop says whether the batch should stop: BudgetSpent when no further
// pair can be planned and no retry is pending, Stable when every essay has
// at least MinComparisons comparisons and no score moved by
// StabilityThreshold or more between the previous fit (prev) and the
// current one (cur), Continue otherwise. prev nil never counts as stable,
// nor does a planner with retries pending: their comparisons are counted
// in the essays' totals but not judged yet, and scores that did not move
// because nothing was judged (a judge failing every call) are not stable.
func (p *Planner) Stop(prev, cur map[string]float64) StopReason {
	if len(p.retries) == 0 && !p.canPlanMore() {
		return BudgetSpent
	}
	if prev == nil || len(p.names) == 0 || len(p.retries) > 0 {
		return Continue
	}
	for i, name := range p.names {
		if p.counts[i] < p.opts.MinComparisons {
			return Continue
		}
		if math.Abs(cur[name]-prev[name]) >= p.opts.StabilityThreshold {
			return Continue
		}
	}
	return Stable
}

func (p *Planner) canPlanMore() bool {
	if p.capLeft() == 0 {
		return false
	}
	var k int
	for i := range p.names {
		if p.canPlan(i) {
			k++
			if k == 2 {
				return true
			}
		}
	}
	return false
}
