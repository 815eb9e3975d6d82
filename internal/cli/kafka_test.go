package cli

import (
	"bufio"
	"context"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kgo"
)

// startKafkaDev runs `hule kafka dev` with args until the returned stop is
// called, and returns the bootstrap address it printed.
func startKafkaDev(t *testing.T, args ...string) (addr string, stop func()) {
	t.Helper()
	ctx, cancel := context.WithCancel(t.Context())
	outR, outW := io.Pipe()
	done := make(chan error, 1)
	go func() {
		err := Run(ctx, append([]string{"kafka", "dev"}, args...), Env{Stdout: outW, Stderr: io.Discard})
		_ = outW.Close()
		done <- err
	}()
	addrs := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(outR)
		for sc.Scan() {
			if rest, ok := strings.CutPrefix(sc.Text(), "use --bus kafka://"); ok {
				addrs <- rest
			}
		}
	}()
	select {
	case addr = <-addrs:
	case err := <-done:
		cancel()
		t.Fatalf("kafka dev exited before listening: %v", err)
	case <-time.After(20 * time.Second):
		cancel()
		t.Fatal("kafka dev printed no address")
	}
	return addr, func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("kafka dev: got %v, want nil after cancel", err)
		}
	}
}

func produce(t *testing.T, addr, topic, value string) {
	t.Helper()
	cl, err := kgo.NewClient(kgo.SeedBrokers(addr), kgo.AllowAutoTopicCreation())
	if err != nil {
		t.Fatalf("new producer: %v", err)
	}
	defer cl.Close()
	ctx, cancel := context.WithTimeout(t.Context(), 20*time.Second)
	defer cancel()
	if err := cl.ProduceSync(ctx, &kgo.Record{Topic: topic, Key: []byte("k"), Value: []byte(value)}).FirstErr(); err != nil {
		t.Fatalf("produce: %v", err)
	}
}

func consumeFirst(t *testing.T, addr, topic string) string {
	t.Helper()
	cl, err := kgo.NewClient(kgo.SeedBrokers(addr), kgo.ConsumeTopics(topic),
		kgo.ConsumeResetOffset(kgo.NewOffset().AtStart()))
	if err != nil {
		t.Fatalf("new consumer: %v", err)
	}
	defer cl.Close()
	ctx, cancel := context.WithTimeout(t.Context(), 20*time.Second)
	defer cancel()
	for {
		fs := cl.PollRecords(ctx, 1)
		if ctx.Err() != nil {
			t.Fatalf("consume %s: %v", topic, ctx.Err())
		}
		if recs := fs.Records(); len(recs) > 0 {
			return string(recs[0].Value)
		}
	}
}

func TestKafkaDevProducesAndConsumes(t *testing.T) {
	addr, stop := startKafkaDev(t, "--addr", "127.0.0.1:0", "--partitions", "2")
	defer stop()
	if strings.HasSuffix(addr, ":0") {
		t.Fatalf("address %q: want the chosen port", addr)
	}
	produce(t, addr, "hello", "world")
	if got := partitionCount(t, addr, "hello"); got != 2 {
		t.Errorf("auto-created topic has %d partitions, want 2 (--partitions)", got)
	}
	if got := consumeFirst(t, addr, "hello"); got != "world" {
		t.Errorf("consumed %q, want %q", got, "world")
	}
}

func partitionCount(t *testing.T, addr, topic string) int {
	t.Helper()
	cl, err := kgo.NewClient(kgo.SeedBrokers(addr))
	if err != nil {
		t.Fatalf("new admin client: %v", err)
	}
	defer cl.Close()
	details, err := kadm.NewClient(cl).ListTopics(t.Context(), topic)
	if err != nil {
		t.Fatalf("list topics: %v", err)
	}
	return len(details[topic].Partitions)
}

func TestKafkaDevPersistsToDataDir(t *testing.T) {
	dir := t.TempDir()
	addr, stop := startKafkaDev(t, "--addr", "127.0.0.1:0", "--data", dir)
	produce(t, addr, "kept", "across restarts")
	stop()

	addr, stop = startKafkaDev(t, "--addr", "127.0.0.1:0", "--data", dir)
	defer stop()
	if got := consumeFirst(t, addr, "kept"); got != "across restarts" {
		t.Errorf("after restart consumed %q, want %q", got, "across restarts")
	}
}

func TestKafkaDevRejectsBadFlags(t *testing.T) {
	cases := []struct {
		name string
		args []string
		want string
	}{
		{name: "no partitions", args: []string{"--partitions", "0"}, want: "--partitions"},
		{name: "sync without data", args: []string{"--sync-writes"}, want: "--data"},
		{name: "address without port", args: []string{"--addr", "localhost"}, want: "--addr"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			err := Run(t.Context(), append([]string{"kafka", "dev"}, tc.args...), Env{Stdout: io.Discard, Stderr: io.Discard})
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("got %v, want error mentioning %s", err, tc.want)
			}
		})
	}
}
