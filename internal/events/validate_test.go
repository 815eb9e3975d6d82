package events

import (
	"bytes"
	stdjson "encoding/json"
	"errors"
	"os"
	"strconv"
	"strings"
	"testing"

	"github.com/hule-dev/hule/internal/fault"
)

// goldenMap returns the golden envelope of topic as a generic map, for
// tests that break one thing in an otherwise valid event.
func goldenMap(t *testing.T, topic string) map[string]any {
	t.Helper()
	b, err := os.ReadFile(goldenPath(topic))
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	if err := stdjson.Unmarshal(b, &m); err != nil {
		t.Fatal(err)
	}
	return m
}

// at walks a dotted path with [i] indexes, such as data.essay_results[0].
func at(t *testing.T, m map[string]any, path string) (parent any, key string) {
	t.Helper()
	var cur any = m
	parts := strings.Split(path, ".")
	for i, p := range parts {
		name, idx, hasIdx := strings.Cut(p, "[")
		last := i == len(parts)-1
		if last && !hasIdx {
			return cur, name
		}
		cur = cur.(map[string]any)[name]
		if hasIdx {
			n, _ := strconv.Atoi(strings.TrimSuffix(idx, "]"))
			if last {
				return cur, strconv.Itoa(n)
			}
			cur = cur.([]any)[n]
		}
	}
	return nil, ""
}

func set(t *testing.T, m map[string]any, path string, v any) {
	t.Helper()
	parent, key := at(t, m, path)
	switch p := parent.(type) {
	case map[string]any:
		p[key] = v
	case []any:
		n, _ := strconv.Atoi(key)
		p[n] = v
	}
}

func del(t *testing.T, m map[string]any, path string) {
	t.Helper()
	parent, key := at(t, m, path)
	delete(parent.(map[string]any), key)
}

func encodeMap(t *testing.T, m map[string]any) []byte {
	t.Helper()
	b, err := stdjson.Marshal(m)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

const (
	topicRich = TopicAssessmentResultPublished
	topicThin = TopicCJAssessmentCompleted
)

func TestValidationRules(t *testing.T) {
	type mut func(t *testing.T, m map[string]any)
	setTo := func(path string, v any) mut { return func(t *testing.T, m map[string]any) { set(t, m, path, v) } }
	remove := func(path string) mut { return func(t *testing.T, m map[string]any) { del(t, m, path) } }
	tests := []struct {
		name     string
		topic    string
		mutate   mut
		wantPath string // "" means the event must be valid
		wantWhy  string
	}{
		{"required nested field missing", topicRich, remove("data.essay_results[1].rank"), "data.essay_results[1].rank", "required field is missing"},
		{"required top field missing", topicRich, remove("data.batch_id"), "data.batch_id", "required field is missing"},
		{"required base field missing", topicThin, remove("data.system_metadata.entity_id"), "data.system_metadata.entity_id", "required field is missing"},
		{"event_name required where the original requires it", TopicEssaySpellcheckRequested, remove("data.event_name"), "data.event_name", "required field is missing"},
		{"event_name optional where the original defaults it", topicThin, remove("data.event_name"), "", ""},
		{"optional field missing", topicRich, remove("data.assessed_at"), "", ""},
		{"unknown field ignored", topicRich, setTo("data.extra", 1), "", ""},
		{"enum value unknown", topicRich, setTo("data.essay_results[0].confidence_label", "VERY_HIGH"), "data.essay_results[0].confidence_label", "not a valid ConfidenceLabel"},
		{"event name unknown", topicRich, setTo("data.event_name", "essay.teleported"), "data.event_name", "not a valid ProcessingEvent"},
		{"status is an essay status", topicThin, setTo("data.status", "cj_assessment_success"), "", ""},
		{"status is neither essay nor batch status", topicThin, setTo("data.status", "done"), "data.status", "not a valid UpdateStatus"},
		{"course code unknown", TopicELSCJAssessmentRequested, setTo("data.course_code", "ENG9"), "data.course_code", "not a valid CourseCode"},
		{"service error code accepted", TopicEssayValidationFailed, setTo("data.validation_error_detail.error_code", "LLM_PROVIDER_TIMEOUT"), "", ""},
		{"error code unknown", TopicEssayValidationFailed, setTo("data.validation_error_detail.error_code", "OOPS"), "data.validation_error_detail.error_code", "not a valid AnyErrorCode"},
		{"map key outside enum", TopicELSCJAssessmentRequested, setTo("data.student_prompt_ref.references", map[string]any{"bogus": map[string]any{}}), "data.student_prompt_ref.references.bogus", "key is not a valid ContentType"},
		{"map value of wrong type", TopicELSCJAssessmentRequested, setTo("data.student_prompt_ref.references", map[string]any{"student_prompt_text": map[string]any{"storage_id": 7}}), "data.student_prompt_ref.references.student_prompt_text.storage_id", "must be a string"},
		{"letter grade outside pattern", topicRich, setTo("data.essay_results[2].letter_grade", "G"), "data.essay_results[2].letter_grade", "does not match"},
		{"letter grade with two signs", topicRich, setTo("data.essay_results[2].letter_grade", "A+-"), "data.essay_results[2].letter_grade", "does not match"},
		{"letter grade U", topicRich, setTo("data.essay_results[2].letter_grade", "U"), "", ""},
		{"letter grade minus", topicRich, setTo("data.essay_results[2].letter_grade", "F-"), "", ""},
		{"score below minimum", topicRich, setTo("data.essay_results[0].normalized_score", -0.01), "data.essay_results[0].normalized_score", "below the minimum 0"},
		{"score above maximum", topicRich, setTo("data.essay_results[0].confidence_score", 1.5), "data.essay_results[0].confidence_score", "exceeds the maximum 1"},
		{"score at bounds", topicRich, setTo("data.essay_results[0].confidence_score", 1), "", ""},
		{"rank zero", topicRich, setTo("data.essay_results[0].rank", 0), "data.essay_results[0].rank", "must be greater than 0"},
		{"rank fractional", topicRich, setTo("data.essay_results[0].rank", 1.5), "data.essay_results[0].rank", "not an integer"},
		{"string where number required", topicRich, setTo("data.essay_results[0].bt_score", "0.61"), "data.essay_results[0].bt_score", "must be a number"},
		{"string where integer required", topicRich, setTo("data.essay_results[0].rank", "1"), "data.essay_results[0].rank", "must be an integer"},
		{"integer out of range", topicRich, setTo("data.essay_results[0].rank", stdjson.Number("99999999999999999999")), "data.essay_results[0].rank", "out of the integer range"},
		{"string where boolean required", topicRich, setTo("data.essay_results[0].is_anchor", "yes"), "data.essay_results[0].is_anchor", "must be a boolean"},
		{"null where not nullable", topicRich, setTo("data.batch_id", nil), "data.batch_id", "must not be null"},
		{"null where nullable", topicRich, setTo("data.assignment_id", nil), "", ""},
		{"over-long field", topicRich, setTo("data.assignment_id", strings.Repeat("x", 101)), "data.assignment_id", "length 101 exceeds the maximum 100"},
		{"length counts characters, not bytes", topicRich, setTo("data.assignment_id", strings.Repeat("ö", 100)), "", ""},
		{"below minimum length", TopicClientBatchPipelineRequest, setTo("data.batch_id", ""), "data.batch_id", "length 0 is below the minimum 1"},
		{"retry reason too long", TopicClientBatchPipelineRequest, setTo("data.retry_reason", strings.Repeat("r", 501)), "data.retry_reason", "exceeds the maximum 500"},
		{"temperature above maximum", TopicELSCJAssessmentRequested, setTo("data.llm_config_overrides.temperature_override", 2.5), "data.llm_config_overrides.temperature_override", "exceeds the maximum 2"},
		{"max tokens not positive", TopicELSCJAssessmentRequested, setTo("data.llm_config_overrides.max_tokens_override", 0), "data.llm_config_overrides.max_tokens_override", "greater than 0"},
		{"array item of wrong type", TopicBatchEssaysRegistered, setTo("data.essay_ids[1]", 7), "data.essay_ids[1]", "must be a string"},
		{"array expected", topicRich, setTo("data.essay_results", "none"), "data.essay_results", "must be an array"},
		{"object expected", topicRich, setTo("data.assessment_metadata", []any{}), "data.assessment_metadata", "must be an object"},
		{"bad uuid", TopicBatchPipelineCompleted, setTo("data.correlation_id", "not-a-uuid"), "data.correlation_id", "not a UUID"},
		{"bad date-time", topicRich, setTo("data.timestamp", "yesterday"), "data.timestamp", "not a date-time"},
		{"spellcheck metrics may be anything", TopicBatchCJAssessmentInitiateCommand, setTo("data.essays_to_process[0].spellcheck_metrics", "n/a"), "", ""},
		{"envelope field missing", topicRich, remove("event_id"), "event_id", "required field is missing"},
		{"envelope field of wrong type", topicRich, setTo("schema_version", "1"), "schema_version", "must be an integer"},
		{"envelope metadata null", topicRich, setTo("metadata", nil), "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := goldenMap(t, tt.topic)
			tt.mutate(t, m)
			env, err := Decode(encodeMap(t, m))
			if tt.wantPath == "" {
				if err != nil {
					t.Fatalf("Decode: %v, want valid", err)
				}
				if err := env.Data.Validate(); err != nil {
					t.Errorf("Validate of the decoded value: %v", err)
				}
				return
			}
			var ve *ValidationError
			if !errors.As(err, &ve) {
				t.Fatalf("Decode error = %v (%T), want *ValidationError", err, err)
			}
			if !fault.IsPermanent(err) {
				t.Error("validation error is not permanent")
			}
			for _, v := range ve.Violations {
				if v.Path == tt.wantPath && strings.Contains(v.Reason, tt.wantWhy) {
					return
				}
			}
			t.Errorf("violations = %v, want %s: ...%s...", ve.Violations, tt.wantPath, tt.wantWhy)
		})
	}
}

func TestBadInput(t *testing.T) {
	golden, err := os.ReadFile(goldenPath(topicRich))
	if err != nil {
		t.Fatal(err)
	}
	big := goldenMap(t, topicRich)
	set(t, big, "data.model_version", strings.Repeat("x", MaxEventSize))
	unknown := goldenMap(t, topicRich)
	set(t, unknown, "event_type", "huleedu.essay.teleported.v1")
	tests := []struct {
		name     string
		in       []byte
		wantKind DecodeKind // "" when a *ValidationError is expected
		wantPath string
	}{
		{"malformed JSON", []byte(`{"event_id": "x", `), KindSyntax, ""},
		{"empty input", nil, KindSyntax, ""},
		{"not an object", []byte(`[1,2]`), "", "(root)"},
		{"trailing garbage", append(bytes.Clone(golden), []byte(" {}")...), KindSyntax, ""},
		{"invalid UTF-8", []byte("{\"event_type\": \"\xff\"}"), KindSyntax, ""},
		{"payload over 1 MiB", encodeMap(t, big), KindTooLarge, ""},
		{"unknown event_type", encodeMap(t, unknown), KindUnknownEventType, ""},
		{"missing envelope field", bytes.Replace(golden, []byte(`"source_service"`), []byte(`"source_servic"`), 1), "", "source_service"},
		{"wrong enum", bytes.Replace(golden, []byte(`"HIGH"`), []byte(`"SKY_HIGH"`), 1), "", "data.essay_results[0].confidence_label"},
		{"string for number", bytes.Replace(golden, []byte(`"rank": 1`), []byte(`"rank": "1"`), 1), "", "data.essay_results[0].rank"},
		{"over-long field", bytes.Replace(golden, []byte(`"eng5-argumentative-2025"`), []byte(`"`+strings.Repeat("a", 150)+`"`), 1), "", "data.assignment_id"},
		{"bad letter grade", bytes.Replace(golden, []byte(`"letter_grade": "A"`), []byte(`"letter_grade": "A++"`), 1), "", "data.essay_results[0].letter_grade"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Decode(tt.in)
			if err == nil {
				t.Fatal("Decode accepted bad input")
			}
			if !fault.IsPermanent(err) {
				t.Errorf("error %v is not permanent", err)
			}
			if tt.wantKind != "" {
				var de *DecodeError
				if !errors.As(err, &de) || de.Kind != tt.wantKind {
					t.Fatalf("error = %v (%T), want DecodeError of kind %s", err, err, tt.wantKind)
				}
				return
			}
			var ve *ValidationError
			if !errors.As(err, &ve) {
				t.Fatalf("error = %v (%T), want *ValidationError", err, err)
			}
			if ve.Violations[0].Path != tt.wantPath {
				t.Errorf("first violation %v, want path %s", ve.Violations[0], tt.wantPath)
			}
		})
	}
}

func TestDataBeforeEventType(t *testing.T) {
	golden, err := os.ReadFile(goldenPath(topicRich))
	if err != nil {
		t.Fatal(err)
	}
	raw, err := DecodeRaw(golden)
	if err != nil {
		t.Fatal(err)
	}
	// Reorder: data first. Decode must still check the data.
	reordered := []byte(`{"data": ` + string(raw.Data) + `, "event_type": "` + raw.EventType + `", "event_id": "` + raw.EventID.String() +
		`", "event_timestamp": "2025-01-01T00:00:00Z", "source_service": "x", "correlation_id": "` + raw.CorrelationID.String() + `"}`)
	env, err := Decode(reordered)
	if err != nil {
		t.Fatalf("Decode: %v", err)
	}
	if got := env.Data.(*AssessmentResultV1).EssayResults[0].LetterGrade; got != "A" {
		t.Errorf("letter grade %q, want A", got)
	}
	bad := bytes.Replace(reordered, []byte(`"letter_grade":"A"`), []byte(`"letter_grade":"Z"`), 1)
	if bytes.Equal(bad, reordered) {
		t.Fatal("test input not changed")
	}
	var ve *ValidationError
	if _, err := Decode(bad); !errors.As(err, &ve) {
		t.Errorf("Decode(bad reordered) = %v, want *ValidationError", err)
	}
}

func TestDecodeData(t *testing.T) {
	golden, err := os.ReadFile(goldenPath(topicThin))
	if err != nil {
		t.Fatal(err)
	}
	raw, err := DecodeRaw(golden)
	if err != nil {
		t.Fatal(err)
	}
	got, err := DecodeData[CJAssessmentCompletedV1](raw)
	if err != nil {
		t.Fatalf("DecodeData: %v", err)
	}
	var sum CJProcessingSummary
	if err := got.ProcessingSummary.Decode(&sum); err != nil {
		t.Fatal(err)
	}
	if got.CJAssessmentJobID != "cj-job-1842" || sum.TotalEssays != 3 || len(sum.SuccessfulEssayIDs) != 3 {
		t.Errorf("decoded %+v, summary %+v", got, sum)
	}
	_, err = DecodeData[AssessmentResultV1](raw)
	var de *DecodeError
	if !errors.As(err, &de) || de.Kind != KindTypeMismatch {
		t.Errorf("DecodeData of the wrong type: %v, want %s", err, KindTypeMismatch)
	}
}

func TestValidateGoValue(t *testing.T) {
	env, _ := Example(topicRich)
	d := *env.Data.(*AssessmentResultV1)
	if err := d.Validate(); err != nil {
		t.Fatalf("example invalid: %v", err)
	}
	d.EssayResults = append([]EssayResultV1(nil), d.EssayResults...)
	d.EssayResults[1].LetterGrade = "B++"
	d.EssayResults[2].Rank = -1
	d.EssayResults[2].ConfidenceLabel = ""
	err := d.Validate()
	var ve *ValidationError
	if !errors.As(err, &ve) {
		t.Fatalf("Validate = %v, want *ValidationError", err)
	}
	want := []string{"data.essay_results[1].letter_grade", "data.essay_results[2].confidence_label", "data.essay_results[2].rank"}
	var got []string
	for _, v := range ve.Violations {
		got = append(got, v.Path)
	}
	if strings.Join(got, " ") != strings.Join(want, " ") {
		t.Errorf("violation paths %v, want %v", got, want)
	}
	if !fault.IsPermanent(err) {
		t.Error("not permanent")
	}
}

func TestEnums(t *testing.T) {
	var s EssayStatus
	if err := stdjson.Unmarshal([]byte(`"spellchecked_success"`), &s); err != nil || s != EssayStatusSpellcheckedSuccess {
		t.Errorf("decode known value: %v %v", s, err)
	}
	err := stdjson.Unmarshal([]byte(`"spellchecked"`), &s)
	var ee *EnumError
	if !errors.As(err, &ee) || ee.Type != "EssayStatus" {
		t.Errorf("decode unknown value: %v, want *EnumError", err)
	}
	if BatchStatus("nope").Valid() || !BatchStatusFailedCritically.Valid() {
		t.Error("BatchStatus.Valid wrong")
	}
	if !UpdateStatus(EssayStatusUploaded).Valid() || !UpdateStatus(BatchStatusCancelled).Valid() || UpdateStatus("x").Valid() {
		t.Error("UpdateStatus.Valid wrong")
	}
	if len(ProcessingStage("").Values()) != 6 {
		t.Errorf("ProcessingStage values: %v", ProcessingStage("").Values())
	}
}

func TestCourseCodeLanguage(t *testing.T) {
	for _, c := range CourseCode("").Values() {
		want := LanguageSV
		if strings.HasPrefix(string(c), "ENG") {
			want = LanguageEN
		}
		if got := c.Language(); got != want {
			t.Errorf("%s.Language() = %s, want %s", c, got, want)
		}
	}
	if got := CourseCode("FR1").Language(); got != "" {
		t.Errorf("unknown course language %q", got)
	}
}

func TestLetterGradeMatcherAgreesWithPattern(t *testing.T) {
	re := patterns["letter_grade"]
	rx := mustRegexp(t, re.expr)
	for _, s := range []string{"", "A", "B+", "C-", "F", "F+", "U", "U+", "G", "a", "AA", "A+-", "E-", " A", "A ", "+", "AB"} {
		if got, want := re.match(s), rx.MatchString(s); got != want {
			t.Errorf("match(%q) = %v, regexp says %v", s, got, want)
		}
	}
}

// TestConcurrentUse decodes and encodes from several goroutines at once, as
// the bus's handlers do; run with -race.
func TestConcurrentUse(t *testing.T) {
	topics := Topics()
	inputs := make([][]byte, len(topics))
	wants := make([][]byte, len(topics))
	for i, topic := range topics {
		b, err := os.ReadFile(goldenPath(topic))
		if err != nil {
			t.Fatal(err)
		}
		inputs[i], wants[i] = b, compactJSON(t, b)
	}
	errs := make(chan error, 8)
	for g := range 8 {
		go func() {
			for i := range 50 {
				k := (g + i) % len(inputs)
				env, err := Decode(inputs[k])
				if err == nil {
					var out []byte
					out, err = Marshal(env)
					if err == nil && !bytes.Equal(out, wants[k]) {
						err = errors.New("round trip differs for " + env.EventType)
					}
				}
				if err != nil {
					errs <- err
					return
				}
			}
			errs <- nil
		}()
	}
	for range 8 {
		if err := <-errs; err != nil {
			t.Error(err)
		}
	}
}
