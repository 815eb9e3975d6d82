package gateway

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"net/http"
	"sync"
	"time"

	"github.com/coder/websocket"

	"github.com/hule-dev/hule/internal/bus"
	"github.com/hule-dev/hule/internal/events"
	"github.com/hule-dev/hule/internal/fault"
	"github.com/hule-dev/hule/internal/httpapi"
)

// Hub fans notifications out to the WebSocket clients of each user. Every
// client has a bounded buffer; a client whose buffer is full is dropped (its
// connection closed), so a slow reader can never hold up the hub, the bus
// handler feeding it, or other clients.
type Hub struct {
	mu      sync.Mutex
	clients map[string]map[*client]struct{}
	buffer  int
}

type client struct {
	send    chan []byte
	dropped chan struct{}
	once    sync.Once
}

func (c *client) drop() { c.once.Do(func() { close(c.dropped) }) }

// NewHub returns a hub whose clients buffer up to buffer messages.
func NewHub(buffer int) *Hub {
	return &Hub{clients: map[string]map[*client]struct{}{}, buffer: max(buffer, 1)}
}

func (h *Hub) subscribe(user string) *client {
	c := &client{send: make(chan []byte, h.buffer), dropped: make(chan struct{})}
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.clients[user] == nil {
		h.clients[user] = map[*client]struct{}{}
	}
	h.clients[user][c] = struct{}{}
	return c
}

func (h *Hub) unsubscribe(user string, c *client) {
	h.mu.Lock()
	defer h.mu.Unlock()
	delete(h.clients[user], c)
	if len(h.clients[user]) == 0 {
		delete(h.clients, user)
	}
}

// Publish queues msg for every client of user without blocking; it returns
// how many clients got it and how many were dropped for being too slow.
func (h *Hub) Publish(user string, msg []byte) (delivered, dropped int) {
	h.mu.Lock()
	defer h.mu.Unlock()
	for c := range h.clients[user] {
		select {
		case c.send <- msg:
			delivered++
		default:
			c.drop()
			delete(h.clients[user], c)
			dropped++
		}
	}
	return delivered, dropped
}

// Clients returns how many clients user has connected.
func (h *Hub) Clients(user string) int {
	h.mu.Lock()
	defer h.mu.Unlock()
	return len(h.clients[user])
}

// serveWS upgrades an authenticated request to a WebSocket that receives
// the user's notifications as JSON text messages.
func (g *Gateway) serveWS(w http.ResponseWriter, r *http.Request) {
	user := httpapi.UserID(r.Context())
	conn, err := websocket.Accept(w, r, &websocket.AcceptOptions{OriginPatterns: g.cfg.CORSOrigins})
	if err != nil {
		return // Accept has answered the client
	}
	defer func() { _ = conn.CloseNow() }()
	c := g.hub.subscribe(user)
	defer g.hub.unsubscribe(user, c)
	// The client sends nothing we need; CloseRead handles its control
	// frames and cancels ctx when it goes away.
	ctx := conn.CloseRead(r.Context())
	ping := time.NewTicker(g.cfg.WSPingEvery)
	defer ping.Stop()
	hello, _ := json.Marshal(Notification{Type: "connected", Category: "system_alerts", Timestamp: events.Now()})
	if err := writeMsg(ctx, conn, hello); err != nil {
		return
	}
	for {
		select {
		case <-ctx.Done():
			return
		case <-c.dropped:
			_ = conn.Close(websocket.StatusPolicyViolation, "too slow: notifications dropped")
			return
		case msg := <-c.send:
			if err := writeMsg(ctx, conn, msg); err != nil {
				return
			}
		case <-ping.C:
			pctx, cancel := context.WithTimeout(ctx, 10*time.Second)
			err := conn.Ping(pctx)
			cancel()
			if err != nil {
				return
			}
		}
	}
}

func writeMsg(ctx context.Context, conn *websocket.Conn, msg []byte) error {
	wctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	return conn.Write(wctx, websocket.MessageText, msg)
}

// Notification is what a WebSocket client receives.
type Notification struct {
	Type      string         `json:"type"`
	Category  string         `json:"category"`
	Priority  string         `json:"priority,omitempty"`
	BatchID   string         `json:"batch_id,omitempty"`
	Payload   map[string]any `json:"payload,omitempty"`
	Timestamp events.Time    `json:"timestamp"`
}

// maxNotificationAge drops notifications older than this when they reach
// the gateway, so that a new gateway consumer that starts at the beginning
// of the topic does not replay history to live clients.
const maxNotificationAge = 2 * time.Minute

// Registrar is the part of the bus the gateway registers its handler with.
type Registrar interface {
	Handle(consumerGroup, topic string, h bus.Handler)
}

// Register subscribes the gateway to teacher notifications under group
// (Group, or a per-process group when several gateways run).
func (g *Gateway) Register(r Registrar, group string) {
	r.Handle(group, events.TopicTeacherNotificationRequested, g.handleNotification)
}

func (g *Gateway) handleNotification(ctx context.Context, _ *sql.Tx, ev events.Raw) error {
	n, err := events.DecodeData[events.TeacherNotificationRequestedV1](ev)
	if err != nil {
		return err
	}
	if time.Since(ev.EventTimestamp.Time) > maxNotificationAge {
		return nil
	}
	out := Notification{
		Type:      n.NotificationType,
		Category:  string(n.Category),
		Priority:  string(n.Priority),
		Timestamp: n.Timestamp,
	}
	if n.BatchID != nil {
		out.BatchID = *n.BatchID
	}
	if len(n.Payload) > 0 {
		if err := json.Unmarshal(n.Payload, &out.Payload); err != nil {
			return fault.Permanent(fmt.Errorf("notification payload: %w", err))
		}
	}
	b, err := json.Marshal(out)
	if err != nil {
		return err
	}
	delivered, dropped := g.hub.Publish(n.TeacherID, b)
	if dropped > 0 {
		g.log.WarnContext(ctx, "slow websocket clients dropped", "user_id", n.TeacherID, "dropped", dropped, "delivered", delivered)
	}
	return nil
}
