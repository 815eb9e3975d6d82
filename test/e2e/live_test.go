package e2e

import (
	"context"
	"testing"

	"github.com/hule-dev/hule/internal/client"
)

// TestWebSocketSeesProgressAndResultsReady follows a real pipeline run
// over the WebSocket: phase progress for every essay, then results ready.
func TestWebSocketSeesProgressAndResultsReady(t *testing.T) {
	t.Parallel()
	p := start(t, config(t.TempDir(), ""))
	ctx, cancel := context.WithTimeout(context.Background(), scenarioTimeout)
	defer cancel()

	files := exampleEssays(t, 4)
	reg := submit(ctx, t, p.c, files, "live")
	w, err := p.c.Watch(ctx, reg.BatchID)
	if err != nil {
		t.Fatalf("watch: %v", err)
	}
	defer w.Close()
	request(ctx, t, p.c, reg.BatchID, client.PipelineNLP, "")

	type progress struct {
		Phase  string `json:"phase"`
		Status string `json:"status"`
		Done   int    `json:"done"`
		Failed int    `json:"failed"`
		Total  int    `json:"total"`
	}
	maxDone := map[string]int{}
	var ready struct {
		Status          string `json:"status"`
		Pipeline        string `json:"pipeline"`
		TotalEssays     int    `json:"total_essays"`
		CompletedEssays int    `json:"completed_essays"`
	}
	var seen []string
	for {
		n, err := w.Next(ctx)
		if err != nil {
			t.Fatalf("watch ended before results were ready: %v (seen %v)", err, seen)
		}
		seen = append(seen, n.Type)
		if n.BatchID != reg.BatchID {
			t.Errorf("notification %s for batch %q on a watch of %s", n.Type, n.BatchID, reg.BatchID)
		}
		switch n.Type {
		case "phase_progress", "phase_completed":
			var pr progress
			if err := n.DecodePayload(&pr); err != nil {
				t.Fatal(err)
			}
			if pr.Total != len(files) {
				t.Errorf("%s of %s: total %d, want %d", n.Type, pr.Phase, pr.Total, len(files))
			}
			maxDone[pr.Phase] = max(maxDone[pr.Phase], pr.Done)
		case "batch_results_ready":
			if err := n.DecodePayload(&ready); err != nil {
				t.Fatal(err)
			}
		}
		if n.Type == "batch_results_ready" {
			break
		}
	}
	for _, phase := range []string{"spellcheck", "nlp"} {
		if maxDone[phase] != len(files) {
			t.Errorf("progress of %s reached %d done, want %d (notifications %v)", phase, maxDone[phase], len(files), seen)
		}
	}
	if ready.Pipeline != client.PipelineNLP || ready.TotalEssays != len(files) || ready.CompletedEssays != len(files) ||
		ready.Status != client.StatusCompletedSuccessfully {
		t.Errorf("results ready payload %+v, want nlp with %d of %d essays, completed_successfully", ready, len(files), len(files))
	}
	// What the notification announced is what the API serves.
	res, err := p.c.Results(ctx, reg.BatchID)
	if err != nil {
		t.Fatal(err)
	}
	if !res.ResultsReady || len(res.Essays) != len(files) {
		t.Errorf("results ready %v with %d essays, want ready with %d", res.ResultsReady, len(res.Essays), len(files))
	}
	for _, e := range res.Essays {
		if e.WordCount == nil || e.SpellingCorrections == nil {
			t.Errorf("essay %s: word count %v, corrections %v; want both from nlp and spellcheck", e.FileName, e.WordCount, e.SpellingCorrections)
		}
	}
}
