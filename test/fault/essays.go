package fault

import (
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/hule-dev/hule/internal/client"
)

// Essays returns n distinct essay files made from the example essays in
// dir (examples/essays): example i mod len, with its paragraphs rotated
// and a closing line naming its number, so no two texts are equal (the
// platform rejects a batch's duplicate texts) while each stays a real
// learner text for the spellchecker, the metrics and the judge.
func Essays(dir string, n int) ([]client.File, error) {
	names, err := filepath.Glob(filepath.Join(dir, "*.txt"))
	if err != nil {
		return nil, err
	}
	if len(names) == 0 {
		return nil, fmt.Errorf("no example essays in %s", dir)
	}
	sort.Strings(names)
	texts := make([][]string, len(names))
	for i, name := range names {
		b, err := os.ReadFile(name)
		if err != nil {
			return nil, err
		}
		texts[i] = strings.Split(strings.TrimSpace(string(b)), "\n\n")
	}
	files := make([]client.File, n)
	for i := range n {
		paras := texts[i%len(texts)]
		round := i / len(texts)
		rotated := append(append([]string(nil), paras[round%len(paras):]...), paras[:round%len(paras)]...)
		text := strings.Join(rotated, "\n\n") + fmt.Sprintf("\n\nThis is essay number %d of the test.\n", i+1)
		files[i] = client.File{Name: fmt.Sprintf("essay-%04d.txt", i+1), Data: []byte(text)}
	}
	return files, nil
}
