// Package fault proves hule's reliability promises under faults, with real
// processes: it builds the hule binary once, runs every service as its own
// `hule run` process on PostgreSQL and a Kafka bus (`hule kafka dev`),
// SIGKILLs and restarts them while a batch runs, and then checks the
// invariants of issue 8 against the services' tables and the topics.
//
// The tests are long and start many processes, so they run only when asked:
//
//	go test ./test/fault -fault -timeout 30m   # the crash test: 200-essay batches until 10 kills
//	go test ./test/fault -fault -short         # a short version for CI: 20 essays
//	go test ./test/fault -fault -short -run TestBusFaults -fault.bus postgres
//	go test ./test/fault -fault -short -run TestJudgeFaults -fault.bus postgres
//
// TestBusFaults runs a batch clean, then the same essays again while an
// Injector puts malformed JSON, unknown event types, envelopes that fail
// validation and copies of real events on every consumed topic; the results
// must match the clean run and every bad message must be in its topic's DLQ
// with its reason (40 essays; -short: 10; -fault.bus-essays N).
// TestJudgeFaults points the cjassess processes' openai judge at an
// LLMServer that is slow, fails 30 % of the calls and answers some with
// malformed output (the batch must complete with ranks), then at one that
// fails every call (the CJ phase must fail cleanly with CJAssessmentFailedV1)
// (20 essays; -short: 10; -fault.judge-essays N).
//
// internal/cluster runs the processes; Invariants (the checks), Essays
// (generated texts), Injector with its Transports (raw messages on SQL or
// Kafka topics) and LLMServer are usable on their own by other
// long-running tests.
package fault
