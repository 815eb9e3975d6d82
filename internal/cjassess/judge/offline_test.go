package judge

import (
	"context"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"testing"

	"github.com/hule-dev/hule/internal/fault"
	"github.com/hule-dev/hule/internal/text/lexicon"
)

// gradedEssays reads testdata/graded/N.txt; N is the intended quality rank
// (1 weakest).
func gradedEssays(t testing.TB) []Essay {
	t.Helper()
	paths, err := filepath.Glob(filepath.Join("testdata", "graded", "*.txt"))
	if err != nil || len(paths) < 8 {
		t.Fatalf("graded essays: %d files, err %v", len(paths), err)
	}
	var es []Essay
	for _, p := range paths {
		b, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		es = append(es, Essay{ID: strings.TrimSuffix(filepath.Base(p), ".txt"), Text: string(b)})
	}
	sort.Slice(es, func(i, j int) bool { return grade(t, es[i]) < grade(t, es[j]) })
	return es
}

func grade(t testing.TB, e Essay) int {
	n, err := strconv.Atoi(e.ID)
	if err != nil {
		t.Fatalf("essay id %q is not a grade", e.ID)
	}
	return n
}

// TestOfflineRanksGradedEssays judges every pair of the graded essays in
// both orders and checks that the win counts order them as intended, with
// the built-in error heuristic and with the English word list as speller.
func TestOfflineRanksGradedEssays(t *testing.T) {
	t.Run("heuristic errors", func(t *testing.T) { checkRanking(t, NewOffline(nil)) })
	t.Run("English lexicon", func(t *testing.T) {
		lex, err := lexicon.English()
		if err != nil {
			t.Skipf("English lexicon unavailable: %v", err)
		}
		checkRanking(t, NewOffline(lex))
	})
}

func checkRanking(t *testing.T, j *Offline) {
	t.Helper()
	es := gradedEssays(t)
	wins := make([]float64, len(es))
	for a := range es {
		for b := range es {
			if a == b {
				continue
			}
			v, err := j.Judge(context.Background(), Request{A: es[a], B: es[b]})
			if err != nil {
				t.Fatalf("judge %s vs %s: %v", es[a].ID, es[b].ID, err)
			}
			if v.Winner == SideA {
				wins[a]++
			} else {
				wins[b]++
			}
		}
	}
	grades := make([]float64, len(es))
	for i, e := range es {
		grades[i] = float64(grade(t, e))
	}
	rho := spearman(grades, wins)
	t.Logf("wins by intended grade: %v (Spearman %.3f)", wins, rho)
	if rho < 0.95 {
		t.Errorf("Spearman correlation of offline wins with intended grades = %.3f, want >= 0.95", rho)
	}
	if wins[len(wins)-1] != float64(2*(len(es)-1)) {
		t.Errorf("best essay won %v of %d comparisons, want all", wins[len(wins)-1], 2*(len(es)-1))
	}
}

// TestOfflineErrorsLose checks the judge is not just counting words: the
// same essay with learner errors put in loses to the clean one.
func TestOfflineErrorsLose(t *testing.T) {
	es := gradedEssays(t)
	clean := es[5]
	//nolint:misspell // learner errors on purpose
	r := strings.NewReplacer("because", "becuase", "their", "thier", "I ", "i ", ". A", ". a", ". T", ". t",
		"different", "diffrent", "a lot", "alot", "which", "wich", "don't", "dont", "people", "poeple")
	noisy := Essay{ID: "noisy", Text: r.Replace(clean.Text)}
	if noisy.Text == clean.Text {
		t.Fatal("the replacer changed nothing")
	}
	for _, req := range []Request{{A: clean, B: noisy}, {A: noisy, B: clean}} {
		v, err := NewOffline(nil).Judge(context.Background(), req)
		if err != nil {
			t.Fatal(err)
		}
		winner := req.A.ID
		if v.Winner == SideB {
			winner = req.B.ID
		}
		if winner != clean.ID {
			t.Errorf("A=%s B=%s: winner %s, want the clean essay %s (%s)", req.A.ID, req.B.ID, winner, clean.ID, v.Justification)
		}
		if !strings.Contains(v.Justification, "errors") {
			t.Errorf("justification %q does not name errors", v.Justification)
		}
	}
}

func TestOfflineVerdict(t *testing.T) {
	es := gradedEssays(t)
	j := NewOffline(nil)
	tests := []struct {
		name           string
		a, b           Essay
		wantWinnerID   string
		minConf, maxCf int
	}{
		{"clear win, strong first", es[7], es[0], es[7].ID, 5, 5},
		{"clear win, strong second", es[0], es[7], es[7].ID, 5, 5},
		{"identical texts", Essay{ID: "x", Text: es[3].Text}, Essay{ID: "y", Text: es[3].Text}, "", 1, 1},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			v, err := j.Judge(context.Background(), Request{A: tc.a, B: tc.b})
			if err != nil {
				t.Fatal(err)
			}
			again, _ := j.Judge(context.Background(), Request{A: tc.a, B: tc.b})
			swapped, _ := j.Judge(context.Background(), Request{A: tc.b, B: tc.a})
			id := func(v Verdict, a, b Essay) string {
				if v.Winner == SideA {
					return a.ID
				}
				return b.ID
			}
			got := id(v, tc.a, tc.b)
			if tc.wantWinnerID != "" && got != tc.wantWinnerID {
				t.Errorf("winner %s, want %s", got, tc.wantWinnerID)
			}
			again.Latency, v.Latency = 0, 0
			if again != v {
				t.Errorf("second call differs: %+v vs %+v", again, v)
			}
			if s := id(swapped, tc.b, tc.a); s != got {
				t.Errorf("swapped sides: winner %s, want %s (same essay)", s, got)
			}
			if v.Confidence < tc.minConf || v.Confidence > tc.maxCf {
				t.Errorf("confidence %d, want %d–%d", v.Confidence, tc.minConf, tc.maxCf)
			}
			if n := len(strings.Fields(v.Justification)); n == 0 || n > MaxJustificationWords {
				t.Errorf("justification has %d words: %q", n, v.Justification)
			}
			if v.Model != OfflineModel || v.Provider != ProviderOffline || v.Raw == "" || v.CostUSD != 0 {
				t.Errorf("record fields: model %q provider %q raw %d bytes cost %v", v.Model, v.Provider, len(v.Raw), v.CostUSD)
			}
		})
	}
}

func TestOfflineBadInput(t *testing.T) {
	good := Essay{ID: "a", Text: "A short but real essay."}
	tests := []struct {
		name string
		req  Request
	}{
		{"missing text", Request{A: good, B: Essay{ID: "b"}}},
		{"blank text", Request{A: Essay{ID: "b", Text: " \n\t"}, B: good}},
		{"missing id", Request{A: good, B: Essay{Text: "words"}}},
		{"same essay twice", Request{A: good, B: good}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := NewOffline(nil).Judge(context.Background(), tc.req)
			if err == nil || !fault.IsPermanent(err) {
				t.Errorf("err = %v, want a permanent error", err)
			}
		})
	}
}

func TestExtract(t *testing.T) {
	tests := []struct {
		name       string
		text       string
		words      int
		sentences  int
		paragraphs int
		errors     float64 // per 100 words
		punct      int
	}{
		{"empty", "", 0, 0, 0, 0, 0},
		{"two sentences", "The cat sat. It was happy!", 6, 2, 1, 0, 1},
		{"lower-case start and small i", "the dog ran. i saw it.", 6, 2, 1, 100 * 2.0 / 6, 0},
		{"known misspellings", "We recieve alot of mail.", 5, 1, 1, 100 * 2.0 / 5, 0}, //nolint:misspell // on purpose
		{"decimal is not a sentence end", "It costs 3.50 pounds, sadly.", 4, 1, 1, 0, 1},
		{"paragraphs by blank lines", "One here.\n\nTwo here; yes.\n\nThree: done?", 7, 3, 3, 0, 3},
		{"paragraphs by lines", "First line.\nSecond line.", 4, 2, 2, 0, 0},
		{"apostrophes and hyphens", "It's a well-known \"fact\" (sort of) - really.", 7, 1, 1, 0, 3},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			f := Extract(tc.text, nil)
			if f.Words != tc.words || f.Sentences != tc.sentences || f.Paragraphs != tc.paragraphs || f.PunctVariety != tc.punct {
				t.Errorf("got words %d sentences %d paragraphs %d punct %d, want %d %d %d %d",
					f.Words, f.Sentences, f.Paragraphs, f.PunctVariety, tc.words, tc.sentences, tc.paragraphs, tc.punct)
			}
			if d := f.ErrorsPer100 - tc.errors; d > 1e-9 || d < -1e-9 {
				t.Errorf("errors per 100 = %.3f, want %.3f", f.ErrorsPer100, tc.errors)
			}
		})
	}
}

type setSpeller map[string]bool

func (s setSpeller) Contains(w string) bool { return s[w] }

func TestExtractWithSpeller(t *testing.T) {
	sp := setSpeller{"the": true, "cat": true, "sat": true}
	f := Extract("The catt sat with Anna.", sp)
	// "catt" and "with" are unknown; "Anna" is capitalized and not checked.
	if want := 100 * 2.0 / 5; f.ErrorsPer100 != want {
		t.Errorf("errors per 100 = %v, want %v", f.ErrorsPer100, want)
	}
}

func TestMTLD(t *testing.T) {
	repetitive := strings.Repeat("the cat and the dog ", 40)
	varied := "Every morning Clara cycled past the harbor, counting fishing boats, gulls, crates and tired sailors " +
		"who argued loudly about weather, prices, football, politics, engines, nets, tides and their stubborn captains."
	r, v := Extract(repetitive, nil).MTLD, Extract(varied, nil).MTLD
	if !(r < 10) {
		t.Errorf("MTLD of a five-word loop = %.1f, want < 10", r)
	}
	if !(v > 2*r) {
		t.Errorf("MTLD varied %.1f, repetitive %.1f: want varied more than twice as high", v, r)
	}
	if v > float64(Extract(varied, nil).Words) {
		t.Errorf("MTLD of a short text = %.1f, want at most its word count", v)
	}
	// MTLD should not depend much on length: a whole essay and its first
	// half score alike.
	long := gradedEssays(t)[7].Text
	half := long[:len(long)/2]
	whole, part := Extract(long, nil).MTLD, Extract(half, nil).MTLD
	if ratio := whole / part; ratio < 0.6 || ratio > 1.6 {
		t.Errorf("MTLD whole essay %.1f, first half %.1f: ratio %.2f, want 0.6–1.6", whole, part, ratio)
	}
}

func spearman(x, y []float64) float64 {
	rx, ry := ranks(x), ranks(y)
	var mx, my float64
	for i := range rx {
		mx += rx[i]
		my += ry[i]
	}
	mx /= float64(len(rx))
	my /= float64(len(ry))
	var sxy, sxx, syy float64
	for i := range rx {
		sxy += (rx[i] - mx) * (ry[i] - my)
		sxx += (rx[i] - mx) * (rx[i] - mx)
		syy += (ry[i] - my) * (ry[i] - my)
	}
	return sxy / (sqrt(sxx) * sqrt(syy))
}

func sqrt(x float64) float64 {
	z := x
	for range 60 {
		if z == 0 {
			return 0
		}
		z = (z + x/z) / 2
	}
	return z
}

// ranks gives average ranks (ties share the mean rank).
func ranks(x []float64) []float64 {
	idx := make([]int, len(x))
	for i := range idx {
		idx[i] = i
	}
	sort.SliceStable(idx, func(a, b int) bool { return x[idx[a]] < x[idx[b]] })
	r := make([]float64, len(x))
	for i := 0; i < len(idx); {
		j := i
		for j+1 < len(idx) && x[idx[j+1]] == x[idx[i]] {
			j++
		}
		for k := i; k <= j; k++ {
			r[idx[k]] = float64(i+j)/2 + 1
		}
		i = j + 1
	}
	return r
}

// BenchmarkOfflineJudge measures comparisons per second on two essays of
// about 500 words each.
func BenchmarkOfflineJudge(b *testing.B) {
	es := gradedEssays(b)
	words := strings.Fields(es[7].Text + " " + es[6].Text + " " + es[5].Text)
	a := Essay{ID: "a", Text: strings.Join(words[:500], " ")}
	c := Essay{ID: "b", Text: strings.Join(words[len(words)-500:], " ")}
	j := NewOffline(nil)
	ctx := context.Background()
	b.ResetTimer()
	for b.Loop() {
		if _, err := j.Judge(ctx, Request{A: a, B: c}); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "comparisons/s")
}
