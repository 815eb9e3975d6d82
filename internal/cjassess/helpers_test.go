package cjassess_test

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/hule-dev/hule/internal/cjassess"
	"github.com/hule-dev/hule/internal/cjassess/grading"
	"github.com/hule-dev/hule/internal/cjassess/judge"
	"github.com/hule-dev/hule/internal/repotest"
	"github.com/hule-dev/hule/internal/store/storetest"
)

// exampleEssays reads the repository's example essays (students) and
// anchors with their grades.
func exampleEssays(t testing.TB) (students, anchors []cjassess.Essay) {
	t.Helper()
	root := repotest.Root(t)
	files, err := filepath.Glob(filepath.Join(root, "examples", "essays", "*.txt"))
	if err != nil || len(files) == 0 {
		t.Fatalf("example essays: %v (%d files)", err, len(files))
	}
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		name := filepath.Base(f)
		students = append(students, cjassess.Essay{ID: name, DisplayName: name, Text: string(b)})
	}
	grades, err := os.ReadFile(filepath.Join(root, "examples", "anchors", "grades.csv"))
	if err != nil {
		t.Fatal(err)
	}
	for _, line := range strings.Split(strings.TrimSpace(string(grades)), "\n")[1:] {
		file, grade, _ := strings.Cut(strings.TrimSpace(line), ",")
		b, err := os.ReadFile(filepath.Join(root, "examples", "anchors", file))
		if err != nil {
			t.Fatal(err)
		}
		anchors = append(anchors, cjassess.Essay{ID: "anchor-" + file, DisplayName: file, Text: string(b), Anchor: true, Grade: grade})
	}
	return students, anchors
}

func sqliteStore(t testing.TB) *cjassess.SQLStore {
	t.Helper()
	return cjassess.NewSQLStore(storetest.SQLite(t, cjassess.Schema()).DB)
}

// recordingJudge wraps a judge and counts the calls per ordered pair; fail,
// when set, decides per call whether to fail instead (with the error it
// returns), and after, when set, runs after each call with the call number.
type recordingJudge struct {
	inner judge.Judge
	fail  func(n int, r judge.Request) error
	after func(n int)

	mu    sync.Mutex
	n     int
	calls map[string]int
}

func newRecordingJudge() *recordingJudge {
	return &recordingJudge{inner: judge.NewOffline(nil), calls: map[string]int{}}
}

func pairKey(a, b string) string { return a + "|" + b }

func (j *recordingJudge) Judge(ctx context.Context, r judge.Request) (judge.Verdict, error) {
	if err := ctx.Err(); err != nil {
		return judge.Verdict{}, err
	}
	j.mu.Lock()
	j.n++
	n := j.n
	j.calls[pairKey(r.A.ID, r.B.ID)]++
	j.mu.Unlock()
	var (
		v   judge.Verdict
		err error
	)
	if j.fail != nil {
		err = j.fail(n, r)
	}
	if err == nil {
		v, err = j.inner.Judge(ctx, r)
	}
	if j.after != nil {
		j.after(n)
	}
	return v, err
}

func (j *recordingJudge) Name() string { return j.inner.Name() }

func (j *recordingJudge) snapshot() map[string]int {
	j.mu.Lock()
	defer j.mu.Unlock()
	out := make(map[string]int, len(j.calls))
	for k, v := range j.calls {
		out[k] = v
	}
	return out
}

func (j *recordingJudge) total() int {
	j.mu.Lock()
	defer j.mu.Unlock()
	return j.n
}

func errUnknownScale() error { return grading.ErrUnknownScale }
