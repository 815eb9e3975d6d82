package cli

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/hule-dev/hule/internal/cjassess"
	"github.com/hule-dev/hule/internal/store"
)

// newAnchorsCmd is `hule anchors`: register, list and delete the anchor
// essays (essays with a known grade) of an assignment, in the data dir's
// database or in PostgreSQL.
func newAnchorsCmd(env Env) *cobra.Command {
	var data, dbURL string
	cmd := &cobra.Command{
		Use:   "anchors",
		Short: "Manage the anchor essays (known grades) of assignments",
	}
	pf := cmd.PersistentFlags()
	pf.StringVar(&data, "data", "", "data directory holding hule.db (default $HULE_DATA or ./hule-data)")
	pf.StringVar(&dbURL, "db", "", "PostgreSQL URL instead of the data directory")
	open := func(ctx context.Context) (*cjassess.SQLStore, func(), error) {
		return openAnchorStore(ctx, env, data, dbURL)
	}
	cmd.AddCommand(newAnchorsAddCmd(env, open), newAnchorsListCmd(env, open), newAnchorsDeleteCmd(env, open))
	return cmd
}

type openStoreFunc func(ctx context.Context) (*cjassess.SQLStore, func(), error)

func openAnchorStore(ctx context.Context, env Env, data, dbURL string) (*cjassess.SQLStore, func(), error) {
	if data != "" && dbURL != "" {
		return nil, nil, &ExitError{Code: 1, Err: errors.New("--data and --db exclude each other")}
	}
	target := dbURL
	if target == "" {
		target = data
		if target == "" {
			target = env.Getenv("HULE_DATA")
		}
		if target == "" {
			target = "hule-data"
		}
		if err := os.MkdirAll(target, 0o750); err != nil {
			return nil, nil, fmt.Errorf("data directory: %w", err)
		}
	}
	db, err := store.Open(ctx, target)
	if err != nil {
		return nil, nil, err
	}
	if err := store.Migrate(ctx, db, cjassess.Schema()); err != nil {
		_ = db.Close()
		return nil, nil, err
	}
	return cjassess.NewSQLStore(db.DB), func() { _ = db.Close() }, nil
}

func newAnchorsAddCmd(env Env, open openStoreFunc) *cobra.Command {
	var assignment, grade, scale string
	cmd := &cobra.Command{
		Use:   "add --assignment A --grade G FILE...",
		Short: "Register essays of known grade as anchors of an assignment",
		Long: `Register each FILE (.txt, .md or .docx) as an anchor essay of assignment A
with grade G on --scale. The same text registered twice for one assignment
is refused; files before the refused one stay registered.`,
		Args: cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if assignment == "" || grade == "" {
				return &ExitError{Code: 1, Err: errors.New("--assignment and --grade are required")}
			}
			ctx := cmd.Context()
			st, closeDB, err := open(ctx)
			if err != nil {
				return err
			}
			defer closeDB()
			for _, path := range args {
				text, reason, err := readEssayFile(path)
				if err != nil {
					return &ExitError{Code: 1, Err: err}
				}
				if reason != "" {
					return &ExitError{Code: 1, Err: fmt.Errorf("%s: %s", path, reason)}
				}
				a, err := cjassess.NewAnchor(assignment, grade, filepath.Base(path), text, "", scale)
				if err != nil {
					return &ExitError{Code: 1, Err: err}
				}
				if err := st.AddAnchor(ctx, a); err != nil {
					if errors.Is(err, cjassess.ErrDuplicateAnchor) {
						return &ExitError{Code: 1, Err: fmt.Errorf("%s: %w", path, err)}
					}
					return err
				}
				fmt.Fprintf(env.Stdout, "%s\t%s\t%s\n", a.ID, a.Grade, a.DisplayName)
			}
			return nil
		},
	}
	cmd.Flags().StringVar(&assignment, "assignment", "", "assignment id")
	cmd.Flags().StringVar(&grade, "grade", "", "the anchors' grade")
	cmd.Flags().StringVar(&scale, "scale", "", "grade scale the grade belongs to (default swedish_8_anchor)")
	return cmd
}

func newAnchorsListCmd(env Env, open openStoreFunc) *cobra.Command {
	var assignment, format string
	cmd := &cobra.Command{
		Use:   "list --assignment A",
		Short: "List the anchors of an assignment",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if assignment == "" {
				return &ExitError{Code: 1, Err: errors.New("--assignment is required")}
			}
			if format != "table" && format != "json" {
				return &ExitError{Code: 1, Err: fmt.Errorf("--format %q: want table or json", format)}
			}
			st, closeDB, err := open(cmd.Context())
			if err != nil {
				return err
			}
			defer closeDB()
			list, err := st.Anchors(cmd.Context(), assignment)
			if err != nil {
				return err
			}
			if format == "json" {
				if list == nil {
					list = []cjassess.AnchorRecord{}
				}
				enc := json.NewEncoder(env.Stdout)
				enc.SetIndent("", "  ")
				if err := enc.Encode(list); err != nil {
					return fmt.Errorf("write anchors: %w", err)
				}
				return nil
			}
			tw := tabwriter.NewWriter(env.Stdout, 0, 0, 2, ' ', 0)
			fmt.Fprintln(tw, "id\tgrade\tname\tcreated")
			for _, a := range list {
				fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", a.ID, a.Grade, a.DisplayName, a.Created.Format(time.RFC3339))
			}
			if err := tw.Flush(); err != nil {
				return fmt.Errorf("write anchors: %w", err)
			}
			return nil
		},
	}
	cmd.Flags().StringVar(&assignment, "assignment", "", "assignment id")
	cmd.Flags().StringVar(&format, "format", "table", "output format: table or json")
	return cmd
}

func newAnchorsDeleteCmd(env Env, open openStoreFunc) *cobra.Command {
	return &cobra.Command{
		Use:   "delete ID",
		Short: "Delete an anchor",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			st, closeDB, err := open(cmd.Context())
			if err != nil {
				return err
			}
			defer closeDB()
			if err := st.DeleteAnchor(cmd.Context(), args[0]); err != nil {
				if errors.Is(err, cjassess.ErrAnchorNotFound) {
					return &ExitError{Code: 1, Err: err}
				}
				return err
			}
			fmt.Fprintf(env.Stdout, "deleted %s\n", args[0])
			return nil
		},
	}
}
