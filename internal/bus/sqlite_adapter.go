package bus

import (
	"database/sql"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	wsql "github.com/ThreeDotsLabs/watermill-sql/v4/pkg/sql"
	"github.com/ThreeDotsLabs/watermill/message"
)

// SQLiteSchema is a watermill-sql SchemaAdapter for SQLite: one table per
// topic ("watermill_<topic>") whose AUTOINCREMENT rowid is the offset.
//
// SQLite runs one write transaction at a time, so offsets become visible in
// commit order and a plain "offset > last acked" query never skips a row
// that commits late (the problem PostgreSQL's adapter solves with
// transaction ids). AUTOINCREMENT keeps offsets from being reused after rows
// are deleted.
type SQLiteSchema struct {
	// BatchSize is how many messages one subscriber transaction reads; the
	// offsets of all handled messages commit together. Zero means 100.
	BatchSize int
}

var _ wsql.SchemaAdapter = SQLiteSchema{}

// MessagesTable returns the quoted table name of a topic.
func (SQLiteSchema) MessagesTable(topic string) string {
	return quoteIdent("watermill_" + topic)
}

// SchemaInitializingQueries implements wsql.SchemaAdapter.
func (s SQLiteSchema) SchemaInitializingQueries(p wsql.SchemaInitializingQueriesParams) ([]wsql.Query, error) {
	return []wsql.Query{{Query: `CREATE TABLE IF NOT EXISTS ` + s.MessagesTable(p.Topic) + ` (
		"offset"   INTEGER PRIMARY KEY AUTOINCREMENT,
		uuid       TEXT NOT NULL,
		created_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
		payload    BLOB,
		metadata   TEXT
	)`}}, nil
}

// InsertQuery implements wsql.SchemaAdapter. created_at is set here (the
// same text the column default would give): SQLite's strftime cost more
// per row than the rest of the insert's encoding.
func (s SQLiteSchema) InsertQuery(p wsql.InsertQueryParams) (wsql.Query, error) {
	var b strings.Builder
	b.WriteString("INSERT INTO " + s.MessagesTable(p.Topic) + " (uuid, payload, metadata, created_at) VALUES ")
	args := make([]any, 0, 4*len(p.Msgs))
	now := time.Now().UTC().Format(createdAtLayout)
	for i, m := range p.Msgs {
		if i > 0 {
			b.WriteByte(',')
		}
		fmt.Fprintf(&b, "($%d,$%d,$%d,$%d)", 4*i+1, 4*i+2, 4*i+3, 4*i+4)
		args = append(args, m.UUID, []byte(m.Payload), string(appendMetadata(nil, m.Metadata)), now)
	}
	return wsql.Query{Query: b.String(), Args: args}, nil
}

// createdAtLayout is strftime('%Y-%m-%dT%H:%M:%fZ') in Go.
const createdAtLayout = "2006-01-02T15:04:05.000Z"

// appendMetadata appends the JSON object of m, keys sorted, as
// encoding/json would write it (HTML characters aside, which need no
// escaping here), without its reflection: this runs for every published
// message.
func appendMetadata(dst []byte, m message.Metadata) []byte {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	dst = append(dst, '{')
	for i, k := range keys {
		if i > 0 {
			dst = append(dst, ',')
		}
		dst = appendJSONString(dst, k)
		dst = append(dst, ':')
		dst = appendJSONString(dst, m[k])
	}
	return append(dst, '}')
}

// decodeMetadata decodes the JSON object s into the empty map m. The
// objects appendMetadata writes without escapes (nearly all) are split
// directly; anything else goes through encoding/json, which gives the same
// entries or error.
func decodeMetadata(m message.Metadata, s string) error {
	if decodeFlatMetadata(m, s) {
		return nil
	}
	clear(m)
	return json.Unmarshal([]byte(s), &m)
}

// decodeFlatMetadata decodes s when it is {"k":"v",...} with neither
// whitespace nor escapes, and reports whether it did.
func decodeFlatMetadata(m message.Metadata, s string) bool {
	if len(s) < 2 || s[0] != '{' || s[len(s)-1] != '}' || strings.IndexByte(s, '\\') >= 0 {
		return false
	}
	for rest := s[1 : len(s)-1]; rest != ""; {
		k, after, ok := cutJSONString(rest)
		if !ok || after == "" || after[0] != ':' {
			return false
		}
		v, after, ok := cutJSONString(after[1:])
		if !ok {
			return false
		}
		m[k] = v
		if after == "" {
			break
		}
		if after[0] != ',' || len(after) == 1 {
			return false
		}
		rest = after[1:]
	}
	return true
}

// cutJSONString cuts the leading JSON string (without escapes) off s.
// Control characters and invalid UTF-8, which encoding/json rejects or
// replaces, are left to it.
func cutJSONString(s string) (str, rest string, ok bool) {
	if s == "" || s[0] != '"' {
		return "", "", false
	}
	end := strings.IndexByte(s[1:], '"')
	if end < 0 {
		return "", "", false
	}
	str = s[1 : 1+end]
	for i := 0; i < len(str); i++ {
		if str[i] < 0x20 {
			return "", "", false
		}
	}
	if !utf8.ValidString(str) {
		return "", "", false
	}
	return str, s[2+end:], true
}

// appendJSONString appends s as a JSON string; invalid UTF-8 becomes
// U+FFFD, as with encoding/json.
func appendJSONString(dst []byte, s string) []byte {
	const hex = "0123456789abcdef"
	dst = append(dst, '"')
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			switch {
			case c == '"' || c == '\\':
				dst = append(dst, '\\', c)
			case c == '\n':
				dst = append(dst, '\\', 'n')
			case c == '\r':
				dst = append(dst, '\\', 'r')
			case c == '\t':
				dst = append(dst, '\\', 't')
			case c < 0x20:
				dst = append(dst, '\\', 'u', '0', '0', hex[c>>4], hex[c&0xf])
			default:
				dst = append(dst, c)
			}
			i++
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			dst = append(dst, `\ufffd`...)
		} else {
			dst = append(dst, s[i:i+size]...)
		}
		i += size
	}
	return append(dst, '"')
}

// SelectQuery implements wsql.SchemaAdapter.
func (s SQLiteSchema) SelectQuery(p wsql.SelectQueryParams) (wsql.Query, error) {
	next, err := p.OffsetsAdapter.NextOffsetQuery(wsql.NextOffsetQueryParams{
		Topic: p.Topic, ConsumerGroup: p.ConsumerGroup,
	})
	if err != nil {
		return wsql.Query{}, err
	}
	batch := s.BatchSize
	if batch <= 0 {
		batch = 100
	}
	q := `SELECT "offset", uuid, payload, metadata FROM ` + s.MessagesTable(p.Topic) +
		` WHERE "offset" > COALESCE((` + next.Query + `), 0) ORDER BY "offset" LIMIT ` + fmt.Sprint(batch)
	return wsql.Query{Query: q, Args: next.Args}, nil
}

// UnmarshalMessage implements wsql.SchemaAdapter.
func (SQLiteSchema) UnmarshalMessage(p wsql.UnmarshalMessageParams) (wsql.Row, error) {
	var (
		r    wsql.Row
		id   string
		meta sql.NullString
	)
	if err := p.Row.Scan(&r.Offset, &id, &r.Payload, &meta); err != nil {
		return wsql.Row{}, fmt.Errorf("scan message row: %w", err)
	}
	r.UUID = []byte(id)
	msg := message.NewMessage(id, r.Payload)
	if meta.Valid && meta.String != "" {
		if err := decodeMetadata(msg.Metadata, meta.String); err != nil {
			return wsql.Row{}, fmt.Errorf("decode metadata of %s: %w", id, err)
		}
		r.Metadata = []byte(meta.String)
	}
	r.Msg = msg
	return r, nil
}

// SubscribeIsolationLevel implements wsql.SchemaAdapter. SQLite transactions
// are serializable anyway; the write lock is taken at BEGIN (store opens
// SQLite with _txlock=immediate).
func (SQLiteSchema) SubscribeIsolationLevel() sql.IsolationLevel { return sql.LevelDefault }

// SQLiteOffsets is a watermill-sql OffsetsAdapter for SQLite: one row per
// consumer group in "watermill_offsets_<topic>" holding the last acked
// offset. The subscriber's transaction holds SQLite's write lock, so two
// subscribers of one group never read the same rows.
type SQLiteOffsets struct{}

var _ wsql.OffsetsAdapter = SQLiteOffsets{}

// OffsetsTable returns the quoted offsets table name of a topic.
func (SQLiteOffsets) OffsetsTable(topic string) string {
	return quoteIdent("watermill_offsets_" + topic)
}

// SchemaInitializingQueries implements wsql.OffsetsAdapter.
func (a SQLiteOffsets) SchemaInitializingQueries(p wsql.OffsetsSchemaInitializingQueriesParams) ([]wsql.Query, error) {
	return []wsql.Query{{Query: `CREATE TABLE IF NOT EXISTS ` + a.OffsetsTable(p.Topic) + ` (
		consumer_group TEXT NOT NULL PRIMARY KEY,
		offset_acked   INTEGER NOT NULL DEFAULT 0
	)`}}, nil
}

// AckMessageQuery implements wsql.OffsetsAdapter.
func (a SQLiteOffsets) AckMessageQuery(p wsql.AckMessageQueryParams) (wsql.Query, error) {
	return wsql.Query{
		Query: `INSERT INTO ` + a.OffsetsTable(p.Topic) + ` (consumer_group, offset_acked) VALUES ($1, $2)
			ON CONFLICT (consumer_group) DO UPDATE SET offset_acked = excluded.offset_acked`,
		Args: []any{p.ConsumerGroup, p.LastRow.Offset},
	}, nil
}

// ConsumedMessageQuery implements wsql.OffsetsAdapter; SQLite needs none.
func (SQLiteOffsets) ConsumedMessageQuery(wsql.ConsumedMessageQueryParams) (wsql.Query, error) {
	return wsql.Query{}, nil
}

// NextOffsetQuery implements wsql.OffsetsAdapter. It yields the last acked
// offset of the group (no row when the group never acked).
func (a SQLiteOffsets) NextOffsetQuery(p wsql.NextOffsetQueryParams) (wsql.Query, error) {
	return wsql.Query{
		Query: `SELECT offset_acked FROM ` + a.OffsetsTable(p.Topic) + ` WHERE consumer_group = $1`,
		Args:  []any{p.ConsumerGroup},
	}, nil
}

// BeforeSubscribingQueries implements wsql.OffsetsAdapter. It needs none:
// a group without a row reads from offset 0 and the ack upserts the row,
// and the subscriber's transaction holds SQLite's write lock, so no row has
// to exist to be locked (unlike PostgreSQL's FOR UPDATE). Skipping it also
// lets a subscriber start while another one holds the lock.
func (SQLiteOffsets) BeforeSubscribingQueries(wsql.BeforeSubscribingQueriesParams) ([]wsql.Query, error) {
	return nil, nil
}

// quoteIdent quotes a SQL identifier; topic names are validated by
// watermill-sql to [A-Za-z0-9-$:._], so no quote can occur inside.
func quoteIdent(s string) string { return `"` + s + `"` }
