package events

import (
	"encoding/json"
	"testing"
	"time"
)

func TestTimeWireForm(t *testing.T) {
	tests := []struct {
		name string
		in   time.Time
		want string
	}{
		{"whole seconds", time.Date(2025, 1, 1, 12, 0, 0, 0, time.UTC), `"2025-01-01T12:00:00Z"`},
		{"micros", time.Date(2025, 1, 1, 12, 0, 0, 123456000, time.UTC), `"2025-01-01T12:00:00.123456Z"`},
		{"offset becomes UTC", time.Date(2025, 1, 1, 14, 0, 0, 0, time.FixedZone("CEST", 2*3600)), `"2025-01-01T12:00:00Z"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b, err := json.Marshal(AsTime(tt.in))
			if err != nil {
				t.Fatal(err)
			}
			if string(b) != tt.want {
				t.Errorf("got %s, want %s", b, tt.want)
			}
			var back Time
			if err := json.Unmarshal(b, &back); err != nil {
				t.Fatal(err)
			}
			if !back.Equal(tt.in.Truncate(time.Microsecond)) {
				t.Errorf("round trip: got %v, want %v", back, tt.in)
			}
		})
	}
}

func TestTimeDecodeRejects(t *testing.T) {
	for _, in := range []string{`12`, `"yesterday"`, `"2025-13-01T00:00:00Z"`, `{}`} {
		var v Time
		if err := json.Unmarshal([]byte(in), &v); err == nil {
			t.Errorf("Unmarshal(%s) accepted %v", in, v)
		}
	}
	var v Time
	if err := json.Unmarshal([]byte(`"2025-01-01T12:00:00+02:00"`), &v); err != nil || v.Hour() != 10 {
		t.Errorf("offset time: got %v, %v", v, err)
	}
}
