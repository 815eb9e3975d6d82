package events

import (
	"encoding/binary"
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
// value. It reaches fields through the offsets and sizes compiled into the
// nodes, not through reflect.Value, which would cost more than the scanning
// on every field. Rarely used shapes (free-form maps, metadata values) go
// through reflect and the json v2 library. See docs/decisions/0001-json.md.
//
// Unsafe pointers stay inside the codec (this file, encode.go and
// decode.go): every pointer it writes through comes from a value of the
// node's own Go type (a struct field at its offset, a slice element within
// the slice's length), and every value it allocates comes from reflect or
// new, so the garbage collector always sees typed memory.

// maxDepth bounds nesting so hostile input cannot exhaust the stack.
const maxDepth = 512

// seg is one step of the path to the value being decoded. A struct's
// step names its member by index, so moving to the next member stores no
// pointer (and costs no write barrier while the collector runs).
type seg struct {
	obj   *node  // a struct: the member is obj.props[index]
	name  string // a map key
	index int    // an array index, a member's index, or -1 for a map key
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
	short [internSlots]string

	eventType   string    // the envelope's event_type, once seen
	data        *dataType // the type registered for eventType, if any
	dataSkipped bool      // data came before event_type and was only skipped
	skippedData []byte

	env Envelope[Event] // Decode's result while it is filled (see Decode)
	raw Raw             // DecodeRaw's, likewise
}

var codecs = sync.Pool{New: func() any { return new(codec) }}

func getCodec(b []byte, root string) *codec {
	c := codecs.Get().(*codec)
	c.b, c.i, c.depth, c.root = b, 0, 0, root
	return c
}

func putCodec(c *codec) {
	c.b, c.errs, c.path = nil, nil, c.path[:0]
	c.eventType, c.data, c.dataSkipped, c.skippedData = "", nil, false, nil
	codecs.Put(c)
}

// check validates b against n without building a value.
func check(n *node, b []byte, root string) ([]Violation, error) {
	c := getCodec(b, root)
	defer putCodec(c)
	if err := c.run(n, nil); err != nil {
		return nil, err
	}
	return c.errs, nil
}

// run decodes the one top-level value of c.b into p (nil to only check it).
func (c *codec) run(n *node, p unsafe.Pointer) error {
	if err := c.dec(n, p); err != nil {
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
		name := s.name
		switch {
		case s.obj != nil:
			name = s.obj.props[s.index].name
		case s.index >= 0:
			b.WriteByte('[')
			b.WriteString(strconv.Itoa(s.index))
			b.WriteByte(']')
			continue
		}
		if b.Len() > 0 {
			b.WriteByte('.')
		}
		b.WriteString(name)
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

// peek skips whitespace and returns the next byte, or 0 at the end.
func (c *codec) peek() byte {
	if c.i < len(c.b) {
		if ch := c.b[c.i]; ch > ' ' { // the common case: no whitespace
			return ch
		}
	}
	c.i = c.space(c.i)
	if c.i < len(c.b) {
		return c.b[c.i]
	}
	return 0
}

// space returns the offset of the first byte at or after i that is not
// JSON whitespace, noting in c.ws that some was skipped.
func (c *codec) space(i int) int {
	for ; i < len(c.b); i++ {
		switch c.b[i] {
		case ' ', '\t', '\n', '\r':
			c.ws = true
		default:
			return i
		}
	}
	return i
}

func (c *codec) expect(ch byte) error {
	if c.peek() != ch {
		return c.syntax(fmt.Sprintf("want %q", ch))
	}
	c.i++
	return nil
}

func (c *codec) literal(lit string) error {
	if !hasLiteral(c.b, c.i, lit) {
		return c.syntax("invalid literal")
	}
	c.i += len(lit)
	return nil
}

// hasLiteral reports whether b holds lit at offset i.
func hasLiteral(b []byte, i int, lit string) bool {
	return len(b)-i >= len(lit) && string(b[i:i+len(lit)]) == lit
}

const (
	swarLow  = 0x0101010101010101
	swarHigh = 0x8080808080808080
)

// special flags, in the high bit of each byte, the bytes of w a string
// scan stops at: '"', '\\', control characters and the bytes of multi-byte
// UTF-8 sequences. Only the lowest flagged byte is sure to be one (a borrow
// may flag a byte above it), which is all a scan needs: below it no
// subtraction borrows, so no flag is missed or invented there.
func special(w uint64) uint64 {
	return ((w - swarLow*0x20) | ((w ^ swarLow*'"') - swarLow) | ((w ^ swarLow*'\\') - swarLow) | w) & swarHigh
}

// isSpecial is special for one byte.
func isSpecial(ch byte) bool { return ch < 0x20 || ch == '"' || ch == '\\' || ch >= 0x80 }

// scanPlain returns the offset of the first special byte at or after i,
// or len(b). It reads 8 bytes at a time while it can.
func scanPlain(b []byte, i int) int {
	for i+8 <= len(b) {
		if m := special(binary.LittleEndian.Uint64(b[i : i+8])); m != 0 {
			return i + bits.TrailingZeros64(m)>>3
		}
		i += 8
	}
	for i < len(b) && !isSpecial(b[i]) {
		i++
	}
	return i
}

// str reads a string at c.i and returns its unescaped bytes, which point
// into the input or c.tmp and are valid until the next str call.
func (c *codec) str() ([]byte, error) {
	// The offset lives in a local while scanning, so it stays in a register.
	b, start := c.b, c.i
	i := start + 1
	escaped, high := false, false
	for {
		if i = scanPlain(b, i); i >= len(b) {
			break
		}
		switch ch := b[i]; {
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
			high = true
			i++
		}
	}
	c.i = min(i, len(b))
	return nil, &SyntaxError{Offset: start, Msg: "unterminated string"}
}

// plainString returns the offset just past the string that starts at
// b[i] (a '"') when it is plain ASCII without escapes or control
// characters, and -1 otherwise: the caller then reads it with str. Skipping
// values (processing summaries, unknown members) needs no more.
func plainString(b []byte, i int) int {
	if i = scanPlain(b, i+1); i < len(b) && b[i] == '"' {
		return i + 1
	}
	return -1
}

// skipString returns the offset just past the string at b[i].
func (c *codec) skipString(i int) (int, error) {
	if j := plainString(c.b, i); j >= 0 {
		return j, nil
	}
	c.i = i
	if _, err := c.str(); err != nil {
		return 0, err
	}
	return c.i, nil
}

func isDigit(ch byte) bool { return ch >= '0' && ch <= '9' }

// num is a JSON number as read by number: its bytes and, when simple,
// its digits as an integer (mant) with frac of them after the point.
type num struct {
	raw   []byte
	mant  uint64
	frac  int
	flags uint8 // numNeg, numInt, numSimple (one field, so num fits in registers)
}

const (
	numNeg    = 1 << iota // written with a minus sign
	numInt                // written without a point or an exponent
	numSimple             // no exponent and at most 19 significant digits: mant is exact
)

// number reads a JSON number, collecting its digits on the way so that
// the common numbers need no second pass (see num.float and num.int).
func (c *codec) number() (num, error) {
	b, i := c.b, c.i
	start := i
	var mant uint64
	var flags uint8 = numInt
	if i < len(b) && b[i] == '-' {
		flags |= numNeg
		i++
	}
	first := i
	switch {
	case i < len(b) && b[i] == '0':
		i++
	case i < len(b) && b[i]-'1' < 9:
		i, mant = addDigits(b, i, 0)
	default:
		c.i = i
		return num{}, c.syntax("invalid number")
	}
	digits, frac := i-first, 0
	if i < len(b) && b[i] == '.' {
		flags &^= numInt
		i++
		s := i
		if i, mant = addDigits(b, i, mant); i == s {
			c.i = i
			return num{}, c.syntax("invalid number")
		}
		frac = i - s
		digits += frac
	}
	if i < len(b) && b[i]|0x20 == 'e' {
		c.i = i
		return c.exponent(start)
	}
	c.i = i
	raw := b[start:i]
	if digits <= 19 || significantDigits(raw) <= 19 {
		flags |= numSimple
	}
	return num{raw: raw, mant: mant, frac: frac, flags: flags}, nil
}

// exponent finishes number at the 'e' of a number starting at start,
// which strconv then reads.
func (c *codec) exponent(start int) (num, error) {
	b, i := c.b, c.i+1
	if i < len(b) && (b[i] == '+' || b[i] == '-') {
		i++
	}
	s := i
	for i < len(b) && isDigit(b[i]) {
		i++
	}
	c.i = i
	if i == s {
		return num{}, c.syntax("invalid number")
	}
	return num{raw: b[start:i]}, nil
}

// addDigits adds the decimal digits at b[i:] to mant, returning the offset
// after them. It takes up to 8 at a time (a computed score has 16 or 17):
// it finds how many of the next 8 bytes are digits, moves those to the top
// of the word (the bytes below become leading zeros) and converts them
// together. mant wraps past 19 digits; number then does not call it simple.
func addDigits(b []byte, i int, mant uint64) (int, uint64) {
	for i+8 <= len(b) {
		t := binary.LittleEndian.Uint64(b[i:i+8]) ^ 0x3030303030303030 // a digit becomes its value, 0..9
		// The high bit of each byte that is not a digit: above 9 after the
		// xor, so adding 0x76 reaches 0x80, or above 0x7f already. A carry
		// only disturbs bytes above the first flagged one.
		n := bits.TrailingZeros64(((t+0x7676767676767676)|t)&0x8080808080808080) >> 3 // leading digits, 0..8
		if n == 0 {
			return i, mant
		}
		// The first digit is the lowest byte. Shift the n digits to the
		// top, then combine neighbors into 2, 4 and 8 digit values, each
		// step within its lane.
		t <<= 8 * (8 - n)
		t = (t*10 + t>>8) & 0x00ff00ff00ff00ff
		t = (t*100 + t>>16) & 0x0000ffff0000ffff
		t = (t*10000 + t>>32) & 0xffffffff
		mant = mant*pow10u[n&15] + t
		if i += n; n < 8 {
			return i, mant
		}
	}
	return addDigitsTail(b, i, mant)
}

// addDigitsTail is addDigits for the last 7 bytes of the input.
func addDigitsTail(b []byte, i int, mant uint64) (int, uint64) {
	for ; i < len(b) && b[i]-'0' < 10; i++ {
		mant = mant*10 + uint64(b[i]-'0')
	}
	return i, mant
}

// significantDigits counts the digits of a JSON number from the first one
// that is not zero (leading zeros leave an accumulated mantissa exact).
func significantDigits(raw []byte) int {
	n := 0
	for _, ch := range raw {
		if isDigit(ch) && (n > 0 || ch != '0') {
			n++
		}
	}
	return n
}

// int returns n as an int64 when it is simple and in range.
func (n num) int() (int64, bool) {
	switch {
	case n.flags&(numSimple|numInt) != numSimple|numInt || n.mant > 1<<63:
		return 0, false
	case n.flags&numNeg != 0:
		return -int64(n.mant), true //nolint:gosec // G115: 2^63 wraps to MinInt64, as intended
	case n.mant == 1<<63:
		return 0, false
	}
	return int64(n.mant), true //nolint:gosec // G115: below 2^63, checked above
}

// float returns n as the nearest float64 (ties to even), the value
// strconv.ParseFloat gives, when n is simple; it reports false otherwise.
// The scores hule sends are written with up to 17 digits, which strconv
// reads far more slowly than this.
func (n num) float() (float64, bool) {
	if n.flags&numSimple == 0 {
		return 0, false
	}
	var f float64
	switch {
	case n.mant == 0 || n.frac == 0:
		f = float64(n.mant) // exact, or rounded to nearest even by the conversion
	case n.mant < 1<<53 && n.frac < len(pow10):
		f = float64(n.mant) / pow10[n.frac] // both exact: one correctly rounded division
	case n.frac < len(pow10u):
		f = divPow10(n.mant, n.frac)
	default:
		return 0, false
	}
	if n.flags&numNeg != 0 {
		f = -f
	}
	return f, true
}

// skip consumes one value of any kind and returns its bytes. Nested
// arrays and objects are walked with a stack of bits rather than by
// recursion, and plain strings are scanned in place: skipped values
// (processing summaries, unknown members) are where a large thin event
// spends most of its bytes.
func (c *codec) skip() ([]byte, error) {
	c.peek()
	b := c.b
	start := c.i
	i := start
	var objects [maxDepth/64 + 1]uint64 // bit d: level d is an object
	d := 0
	end := byte(0) // what closes the innermost open level
	var err error
	for {
		// A value starts at i.
		if i >= len(b) {
			c.i = i
			return nil, c.syntax("unexpected end of input")
		}
		switch ch := b[i]; {
		case ch == '"':
			for {
				// Plain ASCII up to the closing quote, 8 bytes at a time;
				// a string with anything else is read by str.
				j := i + 1
				for j+8 <= len(b) {
					if m := special(binary.LittleEndian.Uint64(b[j : j+8])); m != 0 {
						j += bits.TrailingZeros64(m) >> 3
						break
					}
					j += 8
				}
				if j < len(b) && b[j] == '"' {
					i = j + 1
				} else if i, err = c.skipString(i); err != nil {
					return nil, err
				}
				// In an array of strings (essay ids) go on to the next one
				// directly.
				if end != ']' || i+1 >= len(b) || b[i] != ',' || b[i+1] != '"' {
					break
				}
				i++
			}
		case ch == '{' || ch == '[':
			if c.depth+d+1 > maxDepth {
				c.i = i
				return nil, c.syntax("nesting too deep")
			}
			end = ch + 2 // '}' is '{'+2, ']' is '['+2
			if ch == '{' {
				objects[d>>6] |= 1 << (d & 63)
			} else {
				objects[d>>6] &^= 1 << (d & 63)
			}
			d++
			if i++; i < len(b) && b[i] <= ' ' {
				i = c.space(i)
			}
			if i < len(b) && b[i] == end {
				i++
				d--
				end = closer(&objects, d)
				break
			}
			if ch == '{' {
				if i, err = c.memberName(i); err != nil {
					return nil, err
				}
			}
			continue
		case ch == 't', ch == 'f', ch == 'n':
			lit := "true"
			switch ch {
			case 'f':
				lit = "false"
			case 'n':
				lit = "null"
			}
			if !hasLiteral(b, i, lit) {
				c.i = i
				return nil, c.syntax("invalid literal")
			}
			i += len(lit)
		case ch == '-' || isDigit(ch):
			c.i = i
			if _, err = c.number(); err != nil {
				return nil, err
			}
			i = c.i
		default:
			c.i = i
			return nil, c.syntax(fmt.Sprintf("unexpected %q", ch))
		}
		// After a value: close what ends here, then find the next value.
	after:
		for d > 0 {
			if i < len(b) && b[i] <= ' ' {
				i = c.space(i)
			}
			switch {
			case i < len(b) && b[i] == ',':
				if i++; i < len(b) && b[i] <= ' ' {
					i = c.space(i)
				}
				if end == '}' {
					if i, err = c.memberName(i); err != nil {
						return nil, err
					}
				}
				break after
			case i < len(b) && b[i] == end:
				i++
				d--
				end = closer(&objects, d)
			default:
				c.i = i
				return nil, c.syntax("want ',' or " + string(end))
			}
		}
		if d == 0 {
			c.i = i
			return b[start:i], nil
		}
	}
}

// closer returns what closes level d-1 of skip's stack, 0 at the top.
func closer(objects *[maxDepth/64 + 1]uint64, d int) byte {
	switch {
	case d == 0:
		return 0
	case objects[(d-1)>>6]&(1<<((d-1)&63)) != 0:
		return '}'
	}
	return ']'
}

// memberName reads `"name":` at i and returns the offset of the value.
func (c *codec) memberName(i int) (int, error) {
	if i >= len(c.b) || c.b[i] != '"' {
		c.i = i
		return 0, c.syntax("want a member name")
	}
	i, err := c.skipString(i)
	if err != nil {
		return 0, err
	}
	if i = c.space(i); i >= len(c.b) || c.b[i] != ':' {
		c.i = i
		return 0, c.syntax("want ':'")
	}
	return c.space(i + 1), nil
}

// hasKey reports whether b holds pr's `"name":` at offset i. Names of 8
// to 24 bytes are compared as up to three 8-byte words read at offsets 0,
// 8 and len-8: calling memequal for each member costs more.
func hasKey(b []byte, i int, pr *prop) bool {
	n := len(pr.key)
	if len(b)-i < n {
		return false
	}
	if n < 8 || n > 24 {
		return string(b[i:i+n]) == string(pr.key)
	}
	s := b[i : i+n]
	return binary.LittleEndian.Uint64(s) == pr.words[0] && binary.LittleEndian.Uint64(s[n-8:]) == pr.words[2] &&
		(n <= 16 || binary.LittleEndian.Uint64(s[8:]) == pr.words[1])
}

// --- decoder ---

// dataType is what decoding needs of one registered event type.
type dataType struct {
	topic string // the canonical string, so decoding allocates none
	node  *node
	new   func() Event
}

// dataTypes maps each topic with a Go type to its data type.
var dataTypes = sync.OnceValue(func() map[string]*dataType {
	m := make(map[string]*dataType, len(eventTypes))
	for topic, f := range eventTypes {
		m[topic] = &dataType{topic: topic, node: nodeOf(reflect.TypeOf(f()).Elem()), new: f}
	}
	return m
})

// dec checks the value at c.i against n and, when p is not nil, stores it
// at p, which points to a Go value of n's field type (a pointer to rtype
// when n.indirect). It returns only syntax errors; violations go to c.errs.
func (c *codec) dec(n *node, p unsafe.Pointer) error {
	k := c.peek()
	// The usual values first: a string or a number for a field that is
	// not a pointer (list items, and members object does not read itself).
	switch {
	case n.indirect:
	case k == '"' && n.kind == kString:
		s, err := c.str()
		if err == nil {
			c.stringValue(n, s, p)
		}
		return err
	case (k == '-' || k-'0' < 10) && (n.kind == kNumber || n.kind == kInteger):
		v, err := c.number()
		if err == nil {
			c.numberValue(n, v, p)
		}
		return err
	}
	if k == 0 {
		return c.syntax("unexpected end of input")
	}
	if k == 'n' {
		if err := c.literal("null"); err != nil {
			return err
		}
		if n.nullable || n.kind == kAny {
			if p != nil {
				setZero(n, p)
			}
			return nil
		}
		c.violate("must not be null")
		return nil
	}
	if n.kind == kAny {
		return c.decAny(n, p)
	}
	if p != nil && n.indirect {
		pp := (*unsafe.Pointer)(p)
		if *pp == nil {
			*pp = newValue(n)
		}
		p = *pp
	}
	switch n.kind {
	case kString, kEnum, kTime, kUUID:
		if k != '"' {
			return c.mismatch("a string")
		}
		s, err := c.str()
		if err != nil {
			return err
		}
		c.stringValue(n, s, p)
		return nil
	case kInteger, kNumber:
		if k != '-' && !isDigit(k) {
			if n.kind == kInteger {
				return c.mismatch("an integer")
			}
			return c.mismatch("a number")
		}
		v, err := c.number()
		if err != nil {
			return err
		}
		c.numberValue(n, v, p)
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
		if p != nil {
			*(*bool)(p) = k == 't'
		}
		return nil
	case kStruct:
		if k != '{' {
			return c.mismatch("an object")
		}
		return c.object(n, p)
	case kArray:
		if k != '[' {
			return c.mismatch("an array")
		}
		return c.array(n, p)
	case kAnyObject:
		if k != '{' {
			return c.mismatch("an object")
		}
		c.ws = false
		raw, err := c.skip()
		if err == nil && p != nil {
			*(*[]byte)(p) = c.keep(raw)
		}
		return err
	case kMap:
		if k != '{' {
			return c.mismatch("an object")
		}
		var v reflect.Value
		if p != nil {
			v = reflect.NewAt(n.rtype, p).Elem()
		}
		return c.mapValue(n, v)
	case kDispatch:
		return c.dispatch(p)
	}
	return fmt.Errorf("events: node kind %d", n.kind)
}

// setZero stores the zero value of n's field type at p.
func setZero(n *node, p unsafe.Pointer) {
	if n.indirect {
		if pp := (*unsafe.Pointer)(p); *pp != nil { // usually nil already
			*pp = nil
		}
		return
	}
	reflect.NewAt(n.rtype, p).Elem().SetZero()
}

// newValue allocates a zero n.rtype for a pointer field.
func newValue(n *node) unsafe.Pointer {
	if n.rtype.Kind() == reflect.String { // *string and string enums, the usual case
		return unsafe.Pointer(new(string)) //nolint:gosec // G103: a *string, the field's own type or one with its layout
	}
	return reflect.New(n.rtype).UnsafePointer()
}

// decAny keeps any JSON value: as its bytes for RawValue and the like, as
// a json library value for an interface.
func (c *codec) decAny(n *node, p unsafe.Pointer) error {
	c.ws = false
	raw, err := c.skip()
	if err != nil || p == nil {
		return err
	}
	return setAny(reflect.NewAt(n.ftype(), p).Elem(), c.keep(raw))
}

// dispatch decodes an envelope's data as the type its event_type names.
// Data that comes before event_type is only checked for syntax here and
// decoded by Decode afterwards.
func (c *codec) dispatch(p unsafe.Pointer) error {
	dt := c.data
	if dt == nil {
		raw, err := c.skip()
		c.dataSkipped, c.skippedData = true, raw
		return err
	}
	if p == nil {
		return c.dec(dt.node, nil)
	}
	ev := dt.new()
	if err := c.dec(dt.node, reflect.ValueOf(ev).UnsafePointer()); err != nil {
		return err
	}
	*(*Event)(p) = ev
	return nil
}

// keep returns raw, the value just skipped, for a field that keeps JSON
// as bytes. Without whitespace between tokens it is raw itself, sharing the
// input (see Decode): copying a large processing summary cost more than
// scanning it. Its capacity ends with it, so an append cannot write into
// the input. With whitespace it is a compacted copy, so values kept as
// bytes re-encode like the rest.
func (c *codec) keep(raw []byte) []byte {
	if !c.ws {
		return raw[:len(raw):len(raw)]
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
// raw is what keep returned, which the value may keep.
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

// topicOf returns the event type s as a string, the registered topic's own
// string when there is one, and remembers its data type.
func (c *codec) topicOf(s []byte) string {
	if dt, ok := dataTypes()[string(s)]; ok {
		c.data = dt
		return dt.topic
	}
	c.data = nil
	return string(s)
}

func (c *codec) stringValue(n *node, s []byte, p unsafe.Pointer) {
	if n.plain {
		if p != nil {
			*(*string)(p) = c.keepString(s)
		}
		return
	}
	if n.captureType {
		c.eventType = c.topicOf(s)
	}
	switch n.kind {
	case kEnum:
		canon, ok := n.enum.lookup(s)
		if !ok {
			c.violate(fmt.Sprintf("%q is not a valid %s", s, n.enum.name))
			return
		}
		if p != nil {
			*(*string)(p) = canon
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
		if p != nil {
			*(*Time)(p) = Time{t.UTC()}
		}
		return
	case kUUID:
		u, ok := parseUUID(s)
		if !ok {
			var err error
			if u, err = uuid.ParseBytes(s); err != nil {
				c.violate(fmt.Sprintf("%q is not a UUID", s))
				return
			}
		}
		if p != nil {
			*(*uuid.UUID)(p) = u
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
	if n.pattern != nil && !n.pattern.match(bytesString(s)) {
		c.violate(fmt.Sprintf("%q does not match %s", s, n.pattern.expr))
	}
	if p != nil {
		if n.captureType {
			*(*string)(p) = c.eventType // already a copy
		} else {
			*(*string)(p) = c.keepString(s)
		}
	}
}

// keepString returns a string holding a copy of s.
func (c *codec) keepString(s []byte) string {
	if len(s) <= maxInterned {
		return c.intern(s)
	}
	return c.copyString(s)
}

// bytesString views s as a string for a call that does not keep it.
func bytesString(s []byte) string {
	if len(s) == 0 {
		return ""
	}
	return unsafe.String(&s[0], len(s)) //nolint:gosec // G103: audited, only for calls that do not keep it
}

// parseUUID parses the canonical 36-character form, as uuid.ParseBytes
// does, without its other forms; it reports false for anything else.
func parseUUID(s []byte) (uuid.UUID, bool) {
	var u uuid.UUID
	if len(s) != 36 || s[8] != '-' || s[13] != '-' || s[18] != '-' || s[23] != '-' {
		return u, false
	}
	var bad byte // collects the high nibble of any non-hex byte's 0xff
	for i, x := range [16]byte{0, 2, 4, 6, 9, 11, 14, 16, 19, 21, 24, 26, 28, 30, 32, 34} {
		hi, lo := hexValue[s[x]], hexValue[s[x+1]]
		bad |= hi | lo
		u[i] = hi<<4 | lo
	}
	return u, bad <= 0x0f
}

// hexValue maps hexadecimal digits to their value and other bytes to 0xff.
var hexValue = func() (t [256]byte) {
	for i := range t {
		t[i] = 0xff
	}
	for i := range 10 {
		t['0'+i] = byte(i)
	}
	for i := range 6 {
		t['a'+i], t['A'+i] = byte(10+i), byte(10+i)
	}
	return t
}()

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
// each. The codec keeps the last one seen per slot of a small table.
const (
	maxInterned = 8
	internSlots = 256
)

func (c *codec) intern(s []byte) string {
	if len(s) == 0 {
		return ""
	}
	var x uint64
	for i, ch := range s {
		x |= uint64(ch) << (8 * i)
	}
	h := (x*0x9e3779b97f4a7c15 + uint64(len(s))) >> 56 // a Fibonacci hash: 0..255
	if v := c.short[h]; v == string(s) {
		return v
	}
	v := string(s)
	c.short[h] = v
	return v
}

func (c *codec) numberValue(n *node, v num, p unsafe.Pointer) {
	var f float64
	if n.kind == kInteger {
		if v.flags&numInt == 0 {
			c.violate(fmt.Sprintf("%s is not an integer", v.raw))
			return
		}
		x, ok := v.int()
		var err error
		if !ok {
			x, err = strconv.ParseInt(bytesString(v.raw), 10, 64)
		}
		if err != nil {
			c.violate(fmt.Sprintf("%s is out of the integer range", v.raw))
			return
		}
		if p != nil {
			storeInt(p, n.size, x)
		}
		if n.min == nil && n.max == nil && n.exclMin == nil {
			return
		}
		f = float64(x)
	} else {
		if p == nil && n.min == nil && n.max == nil && n.exclMin == nil {
			return
		}
		x, ok := v.float()
		var err error
		if !ok {
			x, err = strconv.ParseFloat(bytesString(v.raw), 64)
		}
		if err != nil {
			c.violate(fmt.Sprintf("%s is out of range", v.raw))
			return
		}
		if p != nil {
			if n.size == 4 {
				*(*float32)(p) = float32(x)
			} else {
				*(*float64)(p) = x
			}
		}
		f = x
	}
	raw := v.raw
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

// storeInt stores x in the integer of the given size at p, truncating as
// reflect.Value.SetInt does.
func storeInt(p unsafe.Pointer, size uintptr, x int64) {
	switch size {
	case 1:
		*(*int8)(p) = int8(x) //nolint:gosec // G115: truncates like reflect.Value.SetInt
	case 2:
		*(*int16)(p) = int16(x) //nolint:gosec // G115: likewise
	case 4:
		*(*int32)(p) = int32(x) //nolint:gosec // G115: likewise
	default:
		*(*int64)(p) = x
	}
}

// loadInt reads the integer of the given size at p.
func loadInt(p unsafe.Pointer, size uintptr) int64 {
	switch size {
	case 1:
		return int64(*(*int8)(p))
	case 2:
		return int64(*(*int16)(p))
	case 4:
		return int64(*(*int32)(p))
	}
	return *(*int64)(p)
}

// pow10 holds the powers of ten float64 represents exactly.
var pow10 = [...]float64{1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10,
	1e11, 1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22}

// pow10u holds the powers of ten a uint64 holds.
var pow10u = func() (t [20]uint64) {
	t[0] = 1
	for i := 1; i < len(t); i++ {
		t[i] = t[i-1] * 10
	}
	return t
}()

// divPow10 returns mant / 10^k rounded to the nearest float64, ties to
// even, for mant > 0 and 0 < k < 20. It divides in integers: mant shifted
// left by s, over 10^k, gives a quotient q of 63 or 64 bits; the top 53
// bits of q, rounded by the bits below them and the remainder, are the
// float's mantissa and s its binary exponent.
func divPow10(mant uint64, k int) float64 {
	d := pow10u[k]
	s := 63 + bits.Len64(d) - bits.Len64(mant) // q in (2^62, 2^64): hi < d
	var hi, lo uint64
	if s >= 64 {
		hi = mant << (s - 64)
	} else {
		hi, lo = mant>>(64-s), mant<<s
	}
	q, r := bits.Div64(hi, lo, d)
	shift := bits.Len64(q) - 53 // 10 or 11
	m := q >> shift
	rest, half := q&(1<<shift-1), uint64(1)<<(shift-1)
	if rest > half || rest == half && (r != 0 || m&1 == 1) {
		m++ // at most 2^53, still exact in a float64
	}
	return math.Ldexp(float64(m), shift-s)
}

// maxLenHint bounds the up-front allocation of a slice (see node.lenHint).
const maxLenHint = 1 << 16

// sliceHeader is the layout of a Go slice.
type sliceHeader struct {
	data     unsafe.Pointer
	len, cap int
}

func (c *codec) array(n *node, p unsafe.Pointer) error {
	if p != nil && n.rtype.Kind() != reflect.Slice {
		return fmt.Errorf("events: cannot decode into %s", n.rtype)
	}
	if c.depth++; c.depth > maxDepth {
		return c.syntax("nesting too deep")
	}
	c.i++
	var s *sliceHeader
	var v reflect.Value // the slice, for the rare steps that need reflect
	hinted := false
	clean := 0 // elements from here on are zero already: no clearing
	if p != nil {
		s = (*sliceHeader)(p)
		v = reflect.NewAt(n.rtype, p).Elem()
		s.len = 0
		clean = s.cap // a reused slice may hold old values
		h := 0
		if n.lenHint != nil {
			h = int(n.lenHint.Load())
		}
		if h > s.cap {
			v.Grow(h) // a new zeroed array: len is 0, so nothing is copied
			hinted, clean = true, 0
		}
	}
	c.path = append(c.path, seg{})
	top := len(c.path) - 1
	if c.peek() == ']' {
		c.i++
	} else {
		for i := 0; ; i++ {
			c.path[top].index = i
			var ep unsafe.Pointer
			if s != nil {
				if i == s.cap {
					v.Grow(1) // as append grows, into a new zeroed array
					clean = i
				}
				s.len = i + 1
				ep = unsafe.Add(s.data, uintptr(i)*n.elemSize)
				if i < clean {
					reflect.NewAt(n.rtype.Elem(), ep).Elem().SetZero()
				}
			}
			if err := c.dec(n.elem, ep); err != nil {
				return err
			}
			if q := c.peek(); q == ',' {
				c.i++
			} else if q == ']' {
				c.i++
				break
			} else {
				return c.syntax("want ',' or ']'")
			}
		}
	}
	c.path = c.path[:top]
	if s != nil {
		l := s.len
		if n.lenHint != nil && int(n.lenHint.Load()) != l {
			n.lenHint.Store(int32(min(l, maxLenHint))) //nolint:gosec // G115: bounded by maxLenHint (1<<16)
		}
		switch {
		case hinted && s.cap > 2*l+16:
			// The hint came from a longer list: keep only what is used.
			short := reflect.MakeSlice(n.rtype, l, l)
			reflect.Copy(short, v)
			v.Set(short)
		case s.data == nil:
			v.Set(reflect.MakeSlice(n.rtype, 0, 0))
		}
	}
	c.depth--
	return nil
}

// What plainMember did with a member.
const (
	memberOther = iota // not the expected member: nothing read
	memberKey          // the expected member's name read, its value not
	memberDone         // the expected member read, value and all
)

// plainMember reads the member at c.i when it is pr, the next one in
// declaration order, written plainly (`"name":`), and, when its value is
// a usual one, the value too: a string without escapes or a number for a
// field that is not a pointer, null for one that is. That is nearly every
// member of every event; reading it here, with the input and the offset
// in locals, saves the general path's calls. Violations name the member,
// props[idx] of the struct at c.path[top].
func (c *codec) plainMember(pr *prop, p unsafe.Pointer, top, idx int) (int, error) {
	b, i := c.b, c.i
	if !hasKey(b, i, pr) {
		return memberOther, nil
	}
	j := i + len(pr.key)
	c.i = j
	if j >= len(b) {
		return memberKey, nil
	}
	n := pr.node
	var fp unsafe.Pointer
	if p != nil {
		fp = unsafe.Add(p, pr.offset)
	}
	switch ch := b[j]; {
	case ch == '"' && !n.indirect && (n.kind == kString || n.kind == kEnum || n.kind == kTime || n.kind == kUUID):
		k := j + 1
		for k+8 <= len(b) {
			if m := special(binary.LittleEndian.Uint64(b[k : k+8])); m != 0 {
				k += bits.TrailingZeros64(m) >> 3
				break
			}
			k += 8
		}
		for k < len(b) && !isSpecial(b[k]) {
			k++
		}
		if k >= len(b) || b[k] != '"' { // escapes or more than ASCII: str reads it
			return memberKey, nil
		}
		s := b[j+1 : k]
		c.i = k + 1
		if n.plain {
			if fp != nil {
				*(*string)(fp) = c.keepString(s)
			}
		} else {
			c.path[top].index = idx
			c.stringValue(n, s, fp)
		}
		return memberDone, nil
	case ch == 'n' && n.indirect && hasLiteral(b, j, "null"): // pointers are nullable
		c.i = j + len("null")
		if fp != nil {
			setZero(n, fp)
		}
		return memberDone, nil
	case (ch == '-' || ch-'0' < 10) && (n.kind == kNumber || n.kind == kInteger) && !n.indirect:
		v, err := c.number()
		if err != nil {
			return memberDone, err
		}
		c.path[top].index = idx
		c.numberValue(n, v, fp)
		return memberDone, nil
	}
	return memberKey, nil
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
		var ep unsafe.Pointer
		if v.IsValid() {
			ev = reflect.New(v.Type().Elem()).Elem()
			ep = ev.Addr().UnsafePointer()
		}
		if err := c.dec(n.elem, ep); err != nil {
			return err
		}
		if v.IsValid() {
			v.SetMapIndex(reflect.ValueOf(key).Convert(v.Type().Key()), ev)
		}
		c.path = c.path[:len(c.path)-1]
		return nil
	})
}

func (c *codec) object(n *node, p unsafe.Pointer) error {
	if c.depth++; c.depth > maxDepth {
		return c.syntax("nesting too deep")
	}
	c.i++
	var seen uint64
	if c.peek() == '}' {
		c.i++
	} else {
		c.path = append(c.path, seg{obj: n})
		top := len(c.path) - 1
		props := n.props
		next := 0 // members usually come in declaration order: try that first
		for {
			if c.peek() != '"' {
				return c.syntax("want a member name")
			}
			// The expected member written plainly, `"name":`, is matched
			// on the raw bytes, and its value read right away if it is a
			// usual one; any other member is unquoted and looked up.
			st := memberOther
			if next < len(props) {
				var err error
				if st, err = c.plainMember(&props[next], p, top, next); err != nil {
					return err
				}
			}
			i, ok := next, st != memberOther
			if !ok {
				name, err := c.str()
				if err != nil {
					return err
				}
				if c.i < len(c.b) && c.b[c.i] == ':' {
					c.i++
				} else if err := c.expect(':'); err != nil {
					return err
				}
				i, ok = next, next < len(props) && string(name) == props[next].name
				if !ok {
					i, ok = n.byName[string(name)]
				}
			}
			next = i + 1
			switch {
			case !ok:
				// Unknown members are ignored, as the original does.
				if _, err := c.skip(); err != nil {
					return err
				}
			case st == memberDone:
				seen |= 1 << (uint(i) & 63)
			default:
				seen |= 1 << (uint(i) & 63)
				pr := &props[i]
				c.path[top].index = i
				var fp unsafe.Pointer
				if p != nil {
					fp = unsafe.Add(p, pr.offset)
				}
				if err := c.dec(pr.node, fp); err != nil {
					return err
				}
			}
			if q := c.peek(); q == ',' {
				c.i++
			} else if q == '}' {
				c.i++
				break
			} else {
				return c.syntax("want ',' or '}'")
			}
		}
		c.path = c.path[:top]
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
