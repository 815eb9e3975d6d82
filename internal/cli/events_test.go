package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/hule-dev/hule/internal/events"
)

func runEvents(t *testing.T, stdin string, args ...string) (string, error) {
	t.Helper()
	var out, errOut bytes.Buffer
	err := Run(context.Background(), append([]string{"events"}, args...), Env{Stdin: strings.NewReader(stdin), Stdout: &out, Stderr: &errOut})
	return out.String(), err
}

func TestEventsList(t *testing.T) {
	out, err := runEvents(t, "", "list")
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(out), "\n")
	if got, want := len(lines)-1, len(events.Events()); got != want {
		t.Errorf("%d rows, want %d", got, want)
	}
	if !strings.Contains(out, "cj_assessment.completed") || !strings.Contains(out, "CJAssessmentCompletedV1") ||
		!strings.Contains(out, events.TopicCJAssessmentCompleted) {
		t.Errorf("list lacks the CJ completed row:\n%s", out)
	}
}

// TestEventsExampleValidates runs `events example` for every topic, checks
// the output is the golden file (which the events package validates against
// the reference schemas) and that `events validate -` accepts it.
func TestEventsExampleValidates(t *testing.T) {
	for _, topic := range events.Topics() {
		t.Run(topic, func(t *testing.T) {
			out, err := runEvents(t, "", "example", topic)
			if err != nil {
				t.Fatalf("example: %v", err)
			}
			golden, err := os.ReadFile(filepath.Join("..", "events", "testdata", "golden", topic+".json"))
			if err != nil {
				t.Fatal(err)
			}
			if out != string(golden) {
				t.Errorf("example differs from the golden file:\n%s", out)
			}
			got, err := runEvents(t, out, "validate", "-")
			if err != nil || strings.TrimSpace(got) != "valid" {
				t.Errorf("validate: %q, %v", got, err)
			}
		})
	}
}

func TestEventsValidateReportsViolations(t *testing.T) {
	example, err := runEvents(t, "", "example", events.TopicAssessmentResultPublished)
	if err != nil {
		t.Fatal(err)
	}
	bad := strings.Replace(example, `"letter_grade": "A"`, `"letter_grade": "A++"`, 1)
	bad = strings.Replace(bad, `"rank": 1,`, `"rank": "first",`, 1)
	path := filepath.Join(t.TempDir(), "bad.json")
	if err := os.WriteFile(path, []byte(bad), 0o600); err != nil {
		t.Fatal(err)
	}
	out, err := runEvents(t, "", "validate", path)
	var ee *ExitError
	if !errors.As(err, &ee) || ee.Code != 1 {
		t.Fatalf("err = %v, want exit code 1", err)
	}
	want := "data.essay_results[0].letter_grade: \"A++\" does not match ^([A-F][+-]?|U)$\n" +
		"data.essay_results[0].rank: must be an integer\n"
	if out != want {
		t.Errorf("output:\n%s\nwant:\n%s", out, want)
	}

	out, err = runEvents(t, "{not json", "validate", "-")
	if !errors.As(err, &ee) || ee.Code != 1 || !strings.Contains(out, "syntax") {
		t.Errorf("malformed input: %q, %v", out, err)
	}
}

func TestEventsSchema(t *testing.T) {
	out, err := runEvents(t, "", "schema", events.TopicCJAssessmentCompleted)
	if err != nil {
		t.Fatal(err)
	}
	var s struct {
		Title    string   `json:"title"`
		Required []string `json:"required"`
	}
	if err := json.Unmarshal([]byte(out), &s); err != nil {
		t.Fatalf("schema is not JSON: %v", err)
	}
	if s.Title != "CJAssessmentCompletedV1" || strings.Join(s.Required, ",") != "status,system_metadata,cj_assessment_job_id" {
		t.Errorf("schema title %q required %v", s.Title, s.Required)
	}
	if _, err := runEvents(t, "", "schema", "huleedu.nope.v1"); err == nil {
		t.Error("unknown topic accepted")
	}
}
