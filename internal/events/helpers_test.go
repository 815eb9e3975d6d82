package events

import (
	"fmt"
	"regexp"
	"testing"
)

func typeName(v any) string { return fmt.Sprintf("%T", v) }

func mustRegexp(t *testing.T, expr string) *regexp.Regexp {
	t.Helper()
	return regexp.MustCompile(expr)
}
