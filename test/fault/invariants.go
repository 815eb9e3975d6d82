package fault

import (
	"context"
	"fmt"
	"slices"
	"sort"
	"strings"

	wsql "github.com/ThreeDotsLabs/watermill-sql/v4/pkg/sql"
	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/hule-dev/hule/internal/bus"
	"github.com/hule-dev/hule/internal/bus/kafka"
	"github.com/hule-dev/hule/internal/events"
	"github.com/hule-dev/hule/internal/store"
)

// EventSource reads every message ever published on a topic, duplicates
// included, oldest first.
type EventSource func(ctx context.Context, topic string) ([][]byte, error)

// SQLTopics reads topics kept as tables in db (the embedded bus, or
// PostgreSQL topics): the payload column of watermill_<topic>.
func SQLTopics(db *store.DB) EventSource {
	return func(ctx context.Context, topic string) ([][]byte, error) {
		table := wsql.DefaultPostgreSQLSchema{}.MessagesTable(topic)
		if db.Dialect == store.SQLite {
			table = bus.SQLiteSchema{}.MessagesTable(topic)
		}
		exists, err := tableExists(ctx, db, strings.Trim(table, `"`))
		if err != nil || !exists {
			return nil, err
		}
		rows, err := db.QueryContext(ctx, `SELECT payload FROM `+table+` ORDER BY "offset"`) //nolint:gosec // table name from the schema adapter
		if err != nil {
			return nil, fmt.Errorf("read topic %s: %w", topic, err)
		}
		defer rows.Close()
		var out [][]byte
		for rows.Next() {
			var b []byte
			if err := rows.Scan(&b); err != nil {
				return nil, fmt.Errorf("read topic %s: %w", topic, err)
			}
			out = append(out, b)
		}
		return out, rows.Err()
	}
}

func tableExists(ctx context.Context, db *store.DB, name string) (bool, error) {
	q := `SELECT COUNT(*) FROM sqlite_master WHERE type = 'table' AND name = $1`
	if db.Dialect == store.Postgres {
		q = `SELECT COUNT(*) FROM information_schema.tables WHERE table_schema = current_schema() AND table_name = $1`
	}
	var n int
	if err := db.QueryRowContext(ctx, q, name).Scan(&n); err != nil {
		return false, fmt.Errorf("look up table %s: %w", name, err)
	}
	return n > 0, nil
}

// KafkaTopics reads topics from a Kafka cluster, every partition from its
// start to its end offset at the time of the call.
func KafkaTopics(brokers []string) EventSource {
	return func(ctx context.Context, topic string) ([][]byte, error) {
		adm, err := kgo.NewClient(kgo.SeedBrokers(brokers...))
		if err != nil {
			return nil, err
		}
		defer adm.Close()
		ends, err := kadm.NewClient(adm).ListEndOffsets(ctx, topic)
		if err != nil {
			return nil, fmt.Errorf("end offsets of %s: %w", topic, err)
		}
		want := int64(0)
		ends.Each(func(o kadm.ListedOffset) {
			if o.Err == nil {
				want += o.Offset
			}
		})
		if want == 0 {
			return nil, nil
		}
		cl, err := kgo.NewClient(kgo.SeedBrokers(brokers...), kgo.ConsumeTopics(topic),
			kgo.ConsumeResetOffset(kgo.NewOffset().AtStart()))
		if err != nil {
			return nil, err
		}
		defer cl.Close()
		var out [][]byte
		for int64(len(out)) < want {
			fs := cl.PollFetches(ctx)
			if err := ctx.Err(); err != nil {
				return out, fmt.Errorf("read topic %s: %d of %d records: %w", topic, len(out), want, err)
			}
			fs.EachRecord(func(r *kgo.Record) { out = append(out, r.Value) })
		}
		return out, nil
	}
}

// Invariants checks what issue 8 promises about one batch after a run,
// whatever processes died during it.
type Invariants struct {
	DB     *store.DB
	Events EventSource
	// Kafka, when set, is also searched for dead letters (<topic>.DLQ).
	Kafka []string
}

// Report is the outcome of Check: what was counted and what was wrong.
type Report struct {
	Counts     map[string]int
	Violations []string
}

func (r *Report) violate(format string, args ...any) {
	r.Violations = append(r.Violations, fmt.Sprintf(format, args...))
}

// Check runs every check for the batch with the given essays, which all
// went through the phases named.
func (iv Invariants) Check(ctx context.Context, batchID string, essayIDs []string, phases []events.PhaseName) (*Report, error) {
	r := &Report{Counts: map[string]int{}}
	checks := []func(context.Context, *Report, string, []string, []events.PhaseName) error{
		iv.checkResults, iv.checkSpellcheckEvents, iv.checkNLPEvents, iv.checkCJEvents, iv.checkCJTables, iv.checkDeadLetters,
	}
	for _, c := range checks {
		if err := c(ctx, r, batchID, essayIDs, phases); err != nil {
			return r, err
		}
	}
	return r, nil
}

// checkResults: every essay has exactly one result per phase in the
// results service (its primary key forbids two; this finds the missing).
func (iv Invariants) checkResults(ctx context.Context, r *Report, batchID string, essays []string, phases []events.PhaseName) error {
	for _, ph := range phases {
		rows, err := iv.DB.QueryContext(ctx,
			`SELECT essay_id, status FROM results_essay_phases WHERE batch_id = $1 AND phase = $2`, batchID, string(ph))
		if err != nil {
			return fmt.Errorf("results of phase %s: %w", ph, err)
		}
		got := map[string]string{}
		for rows.Next() {
			var id, status string
			if err := rows.Scan(&id, &status); err != nil {
				_ = rows.Close()
				return err
			}
			got[id] = status
			r.Counts["results."+string(ph)+"."+status]++
		}
		_ = rows.Close()
		if err := rows.Err(); err != nil {
			return err
		}
		missing := 0
		for _, id := range essays {
			if _, ok := got[id]; !ok {
				missing++
			}
		}
		if missing > 0 {
			r.violate("results: %d of %d essays have no %s result", missing, len(essays), ph)
		}
		if extra := len(got) - (len(essays) - missing); extra > 0 {
			r.violate("results: %d %s results for essays not in the batch", extra, ph)
		}
	}
	return nil
}

// decoded reads and decodes a topic, keeping the envelopes whose data
// passes keep.
func (iv Invariants) decoded(ctx context.Context, topic string, keep func(events.Envelope[events.Event]) bool) ([]events.Envelope[events.Event], error) {
	msgs, err := iv.Events(ctx, topic)
	if err != nil {
		return nil, err
	}
	var out []events.Envelope[events.Event]
	for _, m := range msgs {
		env, err := events.Decode(m)
		if err != nil {
			continue // malformed messages are the dead-letter check's business
		}
		if keep(env) {
			out = append(out, env)
		}
	}
	return out, nil
}

// distinct counts, per key, the distinct event ids: redelivered copies of
// one event share its id and are harmless; two ids for one essay's result
// mean the work was done twice in effect.
type distinct map[string]map[string]bool

func (d distinct) add(key, eventID string) {
	if d[key] == nil {
		d[key] = map[string]bool{}
	}
	d[key][eventID] = true
}

func (d distinct) twice() []string {
	var out []string
	for k, ids := range d {
		if len(ids) > 1 {
			out = append(out, k)
		}
	}
	sort.Strings(out)
	return out
}

func (iv Invariants) checkSpellcheckEvents(ctx context.Context, r *Report, batchID string, essays []string, phases []events.PhaseName) error {
	if !slices.Contains(phases, events.PhaseNameSpellcheck) {
		return nil
	}
	thin, err := iv.decoded(ctx, events.TopicSpellcheckPhaseCompleted, func(e events.Envelope[events.Event]) bool {
		return e.Data.(*events.SpellcheckPhaseCompletedV1).BatchID == batchID
	})
	if err != nil {
		return err
	}
	rich, err := iv.decoded(ctx, events.TopicSpellcheckResults, func(e events.Envelope[events.Event]) bool {
		return e.Data.(*events.SpellcheckResultV1).BatchID == batchID
	})
	if err != nil {
		return err
	}
	thinIDs, richIDs := distinct{}, distinct{}
	succeeded := map[string]bool{}
	for _, e := range thin {
		d := e.Data.(*events.SpellcheckPhaseCompletedV1)
		thinIDs.add(d.EntityID, e.EventID.String())
		if d.Status == events.ProcessingStatusCompleted {
			succeeded[d.EntityID] = true
		}
	}
	for _, e := range rich {
		richIDs.add(e.Data.(*events.SpellcheckResultV1).SystemMetadata.EntityID, e.EventID.String())
	}
	r.Counts["spellcheck.thin"], r.Counts["spellcheck.rich"] = len(thin), len(rich)
	pairUp(r, "spellcheck", essays, succeeded, thinIDs, richIDs)
	return nil
}

// pairUp reports thin completions without their rich event, rich events
// without a thin one, and essays done twice.
func pairUp(r *Report, phase string, essays []string, succeeded map[string]bool, thin, rich distinct) {
	var noRich, noThin, notDone []string
	for _, id := range essays {
		if _, ok := thin[id]; !ok {
			notDone = append(notDone, id)
		}
		if succeeded[id] && rich[id] == nil {
			noRich = append(noRich, id)
		}
	}
	for id := range rich {
		if !succeeded[id] {
			noThin = append(noThin, id)
		}
	}
	sort.Strings(noThin)
	if len(notDone) > 0 {
		r.violate("%s: %d essays have no thin completion, e.g. %s", phase, len(notDone), notDone[0])
	}
	if len(noRich) > 0 {
		r.violate("%s: %d successful thin completions without their rich event, e.g. %s", phase, len(noRich), noRich[0])
	}
	if len(noThin) > 0 {
		r.violate("%s: %d rich events without a successful thin completion, e.g. %s", phase, len(noThin), noThin[0])
	}
	if tw := rich.twice(); len(tw) > 0 {
		r.violate("%s: %d essays processed twice in effect (several distinct rich events), e.g. %s", phase, len(tw), tw[0])
	}
	if tw := thin.twice(); len(tw) > 0 {
		r.violate("%s: %d essays completed twice (several distinct thin events), e.g. %s", phase, len(tw), tw[0])
	}
}

func (iv Invariants) checkNLPEvents(ctx context.Context, r *Report, batchID string, essays []string, phases []events.PhaseName) error {
	if !slices.Contains(phases, events.PhaseNameNLP) {
		return nil
	}
	thin, err := iv.decoded(ctx, events.TopicBatchNLPAnalysisCompleted, func(e events.Envelope[events.Event]) bool {
		return e.Data.(*events.BatchNlpAnalysisCompletedV1).BatchID == batchID
	})
	if err != nil {
		return err
	}
	inBatch := map[string]bool{}
	for _, id := range essays {
		inBatch[id] = true
	}
	rich, err := iv.decoded(ctx, events.TopicEssayNLPCompleted, func(e events.Envelope[events.Event]) bool {
		return inBatch[e.Data.(*events.EssayNlpCompletedV1).EssayID]
	})
	if err != nil {
		return err
	}
	thinIDs, richIDs := distinct{}, distinct{}
	succeeded := map[string]bool{}
	batchThin := distinct{}
	for _, e := range thin {
		batchThin.add(batchID, e.EventID.String())
		var s struct {
			SuccessfulEssayIDs []string `json:"successful_essay_ids"`
			FailedEssayIDs     []string `json:"failed_essay_ids"`
		}
		if err := e.Data.(*events.BatchNlpAnalysisCompletedV1).ProcessingSummary.Decode(&s); err != nil {
			r.violate("nlp: thin completion %s has an unreadable summary: %v", e.EventID, err)
			continue
		}
		for _, id := range s.SuccessfulEssayIDs {
			succeeded[id] = true
			thinIDs.add(id, e.EventID.String())
		}
		for _, id := range s.FailedEssayIDs {
			thinIDs.add(id, e.EventID.String())
		}
	}
	for _, e := range rich {
		richIDs.add(e.Data.(*events.EssayNlpCompletedV1).EssayID, e.EventID.String())
	}
	r.Counts["nlp.thin"], r.Counts["nlp.rich"] = len(thin), len(rich)
	if tw := batchThin.twice(); len(tw) > 0 {
		r.violate("nlp: %d distinct thin completions for one request (want 1)", len(batchThin[batchID]))
	}
	pairUp(r, "nlp", essays, succeeded, thinIDs, richIDs)
	return nil
}

func (iv Invariants) checkCJEvents(ctx context.Context, r *Report, batchID string, essays []string, phases []events.PhaseName) error {
	if !slices.Contains(phases, events.PhaseNameCJAssessment) {
		return nil
	}
	thin, err := iv.decoded(ctx, events.TopicCJAssessmentCompleted, func(e events.Envelope[events.Event]) bool {
		d := e.Data.(*events.CJAssessmentCompletedV1)
		return (d.EntityID != nil && *d.EntityID == batchID) || d.SystemMetadata.EntityID == batchID
	})
	if err != nil {
		return err
	}
	rich, err := iv.decoded(ctx, events.TopicAssessmentResultPublished, func(e events.Envelope[events.Event]) bool {
		return e.Data.(*events.AssessmentResultV1).BatchID == batchID
	})
	if err != nil {
		return err
	}
	failed, err := iv.decoded(ctx, events.TopicCJAssessmentFailed, func(e events.Envelope[events.Event]) bool {
		d := e.Data.(*events.CJAssessmentFailedV1)
		return (d.EntityID != nil && *d.EntityID == batchID) || d.SystemMetadata.EntityID == batchID
	})
	if err != nil {
		return err
	}
	r.Counts["cj.thin"], r.Counts["cj.rich"], r.Counts["cj.failed"] = len(thin), len(rich), len(failed)
	thinJobs, richJobs := distinct{}, distinct{}
	var thinEssays []string
	for _, e := range thin {
		d := e.Data.(*events.CJAssessmentCompletedV1)
		thinJobs.add(d.CJAssessmentJobID, e.EventID.String())
		var s events.CJProcessingSummary
		if err := d.ProcessingSummary.Decode(&s); err != nil {
			r.violate("cj: thin completion %s has an unreadable summary: %v", e.EventID, err)
			continue
		}
		thinEssays = s.SuccessfulEssayIDs
	}
	var richEssays []string
	for _, e := range rich {
		d := e.Data.(*events.AssessmentResultV1)
		richJobs.add(d.CJAssessmentJobID, e.EventID.String())
		richEssays = richEssays[:0]
		for _, er := range d.EssayResults {
			richEssays = append(richEssays, er.EssayID)
		}
	}
	if len(thinJobs) != 1 {
		r.violate("cj: %d jobs completed for the batch, want 1", len(thinJobs))
	}
	for job := range thinJobs {
		if richJobs[job] == nil {
			r.violate("cj: thin completion of job %s without its rich result", job)
		}
	}
	for job := range richJobs {
		if thinJobs[job] == nil {
			r.violate("cj: rich result of job %s without its thin completion", job)
		}
	}
	if tw := richJobs.twice(); len(tw) > 0 {
		r.violate("cj: job %s published several distinct rich results", tw[0])
	}
	if len(failed) > 0 {
		r.violate("cj: %d CJAssessmentFailedV1 for the batch", len(failed))
	}
	slices.Sort(thinEssays)
	slices.Sort(richEssays)
	if len(richJobs) == 1 && !slices.Equal(thinEssays, richEssays) {
		r.violate("cj: thin summary names %d essays, rich result %d", len(thinEssays), len(richEssays))
	}
	return nil
}

// checkCJTables: one job per batch, no pair judged twice with success,
// every request settled.
func (iv Invariants) checkCJTables(ctx context.Context, r *Report, batchID string, _ []string, phases []events.PhaseName) error {
	if !slices.Contains(phases, events.PhaseNameCJAssessment) {
		return nil
	}
	var jobs, requests, unsettled, twice, comparisons int
	queries := []struct {
		dst *int
		q   string
	}{
		{&jobs, `SELECT COUNT(*) FROM cj_jobs WHERE batch_id = $1`},
		{&requests, `SELECT COUNT(*) FROM cj_requests WHERE batch_id = $1`},
		{&unsettled, `SELECT COUNT(*) FROM cj_requests WHERE batch_id = $1 AND state <> 'done'`},
		{&comparisons, `SELECT COUNT(*) FROM cj_comparisons c JOIN cj_jobs j ON j.job_id = c.job_id WHERE j.batch_id = $1`},
		{&twice, `SELECT COUNT(*) FROM (SELECT c.job_id, c.essay_a, c.essay_b FROM cj_comparisons c
			JOIN cj_jobs j ON j.job_id = c.job_id
			WHERE j.batch_id = $1 AND c.status = 'succeeded'
			GROUP BY c.job_id, c.essay_a, c.essay_b HAVING COUNT(*) > 1) d`},
	}
	for _, q := range queries {
		if err := iv.DB.QueryRowContext(ctx, q.q, batchID).Scan(q.dst); err != nil {
			return fmt.Errorf("cj tables: %w", err)
		}
	}
	r.Counts["cj.jobs"], r.Counts["cj.requests"], r.Counts["cj.comparisons"] = jobs, requests, comparisons
	if jobs != 1 {
		r.violate("cj: %d jobs for the batch, want 1", jobs)
	}
	if unsettled > 0 {
		r.violate("cj: %d of %d requests not done", unsettled, requests)
	}
	if twice > 0 {
		r.violate("cj: %d ordered pairs judged successfully more than once", twice)
	}
	return nil
}

// checkDeadLetters: nothing in any dead-letter topic, in the database
// (SQL topics, and what the Kafka relay has not sent) or in Kafka.
func (iv Invariants) checkDeadLetters(ctx context.Context, r *Report, _ string, _ []string, _ []events.PhaseName) error {
	dls, err := bus.ListDeadLetters(ctx, iv.DB, "")
	if err != nil {
		return err
	}
	for _, dl := range dls {
		r.violate("dead letter on %s: %s (%s) %s", dl.Topic, dl.ID, dl.Reason, dl.Error)
	}
	r.Counts["dlq.sql"] = len(dls)
	if len(iv.Kafka) == 0 {
		return nil
	}
	kdls, err := kafka.ListDeadLetters(ctx, iv.Kafka, "")
	if err != nil {
		return err
	}
	for _, dl := range kdls {
		r.violate("dead letter in kafka on %s: %s (%s) %s", dl.Topic, dl.ID, dl.Reason, dl.Error)
	}
	r.Counts["dlq.kafka"] = len(kdls)
	return nil
}

// Diagnose summarizes the state of the services' tables for a failure
// message: where a stalled batch stands and which consumers got how far.
// Queries that fail (a table missing on this bus) are skipped.
func (iv Invariants) Diagnose(ctx context.Context) string {
	queries := []string{
		`SELECT status, COUNT(*) FROM batch_batches GROUP BY status`,
		`SELECT status, COUNT(*) FROM lifecycle_essays GROUP BY status`,
		`SELECT batch_id, phase, reported FROM lifecycle_phase_runs ORDER BY started_at`,
		`SELECT phase, result, COUNT(*) FROM lifecycle_phase_essays GROUP BY phase, result ORDER BY phase, result`,
		`SELECT state, attempts, claimed_by, claimed_until_ms, not_before_ms, COALESCE(last_error, '') FROM cj_requests`,
		`SELECT job_id, state, COALESCE(error_code, '') FROM cj_jobs`,
		`SELECT consumer_group, COUNT(*) FROM bus_processed GROUP BY consumer_group ORDER BY consumer_group`,
		`SELECT convert_from(payload, 'UTF8')::json->>'destination_topic', COUNT(*) FROM "watermill_hule.outbox" GROUP BY 1 ORDER BY 1`,
		`SELECT consumer_group, offset_acked FROM "watermill_offsets_hule.outbox"`,
	}
	var b strings.Builder
	for _, q := range queries {
		rows, err := iv.DB.QueryContext(ctx, q)
		if err != nil {
			continue
		}
		fmt.Fprintf(&b, "%s\n", q)
		cols, _ := rows.Columns()
		for rows.Next() {
			vals := make([]any, len(cols))
			ptrs := make([]any, len(cols))
			for i := range vals {
				ptrs[i] = &vals[i]
			}
			if err := rows.Scan(ptrs...); err != nil {
				break
			}
			parts := make([]string, len(vals))
			for i, v := range vals {
				if bs, ok := v.([]byte); ok {
					v = string(bs)
				}
				parts[i] = fmt.Sprint(v)
			}
			fmt.Fprintf(&b, "  %s\n", strings.Join(parts, " | "))
		}
		if err := rows.Err(); err != nil {
			fmt.Fprintf(&b, "  (%v)\n", err)
		}
		_ = rows.Close()
	}
	return b.String()
}
