// Package fault proves hule's reliability promises under faults, with real
// processes: it builds the hule binary once, runs every service as its own
// `hule run` process on PostgreSQL and a Kafka bus (`hule kafka dev`),
// SIGKILLs and restarts them while a batch runs, and then checks the
// invariants of issue 8 against the services' tables and the topics.
//
// The tests are long and start many processes, so they run only when asked:
//
//	go test ./test/fault -fault -timeout 30m   # the crash test: 200 essays
//	go test ./test/fault -fault -short         # a short version for CI: 20 essays
//
// internal/cluster runs the processes; Invariants (the checks) and Essays (generated
// texts) are usable on their own by other long-running tests.
package fault
