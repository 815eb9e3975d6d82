package events

import (
	"math"
	"math/rand/v2"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/go-json-experiment/json/jsontext"
	"github.com/google/uuid"
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
		"0.000123456789012345", "4503599627370497.5", "9999999999999999999", "0.9999999999999999999",
		"18446744073709551615", "1.0000000000000000001", "-0.0", "0.00000000000000000000000000001",
		"2.4983333333333335", "0.9966666666666667", "9007199254740993", "0.5000000000000000555",
	}
	for _, s := range floats {
		t.Run("float/"+s, func(t *testing.T) {
			want, err := strconv.ParseFloat(s, 64)
			if err != nil {
				t.Fatal(err)
			}
			got, ok := parseFloat([]byte(s))
			if ok && math.Float64bits(got) != math.Float64bits(want) {
				t.Fatalf("parseFloat(%q) = %v, want %v", s, got, want)
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

// TestParseFloatMatchesStrconvRandom compares parseFloat with
// strconv.ParseFloat on decimals of every length parseFloat takes, and on
// the shortest forms of random floats, the way scores arrive.
func TestParseFloatMatchesStrconvRandom(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	var inputs []string
	for range 50000 {
		digits := strconv.FormatUint(r.Uint64()%pow10u[1+r.IntN(19)], 10)
		k := r.IntN(21)
		for len(digits) <= k {
			digits = "0" + digits
		}
		inputs = append(inputs, digits[:len(digits)-k]+"."+digits[len(digits)-k:])
		f := r.Float64() * math.Pow(10, float64(r.IntN(12)-6))
		inputs = append(inputs, strconv.FormatFloat(f, 'f', -1, 64), strconv.FormatFloat(-f, 'f', -1, 64))
	}
	for _, s := range inputs {
		s = strings.TrimSuffix(s, ".")
		want, err := strconv.ParseFloat(s, 64)
		if err != nil {
			t.Fatal(err)
		}
		if got, ok := parseFloat([]byte(s)); ok && math.Float64bits(got) != math.Float64bits(want) {
			t.Fatalf("parseFloat(%q) = %v, want %v", s, got, want)
		}
	}
}

// TestAppendFloatMatchesStrconv compares appendFloat's shortest forms
// with strconv's on scores like the ones hule sends, short decimals, random
// bit patterns and edge cases.
func TestAppendFloatMatchesStrconv(t *testing.T) {
	r := rand.New(rand.NewPCG(5, 6))
	floats := []float64{0, 1, 2, 3, 0.5, 0.1, 0.2, 0.3, 0.51, 1.0 / 3, 2.0 / 3, 100, 1e15, 1e-6, 1e-7, 1e20, 1e21,
		123456789012345.6, 4503599627370497.5, 9007199254740991, 9007199254740993, 0.30000000000000004,
		math.Nextafter(1, 2), math.Nextafter(1, 0), math.Nextafter(0.1, 1), math.MaxFloat64, math.SmallestNonzeroFloat64}
	for range 20000 {
		n := 1 + r.IntN(5000)
		floats = append(floats,
			float64(r.IntN(n+1))/float64(n),
			2.5-5*float64(r.IntN(n))/float64(n),
			0.5+float64(r.IntN(50))/100,
			r.Float64()*math.Pow(10, float64(r.IntN(24)-8)),
			math.Float64frombits(r.Uint64()),
			float64(r.IntN(1000000))/math.Pow(10, float64(r.IntN(8))))
	}
	for _, f := range floats {
		for _, f := range []float64{f, -f} {
			if math.IsNaN(f) || math.IsInf(f, 0) {
				continue
			}
			want, err := appendFloatSlow(f)
			if err != nil {
				t.Fatal(err)
			}
			if got, err := appendFloat(nil, f); err != nil || string(got) != string(want) {
				t.Fatalf("appendFloat(%v) = %s, %v; want %s", f, got, err, want)
			}
		}
	}
}

// appendFloatSlow is appendFloat without the shortest-form fast path.
func appendFloatSlow(f float64) ([]byte, error) {
	format := byte('f')
	if abs := math.Abs(f); abs != 0 && (abs < 1e-6 || abs >= 1e21) {
		format = 'e'
	}
	b := strconv.AppendFloat(nil, f, format, -1, 64)
	if n := len(b); format == 'e' && n >= 4 && b[n-4] == 'e' && b[n-3] == '-' && b[n-2] == '0' {
		b[n-2] = b[n-1]
		b = b[:n-1]
	}
	return b, nil
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

// TestAppendJSONMatchesLayoutRandom compares AppendJSON with time's own
// formatting over random instants from year 0 to 9999 and around them.
func TestAppendJSONMatchesLayoutRandom(t *testing.T) {
	r := rand.New(rand.NewPCG(9, 10))
	lo := time.Date(-5, 1, 1, 0, 0, 0, 0, time.UTC).Unix()
	hi := time.Date(10005, 1, 1, 0, 0, 0, 0, time.UTC).Unix()
	for range 100000 {
		tm := time.Unix(lo+r.Int64N(hi-lo), int64(r.IntN(4))*int64(r.IntN(1e9)))
		u := tm.UTC()
		layout := layoutSeconds
		if u.Nanosecond()/1000 != 0 {
			layout = layoutMicros
		}
		if got, want := string(Time{tm}.AppendJSON(nil)), `"`+u.Format(layout)+`"`; got != want {
			t.Fatalf("AppendJSON(%v) = %s, want %s", u, got, want)
		}
	}
}

func TestAppendUUIDMatchesString(t *testing.T) {
	for range 1000 {
		u := uuid.New()
		if got, want := string(appendUUID(nil, &u)), `"`+u.String()+`"`; got != want {
			t.Fatalf("appendUUID = %s, want %s", got, want)
		}
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

// fastInt and parseFloat read a whole JSON number as the decoder does,
// for tests that compare them with strconv.
func fastInt(raw []byte) (int64, bool) {
	c := codec{b: raw}
	if n, err := c.number(); err == nil && c.i == len(raw) {
		return n.int()
	}
	return 0, false
}

func parseFloat(raw []byte) (float64, bool) {
	c := codec{b: raw}
	if n, err := c.number(); err == nil && c.i == len(raw) {
		return n.float()
	}
	return 0, false
}

func TestAppendUintMatchesStrconv(t *testing.T) {
	r := rand.New(rand.NewPCG(7, 8))
	nums := []uint64{0, 1, 9, 10, 99, 100, 101, 99999999, 100000000, 100000001, 1<<64 - 1, 1 << 63, 10000000000000000, 9999999999999999999}
	for range 100000 {
		nums = append(nums, r.Uint64()>>r.IntN(64))
	}
	for _, n := range nums {
		if got, want := string(appendUint(nil, n)), strconv.FormatUint(n, 10); got != want {
			t.Fatalf("appendUint(%d) = %s", n, got)
		}
		x := int64(n) //nolint:gosec // G115: any bits will do
		if got, want := string(appendInt(nil, x)), strconv.FormatInt(x, 10); got != want {
			t.Fatalf("appendInt(%d) = %s", x, got)
		}
	}
}

// TestDaysSinceEpochMatchesTime compares the calendar arithmetic of
// quickTime with time.Date on every day of years chosen around the leap
// year rules and the ends of the range quickTime takes.
func TestDaysSinceEpochMatchesTime(t *testing.T) {
	for _, year := range []int{0, 1, 4, 99, 100, 400, 1600, 1900, 1969, 1970, 1999, 2000, 2024, 2025, 2100, 2400, 9999} {
		for month := 1; month <= 12; month++ {
			want := time.Date(year, time.Month(month)+1, 0, 0, 0, 0, 0, time.UTC).Day()
			if got := daysIn(month, year); got != want {
				t.Fatalf("daysIn(%d, %d) = %d, want %d", month, year, got, want)
			}
			for day := 1; day <= want; day++ {
				wantDays := time.Date(year, time.Month(month), day, 0, 0, 0, 0, time.UTC).Unix() / 86400 // exact at midnight
				if got := daysSinceEpoch(year, month, day); got != wantDays {
					t.Fatalf("daysSinceEpoch(%d, %d, %d) = %d, want %d", year, month, day, got, wantDays)
				}
			}
		}
	}
}
