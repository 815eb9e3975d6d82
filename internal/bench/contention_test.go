package bench

import (
	"context"
	"errors"
	"maps"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgconn"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/hule-dev/hule/internal/store"
	"github.com/hule-dev/hule/internal/store/storetest"
)

// exposition is a /metrics page as a hule process serves it: the retried
// counter among the bus's other series, by topic and consumer group.
const exposition = `# HELP go_goroutines Number of goroutines that currently exist.
# TYPE go_goroutines gauge
go_goroutines 42
# HELP hule_bus_consumed_total Events whose handler succeeded.
# TYPE hule_bus_consumed_total counter
hule_bus_consumed_total{consumer_group="lifecycle",topic="a"} 900
# HELP hule_bus_handler_duration_seconds Time spent handling one event, all attempts included.
# TYPE hule_bus_handler_duration_seconds histogram
hule_bus_handler_duration_seconds_bucket{consumer_group="lifecycle",topic="a",le="0.0001"} 3
hule_bus_handler_duration_seconds_bucket{consumer_group="lifecycle",topic="a",le="+Inf"} 900
hule_bus_handler_duration_seconds_sum{consumer_group="lifecycle",topic="a"} 12.5
hule_bus_handler_duration_seconds_count{consumer_group="lifecycle",topic="a"} 900
# HELP hule_bus_retried_total Handler attempts that failed transiently and were retried.
# TYPE hule_bus_retried_total counter
hule_bus_retried_total{consumer_group="lifecycle",topic="huleedu.els.batch.phase.outcome.v1"} 3
hule_bus_retried_total{consumer_group="lifecycle",topic="huleedu.batch.spellcheck.phase.completed.v1"} 4
hule_bus_retried_total{consumer_group="results",topic="huleedu.batch.spellcheck.phase.completed.v1"} 1
hule_bus_retried_total{consumer_group="spellcheck",topic="huleedu.essay.spellcheck.requested.v1"} 0
`

func TestParseRetries(t *testing.T) {
	for _, c := range []struct {
		name string
		text string
		want map[string]float64
	}{
		{"by group over topics", exposition, map[string]float64{"lifecycle": 7, "results": 1, "spellcheck": 0}},
		{"never retried", "# TYPE go_goroutines gauge\ngo_goroutines 42\n", map[string]float64{}},
		{"empty page", "", map[string]float64{}},
	} {
		t.Run(c.name, func(t *testing.T) {
			got, err := parseRetries(strings.NewReader(c.text))
			if err != nil {
				t.Fatal(err)
			}
			if !maps.Equal(got, c.want) {
				t.Errorf("got %v, want %v", got, c.want)
			}
		})
	}
	if _, err := parseRetries(strings.NewReader("hule_bus_retried_total{consumer_group=\"x\" 1\n")); err == nil {
		t.Error("malformed exposition: want an error")
	}
}

// TestScrapeRetries scrapes a registry served as the platform serves its
// own (promhttp), so the format it negotiates is one parseRetries reads.
func TestScrapeRetries(t *testing.T) {
	reg := prometheus.NewRegistry()
	retried := prometheus.NewCounterVec(prometheus.CounterOpts{Name: retriedMetric, Help: "retries"},
		[]string{"topic", groupLabel})
	reg.MustRegister(retried)
	retried.WithLabelValues("t1", "lifecycle").Add(2)
	retried.WithLabelValues("t2", "lifecycle").Add(5)
	retried.WithLabelValues("t1", "cjassess").Inc()
	srv := httptest.NewServer(promhttp.HandlerFor(reg, promhttp.HandlerOpts{}))
	defer srv.Close()

	got, err := scrapeRetries(t.Context(), strings.TrimPrefix(srv.URL, "http://"))
	if err != nil {
		t.Fatal(err)
	}
	if want := map[string]float64{"lifecycle": 7, "cjassess": 1}; !maps.Equal(got, want) {
		t.Errorf("got %v, want %v", got, want)
	}
}

func TestRetryDelta(t *testing.T) {
	before := map[string]float64{"lifecycle": 7, "results": 1, "nlp": 2}
	after := map[string]float64{"lifecycle": 10, "results": 1, "nlp": 2, "cjassess": 4}
	total, byGroup := retryDelta(before, after)
	if want := map[string]int64{"lifecycle": 3, "cjassess": 4}; !maps.Equal(byGroup, want) {
		t.Errorf("by group: got %v, want %v", byGroup, want)
	}
	if total != 7 {
		t.Errorf("total: got %d, want 7", total)
	}
	if total, byGroup := retryDelta(nil, nil); total != 0 || byGroup == nil || len(byGroup) != 0 {
		t.Errorf("no series: got %d %v, want 0 and an empty map", total, byGroup)
	}
}

// TestPGDeadlocksCountsADeadlock makes a real deadlock between two
// transactions on the test server and sees the database's counter grow.
func TestPGDeadlocksCountsADeadlock(t *testing.T) {
	setup, url := storetest.Postgres(t)
	ctx := t.Context()
	if _, err := setup.ExecContext(ctx, `CREATE TABLE locks (id int PRIMARY KEY, v int); INSERT INTO locks VALUES (1, 0), (2, 0)`); err != nil {
		t.Fatal(err)
	}
	db, before, err := pgDeadlocks(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	if db == "" || before < 0 {
		t.Fatalf("database %q deadlocks %d", db, before)
	}

	// Two connections of their own, closed afterwards: a backend's
	// statistics are flushed at the latest when it exits.
	var errs [2]error
	var wg, locked sync.WaitGroup
	locked.Add(2)
	for i := range 2 {
		conn, err := store.OpenPostgres(ctx, url)
		if err != nil {
			t.Fatal(err)
		}
		wg.Go(func() {
			defer conn.Close()
			first := sync.OnceFunc(locked.Done)
			defer first()
			tx, err := conn.BeginTx(ctx, nil)
			if err != nil {
				errs[i] = err
				return
			}
			defer func() { _ = tx.Rollback() }()
			if _, errs[i] = tx.ExecContext(ctx, `UPDATE locks SET v = v + 1 WHERE id = $1`, i+1); errs[i] != nil {
				return
			}
			// Both hold their first row; each now wants the other's.
			first()
			locked.Wait()
			_, errs[i] = tx.ExecContext(ctx, `UPDATE locks SET v = v + 1 WHERE id = $1`, 2-i)
		})
	}
	wg.Wait()
	deadlocked := 0
	for _, err := range errs {
		var pgErr *pgconn.PgError
		if errors.As(err, &pgErr) && pgErr.Code == "40P01" {
			deadlocked++
		} else if err != nil {
			t.Errorf("want a deadlock or success, got %v", err)
		}
	}
	if deadlocked != 1 {
		t.Fatalf("%d transactions failed with a deadlock, want 1 (errors %v)", deadlocked, errs)
	}

	// The counter is database-wide and flushed asynchronously: wait until
	// it has grown.
	wctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	for {
		_, after, err := pgDeadlocks(wctx, url)
		if err != nil {
			t.Fatal(err)
		}
		if after > before {
			return
		}
		select {
		case <-wctx.Done():
			t.Fatalf("deadlocks stayed at %d after a deadlock", after)
		case <-time.After(200 * time.Millisecond):
		}
	}
}
