package cli

import (
	"bytes"
	"context"
	"database/sql"
	"path/filepath"
	"strings"
	"testing"
	"time"

	wsql "github.com/ThreeDotsLabs/watermill-sql/v4/pkg/sql"
	"github.com/ThreeDotsLabs/watermill/message"

	"github.com/hule-dev/hule/internal/bus"
	"github.com/hule-dev/hule/internal/events"
	"github.com/hule-dev/hule/internal/store"
	"github.com/hule-dev/hule/internal/store/storetest"
)

const dlqTestTopic = "test.dlq.cli.v1"

// poisonDataDir makes a SQLite data dir whose bus dead-lettered one
// malformed message with id "poison-1".
func poisonDataDir(t *testing.T) string {
	t.Helper()
	ctx := context.Background()
	dir := t.TempDir()
	db, err := store.OpenSQLite(ctx, filepath.Join(dir, store.SQLiteFile))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if err := store.Migrate(ctx, db); err != nil {
		t.Fatal(err)
	}
	deadLetterPoison(t, db)
	return dir
}

// deadLetterPoison runs a bus on db until a malformed message with id
// "poison-1" is dead-lettered.
func deadLetterPoison(t *testing.T, db *store.DB) {
	t.Helper()
	ctx := context.Background()
	cfg := bus.DefaultConfig(string(db.Dialect))
	cfg.PollInterval = 5 * time.Millisecond
	b, err := bus.New(cfg, bus.Deps{DB: db})
	if err != nil {
		t.Fatal(err)
	}
	b.Handle("svc", dlqTestTopic, func(context.Context, *sql.Tx, events.Raw) error { return nil })
	if err := b.Declare(ctx, dlqTestTopic); err != nil {
		t.Fatal(err)
	}
	schema, _, _ := bus.SQLAdapters(db.Dialect, 0)
	err = store.InTx(ctx, db.DB, func(tx *sql.Tx) error {
		q, err := schema.InsertQuery(wsql.InsertQueryParams{Topic: dlqTestTopic, Msgs: message.Messages{message.NewMessage("poison-1", []byte("{oops"))}})
		if err != nil {
			return err
		}
		_, err = tx.ExecContext(ctx, q.Query, q.Args...)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	runUntilDeadLettered(t, b, 1, func(ctx context.Context) ([]bus.DeadLetter, error) {
		return bus.ListDeadLetters(ctx, db, dlqTestTopic)
	})
}

// runUntilDeadLettered runs b until list shows n dead letters (at most 30
// s), then stops it.
func runUntilDeadLettered(t *testing.T, b *bus.Bus, n int, list func(context.Context) ([]bus.DeadLetter, error)) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	done := make(chan error, 1)
	go func() { done <- b.Run(ctx) }()
	deadline := time.Now().Add(30 * time.Second)
	for {
		dls, err := list(ctx)
		if err == nil && len(dls) == n {
			break
		}
		if time.Now().After(deadline) {
			cancel()
			t.Fatalf("poison messages not dead-lettered (listed %d of %d, err %v)", len(dls), n, err)
		}
		time.Sleep(5 * time.Millisecond)
	}
	cancel()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
}

func runDLQ(args ...string) (string, error) {
	var out, errOut bytes.Buffer
	err := Run(context.Background(), append([]string{"dlq"}, args...), Env{Stdout: &out, Stderr: &errOut})
	return out.String(), err
}

func TestDLQListAndReplay(t *testing.T) {
	dir := poisonDataDir(t)

	tests := []struct {
		name     string
		args     []string
		wantCode int // -1: no error
		want     []string
	}{
		{"list all", []string{"list", "--data", dir}, -1, []string{"poison-1", dlqTestTopic, bus.ReasonUndecodable, "svc/" + dlqTestTopic}},
		{"list other topic", []string{"list", "--data", dir, "--topic", "test.none.v1"}, -1, []string{"ID"}},
		{"replay needs target", []string{"replay", "--data", dir}, 2, nil},
		{"replay unknown id", []string{"replay", "nope", "--data", dir}, 1, nil},
		{"replay", []string{"replay", "poison-1", "--data", dir}, -1, []string{"replayed 1"}},
		{"list after replay", []string{"list", "--data", dir}, -1, []string{"ID"}},
		{"missing data dir", []string{"list", "--data", filepath.Join(dir, "absent")}, 2, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out, err := runDLQ(tt.args...)
			if tt.wantCode == -1 {
				if err != nil {
					t.Fatalf("err = %v, want nil", err)
				}
			} else if got := ExitCode(err); err == nil || got != tt.wantCode {
				t.Fatalf("exit code = %d (err %v), want %d", got, err, tt.wantCode)
			}
			for _, w := range tt.want {
				if !strings.Contains(out, w) {
					t.Errorf("output lacks %q:\n%s", w, out)
				}
			}
			if strings.HasPrefix(tt.name, "list after") && strings.Contains(out, "poison-1") {
				t.Errorf("replayed dead letter still listed:\n%s", out)
			}
		})
	}
}

func TestDLQPostgres(t *testing.T) {
	db, url := storetest.Postgres(t)
	deadLetterPoison(t, db)
	out, err := runDLQ("list", "--db", url, "--topic", dlqTestTopic)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out, "poison-1") || !strings.Contains(out, bus.ReasonUndecodable) {
		t.Errorf("list lacks the poison message:\n%s", out)
	}
	out, err = runDLQ("replay", "--db", url, "--topic", dlqTestTopic)
	if err != nil || !strings.Contains(out, "replayed 1") {
		t.Fatalf("replay = %q, %v; want replayed 1", out, err)
	}
	if n := storetest.Count(t, db.DB, `SELECT COUNT(*) FROM "watermill_`+dlqTestTopic+`.DLQ"`); n != 0 {
		t.Errorf("dead letters after replay = %d, want 0", n)
	}
}
