package bench

import (
	"context"
	"encoding/json"
	"fmt"
	"math"
	"slices"
	"strings"
	"time"

	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/hule-dev/hule/internal/bus"
	"github.com/hule-dev/hule/internal/events"
	"github.com/hule-dev/hule/internal/store"
)

// message is one message read back from the bus.
type message struct {
	topic   string
	payload []byte
}

// sqlMessages reads every message of every topic table in the database at
// target (a data directory or a PostgreSQL URL): tables watermill_<topic>,
// without the consumer offsets and the Kafka outbox.
func sqlMessages(ctx context.Context, target string) ([]message, error) {
	db, err := store.Open(ctx, target)
	if err != nil {
		return nil, err
	}
	defer db.Close()
	q := `SELECT name FROM sqlite_master WHERE type = 'table' AND name LIKE 'watermill\_%' ESCAPE '\'`
	if db.Dialect == store.Postgres {
		q = `SELECT table_name FROM information_schema.tables
			WHERE table_schema = current_schema() AND table_name LIKE 'watermill\_%' ESCAPE '\'`
	}
	rows, err := db.QueryContext(ctx, q)
	if err != nil {
		return nil, fmt.Errorf("list topic tables: %w", err)
	}
	var topics []string
	for rows.Next() {
		var name string
		if err := rows.Scan(&name); err != nil {
			_ = rows.Close()
			return nil, err
		}
		if strings.HasPrefix(name, "watermill_offsets_") || name == "watermill_"+bus.OutboxTopic {
			continue
		}
		topics = append(topics, strings.TrimPrefix(name, "watermill_"))
	}
	_ = rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	var out []message
	for _, t := range topics {
		table := `"watermill_` + t + `"`
		rows, err := db.QueryContext(ctx, `SELECT payload FROM `+table) //nolint:gosec // a table name the database listed
		if err != nil {
			return nil, fmt.Errorf("read topic %s: %w", t, err)
		}
		for rows.Next() {
			var b []byte
			if err := rows.Scan(&b); err != nil {
				_ = rows.Close()
				return nil, fmt.Errorf("read topic %s: %w", t, err)
			}
			out = append(out, message{topic: t, payload: b})
		}
		_ = rows.Close()
		if err := rows.Err(); err != nil {
			return nil, fmt.Errorf("read topic %s: %w", t, err)
		}
	}
	return out, nil
}

// kafkaMessages reads every record of every topic of the Kafka cluster,
// each partition from its start to its end offset at the time of the call.
func kafkaMessages(ctx context.Context, brokers []string) ([]message, error) {
	admCl, err := kgo.NewClient(kgo.SeedBrokers(brokers...))
	if err != nil {
		return nil, err
	}
	defer admCl.Close()
	adm := kadm.NewClient(admCl)
	listed, err := adm.ListTopics(ctx)
	if err != nil {
		return nil, fmt.Errorf("list topics: %w", err)
	}
	var topics []string
	for _, t := range listed.Names() {
		if !strings.HasPrefix(t, "__") {
			topics = append(topics, t)
		}
	}
	if len(topics) == 0 {
		return nil, nil
	}
	ends, err := adm.ListEndOffsets(ctx, topics...)
	if err != nil {
		return nil, fmt.Errorf("end offsets: %w", err)
	}
	want := int64(0)
	var offsetErr error
	ends.Each(func(o kadm.ListedOffset) {
		if o.Err != nil {
			offsetErr = fmt.Errorf("end offset of %s/%d: %w", o.Topic, o.Partition, o.Err)
		}
		want += o.Offset
	})
	if offsetErr != nil {
		return nil, offsetErr
	}
	if want == 0 {
		return nil, nil
	}
	cl, err := kgo.NewClient(kgo.SeedBrokers(brokers...), kgo.ConsumeTopics(topics...),
		kgo.ConsumeResetOffset(kgo.NewOffset().AtStart()))
	if err != nil {
		return nil, err
	}
	defer cl.Close()
	out := make([]message, 0, want)
	for int64(len(out)) < want {
		fs := cl.PollFetches(ctx)
		if err := ctx.Err(); err != nil {
			return out, fmt.Errorf("read topics: %d of %d records: %w", len(out), want, err)
		}
		fs.EachRecord(func(rec *kgo.Record) { out = append(out, message{topic: rec.Topic, payload: rec.Value}) })
	}
	return out, nil
}

// envelope is the part of an event envelope the analysis reads.
type envelope struct {
	EventID        string          `json:"event_id"`
	EventTimestamp events.Time     `json:"event_timestamp"`
	CorrelationID  string          `json:"correlation_id"`
	Data           json.RawMessage `json:"data"`
}

// eventData holds the fields of the few event types the analysis reads:
// the essay of a spellcheck request or completion (entity_id), of an NLP
// result (essay_id), and lifecycle's phase outcome.
type eventData struct {
	EntityID        *string           `json:"entity_id"`
	EssayID         string            `json:"essay_id"`
	PhaseName       string            `json:"phase_name"`
	ProcessedEssays []json.RawMessage `json:"processed_essays"`
	FailedEssayIDs  []string          `json:"failed_essay_ids"`
}

// phaseTopics name, per phase of the comprehensive pipeline, the topic of
// its request from lifecycle and, where the phase reports per essay, the
// topic of each essay's result. Spellcheck's thin completion is per essay;
// NLP's per-essay event is the rich one (its thin completion is per batch).
var phaseTopics = []struct {
	phase           events.PhaseName
	request, result string
}{
	{events.PhaseNameSpellcheck, events.TopicEssaySpellcheckRequested, events.TopicSpellcheckPhaseCompleted},
	{events.PhaseNameNLP, events.TopicBatchNLPProcessingRequestedV2, events.TopicEssayNLPCompleted},
	{events.PhaseNameCJAssessment, events.TopicELSCJAssessmentRequested, ""},
}

// analysis is what analyze found.
type analysis struct {
	phases []Phase
	events int
	topics map[string]int
}

// analyze measures the run of correlation id corr from the messages of
// the bus: events published between start and end, and per phase its
// duration and per-essay latencies. Duplicate deliveries (the same event
// id twice) are counted once.
func analyze(msgs []message, corr string, start, end time.Time) (analysis, error) {
	a := analysis{topics: map[string]int{}}
	type timed struct {
		at   time.Time
		data eventData
	}
	byTopic := map[string][]timed{}
	seen := map[string]bool{}
	for _, m := range msgs {
		var env envelope
		if err := json.Unmarshal(m.payload, &env); err != nil {
			continue // not an event (a dead letter's foreign payload): nothing to time
		}
		key := m.topic + "/" + env.EventID
		if env.EventID != "" && seen[key] {
			continue
		}
		seen[key] = true
		at := env.EventTimestamp.Time
		if !at.Before(start) && !at.After(end) {
			a.events++
			a.topics[m.topic]++
		}
		if env.CorrelationID != corr {
			continue
		}
		var d eventData
		if isPhaseTopic(m.topic) {
			if err := json.Unmarshal(env.Data, &d); err != nil {
				return a, fmt.Errorf("decode %s: %w", m.topic, err)
			}
		}
		byTopic[m.topic] = append(byTopic[m.topic], timed{at: at, data: d})
	}

	outcomes := map[string]timed{}
	for _, o := range byTopic[events.TopicELSBatchPhaseOutcome] {
		outcomes[o.data.PhaseName] = o
	}
	for _, pt := range phaseTopics {
		reqs := byTopic[pt.request]
		out, done := outcomes[string(pt.phase)]
		if len(reqs) == 0 && !done {
			continue // the pipeline skipped the phase
		}
		p := Phase{Name: string(pt.phase)}
		// The phase starts with its first request. Per essay, the first
		// request and the first result count (spellcheck asks per essay,
		// NLP once for the batch), so a redelivery does not stretch it.
		first := time.Time{}
		reqAt := map[string]time.Time{}
		var batchReq time.Time
		for _, q := range reqs {
			if first.IsZero() || q.at.Before(first) {
				first = q.at
			}
			if pt.phase == events.PhaseNameSpellcheck && q.data.EntityID != nil {
				if t, ok := reqAt[*q.data.EntityID]; !ok || q.at.Before(t) {
					reqAt[*q.data.EntityID] = q.at
				}
			} else if batchReq.IsZero() || q.at.Before(batchReq) {
				batchReq = q.at
			}
		}
		if !first.IsZero() {
			p.Start = first.Sub(start).Seconds()
		}
		if done {
			p.Done, p.Failed = len(out.data.ProcessedEssays), len(out.data.FailedEssayIDs)
			if !first.IsZero() {
				p.Seconds = out.at.Sub(first).Seconds()
			}
		}
		if pt.result != "" {
			var lat []float64
			firstResult := map[string]time.Time{}
			for _, res := range byTopic[pt.result] {
				essay := res.data.EssayID
				if essay == "" && res.data.EntityID != nil {
					essay = *res.data.EntityID
				}
				if essay == "" {
					continue
				}
				if t, ok := firstResult[essay]; !ok || res.at.Before(t) {
					firstResult[essay] = res.at
				}
			}
			for essay, at := range firstResult {
				from, ok := reqAt[essay]
				if !ok {
					from = batchReq
				}
				if from.IsZero() {
					continue
				}
				lat = append(lat, at.Sub(from).Seconds())
			}
			slices.Sort(lat)
			p.Latencies = len(lat)
			if len(lat) > 0 {
				p.P50, p.P99, p.Max = percentile(lat, 0.50), percentile(lat, 0.99), lat[len(lat)-1]
			}
		}
		a.phases = append(a.phases, p)
	}
	return a, nil
}

func isPhaseTopic(t string) bool {
	if t == events.TopicELSBatchPhaseOutcome {
		return true
	}
	for _, pt := range phaseTopics {
		if t == pt.request || t == pt.result {
			return true
		}
	}
	return false
}

// percentile is the nearest-rank percentile p (0 < p <= 1) of sorted xs.
func percentile(sorted []float64, p float64) float64 {
	i := int(math.Ceil(p*float64(len(sorted)))) - 1
	return sorted[min(max(i, 0), len(sorted)-1)]
}
