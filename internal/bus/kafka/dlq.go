package kafka

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/hule-dev/hule/internal/bus"
)

// DLQGroup is the consumer group whose committed offsets are the replay
// cursor of the dead-letter topics: per partition of a <topic>.DLQ topic,
// the records before its committed offset were replayed, the ones from it
// on are pending. No process consumes as this group; ListDeadLetters reads
// its offsets and ReplayDeadLetters commits them. A Kafka log cannot delete
// single records, so replayed dead letters stay in the topic until the
// topic's retention removes them.
const DLQGroup = "hule-dlq"

// dlqClientID names the dead-letter tool's client in broker logs.
const dlqClientID = "hule-dlq"

// ListDeadLetters returns the pending dead letters (those after the
// DLQGroup cursor, up to the end of the partition at the call) of topic's
// dead-letter topic, or of every dead-letter topic when topic is "",
// ordered by topic, partition and offset. Each one's ID is the message UUID
// header, or "<dlqtopic>/<partition>/<offset>" for a record without one.
func ListDeadLetters(ctx context.Context, brokers []string, topic string) ([]bus.DeadLetter, error) {
	cl, err := newDLQClient(brokers)
	if err != nil {
		return nil, err
	}
	defer cl.Close()
	s, err := scanDeadLetters(ctx, brokers, cl, topic)
	if err != nil {
		return nil, err
	}
	out := make([]bus.DeadLetter, len(s.letters))
	for i, l := range s.letters {
		out[i] = l.dl
	}
	return out, nil
}

// Replayed is what ReplayDeadLetters did.
type Replayed struct {
	// N counts the dead letters produced back to their topics.
	N int
	// Listed holds the ids of replayed dead letters that an earlier pending
	// dead letter of the same partition keeps the cursor from passing: they
	// stay listed, and a later replay of their topic sends them again, which
	// the consumers' idempotency records turn into no-ops.
	Listed []string
}

// ReplayDeadLetters produces pending dead letters back to the topic they
// failed on and moves the DLQGroup cursor past them. With id "" it replays
// every pending dead letter of topic's dead-letter topic (of every
// dead-letter topic when topic is "") and commits the cursor to the end
// offsets it read. With id set it replays the pending dead letters with
// that id (searching only topic's dead-letter topic when topic is set) and
// advances a partition's cursor only over a leading run of them: a
// dead letter behind another pending one is replayed but stays listed
// (Replayed.Listed). An unknown id replays nothing and is no error.
//
// A replayed record keeps its key, value and headers, without the dlq_*
// ones the bus added (as bus.Replay does), so it carries its original
// UUID: a consumer that already handled the event acknowledges it as a
// duplicate. Every record is acknowledged by Kafka before the cursor is
// committed, so a failed produce leaves every dead letter listed. A crash
// or a failed commit after the produce leaves them listed too, and the next
// replay sends them twice; idempotency makes that harmless.
func ReplayDeadLetters(ctx context.Context, brokers []string, topic, id string) (Replayed, error) {
	cl, err := newDLQClient(brokers)
	if err != nil {
		return Replayed{}, err
	}
	defer cl.Close()
	s, err := scanDeadLetters(ctx, brokers, cl, topic)
	if err != nil {
		return Replayed{}, err
	}
	var recs []*kgo.Record
	for _, l := range s.letters {
		if id == "" || l.dl.ID == id {
			recs = append(recs, replayRecord(l))
		}
	}
	if len(recs) == 0 {
		return Replayed{}, nil
	}
	if err := cl.ProduceSync(ctx, recs...).FirstErr(); err != nil {
		return Replayed{}, fmt.Errorf("replay dead letters: %w", err)
	}
	offsets, listed := s.cursors(id)
	if len(offsets) == 0 {
		return Replayed{N: len(recs), Listed: listed}, nil
	}
	if err := kadm.NewClient(cl).CommitAllOffsets(ctx, DLQGroup, offsets); err != nil {
		return Replayed{N: len(recs), Listed: listed},
			fmt.Errorf("replayed %d dead letter(s) but did not move the %s cursor past them (a next replay sends them again): %w",
				len(recs), DLQGroup, err)
	}
	return Replayed{N: len(recs), Listed: listed}, nil
}

// newDLQClient returns the client that reads, produces and commits for the
// dead-letter tool. Produced records wait for every in-sync replica, as the
// Publisher's do.
func newDLQClient(brokers []string) (*kgo.Client, error) {
	cfg := Config{Brokers: brokers}
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	cl, err := kgo.NewClient(
		kgo.SeedBrokers(brokers...),
		kgo.ClientID(dlqClientID),
		kgo.RequiredAcks(kgo.AllISRAcks()),
		kgo.RecordDeliveryTimeout(DefaultProduceTimeout),
		kgo.ProducerLinger(0),
	)
	if err != nil {
		return nil, fmt.Errorf("new kafka client: %w", err)
	}
	return cl, nil
}

// letter is one pending dead letter: its record and its listed form.
type letter struct {
	rec *kgo.Record
	dl  bus.DeadLetter
}

// topicPartition names one partition of a dead-letter topic.
type topicPartition struct {
	topic     string
	partition int32
}

// dlqScan is one read of the dead-letter topics.
type dlqScan struct {
	// letters are the pending dead letters by topic, partition and offset.
	letters []letter
	// ends are the end offsets read to, of the partitions with letters.
	ends map[topicPartition]int64
}

// scanDeadLetters reads the pending records of topic's dead-letter topic,
// or of every dead-letter topic when topic is "": per partition, from the
// DLQGroup cursor (or the log start, when nothing is committed or
// retention removed records past the cursor) to the end offset at the call.
func scanDeadLetters(ctx context.Context, brokers []string, cl *kgo.Client, topic string) (dlqScan, error) {
	adm := kadm.NewClient(cl)
	var topics []string
	if topic != "" {
		topics = []string{topic + bus.DLQSuffix}
	} else {
		all, err := adm.ListTopics(ctx)
		if err != nil {
			return dlqScan{}, fmt.Errorf("list kafka topics: %w", err)
		}
		for _, t := range all.Names() {
			if strings.HasSuffix(t, bus.DLQSuffix) {
				topics = append(topics, t)
			}
		}
	}
	if len(topics) == 0 {
		return dlqScan{}, nil
	}
	starts, err := listedOffsets(ctx, adm.ListStartOffsets, topics)
	if err != nil {
		return dlqScan{}, fmt.Errorf("start offsets of dead-letter topics: %w", err)
	}
	ends, err := listedOffsets(ctx, adm.ListEndOffsets, topics)
	if err != nil {
		return dlqScan{}, fmt.Errorf("end offsets of dead-letter topics: %w", err)
	}
	committed, err := adm.FetchOffsets(ctx, DLQGroup)
	if err != nil && !errors.Is(err, kerr.GroupIDNotFound) {
		return dlqScan{}, fmt.Errorf("offsets of group %s: %w", DLQGroup, err)
	}
	s := dlqScan{ends: map[topicPartition]int64{}}
	from := map[string]map[int32]kgo.Offset{}
	for tp, end := range ends {
		at := starts[tp]
		if c, ok := committed.Lookup(tp.topic, tp.partition); ok && c.Err == nil && c.At > at {
			at = c.At
		}
		if at >= end {
			continue
		}
		if from[tp.topic] == nil {
			from[tp.topic] = map[int32]kgo.Offset{}
		}
		from[tp.topic][tp.partition] = kgo.NewOffset().At(at)
		s.ends[tp] = end
	}
	if len(from) == 0 {
		return s, nil
	}
	recs, err := readRange(ctx, brokers, from, s.ends)
	if err != nil {
		return dlqScan{}, err
	}
	slices.SortFunc(recs, func(a, b *kgo.Record) int {
		return cmp.Or(strings.Compare(a.Topic, b.Topic), cmp.Compare(a.Partition, b.Partition), cmp.Compare(a.Offset, b.Offset))
	})
	s.letters = make([]letter, len(recs))
	for i, r := range recs {
		s.letters[i] = letter{rec: r, dl: deadLetter(r)}
	}
	return s, nil
}

// listedOffsets runs list (kadm's start or end offsets) for topics. A topic
// that does not exist has no partitions; any other error fails.
func listedOffsets(ctx context.Context, list func(context.Context, ...string) (kadm.ListedOffsets, error),
	topics []string,
) (map[topicPartition]int64, error) {
	listed, err := list(ctx, topics...)
	if err != nil {
		return nil, err
	}
	out := map[topicPartition]int64{}
	var errs []error
	listed.Each(func(o kadm.ListedOffset) {
		switch {
		case errors.Is(o.Err, kerr.UnknownTopicOrPartition):
		case o.Err != nil:
			errs = append(errs, fmt.Errorf("%s/%d: %w", o.Topic, o.Partition, o.Err))
		default:
			out[topicPartition{o.Topic, o.Partition}] = o.Offset
		}
	})
	return out, errors.Join(errs...)
}

// readRange consumes the given partitions from their offsets until each
// reached its end offset (exclusive); records past it, dead-lettered during
// the read, wait for the next call. A partition is also done when its log
// start moved past the end (retention removed the rest during the read).
// A partition whose last offsets before the end hold no records (another
// producer's transaction markers; hule writes none) is never done: the
// caller's context bounds the read, and `hule dlq` gives it --timeout.
func readRange(ctx context.Context, brokers []string, from map[string]map[int32]kgo.Offset,
	ends map[topicPartition]int64,
) ([]*kgo.Record, error) {
	cl, err := kgo.NewClient(
		kgo.SeedBrokers(brokers...),
		kgo.ClientID(dlqClientID),
		kgo.ConsumePartitions(from),
		// Records of aborted transactions (a foreign producer's) are no
		// dead letters to replay.
		kgo.FetchIsolationLevel(kgo.ReadCommitted()),
	)
	if err != nil {
		return nil, fmt.Errorf("new kafka consumer: %w", err)
	}
	defer cl.Close()
	next := map[topicPartition]int64{}
	done := map[topicPartition]bool{}
	var out []*kgo.Record
	for len(done) < len(ends) {
		fs := cl.PollFetches(ctx)
		if err := ctx.Err(); err != nil {
			return nil, fmt.Errorf("read dead letters: %w", err)
		}
		var ferr error
		fs.EachPartition(func(p kgo.FetchTopicPartition) {
			tp := topicPartition{p.Topic, p.Partition}
			end, ok := ends[tp]
			var lost *kgo.ErrDataLoss
			if p.Err != nil && !errors.As(p.Err, &lost) { // data loss only says retention moved the start
				ferr = errors.Join(ferr, fmt.Errorf("read %s/%d: %w", p.Topic, p.Partition, p.Err))
				return
			}
			if !ok {
				return
			}
			for _, r := range p.Records {
				if r.Offset >= end || r.Offset < next[tp] {
					continue
				}
				out = append(out, r)
				next[tp] = r.Offset + 1
			}
			if next[tp] >= end || p.LogStartOffset >= end {
				done[tp] = true
			}
		})
		if ferr != nil {
			return nil, ferr
		}
	}
	return out, nil
}

// deadLetter is the listed form of a dead-letter record.
func deadLetter(r *kgo.Record) bus.DeadLetter {
	id := ""
	meta := make(map[string]string, len(r.Headers))
	for _, h := range r.Headers {
		if h.Key == UUIDHeader {
			id = string(h.Value)
			continue
		}
		meta[h.Key] = string(h.Value)
	}
	if id == "" {
		id = r.Topic + "/" + strconv.Itoa(int(r.Partition)) + "/" + strconv.FormatInt(r.Offset, 10)
	}
	return bus.NewDeadLetter(strings.TrimSuffix(r.Topic, bus.DLQSuffix), id, r.Offset, r.Value, meta)
}

// replayRecord is the record that puts l back on the topic it failed on.
func replayRecord(l letter) *kgo.Record {
	headers := make([]kgo.RecordHeader, 0, len(l.rec.Headers))
	for _, h := range l.rec.Headers {
		if !bus.IsDLQMetadata(h.Key) {
			headers = append(headers, h)
		}
	}
	return &kgo.Record{Topic: l.dl.Topic, Key: l.rec.Key, Value: l.rec.Value, Headers: headers}
}

// cursors returns the DLQGroup offsets to commit after replaying the
// letters matching id ("" matches all), and the ids of the replayed
// letters the cursor stays behind. A partition's cursor moves over the
// leading run of replayed letters: to the end offset read when that run is
// all of the partition's pending letters, else to just past the run.
func (s dlqScan) cursors(id string) (kadm.Offsets, []string) {
	offsets := kadm.Offsets{}
	var listed []string
	for i := 0; i < len(s.letters); {
		tp := topicPartition{s.letters[i].rec.Topic, s.letters[i].rec.Partition}
		j := i
		for j < len(s.letters) && s.letters[j].rec.Topic == tp.topic && s.letters[j].rec.Partition == tp.partition {
			j++
		}
		part := s.letters[i:j]
		run := 0
		for run < len(part) && (id == "" || part[run].dl.ID == id) {
			run++
		}
		switch {
		case run == len(part):
			offsets.Add(kadm.Offset{Topic: tp.topic, Partition: tp.partition, At: s.ends[tp], LeaderEpoch: -1})
		case run > 0:
			offsets.Add(kadm.Offset{Topic: tp.topic, Partition: tp.partition, At: part[run-1].rec.Offset + 1, LeaderEpoch: -1})
		}
		for _, l := range part[run:] {
			if id == "" || l.dl.ID == id {
				listed = append(listed, l.dl.ID)
			}
		}
		i = j
	}
	return offsets, listed
}
