package config_test

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/spf13/pflag"

	"github.com/hule-dev/hule/internal/config"
)

type inner struct {
	Workers int `flag:"workers" env:"HULE_WORKERS" usage:"parallel workers"`
}

type sample struct {
	Addr    string        `flag:"addr" env:"HULE_ADDR" usage:"listen address"`
	Timeout time.Duration `flag:"timeout" env:"HULE_TIMEOUT" usage:"request timeout"`
	Key     string        `flag:"api-key" env:"HULE_API_KEY" usage:"provider key" secret:"true"`
	Debug   bool          `flag:"debug" env:"HULE_DEBUG" usage:"debug logs"`
	Inner   inner
}

func (s *sample) Validate() error {
	if s.Inner.Workers < 1 {
		return errors.New("workers must be at least 1")
	}
	return nil
}

func defaults() *sample {
	return &sample{Addr: ":8080", Timeout: 5 * time.Second, Inner: inner{Workers: 2}}
}

func TestPrecedence(t *testing.T) {
	tests := []struct {
		name  string
		env   map[string]string
		args  []string
		check func(*sample) bool
	}{
		{"defaults", nil, nil, func(s *sample) bool { return s.Addr == ":8080" && s.Inner.Workers == 2 }},
		{"env over default", map[string]string{"HULE_ADDR": ":9000", "HULE_WORKERS": "7", "HULE_TIMEOUT": "1m"}, nil,
			func(s *sample) bool { return s.Addr == ":9000" && s.Inner.Workers == 7 && s.Timeout == time.Minute }},
		{"flag over env", map[string]string{"HULE_ADDR": ":9000"}, []string{"--addr", ":7000", "--debug"},
			func(s *sample) bool { return s.Addr == ":7000" && s.Debug }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := defaults()
			fs := pflag.NewFlagSet("t", pflag.ContinueOnError)
			if err := config.Bind(fs, s, func(k string) string { return tt.env[k] }); err != nil {
				t.Fatal(err)
			}
			if err := fs.Parse(tt.args); err != nil {
				t.Fatal(err)
			}
			if !tt.check(s) {
				t.Errorf("got %+v", s)
			}
		})
	}
}

func TestBadEnvironmentNamesTheVariable(t *testing.T) {
	fs := pflag.NewFlagSet("t", pflag.ContinueOnError)
	err := config.Bind(fs, defaults(), func(k string) string {
		if k == "HULE_WORKERS" {
			return "many"
		}
		return ""
	})
	if err == nil || !strings.Contains(err.Error(), "HULE_WORKERS") {
		t.Errorf("got %v, want an error naming HULE_WORKERS", err)
	}
	fs = pflag.NewFlagSet("t", pflag.ContinueOnError)
	err = config.Bind(fs, defaults(), func(k string) string {
		if k == "HULE_API_KEY" {
			return "sk-secret"
		}
		if k == "HULE_DEBUG" {
			return "maybe"
		}
		return ""
	})
	if err == nil || strings.Contains(err.Error(), "sk-secret") {
		t.Errorf("got %v, want an error without the key", err)
	}
}

func TestPrintMasksSecretsAndValidate(t *testing.T) {
	s := defaults()
	s.Key = "sk-very-secret"
	s.Addr = "postgres://hule:pa55word@db:5432/hule"
	var b strings.Builder
	if err := config.Print(&b, s); err != nil {
		t.Fatal(err)
	}
	out := b.String()
	if strings.Contains(out, "sk-very-secret") || strings.Contains(out, "pa55word") || !strings.Contains(out, "api-key") || !strings.Contains(out, "****") {
		t.Errorf("Print leaked or dropped the key:\n%s", out)
	}
	var ref strings.Builder
	if err := config.Reference(&ref, s); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(ref.String(), "`HULE_WORKERS`") || strings.Contains(ref.String(), "sk-very-secret") {
		t.Errorf("Reference:\n%s", ref.String())
	}
	s.Inner.Workers = 0
	if err := config.Validate(s); err == nil {
		t.Error("Validate accepted 0 workers")
	}
}
