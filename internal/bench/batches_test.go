package bench

import (
	"slices"
	"testing"
)

func TestSplitIsEvenAndKeepsOrder(t *testing.T) {
	for _, c := range []struct {
		name string
		n, k int
		want []int
	}{
		{"one batch", 7, 1, []int{7}},
		{"even", 200, 4, []int{50, 50, 50, 50}},
		{"remainder to the first", 10, 3, []int{4, 3, 3}},
		{"one essay each", 5, 5, []int{1, 1, 1, 1, 1}},
		{"almost one each", 5, 4, []int{2, 1, 1, 1}},
	} {
		t.Run(c.name, func(t *testing.T) {
			xs := make([]int, c.n)
			for i := range xs {
				xs[i] = i
			}
			parts := split(xs, c.k)
			var sizes, joined []int
			for _, p := range parts {
				sizes = append(sizes, len(p))
				joined = append(joined, p...)
			}
			if !slices.Equal(sizes, c.want) {
				t.Errorf("sizes: got %v, want %v", sizes, c.want)
			}
			if !slices.Equal(joined, xs) {
				t.Errorf("parts joined: got %v, want %v", joined, xs)
			}
			// A part cannot grow into the next one.
			if len(parts) > 1 {
				parts[0] = append(parts[0], -1)
				if parts[1][0] == -1 {
					t.Error("appending to the first part overwrote the second")
				}
			}
		})
	}
}

// TestBatchesHaveDistinctEssays checks the essays as Pipeline splits them:
// no text and no file name repeats, within a batch or across batches.
func TestBatchesHaveDistinctEssays(t *testing.T) {
	const n, k = 203, 4
	parts := split(Essays(n, 11), k)
	texts, names := map[string]int{}, map[string]int{}
	total := 0
	for b, part := range parts {
		if len(part) < n/k || len(part) > n/k+1 {
			t.Errorf("batch %d: %d essays, want %d or %d", b, len(part), n/k, n/k+1)
		}
		for _, e := range part {
			total++
			if prev, ok := texts[e.Text]; ok {
				t.Errorf("batch %d: %s repeats a text of batch %d", b, e.Name, prev)
			}
			if prev, ok := names[e.Name]; ok {
				t.Errorf("batch %d: file name %s repeats one of batch %d", b, e.Name, prev)
			}
			texts[e.Text], names[e.Name] = b, b
		}
	}
	if total != n {
		t.Errorf("essays in all batches: got %d, want %d", total, n)
	}
}

func TestOptionsBatches(t *testing.T) {
	for _, c := range []struct {
		name          string
		essays, batch int
		want          int // 0: an error
	}{
		{"default", 10, 0, 1},
		{"several", 10, 4, 4},
		{"one essay each", 10, 10, 10},
		{"more batches than essays", 3, 4, 0},
		{"negative", 10, -1, 0},
	} {
		t.Run(c.name, func(t *testing.T) {
			o := Options{Essays: c.essays, Batches: c.batch, Bin: "hule"}
			err := o.defaults()
			switch {
			case c.want == 0 && err == nil:
				t.Errorf("got batches %d, want an error", o.Batches)
			case c.want != 0 && err != nil:
				t.Errorf("got %v, want batches %d", err, c.want)
			case c.want != 0 && o.Batches != c.want:
				t.Errorf("batches: got %d, want %d", o.Batches, c.want)
			}
		})
	}
}
