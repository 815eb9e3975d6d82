package bus

import (
	"errors"
	"fmt"

	"github.com/prometheus/client_golang/prometheus"
)

// metrics are the bus's Prometheus series, labeled by topic and consumer
// group.
type metrics struct {
	published    *prometheus.CounterVec
	consumed     *prometheus.CounterVec
	duplicates   *prometheus.CounterVec
	retried      *prometheus.CounterVec
	deadLettered *prometheus.CounterVec
	duration     *prometheus.HistogramVec
	lag          *prometheus.GaugeVec
}

func newMetrics(reg prometheus.Registerer) (*metrics, error) {
	groupLabels := []string{"topic", "consumer_group"}
	m := &metrics{
		published: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "hule_bus_published_total",
			Help: "Events written for publishing (topic table or outbox), by topic.",
		}, []string{"topic"}),
		consumed: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "hule_bus_consumed_total",
			Help: "Events whose handler succeeded.",
		}, groupLabels),
		duplicates: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "hule_bus_duplicates_total",
			Help: "Redelivered events acknowledged without effect.",
		}, groupLabels),
		retried: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "hule_bus_retried_total",
			Help: "Handler attempts that failed transiently and were retried.",
		}, groupLabels),
		deadLettered: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "hule_bus_dead_lettered_total",
			Help: "Events sent to the dead-letter topic, by reason.",
		}, append(groupLabels, "reason")),
		duration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "hule_bus_handler_duration_seconds",
			Help:    "Time spent handling one event, all attempts included.",
			Buckets: prometheus.ExponentialBuckets(0.0001, 4, 10),
		}, groupLabels),
		lag: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Name: "hule_bus_consumer_lag_seconds",
			Help: "Age of the last handled event (now - event_timestamp) when its handling started.",
		}, groupLabels),
	}
	if reg == nil {
		return m, nil
	}
	var err error
	if m.published, err = register(reg, m.published); err != nil {
		return nil, err
	}
	if m.consumed, err = register(reg, m.consumed); err != nil {
		return nil, err
	}
	if m.duplicates, err = register(reg, m.duplicates); err != nil {
		return nil, err
	}
	if m.retried, err = register(reg, m.retried); err != nil {
		return nil, err
	}
	if m.deadLettered, err = register(reg, m.deadLettered); err != nil {
		return nil, err
	}
	if m.duration, err = register(reg, m.duration); err != nil {
		return nil, err
	}
	if m.lag, err = register(reg, m.lag); err != nil {
		return nil, err
	}
	return m, nil
}

// register registers c, or returns the collector registered before under
// the same name (two buses in one process share their series).
func register[T prometheus.Collector](reg prometheus.Registerer, c T) (T, error) {
	if err := reg.Register(c); err != nil {
		var are prometheus.AlreadyRegisteredError
		if errors.As(err, &are) {
			if existing, ok := are.ExistingCollector.(T); ok {
				return existing, nil
			}
		}
		return c, fmt.Errorf("register bus metrics: %w", err)
	}
	return c, nil
}
