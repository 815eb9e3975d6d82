package cli

import (
	"context"
	"fmt"
	"io"
	"io/fs"
	"path"
	"text/tabwriter"

	"github.com/pressly/goose/v3"
	"github.com/spf13/cobra"

	"github.com/hule-dev/hule/internal/app"
	"github.com/hule-dev/hule/internal/store"
)

// migrateFlags are the options of `hule migrate`.
type migrateFlags struct {
	data   string
	db     string
	status bool
}

func newMigrateCmd(env Env) *cobra.Command {
	f := migrateFlags{data: app.DefaultConfig().DataDir}
	if v := env.Getenv("HULE_DATA"); v != "" {
		f.data = v
	}
	f.db = env.Getenv("HULE_DB")
	cmd := &cobra.Command{
		Use:   "migrate",
		Short: "Apply every service's database migrations (or show their versions with --status)",
		Long: `migrate brings the database up to date: the core tables of the bus, then the
migrations of every service, whichever services a process will run. Run it
before rolling out a new version of hule in distributed mode, so that no
process starts against an older schema. Every process also migrates at
start, so on the embedded default this command is optional.

Each service keeps its own version table (goose_<set>), so --status lists
one line per set: its version in the database, the newest version this
binary knows, and how many migrations are pending.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return runMigrate(cmd.Context(), env.Stdout, f)
		},
	}
	cmd.Flags().StringVar(&f.data, "data", f.data, "data directory of the embedded mode holding "+store.SQLiteFile+" (env HULE_DATA)")
	cmd.Flags().StringVar(&f.db, "db", f.db, "PostgreSQL URL; overrides --data (env HULE_DB)")
	cmd.Flags().BoolVar(&f.status, "status", false, "list each migration set's version and pending count; apply nothing")
	return cmd
}

// migrationSets is every set a hule database holds, in the order
// store.Migrate applies them.
func migrationSets() []store.Migrations {
	return append([]store.Migrations{store.Core()}, app.Schemas()...)
}

func runMigrate(ctx context.Context, w io.Writer, f migrateFlags) error {
	target := f.data
	if f.db != "" {
		target = f.db
	}
	db, err := store.Open(ctx, target)
	if err != nil {
		return err
	}
	defer db.Close()
	sets := migrationSets()
	if f.status {
		return printMigrationStatus(ctx, w, db, sets)
	}
	before, err := migrationVersions(ctx, db, sets)
	if err != nil {
		return err
	}
	if err := store.Migrate(ctx, db, sets[1:]...); err != nil {
		return err
	}
	ran := 0
	for _, m := range sets {
		p, err := provider(db, m)
		if err != nil {
			return err
		}
		if p == nil {
			continue
		}
		for _, s := range p.ListSources() {
			if s.Version > before[m.Name] {
				fmt.Fprintf(w, "applied %s %05d %s\n", m.Name, s.Version, path.Base(s.Path))
				ran++
			}
		}
	}
	fmt.Fprintf(w, "%d migration(s) applied on %s; database up to date\n", ran, db.Dialect)
	return nil
}

// migrationVersions reads each set's current version (0 when the set never
// ran).
func migrationVersions(ctx context.Context, db *store.DB, sets []store.Migrations) (map[string]int64, error) {
	out := make(map[string]int64, len(sets))
	for _, m := range sets {
		p, err := provider(db, m)
		if err != nil {
			return nil, err
		}
		if p == nil {
			continue
		}
		v, err := p.GetDBVersion(ctx)
		if err != nil {
			return nil, fmt.Errorf("version of %s: %w", m.Name, err)
		}
		out[m.Name] = v
	}
	return out, nil
}

func printMigrationStatus(ctx context.Context, w io.Writer, db *store.DB, sets []store.Migrations) error {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "SET\tVERSION\tLATEST\tPENDING")
	for _, m := range sets {
		p, err := provider(db, m)
		if err != nil {
			return err
		}
		if p == nil {
			fmt.Fprintf(tw, "%s\t-\t-\t0\n", m.Name)
			continue
		}
		st, err := p.Status(ctx)
		if err != nil {
			return fmt.Errorf("status of %s: %w", m.Name, err)
		}
		var current, latest int64
		pending := 0
		for _, s := range st {
			latest = max(latest, s.Source.Version)
			if s.State == goose.StateApplied {
				current = max(current, s.Source.Version)
			} else {
				pending++
			}
		}
		fmt.Fprintf(tw, "%s\t%d\t%d\t%d\n", m.Name, current, latest, pending)
	}
	return tw.Flush()
}

// provider opens a goose provider on one set, with the version table
// store.Migrate uses (goose_<set>); nil when the set has no migrations for
// the database's dialect. Never Close it: that closes the shared *sql.DB.
func provider(db *store.DB, m store.Migrations) (*goose.Provider, error) {
	fsys, dialect := m.SQLite, goose.DialectSQLite3
	if db.Dialect == store.Postgres {
		fsys, dialect = m.Postgres, goose.DialectPostgres
	}
	if fsys == nil {
		return nil, nil
	}
	if entries, err := fs.Glob(fsys, "*.sql"); err != nil || len(entries) == 0 {
		return nil, nil //nolint:nilerr // an empty set has nothing to report
	}
	p, err := goose.NewProvider(dialect, db.DB, fsys,
		goose.WithTableName("goose_"+m.Name),
		goose.WithDisableGlobalRegistry(true),
	)
	if err != nil {
		return nil, fmt.Errorf("migrations %s: %w", m.Name, err)
	}
	return p, nil
}
