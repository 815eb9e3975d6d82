package judge

import (
	"strings"
	"sync"
)

// Price is a model's list price in US dollars per million tokens.
type Price struct {
	InputPerMTok  float64 `json:"input_per_mtok"`
	OutputPerMTok float64 `json:"output_per_mtok"`
}

// Cost is the price of usage at p.
func (p Price) Cost(u Usage) float64 {
	return (float64(u.InputTokens)*p.InputPerMTok + float64(u.OutputTokens)*p.OutputPerMTok) / 1e6
}

// PriceTable maps model names to prices. A lookup falls back to the longest
// key that prefixes the model name, so "gpt-4.1-mini" prices the dated
// "gpt-4.1-mini-2025-04-14" that providers report back.
type PriceTable map[string]Price

// Lookup returns the price for model and whether one is known.
func (t PriceTable) Lookup(model string) (Price, bool) {
	if p, ok := t[model]; ok {
		return p, true
	}
	best, found := "", false
	for k := range t {
		if strings.HasPrefix(model, k) && len(k) > len(best) {
			best, found = k, true
		}
	}
	return t[best], found
}

// DefaultPrices are list prices (USD per million tokens) of the default
// models as published by the providers in 2025. Prices change: set
// Config.Prices for real accounting.
func DefaultPrices() PriceTable {
	return PriceTable{
		"gpt-4.1-mini":      {InputPerMTok: 0.40, OutputPerMTok: 1.60},
		"gpt-4.1":           {InputPerMTok: 2.00, OutputPerMTok: 8.00},
		"gpt-4o-mini":       {InputPerMTok: 0.15, OutputPerMTok: 0.60},
		"claude-haiku-4-5":  {InputPerMTok: 1.00, OutputPerMTok: 5.00},
		"claude-sonnet-4-5": {InputPerMTok: 3.00, OutputPerMTok: 15.00},
	}
}

// Meter adds up what the comparisons of one batch consumed. Create one per
// batch and Add every verdict; safe for concurrent use.
type Meter struct {
	mu sync.Mutex
	t  MeterTotals
}

// MeterTotals are a batch's summed usage and cost.
type MeterTotals struct {
	Comparisons  int     `json:"comparisons"`
	InputTokens  int64   `json:"input_tokens"`
	OutputTokens int64   `json:"output_tokens"`
	CostUSD      float64 `json:"cost_usd"`
}

// Add counts one verdict.
func (m *Meter) Add(v Verdict) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.t.Comparisons++
	m.t.InputTokens += v.Usage.InputTokens
	m.t.OutputTokens += v.Usage.OutputTokens
	m.t.CostUSD += v.CostUSD
}

// Totals returns the sums so far.
func (m *Meter) Totals() MeterTotals {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.t
}
