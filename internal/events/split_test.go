package events

import (
	"fmt"
	"testing"

	"github.com/go-json-experiment/json"
)

func BenchmarkSplit(b *testing.B) {
	for _, n := range []int{300, 3000} {
		rich, _ := Marshal(benchRich(n))
		b.Run(fmt.Sprintf("walk/%d", n), func(b *testing.B) {
			for b.Loop() {
				checkEnvelope(envelopeNode, rich, "")
			}
		})
		b.Run(fmt.Sprintf("unmarshal/%d", n), func(b *testing.B) {
			for b.Loop() {
				env := Envelope[Event]{Data: new(AssessmentResultV1)}
				json.Unmarshal(rich, &env, decodeOptions)
			}
		})
	}
}
