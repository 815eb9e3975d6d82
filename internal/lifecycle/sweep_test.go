package lifecycle

import (
	"context"
	"database/sql"
	"testing"

	"github.com/hule-dev/hule/internal/store"
	"github.com/hule-dev/hule/internal/store/storetest"
)

// TestSweepRepairsRaces builds, by hand, the states that concurrent
// handlers on PostgreSQL can leave, and checks that one sweep repairs each
// exactly once.
func TestSweepRepairsRaces(t *testing.T) {
	dbKinds(t, func(t *testing.T, open func(t *testing.T) *store.DB) {
		ctx := context.Background()
		h := newHarness(t, open(t))
		// b1: the registration did not see two uploads held meanwhile.
		h.must(registered("b1", 2))
		for _, id := range []string{"t1", "t2"} {
			err := store.InTx(ctx, h.db.DB, func(tx *sql.Tx) error {
				return h.svc.hold(ctx, tx, "b1", inboxContent, id, content("b1", id))
			})
			if err != nil {
				t.Fatal(err)
			}
		}
		// b2: the last upload and a validation failure each missed the other.
		h.must(registered("b2", 2))
		h.must(content("b2", "u1"))
		if _, err := h.db.ExecContext(ctx, `UPDATE lifecycle_batches SET expected_count = 1 WHERE batch_id = 'b2'`); err != nil {
			t.Fatal(err)
		}
		// b3: a spellcheck run whose last result did not see the others'.
		h.must(registered("b3", 1))
		h.must(content("b3", "v1"))
		h.must(spellcheckCmd("b3", refs("b3-e1", "v1")))
		if _, err := h.db.ExecContext(ctx, `UPDATE lifecycle_phase_essays SET result = 'success', output_storage_id = 'w1'
			WHERE batch_id = 'b3'`); err != nil {
			t.Fatal(err)
		}
		h.rec.Reset()

		for range 2 { // the second sweep finds nothing left
			if err := h.svc.Sweep(ctx); err != nil {
				t.Fatal(err)
			}
		}
		done := h.provisioned()
		if len(done) != 2 || done[0].BatchID == done[1].BatchID {
			t.Fatalf("sweeps published %d provisioning completions, want one for b1 and one for b2", len(done))
		}
		for _, d := range done {
			want := map[string]int{"b1": 2, "b2": 1}[d.BatchID]
			if len(d.EssaysForProcessing) != want {
				t.Errorf("%s completed with %d essays, want %d", d.BatchID, len(d.EssaysForProcessing), want)
			}
		}
		out := h.outcomes()
		if len(out) != 1 || out[0].BatchID != "b3" || out[0].ProcessedEssays[0].TextStorageID != "w1" {
			t.Errorf("sweeps reported %+v, want b3's spellcheck", out)
		}
		if n := storetest.Count(t, h.db.DB, `SELECT COUNT(*) FROM lifecycle_inbox`); n != 0 {
			t.Errorf("%d uploads still held", n)
		}
	})
}
