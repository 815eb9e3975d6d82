// Package bench holds measurements that span packages, run with
// `go test -bench` only: they make the quantitative case for design rules,
// such as the dual thin/rich event pattern, that no single package can.
package bench
