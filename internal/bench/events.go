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
	// phases are the phases over every run analyzed (see analyzeRuns).
	phases []Phase
	// runs holds, per correlation id in the order given, its own phases.
	runs   [][]Phase
	events int
	topics map[string]int
}

// timed is one event of a run: when it was published and the fields the
// analysis reads.
type timed struct {
	at   time.Time
	data eventData
}

// analyze measures the run of correlation id corr from the messages of
// the bus: events published between start and end, and per phase its
// duration and per-essay latencies. Duplicate deliveries (the same event
// id twice) are counted once.
func analyze(msgs []message, corr string, start, end time.Time) (analysis, error) {
	return analyzeRuns(msgs, []string{corr}, start, end)
}

// analyzeRuns measures the runs of the correlation ids corrs (one per
// batch, run at the same time) like analyze measures one, and merges their
// phases: the essays done and failed add up; a phase starts with the
// first request of any run and lasts until the last run's outcome of it;
// the per-essay percentiles are over the essays of every run, each essay
// timed from its own run's request. With one run the merged phases are
// that run's.
func analyzeRuns(msgs []message, corrs []string, start, end time.Time) (analysis, error) {
	a := analysis{topics: map[string]int{}}
	index := make(map[string]int, len(corrs))
	for i, c := range corrs {
		index[c] = i
	}
	// byRun[i] holds the events of corrs[i] by topic.
	byRun := make([]map[string][]timed, len(corrs))
	for i := range byRun {
		byRun[i] = map[string][]timed{}
	}
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
		i, ok := index[env.CorrelationID]
		if !ok {
			continue
		}
		var d eventData
		if isPhaseTopic(m.topic) {
			if err := json.Unmarshal(env.Data, &d); err != nil {
				return a, fmt.Errorf("decode %s: %w", m.topic, err)
			}
		}
		byRun[i][m.topic] = append(byRun[i][m.topic], timed{at: at, data: d})
	}

	a.runs = make([][]Phase, len(corrs))
	for _, pt := range phaseTopics {
		merged := Phase{Name: string(pt.phase)}
		var first, last time.Time
		var lat []float64
		found := false
		for i, byTopic := range byRun {
			pm, ok := measurePhase(byTopic, pt.phase, pt.request, pt.result)
			if !ok {
				continue // the pipeline skipped the phase
			}
			found = true
			a.runs[i] = append(a.runs[i], pm.phase(start))
			merged.Done += pm.done
			merged.Failed += pm.failed
			if !pm.first.IsZero() && (first.IsZero() || pm.first.Before(first)) {
				first = pm.first
			}
			if !pm.outcome.IsZero() && pm.outcome.After(last) {
				last = pm.outcome
			}
			lat = append(lat, pm.latencies...)
		}
		if !found {
			continue
		}
		if !first.IsZero() {
			merged.Start = first.Sub(start).Seconds()
			if !last.IsZero() {
				merged.Seconds = last.Sub(first).Seconds()
			}
		}
		setLatencies(&merged, lat)
		a.phases = append(a.phases, merged)
	}
	return a, nil
}

// phaseMeasure is one run's phase as the bus showed it.
type phaseMeasure struct {
	name         string
	done, failed int
	// first is the phase's first request, outcome lifecycle's outcome of
	// it; either is zero when not seen.
	first, outcome time.Time
	// latencies are the per-essay times from request to result, unsorted.
	latencies []float64
}

// phase is the measure as a Phase, its start counted from start.
func (pm phaseMeasure) phase(start time.Time) Phase {
	p := Phase{Name: pm.name, Done: pm.done, Failed: pm.failed}
	if !pm.first.IsZero() {
		p.Start = pm.first.Sub(start).Seconds()
		if !pm.outcome.IsZero() {
			p.Seconds = pm.outcome.Sub(pm.first).Seconds()
		}
	}
	setLatencies(&p, slices.Clone(pm.latencies))
	return p
}

// setLatencies sorts lat and sets p's latency count and percentiles.
func setLatencies(p *Phase, lat []float64) {
	slices.Sort(lat)
	p.Latencies = len(lat)
	if len(lat) > 0 {
		p.P50, p.P99, p.Max = percentile(lat, 0.50), percentile(lat, 0.99), lat[len(lat)-1]
	}
}

// measurePhase measures one phase of one run from its events by topic;
// false when the run has neither a request nor an outcome of the phase.
func measurePhase(byTopic map[string][]timed, phase events.PhaseName, request, result string) (phaseMeasure, bool) {
	var out timed
	done := false
	for _, o := range byTopic[events.TopicELSBatchPhaseOutcome] {
		if o.data.PhaseName == string(phase) {
			out, done = o, true // the last one counts, as lifecycle's final word
		}
	}
	reqs := byTopic[request]
	if len(reqs) == 0 && !done {
		return phaseMeasure{}, false
	}
	pm := phaseMeasure{name: string(phase)}
	// The phase starts with its first request. Per essay, the first
	// request and the first result count (spellcheck asks per essay,
	// NLP once for the batch), so a redelivery does not stretch it.
	reqAt := map[string]time.Time{}
	var batchReq time.Time
	for _, q := range reqs {
		if pm.first.IsZero() || q.at.Before(pm.first) {
			pm.first = q.at
		}
		if phase == events.PhaseNameSpellcheck && q.data.EntityID != nil {
			if t, ok := reqAt[*q.data.EntityID]; !ok || q.at.Before(t) {
				reqAt[*q.data.EntityID] = q.at
			}
		} else if batchReq.IsZero() || q.at.Before(batchReq) {
			batchReq = q.at
		}
	}
	if done {
		pm.done, pm.failed = len(out.data.ProcessedEssays), len(out.data.FailedEssayIDs)
		pm.outcome = out.at
	}
	if result == "" {
		return pm, true
	}
	firstResult := map[string]time.Time{}
	for _, res := range byTopic[result] {
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
		pm.latencies = append(pm.latencies, at.Sub(from).Seconds())
	}
	return pm, true
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
