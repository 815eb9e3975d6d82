package cli

import (
	"errors"
	"fmt"
	"net"

	"github.com/spf13/cobra"
	"github.com/twmb/franz-go/pkg/kfake"
)

func newKafkaCmd(env Env) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "kafka",
		Short: "Kafka helpers for trying distributed mode on one machine",
		Args:  cobra.NoArgs,
	}
	cmd.AddCommand(newKafkaDevCmd(env))
	return cmd
}

// kafkaDevFlags are the options of `hule kafka dev`.
type kafkaDevFlags struct {
	addr       string
	data       string
	partitions int
	syncWrites bool
}

func newKafkaDevCmd(env Env) *cobra.Command {
	var f kafkaDevFlags
	cmd := &cobra.Command{
		Use:   "dev",
		Short: "Run a single-broker, Kafka-compatible dev cluster (franz-go's kfake) until interrupted",
		Long: `Run a single-broker, Kafka-protocol-compatible cluster in this process, built on
franz-go's kfake, until interrupted (Ctrl-C or SIGTERM). It prints the bus URL
that hule commands take, kafka://host:port, once it is listening.

This is for development and tests only, NOT for production: kfake is a fake
written for testing Kafka clients. It has one broker, no replication, no
security and is not tuned for load. It lets several hule processes share a
Kafka bus on one machine without installing Kafka: start it, then give every
hule process --bus kafka://127.0.0.1:9092.

To use a real Kafka cluster instead, skip this command and point hule at the
cluster's brokers: --bus kafka://broker1:9092,broker2:9092.

Without --data everything lives in memory and is gone when the command stops.
With --data DIR topics, records, committed group offsets and producer state
are written under DIR and reloaded on the next start; writes reach the disk
on segment roll and at shutdown unless --sync-writes fsyncs every batch.

Topics that a client creates without a partition count, or that the broker
creates on first use, get --partitions partitions.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return runKafkaDev(cmd, env, f)
		},
	}
	cmd.Flags().StringVar(&f.addr, "addr", "127.0.0.1:9092", "listen address, host:port (port 0 picks a free one)")
	cmd.Flags().StringVar(&f.data, "data", "", "directory to persist the cluster in (default: memory only)")
	cmd.Flags().IntVar(&f.partitions, "partitions", 6, "partitions of topics created without an explicit count")
	cmd.Flags().BoolVar(&f.syncWrites, "sync-writes", false, "fsync every produced batch (with --data)")
	return cmd
}

func runKafkaDev(cmd *cobra.Command, env Env, f kafkaDevFlags) error {
	if f.partitions < 1 {
		return fmt.Errorf("--partitions %d: want at least 1", f.partitions)
	}
	if f.syncWrites && f.data == "" {
		return errors.New("--sync-writes needs --data")
	}
	if _, _, err := net.SplitHostPort(f.addr); err != nil {
		return fmt.Errorf("--addr %q: %w", f.addr, err)
	}
	opts := []kfake.Opt{
		kfake.NumBrokers(1),
		// kfake listens on 127.0.0.1 by default; use the requested address.
		kfake.ListenFn(func(network, _ string) (net.Listener, error) {
			var lc net.ListenConfig
			return lc.Listen(cmd.Context(), network, f.addr)
		}),
		kfake.AllowAutoTopicCreation(),
		kfake.DefaultNumPartitions(f.partitions),
		kfake.ClusterID("hule-dev"),
	}
	if f.data != "" {
		opts = append(opts, kfake.DataDir(f.data))
	}
	if f.syncWrites {
		opts = append(opts, kfake.SyncWrites())
	}
	cluster, err := kfake.NewCluster(opts...)
	if err != nil {
		return fmt.Errorf("start kafka dev cluster: %w", err)
	}
	defer cluster.Close()

	addrs := cluster.ListenAddrs()
	if len(addrs) == 0 {
		return errors.New("start kafka dev cluster: no listener")
	}
	storage := "memory only"
	if f.data != "" {
		storage = "persisted in " + f.data
	}
	if _, err := fmt.Fprintf(env.Stdout,
		"kafka dev cluster listening on %s (%s; for development and tests, not production)\nuse --bus kafka://%s\n",
		addrs[0], storage, addrs[0]); err != nil {
		return err
	}
	<-cmd.Context().Done()
	return nil
}
