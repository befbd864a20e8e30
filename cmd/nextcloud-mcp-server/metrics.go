package main

import (
	"net/http"
	"strconv"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// metrics is the server's Prometheus registry (not the global one, so
// tests and several servers in one process do not collide).
type metrics struct {
	reg         *prometheus.Registry
	toolCalls   *prometheus.CounterVec
	toolLatency *prometheus.HistogramVec
	upstream    *prometheus.CounterVec
	upstreamDur *prometheus.HistogramVec
	TokenCache  *prometheus.CounterVec
}

func newMetrics() *metrics {
	m := &metrics{
		reg: prometheus.NewRegistry(),
		toolCalls: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "nextcloud_mcp_tool_calls_total", Help: "Tool calls by tool and outcome.",
		}, []string{"tool", "outcome"}),
		toolLatency: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name: "nextcloud_mcp_tool_call_duration_seconds", Help: "Tool call latency.",
			Buckets: prometheus.ExponentialBuckets(0.005, 2, 12),
		}, []string{"tool"}),
		upstream: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "nextcloud_mcp_upstream_requests_total", Help: "Requests to Nextcloud by method and status code.",
		}, []string{"method", "code"}),
		upstreamDur: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name: "nextcloud_mcp_upstream_request_duration_seconds", Help: "Latency of requests to Nextcloud.",
			Buckets: prometheus.ExponentialBuckets(0.005, 2, 12),
		}, []string{"method"}),
		TokenCache: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "nextcloud_mcp_token_cache_total", Help: "Token cache lookups by cache and result (hit, miss).",
		}, []string{"cache", "result"}),
	}
	m.reg.MustRegister(m.toolCalls, m.toolLatency, m.upstream, m.upstreamDur, m.TokenCache,
		collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	return m
}

func (m *metrics) observeTool(tool, outcome string, elapsed time.Duration) {
	m.toolCalls.WithLabelValues(tool, outcome).Inc()
	m.toolLatency.WithLabelValues(tool).Observe(elapsed.Seconds())
}

// instrument counts upstream requests by status code.
func (m *metrics) instrument(rt http.RoundTripper) http.RoundTripper {
	return roundTripFunc(func(req *http.Request) (*http.Response, error) {
		start := time.Now()
		resp, err := rt.RoundTrip(req)
		code := "error"
		if err == nil {
			code = strconv.Itoa(resp.StatusCode)
		}
		m.upstream.WithLabelValues(req.Method, code).Inc()
		m.upstreamDur.WithLabelValues(req.Method).Observe(time.Since(start).Seconds())
		return resp, err
	})
}

func (m *metrics) handler() http.Handler {
	return promhttp.HandlerFor(m.reg, promhttp.HandlerOpts{})
}

type roundTripFunc func(*http.Request) (*http.Response, error)

func (f roundTripFunc) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }
