package metrics

import "testing"

func TestSyllables(t *testing.T) {
	tests := []struct {
		word string
		want int
	}{
		{"a", 1}, {"the", 1}, {"cat", 1}, {"make", 1}, {"makes", 1}, {"liked", 1},
		{"jumped", 1}, {"played", 1}, {"goes", 1}, {"smile", 1}, {"whole", 1}, {"queue", 1},
		{"table", 2}, {"able", 2}, {"people", 2}, {"little", 2}, {"wanted", 2}, {"needed", 2},
		{"boxes", 2}, {"places", 2}, {"changes", 2}, {"happy", 2}, {"reading", 2}, {"don't", 1},
		{"beautiful", 3}, {"syllable", 3}, {"every", 3}, {"education", 4},
		{"café", 2}, {"1990", 1}, {"", 1},
	}
	for _, tt := range tests {
		if got := Syllables(tt.word); got != tt.want {
			t.Errorf("Syllables(%q) = %d, want %d", tt.word, got, tt.want)
		}
	}
}

// Hand-computed: "The cat sat on the mat. It was happy." has 9 words, 2
// sentences and 10 syllables (happy has 2, the rest 1), no word longer than
// six letters. FK = 0.39·4.5 + 11.8·10/9 − 15.59 = −0.723889;
// FRE = 206.835 − 1.015·4.5 − 84.6·10/9 = 108.2675; LIX = 4.5 + 0 = 4.5.
func TestReadabilityFormulas(t *testing.T) {
	tests := []struct {
		name string
		got  float64
		want float64
	}{
		{"FK", FleschKincaidGrade(9, 2, 10), 0.39*4.5 + 11.8*10.0/9 - 15.59},
		{"FK value", FleschKincaidGrade(9, 2, 10), -0.723889},
		{"FRE value", FleschReadingEase(9, 2, 10), 108.2675},
		{"LIX value", LIX(9, 2, 0), 4.5},
		{"LIX long words", LIX(12, 2, 2), 6 + 100*2.0/12},
		{"FK no words", FleschKincaidGrade(0, 0, 0), 0},
		{"FRE no sentences", FleschReadingEase(3, 0, 3), 0},
		{"LIX no words", LIX(0, 0, 0), 0},
	}
	for _, tt := range tests {
		if !near(tt.got, tt.want, 1e-6) {
			t.Errorf("%s = %v, want %v", tt.name, tt.got, tt.want)
		}
	}
}

func TestAnalyzeReadability(t *testing.T) {
	tests := []struct {
		name     string
		text     string
		lang     Language
		fk, fre  float64
		lix      float64
		long     int
		syllable int
	}{
		{"english", "The cat sat on the mat. It was happy.", English, -0.723889, 108.2675, 4.5, 0, 10},
		// 12 words, 2 sentences; "älskade" and "solsken" have 7 letters,
		// "Katten" 6: LIX = 12/2 + 100·2/12 = 22.6667. No Flesch for Swedish.
		{"swedish", "Det var en gång en katt som hette Måns. Katten älskade solsken.", Swedish, 0, 0, 22.666667, 2, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := Analyze(tt.text, tt.lang, nil)
			if !near(r.FleschKincaidGrade, tt.fk, 1e-6) || !near(r.FleschReadingEase, tt.fre, 1e-6) {
				t.Errorf("FK, FRE = %v, %v, want %v, %v", r.FleschKincaidGrade, r.FleschReadingEase, tt.fk, tt.fre)
			}
			if !near(r.LIX, tt.lix, 1e-6) || r.LongWords != tt.long {
				t.Errorf("LIX, long = %v, %d, want %v, %d", r.LIX, r.LongWords, tt.lix, tt.long)
			}
			if r.Syllables != tt.syllable {
				t.Errorf("syllables = %d, want %d", r.Syllables, tt.syllable)
			}
		})
	}
}
