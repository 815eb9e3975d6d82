package fault_test

import (
	"errors"
	"fmt"
	"testing"

	"github.com/hule-dev/hule/internal/fault"
)

type typed struct{ perm bool }

func (t typed) Error() string   { return "typed" }
func (t typed) Permanent() bool { return t.perm }

func TestIsPermanent(t *testing.T) {
	base := errors.New("boom")
	tests := []struct {
		name string
		err  error
		want bool
	}{
		{"nil", nil, false},
		{"plain", base, false},
		{"marked", fault.Permanent(base), true},
		{"wrapped mark", fmt.Errorf("handle: %w", fault.Permanent(base)), true},
		{"typed permanent", fmt.Errorf("decode: %w", typed{perm: true}), true},
		{"typed transient", typed{perm: false}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := fault.IsPermanent(tt.err); got != tt.want {
				t.Errorf("IsPermanent(%v) = %v, want %v", tt.err, got, tt.want)
			}
		})
	}
	if fault.Permanent(nil) != nil {
		t.Error("Permanent(nil) != nil")
	}
	if !errors.Is(fault.Permanent(base), base) {
		t.Error("Permanent hides the wrapped error from errors.Is")
	}
}
