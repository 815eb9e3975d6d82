package kafka_test

import (
	"slices"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/ThreeDotsLabs/watermill"
	"github.com/ThreeDotsLabs/watermill/message"

	"github.com/hule-dev/hule/internal/bus/kafka"
)

// BenchmarkKafkaPubSub measures end-to-end throughput and latency of 1 KB
// messages through an in-process kfake broker, with one subscriber whose
// handler acknowledges at once and 64 keys over 6 partitions. "batched" has
// four publishers sending batches of 100, as the outbox relay does; "single"
// has one publisher sending one message per Publish, for latency. Latency
// runs from the Publish call to the handler receiving the message.
func BenchmarkKafkaPubSub(b *testing.B) {
	b.Run("batched", func(b *testing.B) { benchPubSub(b, 4, 100) })
	b.Run("single", func(b *testing.B) { benchPubSub(b, 1, 1) })
}

func benchPubSub(b *testing.B, publishers, batchSize int) {
	const (
		keys   = 64
		sentAt = "bench_sent_at"
	)
	brokers := newCluster(b)
	cfg := testConfig(brokers, "bench", 6)
	cfg.MaxInFlight = 1024
	pub, sub := newPubSub(b, cfg)
	if err := sub.SubscribeInitialize("bench"); err != nil {
		b.Fatalf("create topic: %v", err)
	}
	msgs, err := sub.Subscribe(b.Context(), "bench")
	if err != nil {
		b.Fatalf("subscribe: %v", err)
	}
	// Warm up: wait until the member owns its partitions and a message went
	// round, so the measurement excludes joining the group.
	if err := pub.Publish("bench", message.NewMessage(watermill.NewUUID(), nil)); err != nil {
		b.Fatalf("publish warm-up: %v", err)
	}
	select {
	case m := <-msgs:
		m.Ack()
	case <-time.After(30 * time.Second):
		b.Fatal("warm-up message not received")
	}
	payload := make([]byte, 1024)
	for i := range payload {
		payload[i] = 'a' + byte(i%26)
	}

	latencies := make([]time.Duration, 0, b.N)
	consumed := make(chan struct{})
	go func() {
		defer close(consumed)
		seen := map[string]bool{}
		for m := range msgs {
			if !seen[m.UUID] { // at-least-once: count each message once
				seen[m.UUID] = true
				ns, _ := strconv.ParseInt(m.Metadata.Get(sentAt), 10, 64)
				latencies = append(latencies, time.Since(time.Unix(0, ns)))
			}
			m.Ack()
			if len(latencies) == b.N {
				return
			}
		}
	}()

	b.ResetTimer()
	start := time.Now()
	var wg sync.WaitGroup
	for p := range publishers {
		wg.Go(func() {
			for lo := p * batchSize; lo < b.N; lo += publishers * batchSize {
				hi := min(lo+batchSize, b.N)
				now := strconv.FormatInt(time.Now().UnixNano(), 10)
				batch := make([]*message.Message, 0, hi-lo)
				for i := lo; i < hi; i++ {
					m := message.NewMessage(watermill.NewUUID(), payload)
					m.Metadata.Set(kafka.PartitionKeyMetadata, "batch-"+strconv.Itoa(i%keys))
					m.Metadata.Set(sentAt, now)
					batch = append(batch, m)
				}
				if err := pub.Publish("bench", batch...); err != nil {
					b.Errorf("publish: %v", err)
					return
				}
			}
		})
	}
	wg.Wait()
	<-consumed
	elapsed := time.Since(start)
	b.StopTimer()

	slices.Sort(latencies)
	if len(latencies) > 0 {
		b.ReportMetric(float64(b.N)/elapsed.Seconds(), "msgs/s")
		b.ReportMetric(float64(latencies[len(latencies)/2].Microseconds())/1000, "p50-ms")
		b.ReportMetric(float64(latencies[len(latencies)*99/100].Microseconds())/1000, "p99-ms")
	}
}
