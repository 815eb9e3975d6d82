package fault

import (
	"github.com/hule-dev/hule/internal/bench"
	"github.com/hule-dev/hule/internal/client"
)

// essaySeed fixes the fault tests' essays: every run uploads the same
// texts, so a failure replays, and the bus-fault test's two batches of the
// same files can be compared essay by essay.
const essaySeed = 1

// Essays returns n distinct learner essays as upload files: the load
// benchmark's generated essays (internal/bench) of a fixed seed. Their
// writers range from weak to strong, so the spellchecker, the metrics and
// the judge all have real work, and no two texts are equal (the platform
// rejects a batch's duplicate texts).
func Essays(n int) []client.File {
	return bench.Files(bench.Essays(n, essaySeed))
}

// MoreEssays returns the k-th further set of n essays (k ≥ 1), distinct
// from Essays(n) and from every other set: the crash test's later batches.
func MoreEssays(n, k int) []client.File {
	return bench.Files(bench.Essays(n, essaySeed+uint64(k))) //nolint:gosec // k is a small positive count
}
