package cli

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"net/url"
	"strings"
	"testing"

	"github.com/hule-dev/hule/internal/store"
	"github.com/hule-dev/hule/internal/store/storetest"
)

// runWithEnv runs the hule command line with a fixed environment and
// returns its standard output.
func runWithEnv(t *testing.T, env map[string]string, args ...string) (string, error) {
	t.Helper()
	var out, errOut bytes.Buffer
	err := Run(t.Context(), args, Env{
		Getenv: func(k string) string { return env[k] },
		Stdout: &out,
		Stderr: &errOut,
	})
	return out.String(), err
}

// emptyPostgres creates an empty, uniquely named schema on the test server
// (dropped at the end of the test) and returns a URL whose search_path is
// that schema. Unlike storetest.Postgres it migrates nothing, so the first
// `hule migrate` has everything to do.
func emptyPostgres(t *testing.T) string {
	t.Helper()
	ctx := context.Background()
	base := storetest.PostgresURL(t)
	b := make([]byte, 6)
	if _, err := rand.Read(b); err != nil {
		t.Fatal(err)
	}
	schema := "t_migrate_" + hex.EncodeToString(b)
	admin, err := store.OpenPostgres(ctx, base)
	if err != nil {
		t.Fatalf("connect postgres (set HULE_TEST_POSTGRES=off to skip): %v", err)
	}
	if _, err := admin.ExecContext(ctx, "CREATE SCHEMA "+schema); err != nil {
		t.Fatalf("create schema: %v", err)
	}
	t.Cleanup(func() {
		if _, err := admin.ExecContext(context.Background(), "DROP SCHEMA "+schema+" CASCADE"); err != nil {
			t.Logf("drop schema %s: %v", schema, err)
		}
		_ = admin.Close()
	})
	u, err := url.Parse(base)
	if err != nil {
		t.Fatal(err)
	}
	q := u.Query()
	q.Set("search_path", schema)
	u.RawQuery = q.Encode()
	return u.String()
}

// statusOf parses `hule migrate --status` into set -> "version latest
// pending".
func statusOf(out string) map[string]string {
	m := map[string]string{}
	for _, l := range strings.Split(out, "\n") {
		if f := strings.Fields(l); len(f) == 4 {
			m[f[0]] = strings.Join(f[1:], " ")
		}
	}
	return m
}

func TestMigrate(t *testing.T) {
	cases := []struct {
		name   string
		target func(t *testing.T) []string
	}{
		{
			name:   "sqlite",
			target: func(t *testing.T) []string { return []string{"--data", t.TempDir()} },
		},
		{
			name:   "postgres",
			target: func(t *testing.T) []string { return []string{"--db", emptyPostgres(t)} },
		},
	}
	sets := migrationSets()
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			target := tc.target(t)

			status, err := runWithEnv(t, nil, append([]string{"migrate", "--status"}, target...)...)
			if err != nil {
				t.Fatalf("migrate --status before: %v", err)
			}
			if got := statusOf(status)["core"]; got != "0 1 1" {
				t.Errorf("status of core before migrating: got %q, want version 0, latest 1, 1 pending, in\n%s", got, status)
			}

			out, err := runWithEnv(t, nil, append([]string{"migrate"}, target...)...)
			if err != nil {
				t.Fatalf("migrate: %v\n%s", err, out)
			}
			for _, want := range []string{"applied core 00001 00001_bus.sql", "applied cjassess 00001 "} {
				if !strings.Contains(out, want) {
					t.Errorf("first migrate: want a line %q, got\n%s", want, out)
				}
			}
			if strings.Contains(out, " 0 migration(s)") || strings.HasPrefix(out, "0 migration(s)") {
				t.Errorf("first migrate: want migrations applied, got\n%s", out)
			}

			again, err := runWithEnv(t, nil, append([]string{"migrate"}, target...)...)
			if err != nil {
				t.Fatalf("second migrate: %v", err)
			}
			if !strings.HasPrefix(again, "0 migration(s) applied") {
				t.Errorf("second migrate: got %q, want nothing applied", again)
			}

			status, err = runWithEnv(t, nil, append([]string{"migrate", "--status"}, target...)...)
			if err != nil {
				t.Fatalf("migrate --status after: %v", err)
			}
			after := statusOf(status)
			for _, m := range sets {
				got, ok := after[m.Name]
				if !ok {
					t.Errorf("status: no line for set %s in\n%s", m.Name, status)
					continue
				}
				f := strings.Fields(got)
				if f[2] != "0" || f[0] != f[1] {
					t.Errorf("status of %s after migrate: got version %s, latest %s, pending %s; want up to date", m.Name, f[0], f[1], f[2])
				}
			}

			// The tables exist: the bus's idempotency record is queryable.
			ctx := context.Background()
			var db *store.DB
			if target[0] == "--db" {
				db, err = store.OpenPostgres(ctx, target[1])
			} else {
				db, err = store.Open(ctx, target[1])
			}
			if err != nil {
				t.Fatal(err)
			}
			defer db.Close()
			if n := storetest.Count(t, db.DB, "SELECT COUNT(*) FROM bus_processed"); n != 0 {
				t.Errorf("bus_processed rows: got %d, want 0", n)
			}
		})
	}
}

func TestMigrateEnvironment(t *testing.T) {
	dir := t.TempDir()
	out, err := runWithEnv(t, map[string]string{"HULE_DATA": dir}, "migrate")
	if err != nil {
		t.Fatalf("migrate with HULE_DATA: %v", err)
	}
	if !strings.Contains(out, "applied core 00001") {
		t.Errorf("migrate with HULE_DATA: got %q, want the core set applied", out)
	}
	status, err := runWithEnv(t, nil, "migrate", "--status", "--data", dir)
	if err != nil {
		t.Fatal(err)
	}
	if got := statusOf(status)["core"]; got != "1 1 0" {
		t.Errorf("status of core in the HULE_DATA dir: got %q, want \"1 1 0\" in\n%s", got, status)
	}
}

func TestMigrateBadTarget(t *testing.T) {
	_, err := runWithEnv(t, nil, "migrate", "--db", "postgres://nobody@127.0.0.1:1/none?connect_timeout=1")
	if err == nil {
		t.Fatal("migrate against a closed port: got nil error, want a connection error")
	}
}
