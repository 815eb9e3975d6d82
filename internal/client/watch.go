package client

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"time"

	"github.com/coder/websocket"
)

// Notification is one live notification pushed over the WebSocket: what
// happened (Type, for example "batch_phase_progress" or
// "batch_results_ready"), its category and priority, the batch it is
// about and the producer's details in Payload.
type Notification struct {
	Type      string          `json:"type"`
	Category  string          `json:"category"`
	Priority  string          `json:"priority,omitempty"`
	BatchID   string          `json:"batch_id,omitempty"`
	Payload   json.RawMessage `json:"payload,omitempty"`
	Timestamp time.Time       `json:"timestamp"`
}

// DecodePayload decodes the notification's payload into v.
func (n Notification) DecodePayload(v any) error {
	if len(n.Payload) == 0 {
		return fmt.Errorf("notification %s has no payload", n.Type)
	}
	if err := json.Unmarshal(n.Payload, v); err != nil {
		return fmt.Errorf("notification %s payload: %w", n.Type, err)
	}
	return nil
}

// Watcher receives the live notifications of one WebSocket connection.
type Watcher struct {
	conn    *websocket.Conn
	batchID string
}

// ErrWatchClosed is returned by Next after Close or when the server ended
// the connection normally.
var ErrWatchClosed = errors.New("notification stream closed")

// maxNotification bounds one notification message.
const maxNotification = 1 << 20

// Watch opens the WebSocket of live notifications (GET /v1/ws). When
// batchID is not empty, Next yields only that batch's notifications;
// otherwise every notification of the token's user, the server's
// "connected" greeting included. Watch returns once the connection is
// open, so notifications of work requested afterwards are not missed.
func (c *Client) Watch(ctx context.Context, batchID string) (*Watcher, error) {
	u := *c.base
	switch u.Scheme {
	case "https":
		u.Scheme = "wss"
	default:
		u.Scheme = "ws"
	}
	u.Path = c.base.Path + "/v1/ws"
	hdr := http.Header{}
	hdr.Set("Authorization", "Bearer "+c.token)
	// The dial is one short handshake; a client-wide timeout would also
	// end the stream, so the dial gets its own HTTP client.
	conn, resp, err := websocket.Dial(ctx, u.String(), &websocket.DialOptions{
		HTTPClient: &http.Client{Transport: c.http.Transport},
		HTTPHeader: hdr,
	})
	if err != nil {
		if resp != nil && resp.StatusCode >= 400 {
			apiErr := decodeError(resp)
			_ = resp.Body.Close()
			return nil, fmt.Errorf("watch: %w", apiErr)
		}
		return nil, fmt.Errorf("watch: %w", err)
	}
	conn.SetReadLimit(maxNotification)
	return &Watcher{conn: conn, batchID: batchID}, nil
}

// Next blocks until the next notification, ctx ends or the connection
// breaks. A normally closed stream is ErrWatchClosed; a server that drops
// a too slow client closes with a policy violation, which is an error.
// Canceling ctx closes the connection (the WebSocket library cannot
// abandon a read half-way), so pass the context of the whole watch.
func (w *Watcher) Next(ctx context.Context) (Notification, error) {
	for {
		typ, b, err := w.conn.Read(ctx)
		if err != nil {
			if s := websocket.CloseStatus(err); s == websocket.StatusNormalClosure || s == websocket.StatusGoingAway {
				return Notification{}, ErrWatchClosed
			}
			return Notification{}, fmt.Errorf("watch: %w", err)
		}
		if typ != websocket.MessageText {
			continue
		}
		var n Notification
		if err := json.Unmarshal(b, &n); err != nil {
			return Notification{}, fmt.Errorf("watch: malformed notification: %w", err)
		}
		if w.batchID != "" && n.BatchID != w.batchID {
			continue
		}
		return n, nil
	}
}

// Close ends the connection.
func (w *Watcher) Close() error {
	if err := w.conn.Close(websocket.StatusNormalClosure, ""); err != nil {
		// The server may already be gone (a platform shutting down);
		// the connection is released either way.
		_ = w.conn.CloseNow()
	}
	return nil
}
