// Package lifecycle is the essay lifecycle service (the original's ELS): it
// keeps one slot per expected essay, assigns uploaded texts to slots, runs
// each essay's state machine, turns batch phase commands into requests to
// the processing services, and reports a phase's outcome to batch once every
// essay of the phase is terminal. It consumes thin events only.
package lifecycle
