package kafka

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/ThreeDotsLabs/watermill/message"
	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/twmb/franz-go/pkg/kmsg"
)

// maxPollRecords caps one poll so that a single fetch cannot hold a rebalance
// back for long (rebalances wait while a poll's records are being queued).
const maxPollRecords = 1000

// finalCommitTimeout bounds the commit made when partitions are revoked.
const finalCommitTimeout = 10 * time.Second

// Subscriber consumes Kafka topics as a member of one consumer group. Each
// Subscribe call starts its own group member for its topic, so a service that
// subscribes to five topics runs five members of its group.
//
// Messages are handed out concurrently across keys and strictly in order
// within a key; offsets are committed only up to the first record not yet
// acknowledged, so a crash redelivers everything unacknowledged (and possibly
// some acknowledged records beyond a gap: delivery is at least once).
type Subscriber struct {
	cfg    Config
	log    *slog.Logger
	admin  *kgo.Client
	topics *topicMaker

	mu        sync.Mutex
	closed    bool
	closing   chan struct{}
	running   sync.WaitGroup
	closeOnce sync.Once
}

var (
	_ message.Subscriber           = (*Subscriber)(nil)
	_ message.SubscribeInitializer = (*Subscriber)(nil)
)

// NewSubscriber prepares a subscriber for cfg.ConsumerGroup. Connections are
// opened lazily, by Subscribe.
func NewSubscriber(cfg Config, logger *slog.Logger) (*Subscriber, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	if cfg.ConsumerGroup == "" {
		return nil, errors.New("kafka config: subscriber needs a consumer group")
	}
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	cfg = cfg.withDefaults()
	admin, err := kgo.NewClient(cfg.clientOpts(logger)...)
	if err != nil {
		return nil, fmt.Errorf("new kafka admin client: %w", err)
	}
	return &Subscriber{
		cfg:     cfg,
		log:     logger.With("consumer_group", cfg.ConsumerGroup),
		admin:   admin,
		topics:  newTopicMaker(cfg, admin),
		closing: make(chan struct{}),
	}, nil
}

// SubscribeInitialize creates topic if the config asks for admin creation.
func (s *Subscriber) SubscribeInitialize(topic string) error {
	ctx, cancel := context.WithTimeout(context.Background(), s.cfg.ProduceTimeout)
	defer cancel()
	return s.topics.ensure(ctx, topic)
}

// Subscribe joins the consumer group for topic and returns the channel its
// messages arrive on. The channel closes after ctx is canceled or the
// subscriber is closed, once the acknowledged offsets are committed.
func (s *Subscriber) Subscribe(ctx context.Context, topic string) (<-chan *message.Message, error) {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return nil, ErrClosed
	}
	s.running.Add(1)
	s.mu.Unlock()

	if err := s.topics.ensure(ctx, topic); err != nil {
		s.running.Done()
		return nil, err
	}
	subCtx, cancel := context.WithCancel(ctx)
	sub := &subscription{
		cfg:    s.cfg,
		log:    s.log.With("topic", topic),
		topic:  topic,
		ctx:    subCtx,
		out:    make(chan *message.Message),
		sem:    make(chan struct{}, s.cfg.MaxInFlight),
		parts:  map[int32]*partition{},
		commit: make(chan struct{}, 1),
	}
	rebalanceTimeout := time.Minute
	if t := s.cfg.RevokeTimeout + 10*time.Second; t > rebalanceTimeout {
		rebalanceTimeout = t
	}
	opts := append(s.cfg.clientOpts(s.log),
		kgo.ConsumerGroup(s.cfg.ConsumerGroup),
		kgo.ConsumeTopics(topic),
		kgo.ConsumeResetOffset(kgo.NewOffset().AtStart()),
		kgo.DisableAutoCommit(),
		kgo.FetchMaxWait(s.cfg.FetchMaxWait),
		kgo.BlockRebalanceOnPoll(),
		kgo.RebalanceTimeout(rebalanceTimeout),
		kgo.OnPartitionsRevoked(sub.onRevoked),
		kgo.OnPartitionsLost(sub.onLost),
	)
	if s.cfg.SessionTimeout > 0 {
		opts = append(opts, kgo.SessionTimeout(s.cfg.SessionTimeout))
	}
	if s.cfg.HeartbeatInterval > 0 {
		opts = append(opts, kgo.HeartbeatInterval(s.cfg.HeartbeatInterval))
	}
	if s.cfg.InstanceID != "" {
		opts = append(opts, kgo.InstanceID(instanceID(s.cfg.InstanceID, topic)))
	}
	cl, err := kgo.NewClient(opts...)
	if err != nil {
		cancel()
		s.running.Done()
		return nil, fmt.Errorf("new kafka consumer for %s: %w", topic, err)
	}
	sub.cl = cl

	go func() {
		select {
		case <-s.closing:
			cancel()
		case <-subCtx.Done():
		}
	}()
	go func() {
		defer s.running.Done()
		defer cancel()
		sub.run()
	}()
	return sub.out, nil
}

// Lag reports, per topic, how many records the group has not yet committed
// past: the log end offset minus the committed offset, summed over the
// topic's partitions. It is what a consumer-lag gauge exports.
func (s *Subscriber) Lag(ctx context.Context) (map[string]int64, error) {
	lags, err := kadm.NewClient(s.admin).Lag(ctx, s.cfg.ConsumerGroup)
	if err != nil {
		return nil, fmt.Errorf("lag of group %s: %w", s.cfg.ConsumerGroup, err)
	}
	l, ok := lags[s.cfg.ConsumerGroup]
	if !ok {
		return map[string]int64{}, nil
	}
	if err := l.Error(); err != nil {
		return nil, fmt.Errorf("lag of group %s: %w", s.cfg.ConsumerGroup, err)
	}
	out := map[string]int64{}
	for topic, tl := range l.Lag.TotalByTopic() {
		out[topic] = tl.Lag
	}
	return out, nil
}

// Close ends every subscription, commits what was acknowledged, leaves the
// group and waits for all of it. It is idempotent.
func (s *Subscriber) Close() error {
	s.closeOnce.Do(func() {
		s.mu.Lock()
		s.closed = true
		close(s.closing)
		s.mu.Unlock()
		s.running.Wait()
		s.admin.Close()
	})
	return nil
}

// subscription is one group member consuming one topic.
type subscription struct {
	cfg   Config
	log   *slog.Logger
	topic string
	cl    *kgo.Client
	ctx   context.Context // canceled when the subscription ends; also the messages' context
	out   chan *message.Message
	sem   chan struct{} // one token per record between fetch and acknowledgement

	mu    sync.Mutex
	parts map[int32]*partition

	commitMu sync.Mutex    // serializes commits with rebalance callbacks
	commit   chan struct{} // wakes the committer
}

// leaveSlack is how much longer than RevokeTimeout a closing subscription
// waits to have left its group.
const leaveSlack = 5 * time.Second

// run polls until the subscription ends, then hands the partitions back.
func (sub *subscription) run() {
	committerDone := make(chan struct{})
	go func() {
		defer close(committerDone)
		sub.committer()
	}()
	sub.poll()
	<-committerDone
	// Leaving the group runs onRevoked for every owned partition, which waits
	// for the workers (already stopping: ctx is done) and commits. The wait
	// is bounded: a join still in progress (a process stopped right after
	// it started) cannot be interrupted and lasts until the group has
	// rebalanced, which can take until a dead static member's session
	// ends. Such a client owns no partitions, so there is nothing to commit
	// and it is left to finish in the background.
	closed := make(chan struct{})
	go func() {
		sub.cl.CloseAllowingRebalance()
		close(closed)
	}()
	select {
	case <-closed:
	case <-time.After(sub.cfg.RevokeTimeout + leaveSlack):
		sub.log.Warn("consumer group not left in time; closing without waiting", "group", sub.cfg.ConsumerGroup)
	}
	sub.mu.Lock()
	left := make([]*partition, 0, len(sub.parts))
	for _, p := range sub.parts {
		left = append(left, p)
	}
	sub.mu.Unlock()
	for _, p := range left {
		p.stop()
		p.wg.Wait()
	}
	close(sub.out)
}

// poll fetches as many records as there are free in-flight slots and queues
// them on their partitions. Rebalances are blocked only while queueing.
func (sub *subscription) poll() {
	for {
		select {
		case sub.sem <- struct{}{}:
		case <-sub.ctx.Done():
			return
		}
		n := 1
	fill:
		for n < maxPollRecords {
			select {
			case sub.sem <- struct{}{}:
				n++
			default:
				break fill
			}
		}
		fetches := sub.cl.PollRecords(sub.ctx, n)
		if fetches.IsClientClosed() || sub.ctx.Err() != nil {
			sub.release(n)
			sub.cl.AllowRebalance()
			return
		}
		failed := false
		fetches.EachError(func(topic string, partition int32, err error) {
			if errors.Is(err, context.Canceled) {
				return
			}
			failed = true
			sub.log.Warn("kafka fetch error", "partition", partition, "err", err)
		})
		used := 0
		fetches.EachRecord(func(rec *kgo.Record) {
			if sub.partition(rec.Partition).enqueue(sub, rec) {
				used++
			}
		})
		sub.release(n - used)
		sub.cl.AllowRebalance()
		if failed && used == 0 {
			select {
			case <-time.After(sub.cfg.NackResendDelay):
			case <-sub.ctx.Done():
				return
			}
		}
	}
}

func (sub *subscription) release(n int) {
	for range n {
		<-sub.sem
	}
}

// partition returns the state of an owned partition, creating it on the first
// record after an assignment.
func (sub *subscription) partition(id int32) *partition {
	sub.mu.Lock()
	defer sub.mu.Unlock()
	p := sub.parts[id]
	if p == nil {
		p = &partition{
			id:        id,
			queues:    map[string][]*kgo.Record{},
			done:      map[int64]bool{},
			ackedTo:   -1,
			committed: -1,
			last:      -1,
			revoked:   make(chan struct{}),
			abandon:   make(chan struct{}),
		}
		sub.parts[id] = p
	}
	return p
}

// committer commits acknowledged prefixes whenever an acknowledgement moved
// one. Acknowledgements that arrive during a commit are batched into the next.
func (sub *subscription) committer() {
	for {
		select {
		case <-sub.commit:
		case <-sub.ctx.Done():
			return
		}
		sub.commitMu.Lock()
		sub.mu.Lock()
		parts := make([]*partition, 0, len(sub.parts))
		for _, p := range sub.parts {
			parts = append(parts, p)
		}
		sub.mu.Unlock()
		sub.commitParts(sub.ctx, parts)
		sub.commitMu.Unlock()
	}
}

func (sub *subscription) signalCommit() {
	select {
	case sub.commit <- struct{}{}:
	default:
	}
}

// commitParts commits the acknowledged prefix of parts where it moved since
// the last successful commit. The caller holds commitMu.
func (sub *subscription) commitParts(ctx context.Context, parts []*partition) {
	offsets := map[int32]kgo.EpochOffset{}
	for _, p := range parts {
		p.mu.Lock()
		if p.ackedTo > p.committed {
			offsets[p.id] = kgo.EpochOffset{Epoch: -1, Offset: p.ackedTo}
		}
		p.mu.Unlock()
	}
	if len(offsets) == 0 {
		return
	}
	var cerr error
	sub.cl.CommitOffsetsSync(ctx, map[string]map[int32]kgo.EpochOffset{sub.topic: offsets},
		func(_ *kgo.Client, _ *kmsg.OffsetCommitRequest, resp *kmsg.OffsetCommitResponse, err error) {
			cerr = commitError(resp, err)
		})
	if cerr != nil {
		if ctx.Err() == nil {
			sub.log.Warn("kafka offset commit", "err", cerr)
		}
		return
	}
	for _, p := range parts {
		if eo, ok := offsets[p.id]; ok {
			p.mu.Lock()
			p.committed = max(p.committed, eo.Offset)
			p.mu.Unlock()
		}
	}
}

func commitError(resp *kmsg.OffsetCommitResponse, err error) error {
	if err != nil {
		return err
	}
	for _, t := range resp.Topics {
		for _, p := range t.Partitions {
			if err := kerr.ErrorForCode(p.ErrorCode); err != nil {
				return fmt.Errorf("commit partition %d: %w", p.Partition, err)
			}
		}
	}
	return nil
}

// onRevoked stops dispatch on revoked partitions, gives handed-out messages
// RevokeTimeout to be acknowledged, commits what was acknowledged and forgets
// the partitions. franz-go calls it with the poll loop parked (BlockRebalanceOnPoll).
func (sub *subscription) onRevoked(_ context.Context, _ *kgo.Client, revoked map[string][]int32) {
	parts := sub.detach(revoked[sub.topic])
	for _, p := range parts {
		p.stop()
	}
	settled := make(chan struct{})
	go func() {
		for _, p := range parts {
			p.wg.Wait()
		}
		close(settled)
	}()
	deadline := time.NewTimer(sub.cfg.RevokeTimeout)
	defer deadline.Stop()
	select {
	case <-settled:
	case <-deadline.C:
	case <-sub.ctx.Done():
	}
	for _, p := range parts {
		p.giveUp()
	}
	<-settled
	ctx, cancel := context.WithTimeout(context.Background(), finalCommitTimeout)
	defer cancel()
	sub.commitMu.Lock()
	sub.commitParts(ctx, parts)
	sub.commitMu.Unlock()
}

// onLost abandons partitions the group took away without a clean revoke: a
// commit would be rejected, so nothing is committed and the new owner
// redelivers everything unacknowledged.
func (sub *subscription) onLost(_ context.Context, _ *kgo.Client, lost map[string][]int32) {
	for _, p := range sub.detach(lost[sub.topic]) {
		p.stop()
		p.giveUp()
		p.wg.Wait()
	}
}

// detach removes the given partitions from the owned set and returns them.
func (sub *subscription) detach(ids []int32) []*partition {
	sub.mu.Lock()
	defer sub.mu.Unlock()
	var parts []*partition
	for _, id := range ids {
		if p := sub.parts[id]; p != nil {
			parts = append(parts, p)
			delete(sub.parts, id)
		}
	}
	return parts
}

// work hands out the records of one key, one at a time, until its queue is
// empty or the partition stops.
func (sub *subscription) work(p *partition, key string) {
	defer p.wg.Done()
	for {
		p.mu.Lock()
		q := p.queues[key]
		if len(q) == 0 {
			delete(p.queues, key)
			p.mu.Unlock()
			return
		}
		rec := q[0]
		p.mu.Unlock()

		if !sub.deliver(p, rec) {
			p.mu.Lock()
			dropped := len(p.queues[key])
			delete(p.queues, key)
			p.mu.Unlock()
			sub.release(dropped)
			return
		}
		p.mu.Lock()
		p.queues[key] = p.queues[key][1:]
		p.acked(rec.Offset)
		p.mu.Unlock()
		sub.release(1)
		sub.signalCommit()
	}
}

// verdict is the outcome of handing a message out once.
type verdict int

const (
	acked verdict = iota
	nacked
	stopped // the partition was revoked or the subscription ended
)

// deliver offers rec until it is acknowledged (true) or the partition or the
// subscription stops (false). A nack offers a fresh copy after NackResendDelay.
func (sub *subscription) deliver(p *partition, rec *kgo.Record) bool {
	for {
		switch sub.offer(p, rec) {
		case acked:
			return true
		case stopped:
			return false
		}
		select {
		case <-time.After(sub.cfg.NackResendDelay):
		case <-p.revoked:
			return false
		case <-sub.ctx.Done():
			return false
		}
	}
}

// offer hands rec out once and waits for the verdict. The message's context
// ends with the verdict, as Watermill handlers expect.
func (sub *subscription) offer(p *partition, rec *kgo.Record) verdict {
	ctx, cancel := context.WithCancel(sub.ctx)
	defer cancel()
	msg := toMessage(ctx, rec)
	select {
	case sub.out <- msg:
	case <-p.revoked:
		return stopped
	case <-sub.ctx.Done():
		return stopped
	}
	select {
	case <-msg.Acked():
		return acked
	case <-msg.Nacked():
		return nacked
	case <-p.abandon:
	case <-sub.ctx.Done():
	}
	// Stopping; but an ack that raced the stop still counts (select picks
	// at random among ready cases), so the final commit includes it.
	select {
	case <-msg.Acked():
		return acked
	default:
		return stopped
	}
}

// partition is the dispatch state of one owned partition: a queue per key
// and the offsets handed out but not yet part of the acknowledged prefix.
type partition struct {
	id int32
	wg sync.WaitGroup // one per active key worker

	mu        sync.Mutex
	queues    map[string][]*kgo.Record // key -> records; an entry exists while a worker runs
	pending   []int64                  // queued offsets, ascending, not yet in the acked prefix
	done      map[int64]bool           // acknowledged offsets among pending
	ackedTo   int64                    // next offset to commit; -1 before the first acknowledgement
	committed int64                    // last offset committed; -1 before the first commit
	last      int64                    // highest offset queued; guards against refetched records

	stopOnce, abandonOnce sync.Once
	revoked               chan struct{} // closed: hand out nothing more
	abandon               chan struct{} // closed: stop waiting for acknowledgements too
}

// enqueue queues rec behind earlier records of its key and starts a worker
// for the key if none runs. It reports false for a record already queued.
func (p *partition) enqueue(sub *subscription, rec *kgo.Record) bool {
	key := string(rec.Key)
	if rec.Key == nil {
		// Unkeyed records promise no order: give each its own queue.
		key = fmt.Sprintf("\x00%d", rec.Offset)
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if rec.Offset <= p.last {
		return false
	}
	p.last = rec.Offset
	p.pending = append(p.pending, rec.Offset)
	q, running := p.queues[key]
	p.queues[key] = append(q, rec)
	if !running {
		p.wg.Add(1)
		go sub.work(p, key)
	}
	return true
}

// acked records offset as acknowledged and advances the committable prefix.
// The caller holds p.mu.
func (p *partition) acked(offset int64) {
	p.done[offset] = true
	for len(p.pending) > 0 && p.done[p.pending[0]] {
		delete(p.done, p.pending[0])
		p.ackedTo = p.pending[0] + 1
		p.pending = p.pending[1:]
	}
}

func (p *partition) stop()   { p.stopOnce.Do(func() { close(p.revoked) }) }
func (p *partition) giveUp() { p.abandonOnce.Do(func() { close(p.abandon) }) }

// instanceID is the static member id of one subscription: the process's id
// and the topic, since a process has one group client per topic.
func instanceID(process, topic string) string { return process + "." + topic }
