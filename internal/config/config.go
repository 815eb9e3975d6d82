// Package config is hule's one configuration mechanism: a component declares
// its settings as a struct whose fields carry `flag`, `env` and `usage` tags
// (and `secret` for keys and passwords); Bind registers them as flags whose
// defaults come from the environment, so the precedence is always
// defaults < HULE_* environment < flags. Print shows the effective values
// with secrets masked, and Reference documents every setting from the same
// tags, so the operations guide cannot drift from the code.
package config

import (
	"fmt"
	"io"
	"net/url"
	"reflect"
	"sort"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/pflag"
)

// Validator is implemented by config structs that check their own values.
type Validator interface {
	Validate() error
}

type field struct {
	flag, env, usage string
	secret           bool
	v                reflect.Value
}

// fields lists the tagged fields of *ptr, descending into nested structs
// without a flag tag (so components can embed each other's configs).
func fields(ptr any) ([]field, error) {
	rv := reflect.ValueOf(ptr)
	if rv.Kind() != reflect.Pointer || rv.Elem().Kind() != reflect.Struct {
		return nil, fmt.Errorf("config: %T is not a pointer to a struct", ptr)
	}
	var out []field
	var walk func(v reflect.Value) error
	walk = func(v reflect.Value) error {
		t := v.Type()
		for i := range t.NumField() {
			sf := t.Field(i)
			if !sf.IsExported() {
				continue
			}
			name := sf.Tag.Get("flag")
			if name == "-" {
				continue // set by the program, not the operator
			}
			if name == "" {
				if sf.Type.Kind() == reflect.Struct && sf.Type != reflect.TypeFor[time.Time]() {
					if err := walk(v.Field(i)); err != nil {
						return err
					}
				}
				continue
			}
			out = append(out, field{
				flag:   name,
				env:    sf.Tag.Get("env"),
				usage:  sf.Tag.Get("usage"),
				secret: sf.Tag.Get("secret") == "true",
				v:      v.Field(i),
			})
		}
		return nil
	}
	return out, walk(rv.Elem())
}

// Bind registers every tagged field of *ptr on fs. The field's current
// value is the default; a set environment variable (looked up with getenv)
// replaces it; a flag given on the command line replaces both. A malformed
// environment value is an error that names the variable.
func Bind(fs *pflag.FlagSet, ptr any, getenv func(string) string) error {
	fl, err := fields(ptr)
	if err != nil {
		return err
	}
	for _, f := range fl {
		if f.env != "" {
			if s := getenv(f.env); s != "" {
				if err := set(f.v, s); err != nil {
					return fmt.Errorf("environment %s=%q: %w", f.env, mask(s, f.secret), err)
				}
			}
		}
		usage := f.usage
		if f.env != "" {
			usage += " (env " + f.env + ")"
		}
		switch p := f.v.Addr().Interface().(type) {
		case *string:
			fs.StringVar(p, f.flag, *p, usage)
		case *int:
			fs.IntVar(p, f.flag, *p, usage)
		case *int64:
			fs.Int64Var(p, f.flag, *p, usage)
		case *float64:
			fs.Float64Var(p, f.flag, *p, usage)
		case *bool:
			fs.BoolVar(p, f.flag, *p, usage)
		case *time.Duration:
			fs.DurationVar(p, f.flag, *p, usage)
		case *[]string:
			fs.StringSliceVar(p, f.flag, *p, usage)
		default:
			return fmt.Errorf("config: field for --%s has unsupported type %s", f.flag, f.v.Type())
		}
	}
	return nil
}

func set(v reflect.Value, s string) error {
	switch p := v.Addr().Interface().(type) {
	case *string:
		*p = s
	case *int:
		n, err := strconv.Atoi(s)
		if err != nil {
			return fmt.Errorf("not an integer")
		}
		*p = n
	case *int64:
		n, err := strconv.ParseInt(s, 10, 64)
		if err != nil {
			return fmt.Errorf("not an integer")
		}
		*p = n
	case *float64:
		n, err := strconv.ParseFloat(s, 64)
		if err != nil {
			return fmt.Errorf("not a number")
		}
		*p = n
	case *bool:
		b, err := strconv.ParseBool(s)
		if err != nil {
			return fmt.Errorf("not a boolean")
		}
		*p = b
	case *time.Duration:
		d, err := time.ParseDuration(s)
		if err != nil {
			return fmt.Errorf("not a duration (e.g. 30s, 5m)")
		}
		*p = d
	case *[]string:
		*p = strings.Split(s, ",")
	default:
		return fmt.Errorf("unsupported type %s", v.Type())
	}
	return nil
}

// mask hides a secret's value, and the password of any URL value (a
// database URL may carry one).
func mask(s string, secret bool) string {
	if secret && s != "" && s != "[]" {
		return "****"
	}
	if u, err := url.Parse(s); err == nil && u.User != nil {
		if _, has := u.User.Password(); has {
			return u.Redacted()
		}
	}
	return s
}

// Validate calls Validate on ptr when it implements Validator.
func Validate(ptr any) error {
	if v, ok := ptr.(Validator); ok {
		return v.Validate()
	}
	return nil
}

// Print writes the effective value of every setting, secrets masked, one
// per line and sorted by flag name.
func Print(w io.Writer, ptr any) error {
	fl, err := fields(ptr)
	if err != nil {
		return err
	}
	sort.Slice(fl, func(i, j int) bool { return fl[i].flag < fl[j].flag })
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	for _, f := range fl {
		fmt.Fprintf(tw, "%s\t%s\n", f.flag, mask(fmt.Sprint(f.v.Interface()), f.secret))
	}
	return tw.Flush()
}

// Reference writes a Markdown table of every setting of ptr: flag,
// environment variable, default, and meaning.
func Reference(w io.Writer, ptr any) error {
	fl, err := fields(ptr)
	if err != nil {
		return err
	}
	fmt.Fprintln(w, "| flag | environment | default | meaning |")
	fmt.Fprintln(w, "|---|---|---|---|")
	for _, f := range fl {
		def := mask(fmt.Sprint(f.v.Interface()), f.secret)
		if def == "" || def == "[]" {
			def = "(empty)"
		}
		env := f.env
		if env == "" {
			env = "-"
		}
		fmt.Fprintf(w, "| `--%s` | `%s` | `%s` | %s |\n", f.flag, env, def, f.usage)
	}
	return nil
}
