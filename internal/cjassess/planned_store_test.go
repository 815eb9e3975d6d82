package cjassess_test

import (
	"context"
	"slices"
	"testing"

	"github.com/hule-dev/hule/internal/cjassess"
)

// TestStorePlannedWaves: waves round-trip by wave, then plan order, a wave
// is not stored twice, and jobs do not see each other's waves.
func TestStorePlannedWaves(t *testing.T) {
	for _, impl := range storeImpls {
		t.Run(impl.name, func(t *testing.T) {
			ctx := context.Background()
			st := impl.open(t)
			for _, id := range []string{"job-1", "job-2"} {
				if _, _, err := st.CreateJob(ctx, cjassess.JobRecord{ID: id, BatchID: "b"}); err != nil {
					t.Fatal(err)
				}
			}
			w1 := []cjassess.PlannedPair{{Wave: 1, EssayA: "e3", EssayB: "e1", Attempt: 1}, {Wave: 1, EssayA: "e2", EssayB: "e4", Attempt: 1}}
			w2 := []cjassess.PlannedPair{{Wave: 2, EssayA: "e3", EssayB: "e1", Attempt: 2}, {Wave: 2, EssayA: "e1", EssayB: "e4", Attempt: 1}}
			// Saved out of order: Planned sorts by wave.
			for _, w := range [][]cjassess.PlannedPair{w2, w1} {
				if err := st.SaveWave(ctx, "job-1", w[0].Wave, w); err != nil {
					t.Fatalf("SaveWave %d: %v", w[0].Wave, err)
				}
			}
			if err := st.SaveWave(ctx, "job-1", 1, w1[:1]); err == nil {
				t.Error("saving wave 1 twice succeeded, want a constraint error")
			}
			if err := st.SaveWave(ctx, "job-2", 1, nil); err != nil {
				t.Errorf("empty wave: %v", err)
			}
			got, err := st.Planned(ctx, "job-1")
			if err != nil {
				t.Fatal(err)
			}
			if want := slices.Concat(w1, w2); !slices.Equal(got, want) {
				t.Errorf("Planned = %+v, want %+v", got, want)
			}
			if other, err := st.Planned(ctx, "job-2"); err != nil || len(other) != 0 {
				t.Errorf("Planned(job-2) = %v, %v; want none", other, err)
			}
		})
	}
}
