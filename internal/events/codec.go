package events

import (
	"bytes"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"math"
	"math/bits"
	"reflect"
	"strconv"
	"strings"
	"sync"
	"unicode/utf8"
	"unsafe"

	"github.com/go-json-experiment/json"
	"github.com/go-json-experiment/json/jsontext"
	"github.com/google/uuid"
)

// The codec reads and writes event JSON in one pass driven by the compiled
// contract (node) of the Go type: while decoding it checks every constraint,
// notices what decoding into a struct hides (a missing field, a string where
// a number belongs), names the path of each violation, and fills the Go
// value. Rarely used shapes (free-form maps, metadata values) go through
// the json v2 library. See docs/decisions/0001-json.md.

// maxDepth bounds nesting so hostile input cannot exhaust the stack.
const maxDepth = 512

type seg struct {
	name  string
	index int // -1 for a name
}

type codec struct {
	b     []byte
	i     int
	depth int
	path  []seg
	errs  []Violation
	root  string
	tmp   []byte
	arena []byte // see copyString
	ws    bool   // whitespace between tokens was skipped (see compact)
	short map[string]string

	eventType   string // the envelope's event_type, once seen
	dataSkipped bool   // data came before event_type and was only skipped
	skippedData []byte
}

var codecs = sync.Pool{New: func() any { return new(codec) }}

func getCodec(b []byte, root string) *codec {
	c := codecs.Get().(*codec)
	c.b, c.i, c.depth, c.root = b, 0, 0, root
	return c
}

func putCodec(c *codec) {
	c.b, c.errs, c.path = nil, nil, c.path[:0]
	c.eventType, c.dataSkipped, c.skippedData = "", false, nil
	codecs.Put(c)
}

// check validates b against n without building a value.
func check(n *node, b []byte, root string) ([]Violation, error) {
	c := getCodec(b, root)
	defer putCodec(c)
	if err := c.run(n, reflect.Value{}); err != nil {
		return nil, err
	}
	return c.errs, nil
}

func (c *codec) run(n *node, v reflect.Value) error {
	if err := c.value(n, v); err != nil {
		return err
	}
	if c.peek(); c.i < len(c.b) {
		return c.syntax("data after the top-level value")
	}
	return nil
}

// SyntaxError reports malformed JSON at a byte offset.
type SyntaxError struct {
	Offset int
	Msg    string
}

func (e *SyntaxError) Error() string { return fmt.Sprintf("offset %d: %s", e.Offset, e.Msg) }

func (c *codec) syntax(msg string) error { return &SyntaxError{Offset: c.i, Msg: msg} }

func (c *codec) pathString(extra string) string {
	var b strings.Builder
	b.WriteString(c.root)
	for _, s := range c.path {
		if s.index >= 0 {
			b.WriteByte('[')
			b.WriteString(strconv.Itoa(s.index))
			b.WriteByte(']')
			continue
		}
		if b.Len() > 0 {
			b.WriteByte('.')
		}
		b.WriteString(s.name)
	}
	if extra != "" {
		if b.Len() > 0 {
			b.WriteByte('.')
		}
		b.WriteString(extra)
	}
	if b.Len() == 0 {
		return "(root)"
	}
	return b.String()
}

func (c *codec) violate(reason string) {
	if len(c.errs) < maxViolations {
		c.errs = append(c.errs, Violation{Path: c.pathString(""), Reason: reason})
	}
}

// mismatch records a value of the wrong JSON type and skips it.
func (c *codec) mismatch(want string) error {
	c.violate("must be " + want)
	_, err := c.skip()
	return err
}

// --- scanner ---

func (c *codec) peek() byte {
	for c.i < len(c.b) {
		switch ch := c.b[c.i]; ch {
		case ' ', '\t', '\n', '\r':
			c.i++
			c.ws = true
		default:
			return ch
		}
	}
	return 0
}

func (c *codec) expect(ch byte) error {
	if c.peek() != ch {
		return c.syntax(fmt.Sprintf("want %q", ch))
	}
	c.i++
	return nil
}

func (c *codec) literal(lit string) error {
	if !bytes.HasPrefix(c.b[c.i:], []byte(lit)) {
		return c.syntax("invalid literal")
	}
	c.i += len(lit)
	return nil
}

// str reads a string at c.i and returns its unescaped bytes, which point
// into the input or c.tmp and are valid until the next str call.
func (c *codec) str() ([]byte, error) {
	// The offset lives in a local while scanning, so it stays in a register.
	b, start := c.b, c.i
	i := start + 1
	escaped, high := false, false
	for i < len(b) {
		// Skip 8 plain bytes at a time: none is '"', '\\', a control
		// character or part of a multi-byte UTF-8 sequence.
		// The lowest flagged byte is always a true match, so jump to it.
		for i+8 <= len(b) {
			w := binary.LittleEndian.Uint64(b[i:])
			if m := hasLess(w, 0x20) | hasByte(w, '"') | hasByte(w, '\\') | (w & swarHigh); m != 0 {
				i += bits.TrailingZeros64(m) >> 3
				break
			}
			i += 8
		}
		if i >= len(b) {
			break
		}
		ch := b[i]
		switch {
		case ch == '"':
			i++
			c.i = i
			if escaped {
				var err error
				c.tmp, err = jsontext.AppendUnquote(c.tmp[:0], b[start:i])
				if err != nil {
					return nil, &SyntaxError{Offset: start, Msg: "invalid string: " + err.Error()}
				}
				return c.tmp, nil
			}
			s := b[start+1 : i-1]
			if high && !utf8.Valid(s) {
				return nil, &SyntaxError{Offset: start, Msg: "invalid UTF-8 in string"}
			}
			return s, nil
		case ch == '\\':
			escaped = true
			i += 2
		case ch < 0x20:
			c.i = i
			return nil, c.syntax("control character in string")
		default:
			high = high || ch >= 0x80
			i++
		}
	}
	c.i = i
	return nil, &SyntaxError{Offset: start, Msg: "unterminated string"}
}

// plainString returns the offset just past the string that starts at
// b[i] (a '"') when it is plain ASCII without escapes or control
// characters, and -1 otherwise: the caller then reads it with str. Skipping
// values (processing summaries, unknown members) needs no more.
func plainString(b []byte, i int) int {
	i++
	for i+8 <= len(b) {
		w := binary.LittleEndian.Uint64(b[i:])
		if m := hasLess(w, 0x20) | hasByte(w, '"') | hasByte(w, '\\') | (w & swarHigh); m != 0 {
			// The lowest flagged byte is a true match.
			if i += bits.TrailingZeros64(m) >> 3; b[i] == '"' {
				return i + 1
			}
			return -1
		}
		i += 8
	}
	for ; i < len(b); i++ {
		switch ch := b[i]; {
		case ch == '"':
			return i + 1
		case ch < 0x20 || ch >= 0x80 || ch == '\\':
			return -1
		}
	}
	return -1
}

const (
	swarLow  = 0x0101010101010101
	swarHigh = 0x8080808080808080
)

// hasLess reports (in the high bits) bytes of w below n, for n <= 128
// and w free of high bytes, which the caller checks separately.
func hasLess(w uint64, n byte) uint64 { return (w - swarLow*uint64(n)) & ^w & swarHigh }

// hasByte reports (in the high bits) bytes of w equal to b.
func hasByte(w uint64, b byte) uint64 { return hasLess(w^(swarLow*uint64(b)), 1) }

func isDigit(ch byte) bool { return ch >= '0' && ch <= '9' }

// number reads a JSON number and reports whether it is written as an integer.
func (c *codec) number() (raw []byte, isInt bool, err error) {
	start := c.i
	isInt = true
	if c.i < len(c.b) && c.b[c.i] == '-' {
		c.i++
	}
	digits := func() bool {
		s := c.i
		for c.i < len(c.b) && isDigit(c.b[c.i]) {
			c.i++
		}
		return c.i > s
	}
	switch {
	case c.i < len(c.b) && c.b[c.i] == '0':
		c.i++
	case !digits():
		return nil, false, c.syntax("invalid number")
	}
	if c.i < len(c.b) && c.b[c.i] == '.' {
		isInt = false
		c.i++
		if !digits() {
			return nil, false, c.syntax("invalid number")
		}
	}
	if c.i < len(c.b) && (c.b[c.i] == 'e' || c.b[c.i] == 'E') {
		isInt = false
		c.i++
		if c.i < len(c.b) && (c.b[c.i] == '+' || c.b[c.i] == '-') {
			c.i++
		}
		if !digits() {
			return nil, false, c.syntax("invalid number")
		}
	}
	return c.b[start:c.i], isInt, nil
}

// skip consumes one value of any kind and returns its bytes.
func (c *codec) skip() ([]byte, error) {
	k := c.peek()
	start := c.i
	var err error
	switch {
	case k == '"':
		_, err = c.str()
	case k == '{' || k == '[':
		end := byte('}')
		if k == '[' {
			end = ']'
		}
		if c.depth++; c.depth > maxDepth {
			return nil, c.syntax("nesting too deep")
		}
		c.i++
		if c.peek() == end {
			c.i++
		} else {
			for err == nil {
				if k == '{' {
					if c.peek() != '"' {
						return nil, c.syntax("want a member name")
					}
					if j := plainString(c.b, c.i); j >= 0 {
						c.i = j
					} else if _, err = c.str(); err != nil {
						return nil, err
					}
					if err = c.expect(':'); err != nil {
						return nil, err
					}
				}
				if c.peek() == '"' { // the common case, without the dispatch
					if j := plainString(c.b, c.i); j >= 0 {
						c.i = j
					} else {
						_, err = c.str()
					}
				} else {
					_, err = c.skip()
				}
				if err != nil {
					return nil, err
				}
				if p := c.peek(); p == ',' {
					c.i++
				} else if p == end {
					c.i++
					break
				} else {
					return nil, c.syntax("want ',' or " + string(end))
				}
			}
		}
		c.depth--
	case k == 't':
		err = c.literal("true")
	case k == 'f':
		err = c.literal("false")
	case k == 'n':
		err = c.literal("null")
	case k == '-' || isDigit(k):
		_, _, err = c.number()
	case k == 0:
		err = c.syntax("unexpected end of input")
	default:
		err = c.syntax(fmt.Sprintf("unexpected %q", k))
	}
	if err != nil {
		return nil, err
	}
	return c.b[start:c.i], nil
}

// --- decoder ---

// value checks the value at c.i against n and, when v is valid, stores it
// in v. It returns only syntax errors; violations go to c.errs.
func (c *codec) value(n *node, v reflect.Value) error {
	k := c.peek()
	if k == 0 {
		return c.syntax("unexpected end of input")
	}
	if k == 'n' {
		if err := c.literal("null"); err != nil {
			return err
		}
		if n.nullable || n.kind == kAny {
			if v.IsValid() {
				v.SetZero()
			}
			return nil
		}
		c.violate("must not be null")
		return nil
	}
	if v.IsValid() && v.Kind() == reflect.Pointer && n.kind != kAny {
		if v.IsNil() {
			v.Set(reflect.New(v.Type().Elem()))
		}
		v = v.Elem()
	}
	switch n.kind {
	case kAny:
		c.ws = false
		raw, err := c.skip()
		if err != nil || !v.IsValid() {
			return err
		}
		return setAny(v, c.keep(raw))
	case kAnyObject:
		if k != '{' {
			return c.mismatch("an object")
		}
		c.ws = false
		raw, err := c.skip()
		if err == nil && v.IsValid() {
			v.SetBytes(c.keep(raw))
		}
		return err
	case kString, kEnum, kTime, kUUID:
		if k != '"' {
			return c.mismatch("a string")
		}
		s, err := c.str()
		if err != nil {
			return err
		}
		c.stringValue(n, s, v)
		return nil
	case kInteger, kNumber:
		if k != '-' && !isDigit(k) {
			if n.kind == kInteger {
				return c.mismatch("an integer")
			}
			return c.mismatch("a number")
		}
		raw, isInt, err := c.number()
		if err != nil {
			return err
		}
		c.numberValue(n, raw, isInt, v)
		return nil
	case kBool:
		switch k {
		case 't':
			if err := c.literal("true"); err != nil {
				return err
			}
		case 'f':
			if err := c.literal("false"); err != nil {
				return err
			}
		default:
			return c.mismatch("a boolean")
		}
		if v.IsValid() {
			v.SetBool(k == 't')
		}
		return nil
	case kArray:
		if k != '[' {
			return c.mismatch("an array")
		}
		return c.array(n, v)
	case kMap:
		if k != '{' {
			return c.mismatch("an object")
		}
		return c.mapValue(n, v)
	case kStruct:
		if k != '{' {
			return c.mismatch("an object")
		}
		return c.object(n, v)
	case kDispatch:
		dn := dataNodes()[c.eventType]
		if dn == nil {
			raw, err := c.skip()
			c.dataSkipped, c.skippedData = true, raw
			return err
		}
		if !v.IsValid() {
			return c.value(dn, v)
		}
		ev := eventTypes[c.eventType]()
		if err := c.value(dn, reflect.ValueOf(ev).Elem()); err != nil {
			return err
		}
		if !v.CanAddr() {
			v.Set(reflect.ValueOf(ev))
			return nil
		}
		if p, ok := v.Addr().Interface().(*Event); ok {
			*p = ev // skips reflect's assignability check
			return nil
		}
		v.Set(reflect.ValueOf(ev))
		return nil
	}
	return fmt.Errorf("events: node kind %d", n.kind)
}

// keep returns a copy of raw, the value just skipped, without whitespace
// between tokens, so values kept as bytes re-encode like the rest.
func (c *codec) keep(raw []byte) []byte {
	if !c.ws {
		return bytes.Clone(raw)
	}
	return compact(raw)
}

// compact returns a copy of the well-formed JSON raw without whitespace
// between tokens.
func compact(raw []byte) []byte {
	out := make([]byte, 0, len(raw))
	inString := false
	for i := 0; i < len(raw); i++ {
		ch := raw[i]
		switch {
		case inString:
			out = append(out, ch)
			if ch == '\\' && i+1 < len(raw) {
				i++
				out = append(out, raw[i])
			} else if ch == '"' {
				inString = false
			}
		case ch == '"':
			inString = true
			out = append(out, ch)
		case ch == ' ' || ch == '\t' || ch == '\n' || ch == '\r':
		default:
			out = append(out, ch)
		}
	}
	return out
}

// setAny stores raw JSON in a RawValue, json.RawMessage or interface value.
// raw is already a copy the value may keep.
func setAny(v reflect.Value, raw []byte) error {
	if v.Kind() == reflect.Slice {
		if string(raw) == "null" && v.Type() == rawValueType {
			v.SetZero()
			return nil
		}
		v.SetBytes(raw)
		return nil
	}
	var x any
	if err := json.Unmarshal(raw, &x); err != nil {
		return err
	}
	if x == nil {
		v.SetZero()
		return nil
	}
	v.Set(reflect.ValueOf(x))
	return nil
}

func (c *codec) stringValue(n *node, s []byte, v reflect.Value) {
	if n.captureType {
		c.eventType = string(s)
	}
	switch n.kind {
	case kEnum:
		canon, ok := n.enum.set[string(s)]
		if !ok {
			c.violate(fmt.Sprintf("%q is not a valid %s", s, n.enum.name))
			return
		}
		if v.IsValid() {
			v.SetString(canon)
		}
		return
	case kTime:
		t, ok := quickTime(s)
		var err error
		if !ok {
			t, err = parseTime(string(s))
		}
		if err != nil {
			c.violate(fmt.Sprintf("%q is not a date-time", s))
			return
		}
		if v.IsValid() {
			*addr[Time](v) = Time{t.UTC()}
		}
		return
	case kUUID:
		u, err := uuid.ParseBytes(s)
		if err != nil {
			c.violate(fmt.Sprintf("%q is not a UUID", s))
			return
		}
		if v.IsValid() {
			*addr[uuid.UUID](v) = u
		}
		return
	}
	if n.minLen >= 0 || n.maxLen >= 0 {
		l := utf8.RuneCount(s)
		if n.minLen >= 0 && l < n.minLen {
			c.violate(fmt.Sprintf("length %d is below the minimum %d", l, n.minLen))
		}
		if n.maxLen >= 0 && l > n.maxLen {
			c.violate(fmt.Sprintf("length %d exceeds the maximum %d", l, n.maxLen))
		}
	}
	if n.pattern != nil && !n.pattern.match(string(s)) {
		c.violate(fmt.Sprintf("%q does not match %s", s, n.pattern.expr))
	}
	if v.IsValid() {
		switch {
		case n.captureType:
			v.SetString(c.eventType) // already a copy
		case len(s) <= maxInterned:
			v.SetString(c.intern(s))
		default:
			v.SetString(c.copyString(s))
		}
	}
}

// arenaChunk is the size of the blocks decoded strings are copied into:
// one allocation serves many essay ids instead of one each.
const arenaChunk = 4096

// copyString returns a string holding a copy of s. Strings share blocks
// that are only ever appended to, never rewritten, so a string stays valid
// after the codec goes back to the pool.
func (c *codec) copyString(s []byte) string {
	if len(s) == 0 || len(s) > arenaChunk/4 {
		return string(s)
	}
	if cap(c.arena)-len(c.arena) < len(s) {
		c.arena = make([]byte, 0, arenaChunk)
	}
	start := len(c.arena)
	c.arena = append(c.arena, s...)
	// The arena's bytes are never written again once a string points at
	// them (a full block is replaced, not reused), so the string stays
	// immutable as Go requires.
	return unsafe.String(&c.arena[start], len(s)) //nolint:gosec // G103: audited, see above
}

// Short strings (letter grades, entity types, statuses) repeat across the
// essays of one event and across events; sharing them saves an allocation
// each.
const (
	maxInterned  = 8
	maxInternSet = 1024
)

func (c *codec) intern(s []byte) string {
	if v, ok := c.short[string(s)]; ok {
		return v
	}
	v := string(s)
	if c.short == nil {
		c.short = make(map[string]string)
	}
	if len(c.short) < maxInternSet {
		c.short[v] = v
	}
	return v
}

func (c *codec) numberValue(n *node, raw []byte, isInt bool, v reflect.Value) {
	var f float64
	if n.kind == kInteger {
		if !isInt {
			c.violate(fmt.Sprintf("%s is not an integer", raw))
			return
		}
		x, ok := fastInt(raw)
		var err error
		if !ok {
			x, err = strconv.ParseInt(string(raw), 10, 64)
		}
		if err != nil {
			c.violate(fmt.Sprintf("%s is out of the integer range", raw))
			return
		}
		if v.IsValid() {
			v.SetInt(x)
		}
		if n.min == nil && n.max == nil && n.exclMin == nil {
			return
		}
		f = float64(x)
	} else {
		if !v.IsValid() && n.min == nil && n.max == nil && n.exclMin == nil {
			return
		}
		x, ok := fastFloat(raw)
		var err error
		if !ok {
			x, err = strconv.ParseFloat(string(raw), 64)
		}
		if err != nil {
			c.violate(fmt.Sprintf("%s is out of range", raw))
			return
		}
		if v.IsValid() {
			v.SetFloat(x)
		}
		f = x
	}
	if n.min != nil && f < *n.min {
		c.violate(fmt.Sprintf("%s is below the minimum %g", raw, *n.min))
	}
	if n.max != nil && f > *n.max {
		c.violate(fmt.Sprintf("%s exceeds the maximum %g", raw, *n.max))
	}
	if n.exclMin != nil && f <= *n.exclMin {
		c.violate(fmt.Sprintf("%s must be greater than %g", raw, *n.exclMin))
	}
}

// fastInt parses a well-formed JSON integer of at most 18 digits, which
// cannot overflow; it reports false for anything longer.
func fastInt(raw []byte) (int64, bool) {
	neg := len(raw) > 0 && raw[0] == '-'
	digits := raw
	if neg {
		digits = raw[1:]
	}
	if len(digits) == 0 || len(digits) > 18 {
		return 0, false
	}
	var x int64
	for _, ch := range digits {
		x = x*10 + int64(ch-'0')
	}
	if neg {
		x = -x
	}
	return x, true
}

// pow10 holds the powers of ten float64 represents exactly.
var pow10 = [...]float64{1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10,
	1e11, 1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22}

// fastFloat parses a well-formed JSON number whose significant digits
// fit in 2^53 and whose decimal exponent is at most 22 in size: then the
// digits and the power of ten are both exact float64 values and one
// multiplication or division rounds correctly (the same result as
// strconv.ParseFloat). It reports false for anything else.
func fastFloat(raw []byte) (float64, bool) {
	i, neg := 0, false
	if len(raw) > 0 && raw[0] == '-' {
		neg, i = true, 1
	}
	var mant uint64
	nd, exp := 0, 0
	for ; i < len(raw) && isDigit(raw[i]); i++ {
		if nd > 0 || raw[i] != '0' {
			nd++
		}
		mant = mant*10 + uint64(raw[i]-'0')
		if nd > 15 {
			return 0, false
		}
	}
	if i < len(raw) && raw[i] == '.' {
		for i++; i < len(raw) && isDigit(raw[i]); i++ {
			if nd > 0 || raw[i] != '0' {
				nd++
			}
			mant = mant*10 + uint64(raw[i]-'0')
			exp--
			if nd > 15 {
				return 0, false
			}
		}
	}
	if i < len(raw) { // an exponent: leave it to strconv
		return 0, false
	}
	if exp < -22 {
		return 0, false
	}
	f := float64(mant)
	if exp < 0 {
		f /= pow10[-exp]
	}
	if neg {
		f = -f
	}
	return f, true
}

// addr returns a pointer to v's value without boxing when v is addressable.
func addr[T any](v reflect.Value) *T {
	if v.CanAddr() {
		return v.Addr().Interface().(*T)
	}
	x := v.Interface().(T)
	return &x
}

// maxLenHint bounds the up-front allocation of a slice (see node.lenHint).
const maxLenHint = 1 << 16

func (c *codec) array(n *node, v reflect.Value) error {
	if c.depth++; c.depth > maxDepth {
		return c.syntax("nesting too deep")
	}
	c.i++
	hinted := false
	clean := 0 // elements from here on are zero already: no SetZero
	if v.IsValid() {
		v.SetLen(0)
		clean = v.Cap() // a reused slice may hold old values
		h := 0
		if n.lenHint != nil {
			h = int(n.lenHint.Load())
		}
		if h > v.Cap() && v.Kind() == reflect.Slice {
			v.Set(reflect.MakeSlice(v.Type(), 0, h))
			hinted, clean = true, 0
		}
	}
	c.path = append(c.path, seg{})
	if c.peek() == ']' {
		c.i++
	} else {
		for i := 0; ; i++ {
			c.path[len(c.path)-1].index = i
			var ev reflect.Value
			if v.IsValid() {
				if i == v.Cap() {
					// Grow into a new zeroed array (as append would).
					s := reflect.MakeSlice(v.Type(), i, max(2*i, 4))
					reflect.Copy(s, v)
					v.Set(s)
					clean = i
				}
				v.SetLen(i + 1)
				ev = v.Index(i)
				if i < clean {
					ev.SetZero()
				}
			}
			if err := c.value(n.elem, ev); err != nil {
				return err
			}
			if p := c.peek(); p == ',' {
				c.i++
			} else if p == ']' {
				c.i++
				break
			} else {
				return c.syntax("want ',' or ']'")
			}
		}
	}
	c.path = c.path[:len(c.path)-1]
	if v.IsValid() {
		l := v.Len()
		if n.lenHint != nil && int(n.lenHint.Load()) != l {
			n.lenHint.Store(int32(min(l, maxLenHint))) //nolint:gosec // G115: bounded by maxLenHint (1<<16)
		}
		switch {
		case hinted && v.Cap() > 2*l+16:
			// The hint came from a longer list: keep only what is used.
			s := reflect.MakeSlice(v.Type(), l, l)
			reflect.Copy(s, v)
			v.Set(s)
		case v.IsNil():
			v.Set(reflect.MakeSlice(v.Type(), 0, 0))
		}
	}
	c.depth--
	return nil
}

// members iterates over the members of the object at c.i, calling f with
// each name; f must consume the member's value.
func (c *codec) members(f func(name []byte) error) error {
	if c.depth++; c.depth > maxDepth {
		return c.syntax("nesting too deep")
	}
	c.i++
	if c.peek() == '}' {
		c.i++
		c.depth--
		return nil
	}
	for {
		if c.peek() != '"' {
			return c.syntax("want a member name")
		}
		name, err := c.str()
		if err != nil {
			return err
		}
		if err := c.expect(':'); err != nil {
			return err
		}
		if err := f(name); err != nil {
			return err
		}
		if p := c.peek(); p == ',' {
			c.i++
		} else if p == '}' {
			c.i++
			c.depth--
			return nil
		} else {
			return c.syntax("want ',' or '}'")
		}
	}
}

func (c *codec) mapValue(n *node, v reflect.Value) error {
	if v.IsValid() && v.IsNil() {
		v.Set(reflect.MakeMap(v.Type()))
	}
	return c.members(func(name []byte) error {
		key := string(name)
		c.path = append(c.path, seg{name: key, index: -1})
		if n.keyEnum != nil {
			if _, ok := n.keyEnum.set[key]; !ok {
				c.violate("key is not a valid " + n.keyEnum.name)
			}
		}
		var ev reflect.Value
		if v.IsValid() {
			ev = reflect.New(v.Type().Elem()).Elem()
		}
		if err := c.value(n.elem, ev); err != nil {
			return err
		}
		if v.IsValid() {
			v.SetMapIndex(reflect.ValueOf(key).Convert(v.Type().Key()), ev)
		}
		c.path = c.path[:len(c.path)-1]
		return nil
	})
}

func (c *codec) object(n *node, v reflect.Value) error {
	if c.depth++; c.depth > maxDepth {
		return c.syntax("nesting too deep")
	}
	c.i++
	var seen uint64
	next := 0 // members usually come in declaration order: try that first
	if c.peek() == '}' {
		c.i++
	} else {
		for {
			if c.peek() != '"' {
				return c.syntax("want a member name")
			}
			name, err := c.str()
			if err != nil {
				return err
			}
			if c.i < len(c.b) && c.b[c.i] == ':' {
				c.i++
			} else if err := c.expect(':'); err != nil {
				return err
			}
			i, ok := next, next < len(n.props) && string(name) == n.props[next].name
			if !ok {
				i, ok = n.byName[string(name)]
			}
			next = i + 1
			if !ok {
				// Unknown members are ignored, as the original does.
				if _, err := c.skip(); err != nil {
					return err
				}
			} else {
				seen |= 1 << i
				p := &n.props[i]
				c.path = append(c.path, seg{name: p.name, index: -1})
				var fv reflect.Value
				if v.IsValid() {
					fv = field(v, p.index)
				}
				if err := c.value(p.node, fv); err != nil {
					return err
				}
				c.path = c.path[:len(c.path)-1]
			}
			if p := c.peek(); p == ',' {
				c.i++
			} else if p == '}' {
				c.i++
				break
			} else {
				return c.syntax("want ',' or '}'")
			}
		}
	}
	c.depth--
	if missing := n.required &^ seen; missing != 0 {
		for i := range n.props {
			if missing&(1<<i) != 0 && len(c.errs) < maxViolations {
				c.errs = append(c.errs, Violation{Path: c.pathString(n.props[i].name), Reason: "required field is missing"})
			}
		}
	}
	return nil
}

// field is v.FieldByIndex without the loop for the common direct field.
func field(v reflect.Value, index []int) reflect.Value {
	if len(index) == 1 {
		return v.Field(index[0])
	}
	return v.FieldByIndex(index)
}

// --- encoder ---

var errNotEncodable = errors.New("not encodable")

// appendValue appends the wire form of v, whose contract is n.
func appendValue(b []byte, n *node, v reflect.Value) ([]byte, error) {
	if v.Kind() == reflect.Pointer && n.kind != kAny {
		if v.IsNil() {
			return append(b, "null"...), nil
		}
		v = v.Elem()
	}
	switch n.kind {
	case kString, kEnum:
		return appendString(b, v.String())
	case kTime:
		return addr[Time](v).AppendJSON(b), nil
	case kUUID:
		return appendUUID(b, addr[uuid.UUID](v)), nil
	case kInteger:
		return strconv.AppendInt(b, v.Int(), 10), nil
	case kNumber:
		return appendFloat(b, v.Float())
	case kBool:
		return strconv.AppendBool(b, v.Bool()), nil
	case kAnyObject:
		if v.Len() == 0 {
			return append(b, "{}"...), nil
		}
		return append(b, v.Bytes()...), nil
	case kStruct:
		b = append(b, '{')
		for i := range n.props {
			p := &n.props[i]
			if i > 0 {
				b = append(b, ',')
			}
			b = append(b, p.key...)
			var err error
			if b, err = appendValue(b, p.node, field(v, p.index)); err != nil {
				return b, err
			}
		}
		return append(b, '}'), nil
	case kArray:
		b = append(b, '[')
		for i := range v.Len() {
			if i > 0 {
				b = append(b, ',')
			}
			var err error
			if b, err = appendValue(b, n.elem, v.Index(i)); err != nil {
				return b, err
			}
		}
		return append(b, ']'), nil
	case kAny:
		if v.Kind() == reflect.Slice { // RawValue, json.RawMessage
			if v.Len() == 0 {
				return append(b, "null"...), nil
			}
			return append(b, v.Bytes()...), nil
		}
		if v.Kind() == reflect.Interface && !v.IsNil() {
			if en := nodeOf(v.Elem().Type()); en != nil && en.kind != kAny {
				return appendValue(b, en, v.Elem())
			}
		}
	}
	// An empty map without methods of its own (metadata, usually) is {},
	// as the json library would write it, nil or not.
	if v.Kind() == reflect.Map && v.Len() == 0 && v.Type().NumMethod() == 0 {
		return append(b, "{}"...), nil
	}
	// Maps and free-form values: the json library, keys sorted.
	if !v.CanInterface() {
		return b, errNotEncodable
	}
	out, err := json.Marshal(v.Interface(), marshalOptions)
	if err != nil {
		return b, err
	}
	return append(b, out...), nil
}

// appendString quotes s. Plain ASCII without '"', '\\' or control
// characters (ids, grades, statuses) is copied as is; anything else goes
// through the json library, which escapes and checks UTF-8.
func appendString(b []byte, s string) ([]byte, error) {
	i := 0
	for ; i+8 <= len(s); i += 8 {
		// Reads 8 bytes of s in place (i+8 <= len(s)), without copying.
		w := binary.LittleEndian.Uint64(unsafe.Slice(unsafe.StringData(s[i:]), 8)) //nolint:gosec // G103: read-only, in bounds
		if hasLess(w, 0x20)|hasByte(w, '"')|hasByte(w, '\\')|(w&swarHigh) != 0 {
			return jsontext.AppendQuote(b, s)
		}
	}
	for ; i < len(s); i++ {
		if ch := s[i]; ch < 0x20 || ch >= 0x80 || ch == '"' || ch == '\\' {
			return jsontext.AppendQuote(b, s)
		}
	}
	b = append(b, '"')
	b = append(b, s...)
	return append(b, '"'), nil
}

func appendUUID(b []byte, u *uuid.UUID) []byte {
	var buf [36]byte
	hex.Encode(buf[0:8], u[0:4])
	buf[8] = '-'
	hex.Encode(buf[9:13], u[4:6])
	buf[13] = '-'
	hex.Encode(buf[14:18], u[6:8])
	buf[18] = '-'
	hex.Encode(buf[19:23], u[8:10])
	buf[23] = '-'
	hex.Encode(buf[24:], u[10:])
	b = append(b, '"')
	b = append(b, buf[:]...)
	return append(b, '"')
}

// appendFloat writes f the way JavaScript (and the json library) does:
// plain decimals for magnitudes in [1e-6, 1e21), exponent form otherwise.
func appendFloat(b []byte, f float64) ([]byte, error) {
	if math.IsNaN(f) || math.IsInf(f, 0) {
		return b, fmt.Errorf("%v is not a JSON number", f)
	}
	format := byte('f')
	if abs := math.Abs(f); abs != 0 && (abs < 1e-6 || abs >= 1e21) {
		format = 'e'
	}
	b = strconv.AppendFloat(b, f, format, -1, 64)
	if format == 'e' {
		// e-07 -> e-7
		if n := len(b); n >= 4 && b[n-4] == 'e' && b[n-3] == '-' && b[n-2] == '0' {
			b[n-2] = b[n-1]
			b = b[:n-1]
		}
	}
	return b, nil
}
