// Package load drives many concurrent MCP sessions against the server and
// reports throughput, latency percentiles, errors, and resource use. It
// only ever talks to loopback addresses and stops by itself.
package load

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"runtime"
	"slices"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/mark3labs/mcp-go/client"
	"github.com/mark3labs/mcp-go/client/transport"
	mcpgo "github.com/mark3labs/mcp-go/mcp"
)

// Config of one load run.
type Config struct {
	// URL is the server's base URL (http://127.0.0.1:PORT); it must be a
	// loopback address.
	URL string
	// Transport is "http" (streamable HTTP at /mcp) or "sse".
	Transport string
	Sessions  int
	Duration  time.Duration
	// Calls is the tool mix: each session cycles through it.
	Calls []Call
	// Bearer, when set, gives session i the access token it sends as
	// "Authorization: Bearer" (servers in OAuth mode).
	Bearer func(session int) string
	// MaxCallsPerSession bounds the work even on a fast machine (0: none).
	MaxCallsPerSession int
	// Sample, when set, is called every 100ms to record resource use of
	// the process hosting the server.
	Sample func() (heapBytes uint64, goroutines int)
	// CPU, when set, is the server process's CPU time so far; the report
	// divides what the call phase used by the calls made.
	CPU func() (time.Duration, error)
	// Idle opens the sessions and holds them for Duration without calls:
	// what sessions cost on their own.
	Idle bool
	// Midway, when set, runs halfway through Duration, while the calls
	// are in flight (a heap profile at the peak).
	Midway func()
	// AfterClose, when set with Sample, samples memory that long after
	// every session was closed (does the server give it back?).
	AfterClose time.Duration
}

// Call is one tool call of the mix.
type Call struct {
	Tool string
	Args map[string]any
}

// Report is the outcome of a run.
type Report struct {
	Sessions       int
	Calls          int64
	Errors         int64
	ToolErrors     int64
	FirstErrors    []string
	Elapsed        time.Duration
	CallsPerSecond float64
	P50, P95, P99  time.Duration
	PeakHeapBytes  uint64
	PeakGoroutines int
	// BeforeBytes is the memory sampled before the sessions were opened,
	// AfterCloseBytes and AfterCloseGoroutines Config.AfterClose after
	// they were closed (0: not sampled).
	BeforeBytes          uint64
	AfterCloseBytes      uint64
	AfterCloseGoroutines int
	// ServerCPUPerCall is the server's CPU time per call (0: not measured).
	ServerCPUPerCall time.Duration
}

// Failed says whether any call failed, as a transport error or as a tool
// error result: a load run with failures measures the wrong thing.
func (r Report) Failed() bool { return r.Errors > 0 || r.ToolErrors > 0 }

func (r Report) String() string {
	cpu := "n/a"
	if r.ServerCPUPerCall > 0 {
		cpu = r.ServerCPUPerCall.Round(time.Microsecond).String()
	}
	return fmt.Sprintf("sessions=%d calls=%d errors=%d tool_errors=%d elapsed=%s calls/s=%.0f p50=%s p95=%s p99=%s peak_heap=%.1fMiB peak_goroutines=%d server_cpu/call=%s",
		r.Sessions, r.Calls, r.Errors, r.ToolErrors, r.Elapsed.Round(time.Millisecond), r.CallsPerSecond,
		r.P50.Round(10*time.Microsecond), r.P95.Round(10*time.Microsecond), r.P99.Round(10*time.Microsecond),
		float64(r.PeakHeapBytes)/(1<<20), r.PeakGoroutines, cpu) + r.memoryAround()
}

// memoryAround is the memory before the sessions and after they closed,
// when sampled.
func (r Report) memoryAround() string {
	if r.BeforeBytes == 0 && r.AfterCloseBytes == 0 {
		return ""
	}
	return fmt.Sprintf(" before=%.1fMiB after_close=%.1fMiB after_close_goroutines=%d",
		float64(r.BeforeBytes)/(1<<20), float64(r.AfterCloseBytes)/(1<<20), r.AfterCloseGoroutines)
}

// CheckLoopback refuses any target that is not on this machine.
func CheckLoopback(raw string) error {
	u, err := url.Parse(raw)
	if err != nil {
		return fmt.Errorf("target URL %q: %w", raw, err)
	}
	host := u.Hostname()
	if strings.EqualFold(host, "localhost") {
		return nil
	}
	ip := net.ParseIP(host)
	if ip == nil || !ip.IsLoopback() {
		return fmt.Errorf("target %q is not a loopback address; the load tool only targets this machine", raw)
	}
	return nil
}

// Run opens cfg.Sessions sessions, runs the mix until cfg.Duration ends,
// closes every session, and reports.
func Run(ctx context.Context, cfg Config) (Report, error) {
	if err := CheckLoopback(cfg.URL); err != nil {
		return Report{}, err
	}
	if cfg.Sessions <= 0 || cfg.Duration <= 0 || (len(cfg.Calls) == 0 && !cfg.Idle) {
		return Report{}, errors.New("load: sessions, duration and calls must be set")
	}
	if cfg.Duration > 10*time.Minute {
		return Report{}, errors.New("load: duration is capped at 10 minutes")
	}
	httpClient := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: cfg.Sessions, MaxConnsPerHost: 0, IdleConnTimeout: 5 * time.Second}}
	defer httpClient.CloseIdleConnections()

	var rep Report
	rep.Sessions = cfg.Sessions
	var calls, errs, toolErrs atomic.Int64
	var mu sync.Mutex
	var lat []time.Duration
	var firstErrs []string
	noteErr := func(err string) {
		mu.Lock()
		if len(firstErrs) < 5 {
			firstErrs = append(firstErrs, err)
		}
		mu.Unlock()
	}

	if cfg.Sample != nil {
		rep.BeforeBytes, _ = cfg.Sample()
	}
	stopSample := make(chan struct{})
	sampled := make(chan struct{})
	go func() {
		defer close(sampled)
		if cfg.Sample == nil {
			return
		}
		t := time.NewTicker(100 * time.Millisecond)
		defer t.Stop()
		for {
			h, g := cfg.Sample()
			mu.Lock()
			rep.PeakHeapBytes = max(rep.PeakHeapBytes, h)
			rep.PeakGoroutines = max(rep.PeakGoroutines, g)
			mu.Unlock()
			select {
			case <-stopSample:
				return
			case <-t.C:
			}
		}
	}()

	// Open every session first so that all of them are live together.
	clients := make([]*client.Client, cfg.Sessions)
	var wg sync.WaitGroup
	openErrs := make(chan error, cfg.Sessions)
	sem := make(chan struct{}, 64)
	for i := range clients {
		wg.Add(1)
		go func() {
			defer wg.Done()
			sem <- struct{}{}
			defer func() { <-sem }()
			c, err := open(ctx, cfg, httpClient, i)
			if err != nil {
				openErrs <- err
				return
			}
			clients[i] = c
		}()
	}
	wg.Wait()
	close(openErrs)
	for err := range openErrs {
		errs.Add(1)
		noteErr("open: " + err.Error())
	}

	var cpu0 time.Duration
	cpuErr := errors.New("not measured")
	if cfg.CPU != nil {
		cpu0, cpuErr = cfg.CPU()
	}
	start := time.Now()
	runCtx, cancel := context.WithTimeout(ctx, cfg.Duration)
	defer cancel()
	if cfg.Midway != nil {
		wg.Add(1)
		go func() {
			defer wg.Done()
			select {
			case <-time.After(cfg.Duration / 2):
				cfg.Midway()
			case <-runCtx.Done():
			}
		}()
	}
	for i, c := range clients {
		if c == nil || cfg.Idle {
			continue
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			var local []time.Duration
			for n := 0; runCtx.Err() == nil && (cfg.MaxCallsPerSession == 0 || n < cfg.MaxCallsPerSession); n++ {
				call := cfg.Calls[(i+n)%len(cfg.Calls)]
				req := mcpgo.CallToolRequest{}
				req.Params.Name = call.Tool
				req.Params.Arguments = call.Args
				t0 := time.Now()
				cctx, ccancel := context.WithTimeout(ctx, 30*time.Second)
				res, err := c.CallTool(cctx, req)
				ccancel()
				d := time.Since(t0)
				calls.Add(1)
				local = append(local, d)
				switch {
				case err != nil:
					errs.Add(1)
					noteErr(call.Tool + ": " + err.Error())
				case res.IsError:
					toolErrs.Add(1)
					noteErr(call.Tool + " returned an error result: " + resultText(res))
				}
			}
			mu.Lock()
			lat = append(lat, local...)
			mu.Unlock()
		}()
	}
	if cfg.Idle {
		<-runCtx.Done()
	}
	wg.Wait()
	rep.Elapsed = time.Since(start)
	if cpuErr == nil {
		if cpu1, err := cfg.CPU(); err == nil && calls.Load() > 0 {
			rep.ServerCPUPerCall = (cpu1 - cpu0) / time.Duration(calls.Load())
		}
	}
	for _, c := range clients {
		if c != nil {
			_ = c.Close()
		}
	}
	close(stopSample)
	<-sampled
	if cfg.AfterClose > 0 && cfg.Sample != nil {
		time.Sleep(cfg.AfterClose)
		rep.AfterCloseBytes, rep.AfterCloseGoroutines = cfg.Sample()
	}

	rep.Calls, rep.Errors, rep.ToolErrors = calls.Load(), errs.Load(), toolErrs.Load()
	rep.FirstErrors = firstErrs
	if rep.Elapsed > 0 {
		rep.CallsPerSecond = float64(rep.Calls) / rep.Elapsed.Seconds()
	}
	sort.Slice(lat, func(a, b int) bool { return lat[a] < lat[b] })
	rep.P50, rep.P95, rep.P99 = pct(lat, 50), pct(lat, 95), pct(lat, 99)
	return rep, nil
}

func pct(sorted []time.Duration, p int) time.Duration {
	if len(sorted) == 0 {
		return 0
	}
	i := (len(sorted)*p + 99) / 100
	return sorted[min(max(i-1, 0), len(sorted)-1)]
}

func open(ctx context.Context, cfg Config, hc *http.Client, session int) (*client.Client, error) {
	headers := map[string]string{}
	if cfg.Bearer != nil {
		headers["Authorization"] = "Bearer " + cfg.Bearer(session)
	}
	var c *client.Client
	switch cfg.Transport {
	case "", "http":
		tr, err := transport.NewStreamableHTTP(cfg.URL+"/mcp", transport.WithHTTPBasicClient(hc), transport.WithHTTPHeaders(headers))
		if err != nil {
			return nil, err
		}
		c = client.NewClient(tr)
	case "sse":
		tr, err := transport.NewSSE(cfg.URL+"/sse", transport.WithHTTPClient(hc), transport.WithHeaders(headers))
		if err != nil {
			return nil, err
		}
		c = client.NewClient(tr)
	default:
		return nil, fmt.Errorf("unknown transport %q (http or sse)", cfg.Transport)
	}
	if err := c.Start(context.Background()); err != nil {
		return nil, err
	}
	ictx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	init := mcpgo.InitializeRequest{}
	init.Params.ProtocolVersion = "2025-11-25"
	init.Params.ClientInfo = mcpgo.Implementation{Name: "mcpload", Version: "1"}
	if _, err := c.Initialize(ictx, init); err != nil {
		_ = c.Close()
		return nil, err
	}
	return c, nil
}

// SampleSelf samples this process (for a server run in process).
func SampleSelf() (uint64, int) {
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	return ms.HeapInuse + ms.StackInuse, runtime.NumGoroutine()
}

// DefaultMix is a read-mostly mix over the tools of a fresh test server.
func DefaultMix(available []string) []Call {
	want := []Call{
		{Tool: "nc_capabilities", Args: map[string]any{}},
		{Tool: "nc_notes_list", Args: map[string]any{}},
		{Tool: "nc_notes_get", Args: map[string]any{"id": 1}},
		{Tool: "nc_notes_search", Args: map[string]any{"query": "load"}},
	}
	var out []Call
	for _, c := range want {
		if slices.Contains(available, c.Tool) {
			out = append(out, c)
		}
	}
	return out
}

// resultText is the first text of a tool result, shortened.
func resultText(res *mcpgo.CallToolResult) string {
	for _, c := range res.Content {
		if t, ok := c.(mcpgo.TextContent); ok {
			if len(t.Text) > 200 {
				return t.Text[:200] + "…"
			}
			return t.Text
		}
	}
	return "(no text)"
}
