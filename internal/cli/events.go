package cli

import (
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"text/tabwriter"

	"github.com/go-json-experiment/json/jsontext"
	"github.com/spf13/cobra"

	"github.com/hule-dev/hule/internal/events"
)

// newEventsCmd groups the tools for hule's event contracts: list the
// registry, print an example or a schema, validate an envelope.
func newEventsCmd(env Env) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "events",
		Short: "Inspect and check the event contracts (registry, examples, schemas, validation)",
	}
	cmd.AddCommand(
		newEventsListCmd(env),
		newEventsExampleCmd(env),
		newEventsValidateCmd(env),
		newEventsSchemaCmd(env),
	)
	return cmd
}

func newEventsListCmd(env Env) *cobra.Command {
	return &cobra.Command{
		Use:   "list",
		Short: "List every registered event with its Go type and topic",
		Args:  cobra.NoArgs,
		RunE: func(*cobra.Command, []string) error {
			w := tabwriter.NewWriter(env.Stdout, 0, 4, 2, ' ', 0)
			fmt.Fprintln(w, "EVENT\tNAME\tGO TYPE\tTOPIC")
			for _, e := range events.Events() {
				fmt.Fprintf(w, "%s\t%s\t%s\t%s\n", e.Event, e.Name, orDash(e.GoType), orDash(e.Topic))
			}
			return w.Flush()
		},
	}
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

// topicArg checks that args[0] is a topic with a Go type.
func topicArg(_ *cobra.Command, args []string) error {
	if len(args) != 1 {
		return fmt.Errorf("want one topic, got %d arguments", len(args))
	}
	if _, ok := events.NewData(args[0]); !ok {
		return fmt.Errorf("no event type for topic %q; topics:\n  %s", args[0], strings.Join(events.Topics(), "\n  "))
	}
	return nil
}

func newEventsExampleCmd(env Env) *cobra.Command {
	return &cobra.Command{
		Use:       "example <topic>",
		Short:     "Print a valid, realistic envelope for topic",
		Args:      topicArg,
		ValidArgs: events.Topics(),
		RunE: func(_ *cobra.Command, args []string) error {
			e, _ := events.Example(args[0])
			b, err := events.Marshal(e)
			if err != nil {
				return fmt.Errorf("encode example: %w", err)
			}
			return writeIndented(env.Stdout, b)
		},
	}
}

func newEventsSchemaCmd(env Env) *cobra.Command {
	return &cobra.Command{
		Use:       "schema <topic>",
		Short:     "Print hule's JSON Schema for the data of the event on topic",
		Args:      topicArg,
		ValidArgs: events.Topics(),
		RunE: func(_ *cobra.Command, args []string) error {
			s, _ := events.Schema(args[0])
			_, err := env.Stdout.Write(s)
			return err
		},
	}
}

func writeIndented(w io.Writer, b []byte) error {
	v := jsontext.Value(b)
	if err := v.Indent(jsontext.WithIndent("  ")); err != nil {
		return err
	}
	_, err := w.Write(append(v, '\n'))
	return err
}

func newEventsValidateCmd(env Env) *cobra.Command {
	return &cobra.Command{
		Use:   "validate <file|->",
		Short: "Validate an envelope and its data; exit 1 with one line per violation",
		Long: "Validate reads an envelope from a file (or stdin for -), checks the envelope and\n" +
			"its data against the contract of its event_type, and prints one line per violation\n" +
			"(field path and reason). It exits 0 when the event is valid and 1 when it is not.",
		Args: cobra.ExactArgs(1),
		RunE: func(_ *cobra.Command, args []string) error {
			b, err := readEventInput(env, args[0])
			if err != nil {
				return err
			}
			_, err = events.Decode(b)
			if err == nil {
				_, err = fmt.Fprintln(env.Stdout, "valid")
				return err
			}
			var ve *events.ValidationError
			if errors.As(err, &ve) {
				for _, v := range ve.Violations {
					fmt.Fprintf(env.Stdout, "%s: %s\n", v.Path, v.Reason)
				}
				return &ExitError{Code: 1, Err: fmt.Errorf("%s: %d violation(s)", args[0], len(ve.Violations))}
			}
			var de *events.DecodeError
			if errors.As(err, &de) {
				fmt.Fprintf(env.Stdout, "(envelope): %s\n", de.Error())
				return &ExitError{Code: 1, Err: err}
			}
			return err
		},
	}
}

// readEventInput reads the named file, or stdin for "-", refusing more than
// events.MaxEventSize+1 bytes so a huge file cannot exhaust memory.
func readEventInput(env Env, name string) ([]byte, error) {
	var r io.Reader
	if name == "-" {
		if env.Stdin == nil {
			return nil, errors.New("no stdin")
		}
		r = env.Stdin
	} else {
		f, err := os.Open(name)
		if err != nil {
			return nil, err
		}
		defer f.Close()
		r = f
	}
	b, err := io.ReadAll(io.LimitReader(r, events.MaxEventSize+1))
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", name, err)
	}
	return b, nil
}
