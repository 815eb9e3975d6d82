//go:build !race

package spell

// raceEnabled: see race_on_test.go.
const raceEnabled = false
