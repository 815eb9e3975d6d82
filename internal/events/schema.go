package events

import (
	"encoding/binary"
	stdjson "encoding/json"
	"reflect"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/go-json-experiment/json"
	"github.com/go-json-experiment/json/jsontext"
	"github.com/google/uuid"
)

// kind is the JSON shape a node accepts.
type kind uint8

const (
	kString kind = iota + 1
	kEnum
	kTime
	kUUID
	kInteger
	kNumber
	kBool
	kStruct
	kMap
	kArray
	kAnyObject // an object with any members (Object)
	kAny       // any JSON value (RawValue)
	kDispatch  // envelope data, checked against the node of the event_type seen
)

// node is the compiled contract of one value: built once per Go type from
// its struct tags, used both to validate raw JSON and to print a JSON Schema.
type node struct {
	kind     kind
	name     string // Go type name of structs and enums, for $defs
	nullable bool
	enum     *enumInfo

	minLen, maxLen int // -1 when unset
	pattern        *pattern

	min, max, exclMin *float64

	props    []prop // kStruct, in wire order
	byName   map[string]int
	required uint64 // bit i set when props[i] is required

	elem    *node     // kArray items, kMap values
	keyEnum *enumInfo // kMap keys, when restricted

	captureType bool // the envelope's event_type: the walker remembers it
	plain       bool // a kString without constraints: decoding only copies it

	// lenHint (kArray) is the length last decoded here: the decoder
	// allocates that much up front instead of growing the slice step by
	// step. Each struct field has its own; other copies share it.
	lenHint *atomic.Int32

	// The Go layout of the value, for the codec, which reads and writes
	// through pointers and offsets rather than reflect.Value.
	rtype    reflect.Type // the value's type (the pointee when indirect)
	indirect bool         // the Go value is a *rtype
	size     uintptr      // rtype.Size(): integer and float widths
	elemSize uintptr      // kArray: the size of one element
}

// ftype is the Go type of the field or element n describes.
func (n *node) ftype() reflect.Type {
	if n.indirect {
		return reflect.PointerTo(n.rtype)
	}
	return n.rtype
}

type prop struct {
	name   string
	key    []byte    // "name": as written on the wire
	words  [3]uint64 // key's bytes at 0, 8 and len-8, for hasKey
	offset uintptr   // of the field in the struct, through embedded structs
	node   *node
}

// pattern is a regular expression of the original schema with a matcher
// that does the same without the regexp engine (the letter grade is checked
// for every essay of a batch).
type pattern struct {
	expr  string
	match func(string) bool
}

var patterns = map[string]*pattern{
	"letter_grade": {expr: `^([A-F][+-]?|U)$`, match: matchLetterGrade},
}

func matchLetterGrade(s string) bool {
	switch len(s) {
	case 1:
		return s == "U" || (s[0] >= 'A' && s[0] <= 'F')
	case 2:
		return s[0] >= 'A' && s[0] <= 'F' && (s[1] == '+' || s[1] == '-')
	}
	return false
}

var (
	timeType      = reflect.TypeFor[Time]()
	uuidType      = reflect.TypeFor[uuid.UUID]()
	objectType    = reflect.TypeFor[Object]()
	rawValueType  = reflect.TypeFor[RawValue]()
	rawMsgType    = reflect.TypeFor[jsontext.Value]()
	stdRawMsgType = reflect.TypeFor[stdjson.RawMessage]()
	eventIface    = reflect.TypeFor[Event]()
)

var (
	nodesMu sync.Mutex
	nodes   = map[reflect.Type]*node{}
)

// compiled caches nodeOf's results: contracts are immutable once built.
var compiled sync.Map // reflect.Type -> *node

// nodeOf returns the compiled contract of Go type t.
func nodeOf(t reflect.Type) *node {
	if n, ok := compiled.Load(t); ok {
		return n.(*node)
	}
	nodesMu.Lock()
	defer nodesMu.Unlock()
	n := typeNode(t)
	compiled.Store(t, n)
	return n
}

// typeNode builds the node of t without field constraints. Callers hold nodesMu.
func typeNode(t reflect.Type) *node {
	if n, ok := nodes[t]; ok {
		return n
	}
	if t.Kind() == reflect.Pointer {
		e := typeNode(t.Elem())
		if e.indirect {
			panic("events: pointer to pointer in " + t.String())
		}
		c := *e
		c.nullable = true
		c.indirect = true
		return &c
	}
	n := kindNode(t)
	n.rtype, n.size = t, t.Size()
	return n
}

// kindNode builds the node of the non-pointer type t.
func kindNode(t reflect.Type) *node {
	switch t {
	case timeType:
		return &node{kind: kTime, minLen: -1, maxLen: -1}
	case uuidType:
		return &node{kind: kUUID, minLen: -1, maxLen: -1}
	case objectType:
		return &node{kind: kAnyObject}
	case rawValueType, rawMsgType, stdRawMsgType:
		return &node{kind: kAny, nullable: true}
	case eventIface:
		return &node{kind: kDispatch}
	}
	if info, ok := enumsByName[t.Name()]; ok && t.Kind() == reflect.String {
		return &node{kind: kEnum, name: t.Name(), enum: info, minLen: -1, maxLen: -1}
	}
	switch t.Kind() {
	case reflect.String:
		return &node{kind: kString, minLen: -1, maxLen: -1, plain: true}
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return &node{kind: kInteger}
	case reflect.Float32, reflect.Float64:
		return &node{kind: kNumber}
	case reflect.Bool:
		return &node{kind: kBool}
	case reflect.Slice, reflect.Array:
		return &node{kind: kArray, elem: typeNode(t.Elem()), elemSize: t.Elem().Size(), lenHint: new(atomic.Int32)}
	case reflect.Map:
		n := &node{kind: kMap, elem: typeNode(t.Elem())}
		if info, ok := enumsByName[t.Key().Name()]; ok {
			n.keyEnum = info
		}
		return n
	case reflect.Interface:
		return &node{kind: kAny}
	case reflect.Struct:
		n := &node{kind: kStruct, name: t.Name(), byName: map[string]int{}, rtype: t, size: t.Size()}
		nodes[t] = n
		addFields(n, t, 0, nil)
		return n
	}
	// Anything else is left to the json library.
	return &node{kind: kAny}
}

// addFields appends the JSON fields of struct t to n, inlining embedded
// structs. extraRequired names fields an embedding event makes required.
func addFields(n *node, t reflect.Type, base uintptr, extraRequired map[string]bool) {
	for i := range t.NumField() {
		f := t.Field(i)
		offset := base + f.Offset
		tag := f.Tag.Get("hule")
		if f.Anonymous && f.Tag.Get("json") == "" {
			extra := map[string]bool{}
			for k := range extraRequired {
				extra[k] = true
			}
			if v, ok := strings.CutPrefix(tag, "required="); ok {
				for name := range strings.SplitSeq(v, "+") {
					extra[name] = true
				}
			}
			addFields(n, f.Type, offset, extra)
			continue
		}
		if !f.IsExported() {
			continue
		}
		name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
		if name == "-" {
			continue
		}
		if name == "" {
			name = f.Name
		}
		fn, required := fieldNode(f.Type, tag)
		if fn.kind == kArray {
			// Each list field learns its own typical length.
			c := *fn
			c.lenHint = new(atomic.Int32)
			fn = &c
		}
		if required || extraRequired[name] {
			n.required |= 1 << len(n.props)
		}
		n.byName[name] = len(n.props)
		key, err := jsontext.AppendQuote(nil, name)
		if err != nil {
			panic(err)
		}
		pr := prop{name: name, key: append(key, ':'), offset: offset, node: fn}
		if k := pr.key; len(k) >= 8 {
			pr.words = [3]uint64{binary.LittleEndian.Uint64(k), 0, binary.LittleEndian.Uint64(k[len(k)-8:])}
			if len(k) >= 16 {
				pr.words[1] = binary.LittleEndian.Uint64(k[8:])
			}
		}
		n.props = append(n.props, pr)
		if len(n.props) > 64 {
			panic("events: more than 64 fields in " + t.Name())
		}
	}
}

// fieldNode applies a field's `hule` constraints to its type's node.
func fieldNode(t reflect.Type, tag string) (*node, bool) {
	base := typeNode(t)
	if tag == "" {
		return base, false
	}
	c := *base
	required := false
	for opt := range strings.SplitSeq(tag, ",") {
		key, val, _ := strings.Cut(opt, "=")
		switch key {
		case "required":
			required = true
		case "nullable":
			c.nullable = true
		case "eventType":
			c.captureType = true
		case "minLength":
			c.minLen = mustAtoi(val)
		case "maxLength":
			c.maxLen = mustAtoi(val)
		case "minimum":
			c.min = mustFloat(val)
		case "maximum":
			c.max = mustFloat(val)
		case "exclusiveMinimum":
			c.exclMin = mustFloat(val)
		case "pattern":
			p, ok := patterns[val]
			if !ok {
				panic("events: unknown pattern " + val)
			}
			c.pattern = p
		default:
			panic("events: unknown constraint " + opt)
		}
	}
	c.plain = c.kind == kString && !c.captureType && c.minLen < 0 && c.maxLen < 0 && c.pattern == nil
	return &c, required
}

func mustAtoi(s string) int {
	v, err := strconv.Atoi(s)
	if err != nil {
		panic(err)
	}
	return v
}

func mustFloat(s string) *float64 {
	v, err := strconv.ParseFloat(s, 64)
	if err != nil {
		panic(err)
	}
	return &v
}

// Schema returns the JSON Schema (draft 2020-12) of the data of the event
// on topic, generated from its Go type and the same constraints validation
// uses. ok is false for a topic without a Go type.
func Schema(topic string) (schema []byte, ok bool) {
	f, ok := eventTypes[topic]
	if !ok {
		return nil, false
	}
	t := reflect.TypeOf(f()).Elem()
	n := nodeOf(t)
	defs := map[string]any{}
	var order []string
	root := obj{
		{"$schema", "https://json-schema.org/draft/2020-12/schema"},
		{"$id", "https://hule.dev/schemas/" + topic + ".json"},
		{"title", t.Name()},
	}
	root = append(root, structSchema(n, defs, &order)...)
	if len(order) > 0 {
		d := make(obj, 0, len(order))
		for _, name := range order {
			d = append(d, kv{name, defs[name]})
		}
		root = append(root, kv{"$defs", d})
	}
	b, err := json.Marshal(root)
	if err != nil {
		panic(err)
	}
	v := jsontext.Value(b)
	if err := v.Indent(); err != nil {
		panic(err)
	}
	return append(v, '\n'), true
}

func structSchema(n *node, defs map[string]any, order *[]string) obj {
	props := make(obj, 0, len(n.props))
	var req []string
	for i, p := range n.props {
		props = append(props, kv{p.name, nodeSchema(p.node, defs, order)})
		if n.required&(1<<i) != 0 {
			req = append(req, p.name)
		}
	}
	o := obj{{"type", "object"}, {"properties", props}}
	if len(req) > 0 {
		o = append(o, kv{"required", req})
	}
	return o
}

func addDef(name string, defs map[string]any, order *[]string, build func() any) string {
	if _, ok := defs[name]; !ok {
		defs[name] = nil // reserve, for recursive types
		*order = append(*order, name)
		defs[name] = build()
	}
	return "#/$defs/" + name
}

func enumRef(info *enumInfo, defs map[string]any, order *[]string) any {
	if len(info.members) > 0 {
		any := make([]any, len(info.members))
		for i, m := range info.members {
			any[i] = enumRef(m, defs, order)
		}
		return obj{{"anyOf", any}}
	}
	return obj{{"$ref", addDef(info.name, defs, order, func() any {
		return obj{{"type", "string"}, {"enum", info.values}}
	})}}
}

func nodeSchema(n *node, defs map[string]any, order *[]string) any {
	var o obj
	switch n.kind {
	case kString, kTime, kUUID:
		o = obj{{"type", "string"}}
		switch n.kind {
		case kTime:
			o = append(o, kv{"format", "date-time"})
		case kUUID:
			o = append(o, kv{"format", "uuid"})
		}
		if n.minLen >= 0 {
			o = append(o, kv{"minLength", n.minLen})
		}
		if n.maxLen >= 0 {
			o = append(o, kv{"maxLength", n.maxLen})
		}
		if n.pattern != nil {
			o = append(o, kv{"pattern", n.pattern.expr})
		}
	case kEnum:
		o = enumRef(n.enum, defs, order).(obj)
	case kInteger, kNumber:
		typ := "integer"
		if n.kind == kNumber {
			typ = "number"
		}
		o = obj{{"type", typ}}
		if n.min != nil {
			o = append(o, kv{"minimum", *n.min})
		}
		if n.max != nil {
			o = append(o, kv{"maximum", *n.max})
		}
		if n.exclMin != nil {
			o = append(o, kv{"exclusiveMinimum", *n.exclMin})
		}
	case kBool:
		o = obj{{"type", "boolean"}}
	case kStruct:
		o = obj{{"$ref", addDef(n.name, defs, order, func() any { return structSchema(n, defs, order) })}}
	case kArray:
		o = obj{{"type", "array"}, {"items", nodeSchema(n.elem, defs, order)}}
	case kMap:
		o = obj{{"type", "object"}, {"additionalProperties", nodeSchema(n.elem, defs, order)}}
		if n.keyEnum != nil {
			o = append(o, kv{"propertyNames", enumRef(n.keyEnum, defs, order)})
		}
	case kAnyObject:
		o = obj{{"type", "object"}, {"additionalProperties", true}}
	case kAny, kDispatch:
		return obj{}
	}
	if n.nullable {
		return obj{{"anyOf", []any{o, obj{{"type", "null"}}}}}
	}
	return o
}

// obj is a JSON object that keeps its member order, for readable schemas.
type obj []kv

type kv struct {
	k string
	v any
}

// MarshalJSONTo writes the members in order.
func (o obj) MarshalJSONTo(e *jsontext.Encoder) error {
	if err := e.WriteToken(jsontext.BeginObject); err != nil {
		return err
	}
	for _, m := range o {
		if err := e.WriteToken(jsontext.String(m.k)); err != nil {
			return err
		}
		if err := json.MarshalEncode(e, m.v); err != nil {
			return err
		}
	}
	return e.WriteToken(jsontext.EndObject)
}
