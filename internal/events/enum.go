package events

import (
	"bytes"
	"encoding/json"
	"fmt"
	"slices"

	"github.com/go-json-experiment/json/jsontext"
)

// enum holds the value set of one string enum type. Every generated enum
// type delegates Valid and UnmarshalJSON here, so the rules live in one place.
type enum[T ~string] struct {
	name string
	list []T
	set  map[string]T // value -> canonical value, so decoding reuses one string
	meta *enumInfo
}

// enumInfo is what schemas and validation need of an enum, whatever its Go type.
type enumInfo struct {
	name    string
	values  []string
	set     map[string]string // value -> canonical value
	members []*enumInfo       // for a union of enums (anyOf in the schema)
}

// enumsByName lets the schema builder find an enum by its Go type name.
var enumsByName = map[string]*enumInfo{}

func newEnum[T ~string](name string, values []T) *enum[T] {
	e := &enum[T]{name: name, list: values, set: make(map[string]T, len(values))}
	info := &enumInfo{name: name, set: make(map[string]string, len(values))}
	for _, v := range values {
		e.set[string(v)] = v
		info.values = append(info.values, string(v))
		info.set[string(v)] = string(v)
	}
	e.meta = info
	enumsByName[name] = info
	return e
}

// newUnion builds an enum whose values are those of all members, such as a
// status that may be an EssayStatus or a BatchStatus.
func newUnion[T ~string](name string, members ...*enumInfo) *enum[T] {
	var all []T
	seen := map[string]bool{}
	for _, m := range members {
		for _, v := range m.values {
			if !seen[v] {
				seen[v] = true
				all = append(all, T(v))
			}
		}
	}
	e := newEnum(name, all)
	e.meta.members = members
	return e
}

func (e *enum[T]) info() *enumInfo { return e.meta }

// smallEnum is the size up to which lookup compares values one by one:
// for a handful of short values that is quicker than hashing.
const smallEnum = 8

// lookup returns the canonical value equal to s, without allocating.
func (e *enumInfo) lookup(s []byte) (string, bool) {
	if len(e.values) <= smallEnum {
		for _, v := range e.values {
			if string(s) == v {
				return v, true
			}
		}
		return "", false
	}
	v, ok := e.set[string(s)]
	return v, ok
}

func (e *enum[T]) values() []T { return slices.Clone(e.list) }

func (e *enum[T]) strings() []string {
	out := make([]string, len(e.list))
	for i, v := range e.list {
		out[i] = string(v)
	}
	return out
}

func (e *enum[T]) valid(v T) bool {
	_, ok := e.set[string(v)]
	return ok
}

func (e *enum[T]) check(s string, dst *T) error {
	v, ok := e.set[s]
	if !ok {
		return &EnumError{Type: e.name, Value: s}
	}
	*dst = v
	return nil
}

func (e *enum[T]) unmarshal(b []byte, dst *T) error {
	var s string
	if err := json.Unmarshal(b, &s); err != nil {
		return fmt.Errorf("%s: %w", e.name, err)
	}
	return e.check(s, dst)
}

func (e *enum[T]) unmarshalFrom(d *jsontext.Decoder, dst *T) error {
	raw, err := d.ReadValue()
	if err != nil {
		return err
	}
	if raw.Kind() != '"' {
		return &EnumError{Type: e.name, Value: string(raw)}
	}
	if s := raw[1 : len(raw)-1]; !bytes.ContainsRune(s, '\\') {
		if v, ok := e.set[string(s)]; ok { // no allocation: map lookup by bytes
			*dst = v
			return nil
		}
	}
	u, err := jsontext.AppendUnquote(nil, raw)
	if err != nil {
		return err
	}
	return e.check(string(u), dst)
}

// EnumError reports a value outside an enum's set. It is permanent: the same
// value is rejected on every retry.
type EnumError struct {
	Type  string
	Value string
}

func (e *EnumError) Error() string { return fmt.Sprintf("%q is not a valid %s", e.Value, e.Type) }

// Permanent marks the error as not worth retrying (see fault.IsPermanent).
func (e *EnumError) Permanent() bool { return true }

// Language returns the language essays of course c are written in: English
// for the ENG courses, Swedish for the SV ones, "" for an unknown code.
func (c CourseCode) Language() Language {
	switch c {
	case CourseCodeENG5, CourseCodeENG6, CourseCodeENG7:
		return LanguageEN
	case CourseCodeSV1, CourseCodeSV2, CourseCodeSV3:
		return LanguageSV
	}
	return ""
}
