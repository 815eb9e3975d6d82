package events

import (
	"encoding/binary"
	"errors"
	"fmt"
	"math"
	"math/bits"
	"reflect"
	"strconv"
	"sync"
	"unsafe"

	"github.com/go-json-experiment/json"
	"github.com/go-json-experiment/json/jsontext"
	"github.com/google/uuid"
)

// The encoder walks the same nodes as the decoder (see codec.go), reading
// fields at their offsets.

var errNotEncodable = errors.New("not encodable")

// Marshal encodes v (an envelope or event data) in the wire format: field
// order as declared, null fields present, empty lists as [] and empty
// objects as {}. Use it rather than encoding/json, which writes nil slices
// as null.
func Marshal(v any) ([]byte, error) {
	t := reflect.TypeOf(v)
	hint, _ := sizeHints.Load(t)
	size, _ := hint.(int)
	b, err := appendAny(make([]byte, 0, max(size, 512)), v)
	if err == nil && len(b) > size {
		sizeHints.Store(t, len(b)+len(b)/8)
	}
	return b, err
}

// sizeHints remembers, per type, the size of the largest encoding so far,
// so the next buffer is allocated once instead of grown. (Encoding into a
// pooled buffer and copying the result out measured slower.)
var sizeHints sync.Map

// buffers holds scratch buffers for validateValue, which needs the
// encoding only while it checks it.
var buffers = sync.Pool{New: func() any { return new([]byte) }}

// maxPooledBuffer is the largest scratch buffer kept for reuse: twice the
// largest event hule decodes.
const maxPooledBuffer = 2 * MaxEventSize

func getBuffer() *[]byte { return buffers.Get().(*[]byte) }

func putBuffer(b *[]byte) {
	if cap(*b) <= maxPooledBuffer {
		buffers.Put(b)
	}
}

// appendAny appends the wire form of v, whatever its type.
func appendAny(b []byte, v any) ([]byte, error) {
	rv := reflect.ValueOf(v)
	if !rv.IsValid() {
		return append(b, "null"...), nil
	}
	t := rv.Type()
	n := nodeOf(t)
	if n.kind == kAny || n.kind == kMap {
		return appendReflect(b, n, rv)
	}
	if t.Kind() == reflect.Pointer {
		if rv.IsNil() {
			return append(b, "null"...), nil
		}
		return appendDirect(b, n, rv.UnsafePointer())
	}
	if t.Size() != unsafe.Sizeof(uintptr(0)) {
		// An interface holds a value of any other size through a pointer to
		// a copy of it, which the encoder only reads: no need to copy it
		// again to have an address.
		return appendDirect(b, n, (*[2]unsafe.Pointer)(unsafe.Pointer(&v))[1]) //nolint:gosec // G103: audited, see above
	}
	c := reflect.New(t)
	c.Elem().Set(rv)
	return appendDirect(b, n, c.UnsafePointer())
}

// appendValue appends the wire form of the value at p, which points to a
// value of n's field type (a pointer to rtype when n.indirect).
func appendValue(b []byte, n *node, p unsafe.Pointer) ([]byte, error) {
	if n.indirect {
		if n.kind == kAny {
			return appendReflect(b, n, reflect.NewAt(n.ftype(), p).Elem())
		}
		if p = *(*unsafe.Pointer)(p); p == nil {
			return append(b, "null"...), nil
		}
	}
	return appendDirect(b, n, p)
}

// appendDirect appends the wire form of the rtype value at p.
func appendDirect(b []byte, n *node, p unsafe.Pointer) ([]byte, error) {
	switch n.kind {
	case kString, kEnum:
		return appendString(b, *(*string)(p))
	case kTime:
		return (*Time)(p).AppendJSON(b), nil
	case kUUID:
		return appendUUID(b, (*uuid.UUID)(p)), nil
	case kInteger:
		return appendInt(b, loadInt(p, n.size)), nil
	case kNumber:
		if n.size == 4 {
			return appendFloat(b, float64(*(*float32)(p)))
		}
		return appendFloat(b, *(*float64)(p))
	case kBool:
		return strconv.AppendBool(b, *(*bool)(p)), nil
	case kAnyObject:
		o := *(*[]byte)(p)
		if len(o) == 0 {
			return append(b, "{}"...), nil
		}
		return append(b, o...), nil
	case kStruct:
		b = append(b, '{')
		for i := range n.props {
			pr := &n.props[i]
			if i > 0 {
				b = append(b, ',')
			}
			b = append(b, pr.key...)
			var err error
			if b, err = appendValue(b, pr.node, unsafe.Add(p, pr.offset)); err != nil {
				return b, err
			}
		}
		return append(b, '}'), nil
	case kArray:
		data, l := p, 0
		if n.rtype.Kind() == reflect.Slice {
			s := (*sliceHeader)(p)
			data, l = s.data, s.len
		} else {
			l = n.rtype.Len()
		}
		b = append(b, '[')
		for i := range l {
			if i > 0 {
				b = append(b, ',')
			}
			var err error
			if b, err = appendValue(b, n.elem, unsafe.Add(data, uintptr(i)*n.elemSize)); err != nil {
				return b, err
			}
		}
		return append(b, ']'), nil
	case kDispatch:
		ev := *(*Event)(p)
		if ev == nil {
			return append(b, "null"...), nil
		}
		v := reflect.ValueOf(ev)
		return appendDynamic(b, nodeOf(v.Type()), v)
	}
	return appendReflect(b, n, reflect.NewAt(n.rtype, p).Elem())
}

// appendReflect writes free-form values (maps, RawValue, interfaces)
// through reflect and, for maps and unknown types, the json library.
func appendReflect(b []byte, n *node, v reflect.Value) ([]byte, error) {
	if v.Kind() == reflect.Pointer && n.kind != kAny {
		if v.IsNil() {
			return append(b, "null"...), nil
		}
		v = v.Elem()
	}
	if n.kind == kAny {
		if v.Kind() == reflect.Slice { // RawValue, json.RawMessage
			if v.Len() == 0 {
				return append(b, "null"...), nil
			}
			return append(b, v.Bytes()...), nil
		}
		if v.Kind() == reflect.Interface && !v.IsNil() {
			if en := nodeOf(v.Elem().Type()); en != nil && en.kind != kAny {
				return appendDynamic(b, en, v.Elem())
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

// appendDynamic writes v, the value held by an interface, whose node is n.
func appendDynamic(b []byte, n *node, v reflect.Value) ([]byte, error) {
	if n.kind == kAny || n.kind == kMap {
		return appendReflect(b, n, v)
	}
	if v.Kind() == reflect.Pointer {
		if v.IsNil() {
			return append(b, "null"...), nil
		}
		return appendDirect(b, n, v.UnsafePointer())
	}
	switch n.kind {
	case kString, kEnum:
		return appendString(b, v.String())
	case kNumber:
		return appendFloat(b, v.Float())
	case kBool:
		return strconv.AppendBool(b, v.Bool()), nil
	case kInteger:
		return strconv.AppendInt(b, v.Int(), 10), nil
	}
	// Other values need an address: copy them.
	c := reflect.New(v.Type())
	c.Elem().Set(v)
	return appendDirect(b, n, c.UnsafePointer())
}

// appendString quotes s. Plain ASCII without '"', '\\' or control
// characters (ids, grades, statuses) is copied as is; anything else goes
// through the json library, which escapes and checks UTF-8.
func appendString(b []byte, s string) ([]byte, error) {
	i := 0
	for ; i+8 <= len(s); i += 8 {
		// Reads 8 bytes of s in place (i+8 <= len(s)), without copying.
		if special(binary.LittleEndian.Uint64(unsafe.Slice(unsafe.StringData(s[i:]), 8))) != 0 { //nolint:gosec // G103: read-only, in bounds
			return jsontext.AppendQuote(b, s)
		}
	}
	for ; i < len(s); i++ {
		if isSpecial(s[i]) {
			return jsontext.AppendQuote(b, s)
		}
	}
	b = append(b, '"')
	b = append(b, s...)
	return append(b, '"'), nil
}

// appendUUID appends u quoted in the canonical 36-character form.
func appendUUID(b []byte, u *uuid.UUID) []byte {
	const hexDigits = "0123456789abcdef"
	var buf [38]byte
	buf[0], buf[9], buf[14], buf[19], buf[24], buf[37] = '"', '-', '-', '-', '-', '"'
	for i, x := range [16]byte{1, 3, 5, 7, 10, 12, 15, 17, 20, 22, 25, 27, 29, 31, 33, 35} {
		buf[x], buf[x+1] = hexDigits[u[i]>>4], hexDigits[u[i]&0x0f]
	}
	return append(b, buf[:]...)
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
	if format == 'f' {
		if out, ok := appendShortest(b, f); ok {
			return out, nil
		}
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

// appendShortest appends f in the form strconv.AppendFloat(b, f, 'f', -1,
// 64) gives, the fewest fraction digits that read back as f, for the
// common case: 0 < |f| < 2^53, f not a power of two (whose gap below is
// half the gap above). It reports false when it leaves f to strconv, which
// is several times slower on the 16 and 17 digit scores hule sends.
//
// With f = mant / 2^s, a decimal n / 10^k reads back as f when it lies
// within half a unit in the last place (2^-(s+1)) of f, the bounds
// included when mant is even (ties read back to even). Only the integer
// nearest to f·10^k can qualify, and once some k has one every larger k
// has one too, so the answer is the smallest k that does. Gaps of half a
// unit or less leave no room for two candidates, except for exact ties,
// which go to strconv.
func appendShortest(b []byte, f float64) ([]byte, bool) {
	neg := f < 0
	if neg {
		f = -f
	}
	fb := math.Float64bits(f)
	exp, frac := int(fb>>52)&0x7ff, fb&(1<<52-1)
	if exp == 0 || frac == 0 || exp >= 1075 || exp < 1075-116 {
		return b, false
	}
	sd := shortDecimal{mant: frac | 1<<52, s: uint(1075 - exp)}
	// Try 15 significant digits first: floats written by people and by
	// Python's repr of short decimals need no more, computed scores 16 or 17.
	e10 := (exp - 1023) * 1233 >> 12 // floor(log10 f) or one less
	if next := e10 + 1; next >= 0 && f >= pow10[next] || next < 0 && f*pow10[-next] >= 1 {
		e10++
	}
	kk := min(max(14-e10, 0), len(pow10u)-1)
	n, k, pass, ok := uint64(0), kk, false, false
	if n, pass, ok = sd.nearest(kk); !ok {
		return b, false
	}
	if pass {
		// 15 digits or fewer: find the fewest with float arithmetic, which
		// is exact here (f·10^k below 2^50, so the rounded product is
		// within 3/16 of the true one and rounds to the same integer, and
		// one division of exact values is one correct rounding).
		for j := 0; j < kk; j++ {
			x := f * pow10[j]
			if x >= 1<<50 {
				break
			}
			if m := uint64(x + 0.5); float64(m)/pow10[j] == f {
				n, k = m, j
				break
			}
		}
	} else {
		for k = kk + 1; ; k++ {
			if k >= len(pow10u) {
				return b, false
			}
			if n, pass, ok = sd.nearest(k); !ok {
				return b, false
			}
			if pass {
				break
			}
		}
	}
	if neg {
		b = append(b, '-')
	}
	var buf [20]byte
	d := appendUint(buf[:0], n)
	switch {
	case k == 0:
		return append(b, d...), true
	case len(d) > k:
		b = append(b, d[:len(d)-k]...)
		b = append(b, '.')
		return append(b, d[len(d)-k:]...), true
	}
	b = append(b, '0', '.')
	for range k - len(d) {
		b = append(b, '0')
	}
	return append(b, d...), true
}

// shortDecimal is a float as mant / 2^s, for appendShortest.
type shortDecimal struct {
	mant uint64
	s    uint // 1..116
}

// nearest returns the integer n nearest to f·10^k and whether n / 10^k
// reads back as f; ok is false when n does not fit 64 bits or f·10^k is
// halfway between two integers.
func (sd shortDecimal) nearest(k int) (n uint64, pass, ok bool) {
	// x = mant·10^k, exactly; n·2^s is the multiple of 2^s nearest x.
	xh, xl := bits.Mul64(sd.mant, pow10u[k])
	s := sd.s
	var qh, ql, rh, rl, hh, hl, uh, ul uint64 // x>>s, x mod 2^s, 2^(s-1), 2^s
	switch {
	case s < 64:
		qh, ql = xh>>s, xl>>s|xh<<(64-s)
		rl = xl & (1<<s - 1)
		hl, ul = 1<<(s-1), 1<<s
	case s == 64:
		ql, rl = xh, xl
		hl, uh = 1<<63, 1
	default:
		ql = xh >> (s - 64)
		rh, rl = xh&(1<<(s-64)-1), xl
		hh, uh = 1<<(s-65), 1<<(s-64)
	}
	if qh != 0 {
		return 0, false, false
	}
	var dh, dl uint64 // |n·2^s - x|
	switch {
	case rh == hh && rl == hl:
		return 0, false, false
	case rh > hh || rh == hh && rl > hl:
		if n = ql + 1; n == 0 {
			return 0, false, false
		}
		var borrow uint64
		dl, borrow = bits.Sub64(ul, rl, 0)
		dh, _ = bits.Sub64(uh, rh, borrow)
	default:
		n, dh, dl = ql, rh, rl
	}
	// Within the bounds: 2·|n·2^s - x| <= 10^k, strictly for an odd mant.
	if dh>>63 != 0 || dh<<1|dl>>63 != 0 {
		return n, false, true
	}
	if d2, t := dl<<1, pow10u[k]; d2 < t || d2 == t && sd.mant&1 == 0 {
		return n, true, true
	}
	return n, false, true
}

// digitPairs holds "00" to "99".
var digitPairs = func() (t [200]byte) {
	for i := range 100 {
		t[2*i], t[2*i+1] = byte('0'+i/10), byte('0'+i%10)
	}
	return t
}()

// appendUint appends n in decimal, as strconv.AppendUint does, working on
// 8-digit chunks in 32-bit arithmetic, which is cheaper than strconv's
// 64-bit steps for the 16 and 17 digits of a score.
func appendUint(b []byte, n uint64) []byte {
	var buf [24]byte
	i := len(buf)
	for n >= 100000000 {
		q := n / 100000000
		put8(&buf, i-8, uint32(n-q*100000000)) //nolint:gosec // G115: below 10^8
		i -= 8
		n = q
	}
	x := uint32(n) // below 10^8
	for x >= 100 {
		q := x / 100
		r := x - q*100
		i -= 2
		buf[i], buf[i+1] = digitPairs[2*r], digitPairs[2*r+1]
		x = q
	}
	if x >= 10 {
		i -= 2
		buf[i], buf[i+1] = digitPairs[2*x], digitPairs[2*x+1]
	} else {
		i--
		buf[i] = byte('0' + x)
	}
	return append(b, buf[i:]...)
}

// appendInt appends x in decimal, as strconv.AppendInt does.
func appendInt(b []byte, x int64) []byte {
	if x < 0 {
		return appendUint(append(b, '-'), -uint64(x)) //nolint:gosec // G115: two's complement negation, exact for MinInt64
	}
	return appendUint(b, uint64(x))
}

// put8 writes x (below 10^8) as exactly 8 digits at buf[i:].
func put8(buf *[24]byte, i int, x uint32) {
	hi, lo := x/10000, x%10000
	a, b := hi/100, hi%100
	c, d := lo/100, lo%100
	buf[i], buf[i+1] = digitPairs[2*a], digitPairs[2*a+1]
	buf[i+2], buf[i+3] = digitPairs[2*b], digitPairs[2*b+1]
	buf[i+4], buf[i+5] = digitPairs[2*c], digitPairs[2*c+1]
	buf[i+6], buf[i+7] = digitPairs[2*d], digitPairs[2*d+1]
}
