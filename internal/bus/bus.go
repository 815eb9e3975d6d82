// Package bus is hule's messaging runtime, one API over three transports:
// SQLite topics (tables in the service database, the embedded default),
// PostgreSQL topics, and Kafka fed through a transactional outbox. It runs
// handlers on a Watermill router, makes each handled event's state change,
// idempotency record, consumed offset and outgoing events one transaction
// where the transport allows, retries transient errors with backoff,
// dead-letters permanent ones to "<topic>.DLQ", and carries correlation id
// and W3C trace context from producer to consumer with logs, spans and
// Prometheus metrics on the way.
package bus

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"sync"

	"github.com/ThreeDotsLabs/watermill"
	wsql "github.com/ThreeDotsLabs/watermill-sql/v4/pkg/sql"
	"github.com/ThreeDotsLabs/watermill/message"
	"github.com/prometheus/client_golang/prometheus"
	"go.opentelemetry.io/otel/trace"
	"go.opentelemetry.io/otel/trace/noop"
	"golang.org/x/sync/errgroup"

	"github.com/hule-dev/hule/internal/events"
	"github.com/hule-dev/hule/internal/store"
)

// OutboxTopic is the SQL topic that holds outgoing events in Kafka mode until
// the relay has handed them to Kafka.
const OutboxTopic = "hule.outbox"

// relayGroup is the consumer group of the outbox relay.
const relayGroup = "hule.relay"

// DLQSuffix is appended to a topic to name its dead-letter topic.
const DLQSuffix = ".DLQ"

// Handler handles one event inside tx: it decodes ev.Data (the events
// package's typed decoding), changes state through tx and publishes its
// outgoing events with Bus.Publish* on the same tx. Returning an error marked
// with fault.Permanent (or a typed permanent error of the events package)
// dead-letters the event at once; any other error is retried. A handler
// must do all its database work through tx: with SQLite topics the
// subscriber holds the database's single connection, so a query on the
// *sql.DB would wait forever. A handler may run more than once for one
// event (retries, and a batch rolled back for another event's failure), so
// it must have no effect outside tx.
type Handler func(ctx context.Context, tx *sql.Tx, ev events.Raw) error

// Deps are the collaborators of a Bus.
type Deps struct {
	// DB is the service database: SQL topics, outbox and idempotency records
	// live in it. Required.
	DB *store.DB
	// Logger receives the router's and handlers' logs. Nil discards them.
	Logger *slog.Logger
	// Metrics registers the bus metrics. Nil registers them nowhere.
	Metrics prometheus.Registerer
	// Tracer starts one span per handled message. Nil traces nothing.
	Tracer trace.TracerProvider
	// KafkaPublisher and KafkaSubscriber are the Kafka transport (package
	// bus/kafka); required when the transport is kafka://. The subscriber
	// factory is called once per consumer group.
	KafkaPublisher  message.Publisher
	KafkaSubscriber func(consumerGroup string) (message.Subscriber, error)
}

type route struct {
	group, topic string
	h            Handler
}

// Bus publishes and consumes events. Build it with New, register handlers
// with Handle, then call Run.
type Bus struct {
	cfg     Config
	db      *store.DB
	log     *slog.Logger
	wlog    watermill.LoggerAdapter
	tracer  trace.Tracer
	m       *metrics
	schema  wsql.SchemaAdapter
	offsets wsql.OffsetsAdapter
	deps    Deps

	declared sync.Map // topic -> struct{}: tables known to exist
	inserts  sync.Map // topic -> *sql.Stmt: prepared single-row insert
	stmts    statements

	mu      sync.Mutex
	routes  []route
	running chan struct{}
	started bool

	// txSlots bounds the handler transactions open at once on Kafka,
	// where messages of different keys are handled concurrently. A
	// handler may need a second connection beside its transaction (the
	// content store, a lookup), so at most half the pool holds
	// transactions: all of it would let every handler wait for a
	// connection that only a waiting handler can free.
	txSlots chan struct{}
}

// New checks cfg and deps and returns a Bus. It does no I/O; Run and
// Declare create tables.
func New(cfg Config, deps Deps) (*Bus, error) {
	if err := cfg.Validate(); err != nil {
		return nil, fmt.Errorf("bus config: %w", err)
	}
	cfg = cfg.withDefaults()
	if deps.DB == nil {
		return nil, errors.New("bus: no database")
	}
	switch cfg.Kind() {
	case KindSQLite, KindPostgres:
		if string(deps.DB.Dialect) != cfg.Kind() {
			return nil, fmt.Errorf("bus: transport %s needs a %s database, got %s", cfg.Kind(), cfg.Kind(), deps.DB.Dialect)
		}
	case KindKafka:
		if deps.KafkaPublisher == nil || deps.KafkaSubscriber == nil {
			return nil, errors.New("bus: kafka transport without KafkaPublisher/KafkaSubscriber")
		}
	}
	logger := deps.Logger
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	tp := deps.Tracer
	if tp == nil {
		tp = noop.NewTracerProvider()
	}
	m, err := newMetrics(deps.Metrics)
	if err != nil {
		return nil, err
	}
	schema, offsets, err := SQLAdapters(deps.DB.Dialect, cfg.BatchSize)
	if err != nil {
		return nil, err
	}
	return &Bus{
		cfg:     cfg,
		db:      deps.DB,
		log:     logger,
		wlog:    quietShutdown{watermill.NewSlogLoggerWithLevelMapping(logger, map[slog.Level]slog.Level{slog.LevelInfo: slog.LevelDebug})},
		tracer:  tp.Tracer("github.com/hule-dev/hule/internal/bus"),
		m:       m,
		schema:  schema,
		offsets: offsets,
		deps:    deps,
		running: make(chan struct{}),
		txSlots: make(chan struct{}, txSlotsFor(deps.DB)),
	}, nil
}

// txSlotsFor is how many handler transactions may be open at once on db:
// half its connection pool, at least one.
func txSlotsFor(db *store.DB) int {
	n := db.Stats().MaxOpenConnections
	if n <= 0 {
		n = 64 // an unbounded pool
	}
	return max(1, n/2)
}

// Handle registers h for topic under consumerGroup (normally the service
// name). Every consumer group receives every event of the topic once. Call
// it before Run.
func (b *Bus) Handle(consumerGroup, topic string, h Handler) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.started {
		panic("bus: Handle after Run")
	}
	b.routes = append(b.routes, route{group: consumerGroup, topic: topic, h: h})
}

// Running is closed once Run has started every subscription.
func (b *Bus) Running() <-chan struct{} { return b.running }

// sqlTopics reports whether topics are tables in the service database.
func (b *Bus) sqlTopics() bool { return b.cfg.Kind() != KindKafka }

// Declare creates the tables of the given topics (SQL transports) so that
// publishing in a transaction needs no DDL. Run declares the topics it
// subscribes to and their dead-letter topics; producers declare what they
// publish at start-up.
func (b *Bus) Declare(ctx context.Context, topics ...string) error {
	if !b.sqlTopics() {
		topics = []string{OutboxTopic}
	}
	for _, topic := range topics {
		if _, ok := b.declared.Load(topic); ok {
			continue
		}
		err := store.InTx(ctx, b.db.DB, func(tx *sql.Tx) error {
			return b.createTopic(ctx, tx, topic)
		})
		if err != nil {
			return fmt.Errorf("declare topic %s: %w", topic, err)
		}
		if b.sqlTopics() {
			if err := b.prepareInsert(ctx, topic); err != nil {
				return err
			}
		}
		b.declared.Store(topic, struct{}{})
	}
	return nil
}

func (b *Bus) createTopic(ctx context.Context, tx *sql.Tx, topic string) error {
	return ensureTopic(ctx, tx, b.schema, topic)
}

// prepareInsert prepares the single-row insert of topic, which Publish
// uses in handler transactions (SQLite parses unprepared statements anew
// on every call). It runs outside any transaction, as SQLite's one
// connection may be held by a subscriber otherwise.
func (b *Bus) prepareInsert(ctx context.Context, topic string) error {
	q, err := b.schema.InsertQuery(wsql.InsertQueryParams{Topic: topic, Msgs: message.Messages{message.NewMessage("", nil)}})
	if err != nil {
		return fmt.Errorf("insert query %s: %w", topic, err)
	}
	st, err := b.db.PrepareContext(ctx, q.Query) //nolint:sqlclosecheck // kept for the bus's lifetime
	if err != nil {
		return fmt.Errorf("prepare insert %s: %w", topic, err)
	}
	if _, loaded := b.inserts.LoadOrStore(topic, st); loaded {
		_ = st.Close() //nolint:sqlclosecheck // a concurrent Declare stored its own
	}
	return nil
}

// newSQLSubscriber returns the subscriber of one route: its schema adapter
// reports to c which events the group processed (processed.go), its offsets
// adapter flushes c's batch (batch.go).
func (b *Bus) newSQLSubscriber(c *consumer) (*wsql.Subscriber, error) {
	deadline := b.cfg.AckDeadline
	c.schema = newRouteSchema(b.db.Dialect, b.schema, b.cfg.BatchSize)
	sub, err := wsql.NewSubscriber(wsql.BeginnerFromStdSQL(b.db.DB), wsql.SubscriberConfig{
		ConsumerGroup:    c.group,
		AckDeadline:      &deadline,
		PollInterval:     b.cfg.PollInterval,
		ResendInterval:   b.cfg.InitialBackoff,
		RetryInterval:    b.cfg.PollInterval,
		SchemaAdapter:    c.schema,
		OffsetsAdapter:   flushingOffsets{OffsetsAdapter: b.offsets, c: c, timeout: deadline},
		BackoffManager:   txDoneBackoff{wsql.NewDefaultBackoffManager(b.cfg.PollInterval, b.cfg.PollInterval)},
		InitializeSchema: true,
	}, b.wlog)
	if err != nil {
		return nil, fmt.Errorf("sql subscriber %s: %w", c.name, err)
	}
	return sub, nil
}

// Run consumes every registered topic (and, in Kafka mode, relays the
// outbox to Kafka) until ctx ends or a part fails.
func (b *Bus) Run(ctx context.Context) error {
	b.mu.Lock()
	if b.started {
		b.mu.Unlock()
		return errors.New("bus: Run called twice")
	}
	b.started = true
	routes := append([]route(nil), b.routes...)
	b.mu.Unlock()

	var declare []string
	for _, r := range routes {
		declare = append(declare, r.topic, r.topic+DLQSuffix)
	}
	if err := b.Declare(ctx, declare...); err != nil {
		return err
	}

	if err := b.stmts.prepare(ctx, b.db); err != nil {
		return err
	}
	defer b.stmts.close()

	quit := make(chan struct{}) // stops the routes' workers
	defer close(quit)

	router, err := message.NewRouter(message.RouterConfig{CloseTimeout: b.cfg.CloseTimeout}, b.wlog)
	if err != nil {
		return fmt.Errorf("router: %w", err)
	}
	kafkaSubs := map[string]message.Subscriber{} // per consumer group
	for _, r := range routes {
		c := b.newConsumer(r.group, r.topic, r.h, quit)
		var sub message.Subscriber
		if b.sqlTopics() {
			// A subscriber per route: its adapters serve that route alone.
			sub, err = b.newSQLSubscriber(c)
			c.canDefer = true
		} else if sub = kafkaSubs[r.group]; sub == nil {
			sub, err = b.deps.KafkaSubscriber(r.group)
			kafkaSubs[r.group] = sub
		}
		if err != nil {
			return err
		}
		router.AddConsumerHandler(r.group+"/"+r.topic, r.topic, sub, c.handle)
	}

	g, gctx := errgroup.WithContext(ctx)
	routerRunning := router.Running()
	if len(routes) > 0 {
		g.Go(func() error { return router.Run(gctx) })
	} else {
		// A Watermill router without handlers does not stop on ctx; a
		// producer-only bus needs none.
		ch := make(chan struct{})
		close(ch)
		routerRunning = ch
	}
	relayRunning := make(<-chan struct{})
	if b.sqlTopics() {
		ch := make(chan struct{})
		close(ch)
		relayRunning = ch
	} else {
		relay, err := NewRelay(b.db, b.deps.KafkaPublisher, b.log)
		if err != nil {
			return err
		}
		relayRunning = relay.Running()
		g.Go(func() error { return relay.Run(gctx) })
	}
	g.Go(func() error {
		for _, ch := range []<-chan struct{}{routerRunning, relayRunning} {
			select {
			case <-ch:
			case <-gctx.Done():
				return nil
			}
		}
		close(b.running)
		<-gctx.Done()
		return nil
	})
	err = g.Wait()
	if errors.Is(err, context.Canceled) && ctx.Err() != nil {
		return nil
	}
	return err
}
