package bench

import (
	"context"
	"fmt"
	"io"
	"math"
	"net/http"
	"time"

	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"

	"github.com/hule-dev/hule/internal/store"
)

// retriedMetric is the bus's counter of handler attempts that failed
// transiently and were retried (internal/bus/metrics.go), labeled by topic
// and consumer group. Serialization failures and deadlocks between
// handlers of concurrent batches show up in it.
const retriedMetric = "hule_bus_retried_total"

// groupLabel is the retriedMetric label naming the consumer group.
const groupLabel = "consumer_group"

// Contention is what the run's handlers met in each other's way: bus
// retries and PostgreSQL deadlocks, from before the batches were
// registered to the last run's end.
type Contention struct {
	// Retries is the increase of hule_bus_retried_total summed over every
	// process that serves /metrics.
	Retries int64 `json:"retries"`
	// RetriesByGroup splits Retries by consumer group; groups without a
	// retry are left out.
	RetriesByGroup map[string]int64 `json:"retries_by_group"`
	// Deadlocks is the increase of pg_stat_database.deadlocks of Database,
	// the PostgreSQL database holding the distributed mode's schema; nil
	// in the embedded mode. It counts the whole database, other clients'
	// deadlocks included, and is read after the services stopped so that
	// their connections' statistics have been flushed.
	Deadlocks *int64 `json:"deadlocks,omitempty"`
	// Database names that database.
	Database string `json:"database,omitempty"`
}

// parseRetries sums the retriedMetric series of a Prometheus text
// exposition per consumer group. A process that never retried has no such
// series: an empty map.
func parseRetries(r io.Reader) (map[string]float64, error) {
	p := expfmt.NewTextParser(model.UTF8Validation)
	fams, err := p.TextToMetricFamilies(r)
	if err != nil {
		return nil, fmt.Errorf("parse metrics: %w", err)
	}
	out := map[string]float64{}
	fam, ok := fams[retriedMetric]
	if !ok {
		return out, nil
	}
	for _, m := range fam.GetMetric() {
		group := ""
		for _, l := range m.GetLabel() {
			if l.GetName() == groupLabel {
				group = l.GetValue()
			}
		}
		out[group] += m.GetCounter().GetValue()
	}
	return out, nil
}

// scrapeRetries reads http://addr/metrics and returns its retries per
// consumer group.
func scrapeRetries(ctx context.Context, addr string) (map[string]float64, error) {
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, "http://"+addr+"/metrics", http.NoBody)
	if err != nil {
		return nil, err
	}
	// The classic text format, whatever the server would prefer.
	req.Header.Set("Accept", "text/plain;version=0.0.4")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return nil, fmt.Errorf("scrape %s: %w", addr, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("scrape %s: %s", addr, resp.Status)
	}
	got, err := parseRetries(resp.Body)
	if err != nil {
		return nil, fmt.Errorf("scrape %s: %w", addr, err)
	}
	return got, nil
}

// retries sums the retries per consumer group of every process of the run
// that has an HTTP address (the Kafka dev cluster has none).
func (r *run) retries(ctx context.Context) (map[string]float64, error) {
	sum := map[string]float64{}
	for _, p := range r.c.Procs() {
		if p.Addr == "" {
			continue
		}
		got, err := scrapeRetries(ctx, p.Addr)
		if err != nil {
			return nil, fmt.Errorf("metrics of %s: %w", p.Name, err)
		}
		for g, v := range got {
			sum[g] += v
		}
	}
	return sum, nil
}

// retryDelta is the increase from before to after: the total and the
// groups that grew. A group missing from before started at zero.
func retryDelta(before, after map[string]float64) (total int64, byGroup map[string]int64) {
	byGroup = map[string]int64{}
	for g, v := range after {
		d := int64(math.Round(v - before[g]))
		if d > 0 {
			byGroup[g] = d
		}
	}
	for _, d := range byGroup {
		total += d
	}
	return total, byGroup
}

// pgDeadlocks returns the name of the database dsn connects to and its
// deadlocks counter from pg_stat_database.
func pgDeadlocks(ctx context.Context, dsn string) (db string, deadlocks int64, err error) {
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	conn, err := store.OpenPostgres(ctx, dsn)
	if err != nil {
		return "", 0, fmt.Errorf("connect to PostgreSQL (--db): %w", err)
	}
	defer conn.Close()
	err = conn.QueryRowContext(ctx,
		`SELECT datname, deadlocks FROM pg_stat_database WHERE datname = current_database()`).Scan(&db, &deadlocks)
	if err != nil {
		return "", 0, fmt.Errorf("read pg_stat_database: %w", err)
	}
	return db, deadlocks, nil
}
