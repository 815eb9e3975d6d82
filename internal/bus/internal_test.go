package bus

import (
	"context"
	"encoding/json"
	"maps"
	"testing"
	"time"

	"github.com/ThreeDotsLabs/watermill/message"
	"github.com/google/uuid"

	"github.com/hule-dev/hule/internal/events"
)

func TestBackoff(t *testing.T) {
	tests := []struct {
		attempt int
		want    time.Duration
	}{
		{1, 100 * time.Millisecond},
		{2, 200 * time.Millisecond},
		{3, 400 * time.Millisecond},
		{5, time.Second},
		{50, time.Second},
	}
	for _, tt := range tests {
		if got := backoff(100*time.Millisecond, time.Second, tt.attempt); got != tt.want {
			t.Errorf("backoff(attempt %d) = %s, want %s", tt.attempt, got, tt.want)
		}
	}
}

type keyBase struct {
	EntityID string `json:"entity_id"`
}

type keyed struct {
	keyBase
	EssayID *string `json:"essay_id"`
	BatchID string  `json:"batch_id"`
}

func TestPartitionKey(t *testing.T) {
	essay := "e1"
	tests := []struct {
		name string
		out  Outgoing
		want string
	}{
		{"batch first", Event(events.NewEnvelope("t.v1", "s", uuid.New(), keyed{keyBase{"x"}, &essay, "b1"})), "b1"},
		{"essay without batch", Event(events.NewEnvelope("t.v1", "s", uuid.New(), keyed{keyBase{"x"}, &essay, ""})), "e1"},
		{"embedded entity", Event(events.NewEnvelope("t.v1", "s", uuid.New(), keyed{keyBase: keyBase{"x"}})), "x"},
		{"pointer data", Event(events.NewEnvelope("t.v1", "s", uuid.New(), &keyed{BatchID: "b2"})), "b2"},
		{"no key fields", Event(events.NewEnvelope("t.v1", "s", uuid.New(), map[string]string{"batch_id": "m"})), ""},
		{"explicit", Event(events.NewEnvelope("t.v1", "s", uuid.New(), keyed{BatchID: "b1"})).WithKey("k"), "k"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			msg, err := tt.out.encode(context.Background())
			if err != nil {
				t.Fatal(err)
			}
			if got := msg.Metadata.Get(MetaPartitionKey); got != tt.want {
				t.Errorf("partition key = %q, want %q", got, tt.want)
			}
			if got := msg.Metadata.Get(MetaEventType); got != "t.v1" {
				t.Errorf("event type = %q, want t.v1", got)
			}
			if msg.UUID != tt.out.EventID().String() {
				t.Errorf("message id %s != event id %s", msg.UUID, tt.out.EventID())
			}
		})
	}
}

func TestWithMetaCopies(t *testing.T) {
	base := Event(events.NewEnvelope("t.v1", "s", uuid.New(), keyed{BatchID: "b1"}))
	withUser := base.WithMeta(events.MetaUserID, "u1")
	other := EventWithMeta(base, events.MetaUserID, "u2")
	for _, tt := range []struct {
		name string
		out  Outgoing
		want string
	}{{"base", base, ""}, {"u1", withUser, "u1"}, {"u2", other, "u2"}} {
		if got := tt.out.env.MetaString(events.MetaUserID); got != tt.want {
			t.Errorf("%s: user_id = %q, want %q", tt.name, got, tt.want)
		}
	}
	if withUser.key != "b1" || withUser.EventID() != base.EventID() {
		t.Errorf("WithMeta lost key or id: %q %s", withUser.key, withUser.EventID())
	}
}

func TestAppendMetadata(t *testing.T) {
	tests := []struct {
		name string
		in   message.Metadata
		want message.Metadata // after a JSON round trip
	}{
		{"empty", message.Metadata{}, message.Metadata{}},
		{"plain", message.Metadata{"b": "2", "a": "1"}, message.Metadata{"a": "1", "b": "2"}},
		{"escapes", message.Metadata{"q\"k": "a\\b\n\r\t\x01<&>", "u": "åäö ✓ \u2028"}, message.Metadata{"q\"k": "a\\b\n\r\t\x01<&>", "u": "åäö ✓ \u2028"}},
		{"invalid utf-8", message.Metadata{"k": "a\xffb"}, message.Metadata{"k": "a\ufffdb"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b := appendMetadata(nil, tt.in)
			var got message.Metadata
			if err := json.Unmarshal(b, &got); err != nil {
				t.Fatalf("decode %s: %v", b, err)
			}
			if !maps.Equal(got, tt.want) {
				t.Errorf("round trip of %q = %q, want %q", tt.in, got, tt.want)
			}
			std, _ := json.Marshal(tt.in)
			if tt.name == "plain" && string(b) != string(std) {
				t.Errorf("encoded %s, encoding/json gives %s", b, std)
			}
		})
	}
}

// TestDecodeMetadata compares decodeMetadata with encoding/json on what
// appendMetadata writes and on objects it does not write.
func TestDecodeMetadata(t *testing.T) {
	inputs := []string{
		`{}`,
		`{"a":"1","b":"2"}`,
		`{"traceparent":"00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01","u":"åäö ✓"}`,
		`{"a":"x:y,z","b":"{}"}`,
		`{"a":"1","a":"2"}`,
		`{"q\"k":"a\\b\n"}`,
		`{"k":"a` + "\xff" + `b"}`,
		`{"k":"a` + "\x01" + `b"}`,
		`{ "a" : "1" }`,
		`{"a":1}`,
		`{"a":"1",}`,
		`{"a":"1"`,
		`{"a"}`,
		`null`,
		`[]`,
	}
	for _, s := range append(inputs, string(appendMetadata(nil, message.Metadata{"k": "<&>", "e": ""}))) {
		want := message.Metadata{}
		wantErr := json.Unmarshal([]byte(s), &want)
		if want == nil {
			want = message.Metadata{}
		}
		got := message.Metadata{}
		err := decodeMetadata(got, s)
		if (err != nil) != (wantErr != nil) {
			t.Errorf("%q: error %v, encoding/json says %v", s, err, wantErr)
			continue
		}
		if err == nil && !maps.Equal(got, want) {
			t.Errorf("%q: decoded %q, encoding/json gives %q", s, got, want)
		}
	}
}
