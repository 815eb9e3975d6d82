//go:build race

package spellcheck

// raceEnabled lets the Swedish test skip under the race detector: loading
// the hunspell dictionary is single-goroutine work that the detector makes
// ten times slower, with nothing to find.
const raceEnabled = true
