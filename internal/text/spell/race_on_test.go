//go:build race

package spell

// raceEnabled lets the slow, single-goroutine accuracy and Swedish tests skip
// under the race detector, which makes them ten times slower and has nothing
// to find in them (TestConcurrentChecks covers concurrent use).
const raceEnabled = true
