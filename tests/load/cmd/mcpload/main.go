// Command mcpload opens many concurrent MCP sessions against an MCP server
// on this machine and prints throughput, latency and resource figures.
// Without -url it starts the server and a test Nextcloud in process.
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"runtime"
	"runtime/pprof"
	"time"

	"github.com/nextcloud-mcp/nextcloud-mcp-server/tests/load"
)

func main() {
	sessions := flag.Int("sessions", 1000, "concurrent MCP sessions")
	duration := flag.Duration("duration", 20*time.Second, "how long the sessions call tools (at most 10m)")
	transport := flag.String("transport", "http", "http (streamable HTTP) or sse")
	target := flag.String("url", "", "server base URL on loopback (default: start one in process)")
	notes := flag.Int("notes", 50, "notes to seed in the in-process test Nextcloud")
	memLimit := flag.String("server-memlimit", "", "GOMEMLIMIT for the -server-bin process only (e.g. 170MiB)")
	idle := flag.Bool("idle", false, "open the sessions and hold them for -duration without calls")
	afterClose := flag.Duration("after-close", 0, "sample the server's memory this long after every session closed (e.g. 10s)")
	heapProfile := flag.String("heapprofile", "", "with the server in process (no -server-bin): write a heap profile (pprof) here halfway through the calls")
	bin := flag.String("server-bin", "", "run this server binary (make build) in its own process against the in-process test Nextcloud, and sample its memory from /metrics")
	flag.Parse()
	ctx := context.Background()
	cfg := load.Config{URL: *target, Transport: *transport, Sessions: *sessions, Duration: *duration, Idle: *idle, AfterClose: *afterClose}
	if *target == "" {
		t, err := load.StartTarget(ctx, *notes)
		if err != nil {
			fmt.Fprintln(os.Stderr, "mcpload: start in-process server:", err)
			os.Exit(1)
		}
		defer t.Close()
		cfg.URL, cfg.Calls, cfg.Sample = t.URL, t.Mix(), load.SampleSelf
		if *bin != "" {
			var env []string
			if *memLimit != "" {
				env = append(env, "GOMEMLIMIT="+*memLimit)
			}
			url, stop, err := load.StartBinary(ctx, *bin, t.Nextcloud.URL, env...)
			if err != nil {
				fmt.Fprintln(os.Stderr, "mcpload:", err)
				os.Exit(1)
			}
			defer stop()
			cfg.URL, cfg.Sample, cfg.CPU = url, load.MetricsSampler(url), load.MetricsCPU(url)
		}
	} else {
		cfg.Calls = []load.Call{{Tool: "nc_capabilities", Args: map[string]any{}}}
		cfg.Sample, cfg.CPU = load.MetricsSampler(*target), load.MetricsCPU(*target)
	}
	if *heapProfile != "" && *bin == "" && *target == "" {
		cfg.Midway = func() {
			f, err := os.Create(*heapProfile)
			if err != nil {
				fmt.Fprintln(os.Stderr, "mcpload: heap profile:", err)
				return
			}
			defer f.Close()
			runtime.GC()
			if err := pprof.Lookup("heap").WriteTo(f, 0); err != nil {
				fmt.Fprintln(os.Stderr, "mcpload: heap profile:", err)
			}
		}
	}
	before := runtime.NumGoroutine()
	rep, err := load.Run(ctx, cfg)
	if err != nil {
		fmt.Fprintln(os.Stderr, "mcpload:", err)
		os.Exit(1)
	}
	fmt.Println(rep)
	for _, e := range rep.FirstErrors {
		fmt.Println("  error:", e)
	}
	time.Sleep(500 * time.Millisecond)
	fmt.Printf("goroutines before=%d after=%d\n", before, runtime.NumGoroutine())
	if rep.Failed() {
		fmt.Fprintf(os.Stderr, "mcpload: %d calls failed and %d returned tool errors\n", rep.Errors, rep.ToolErrors)
		os.Exit(1)
	}
}
