package gateway_test

import (
	"context"
	"encoding/json"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"
	"github.com/google/uuid"

	"github.com/hule-dev/hule/internal/bus"
	"github.com/hule-dev/hule/internal/events"
	"github.com/hule-dev/hule/internal/gateway"
)

// capture records the handler a gateway registers.
type capture struct {
	topic string
	h     bus.Handler
}

func (c *capture) Handle(_, topic string, h bus.Handler) { c.topic, c.h = topic, h }

func notification(t *testing.T, user, batch string, age time.Duration) events.Raw {
	t.Helper()
	payload, err := events.NewObject(map[string]any{"phase": "spellcheck", "done": 3, "total": 5})
	if err != nil {
		t.Fatal(err)
	}
	env := events.NewEnvelope(events.TopicTeacherNotificationRequested, "test", uuid.New(), events.TeacherNotificationRequestedV1{
		TeacherID: user, NotificationType: "phase_progress", Category: "batch_progress", Priority: "standard",
		Payload: payload, CorrelationID: uuid.NewString(), BatchID: &batch, Timestamp: events.Now(),
	})
	env.EventTimestamp = events.AsTime(time.Now().Add(-age))
	b, err := events.Marshal(env)
	if err != nil {
		t.Fatal(err)
	}
	raw, err := events.DecodeRaw(b)
	if err != nil {
		t.Fatal(err)
	}
	return raw
}

// dial opens a WebSocket; the handshake response has no body to read.
func dial(ctx context.Context, url string) (*websocket.Conn, error) {
	conn, resp, err := websocket.Dial(ctx, url, nil)
	if resp != nil && resp.Body != nil {
		_ = resp.Body.Close()
	}
	return conn, err
}

func TestWebSocketNotifications(t *testing.T) {
	cfg := gateway.DefaultConfig()
	cfg.Tokens = []string{"tok-a=alice", "tok-b=bob"}
	cfg.WSBuffer = 2
	hub := gateway.NewHub(cfg.WSBuffer)
	g, err := gateway.New(cfg, http.NewServeMux(), hub, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(g.Handler())
	defer srv.Close()
	var reg capture
	g.Register(&reg, gateway.Group)
	if reg.topic != events.TopicTeacherNotificationRequested {
		t.Fatalf("registered for %q", reg.topic)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	wsURL := "ws" + strings.TrimPrefix(srv.URL, "http") + "/v1/ws"

	_, resp, err := websocket.Dial(ctx, wsURL, nil)
	if resp != nil && resp.Body != nil {
		resp.Body.Close()
	}
	if err == nil || resp == nil || resp.StatusCode != http.StatusUnauthorized {
		t.Fatalf("dial without token: err=%v resp=%v, want 401", err, resp)
	}
	conn, err := dial(ctx, wsURL+"?access_token=tok-a")
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = conn.CloseNow() }()
	read := func() gateway.Notification {
		t.Helper()
		_, b, err := conn.Read(ctx)
		if err != nil {
			t.Fatal(err)
		}
		var n gateway.Notification
		if err := json.Unmarshal(b, &n); err != nil {
			t.Fatal(err)
		}
		return n
	}
	if n := read(); n.Type != "connected" {
		t.Fatalf("first message %+v", n)
	}
	for hub.Clients("alice") == 0 {
		time.Sleep(10 * time.Millisecond)
	}
	// Bob's notification and a stale one must not reach Alice.
	for _, raw := range []events.Raw{notification(t, "bob", "b-1", 0), notification(t, "alice", "b-old", time.Hour), notification(t, "alice", "b-2", 0)} {
		if err := reg.h(ctx, nil, raw); err != nil {
			t.Fatal(err)
		}
	}
	n := read()
	if n.Type != "phase_progress" || n.BatchID != "b-2" || n.Payload["done"] != float64(3) {
		t.Errorf("got %+v, want alice's b-2 progress", n)
	}
}

func TestHubDropsSlowClients(t *testing.T) {
	hub := gateway.NewHub(2)
	if d, x := hub.Publish("nobody", []byte("{}")); d != 0 || x != 0 {
		t.Fatalf("publish to nobody: %d delivered %d dropped", d, x)
	}
	cfg := gateway.DefaultConfig()
	cfg.Tokens = []string{"tok=carol"}
	cfg.WSBuffer = 2
	g, err := gateway.New(cfg, http.NewServeMux(), hub, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(g.Handler())
	defer srv.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	conn, err := dial(ctx, "ws"+strings.TrimPrefix(srv.URL, "http")+"/v1/ws?access_token=tok")
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = conn.CloseNow() }()
	for hub.Clients("carol") == 0 {
		time.Sleep(10 * time.Millisecond)
	}
	// The client reads nothing; the server's writer drains the buffer only
	// as fast as the socket takes it, so a flood overflows the buffer and
	// the client is dropped while Publish never blocks.
	big := []byte(`{"type":"x","payload":{"pad":"` + strings.Repeat("p", 64<<10) + `"}}`)
	dropped := 0
	for i := 0; i < 10000 && dropped == 0; i++ {
		_, dropped = hub.Publish("carol", big)
	}
	if dropped != 1 || hub.Clients("carol") != 0 {
		t.Fatalf("dropped %d, clients left %d: want the slow client dropped", dropped, hub.Clients("carol"))
	}
}
