//go:build !race

package spellcheck

// raceEnabled: see race_on_test.go.
const raceEnabled = false
