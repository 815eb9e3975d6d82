package events

import (
	"math"
	"strconv"
	"testing"
	"time"

	"github.com/go-json-experiment/json/jsontext"
)

// slowTime is parseTime without the quickTime shortcut.
func slowTime(s string) (time.Time, error) {
	if v, err := time.Parse(time.RFC3339Nano, s); err == nil {
		return v, nil
	}
	return time.Parse("2006-01-02T15:04:05.999999999", s)
}

func TestQuickTimeMatchesTimeParse(t *testing.T) {
	tests := []string{
		"2026-11-27T15:14:46Z",
		"2026-11-27T15:14:46.123456Z",
		"2026-11-27T15:14:46.1Z",
		"2026-11-27T15:14:46.123456789Z",
		"2026-11-27T15:14:46.1234567891Z",
		"2026-11-27T15:14:46+00:00",
		"2026-11-27T15:14:46.5-00:00",
		"2026-11-27T15:14:46+02:00",
		"2026-11-27T15:14:46.123456",
		"2026-11-27T15:14:46",
		"2024-02-29T00:00:00Z",
		"2026-02-29T00:00:00Z",
		"2026-02-30T00:00:00Z",
		"2026-04-31T00:00:00Z",
		"2026-13-01T00:00:00Z",
		"2026-00-01T00:00:00Z",
		"2026-01-00T00:00:00Z",
		"2026-01-01T24:00:00Z",
		"2026-01-01T23:60:00Z",
		"2026-01-01T23:59:60Z",
		"0000-01-01T00:00:00Z",
		"2026-01-01T00:00:00.Z",
		"2026-01-01T00:00:00z",
		"2026-01-01t00:00:00Z",
		"2026-01-01T00:00:00ZZ",
		"2026-01-01T00:00:00+0000",
		"2026-1-01T00:00:00Z",
		"2026-01-01T00:00:0xZ",
		"+026-01-01T00:00:00Z",
		"2026-01-01 00:00:00Z",
		"",
	}
	for _, s := range tests {
		t.Run(s, func(t *testing.T) {
			want, wantErr := slowTime(s)
			got, ok := quickTime([]byte(s))
			if !ok {
				return // left to time.Parse
			}
			if wantErr != nil {
				t.Fatalf("quickTime accepted %q, time.Parse: %v", s, wantErr)
			}
			if !got.Equal(want) || got != want.UTC() {
				t.Fatalf("quickTime(%q) = %v, want %v", s, got, want.UTC())
			}
		})
	}
}

func TestQuickTimeTakesWireForms(t *testing.T) {
	for _, s := range []string{"2026-11-27T15:14:46Z", "2026-11-27T15:14:46.123456Z",
		"2026-11-27T15:14:46.123456+00:00", "2026-11-27T15:14:46.123456"} {
		if _, ok := quickTime([]byte(s)); !ok {
			t.Errorf("quickTime(%q) fell back to time.Parse", s)
		}
	}
}

func TestFastNumbersMatchStrconv(t *testing.T) {
	floats := []string{
		"0", "-0", "1", "-1", "0.5", "12.5", "0.9996666666666667", "0.1", "0.30000000000000004",
		"123456789012345", "1234567890123456", "0.000000000000000000001", "0.0000000000000000000001",
		"0.00000000000000000000001", "-2.4983333333333335", "2.5", "999999999999999.9",
		"1e5", "1.5E-3", "100000000000000000000000", "0.01", "3.14159265358979",
		"0.000123456789012345", "4503599627370497.5",
	}
	for _, s := range floats {
		t.Run("float/"+s, func(t *testing.T) {
			want, err := strconv.ParseFloat(s, 64)
			if err != nil {
				t.Fatal(err)
			}
			got, ok := fastFloat([]byte(s))
			if ok && math.Float64bits(got) != math.Float64bits(want) {
				t.Fatalf("fastFloat(%q) = %v, want %v", s, got, want)
			}
		})
	}
	ints := []string{"0", "-0", "7", "-42", "123456789012345678", "-123456789012345678",
		"1234567890123456789", "9223372036854775807", "-9223372036854775808", "99999999999999999999"}
	for _, s := range ints {
		t.Run("int/"+s, func(t *testing.T) {
			want, err := strconv.ParseInt(s, 10, 64)
			got, ok := fastInt([]byte(s))
			if ok && (err != nil || got != want) {
				t.Fatalf("fastInt(%q) = %d, want %d (%v)", s, got, want, err)
			}
		})
	}
}

func TestAppendStringMatchesJSON(t *testing.T) {
	for _, s := range []string{"", "A", "essay-00001-abcdef12", "with \"quote\"", `back\slash`,
		"tab\there", "ünïcödé text", "\x7f", "<tag>&amp;", "\u2028", "bad \xff utf8", "exactly8"} {
		t.Run(s, func(t *testing.T) {
			want, wantErr := appendQuoteSlow(s)
			got, err := appendString(nil, s)
			if (err != nil) != (wantErr != nil) || string(got) != string(want) {
				t.Fatalf("appendString(%q) = %s, %v; want %s, %v", s, got, err, want, wantErr)
			}
		})
	}
}

func appendQuoteSlow(s string) ([]byte, error) { return jsontext.AppendQuote(nil, s) }

func TestAppendJSONMatchesLayout(t *testing.T) {
	tests := []time.Time{
		time.Date(2026, 11, 27, 15, 14, 46, 0, time.UTC),
		time.Date(2026, 1, 2, 3, 4, 5, 123456789, time.UTC),
		time.Date(2026, 1, 2, 3, 4, 5, 999, time.UTC),
		time.Date(2026, 1, 2, 3, 4, 5, 1000, time.UTC),
		time.Date(1, 1, 1, 0, 0, 0, 0, time.UTC),
		time.Date(0, 1, 1, 0, 0, 0, 0, time.UTC),
		time.Date(9999, 12, 31, 23, 59, 59, 999999999, time.UTC),
		time.Date(10000, 1, 1, 0, 0, 0, 0, time.UTC),
		time.Date(-1, 1, 1, 0, 0, 0, 0, time.UTC),
		time.Date(2026, 6, 1, 12, 0, 0, 500000000, time.FixedZone("x", 7200)),
		{},
	}
	for _, tm := range tests {
		t.Run(tm.String(), func(t *testing.T) {
			u := tm.UTC()
			layout := layoutSeconds
			if u.Nanosecond()/1000 != 0 {
				layout = layoutMicros
			}
			want := `"` + u.Format(layout) + `"`
			if got := string(Time{tm}.AppendJSON(nil)); got != want {
				t.Fatalf("AppendJSON = %s, want %s", got, want)
			}
		})
	}
}

func TestDecodeAfterLongerListKeepsOnlyWhatIsUsed(t *testing.T) {
	long, err := Marshal(benchRich(300))
	if err != nil {
		t.Fatal(err)
	}
	short := benchRich(3)
	shortJSON, err := Marshal(short)
	if err != nil {
		t.Fatal(err)
	}
	for _, b := range [][]byte{long, shortJSON, long, shortJSON} {
		env, err := Decode(b)
		if err != nil {
			t.Fatal(err)
		}
		got := env.Data.(*AssessmentResultV1).EssayResults
		if len(b) == len(shortJSON) {
			if len(got) != 3 || cap(got) > 2*3+16 {
				t.Fatalf("short list: len %d cap %d, want len 3 and a small cap", len(got), cap(got))
			}
			for i := range got {
				if got[i] != short.Data.EssayResults[i] {
					t.Fatalf("essay %d = %+v, want %+v", i, got[i], short.Data.EssayResults[i])
				}
			}
		} else if len(got) != 300 {
			t.Fatalf("long list: len %d, want 300", len(got))
		}
	}
}
