package load

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

// The report divides the server CPU time used during the call phase by
// the calls, and a run whose calls return tool errors counts them and
// reports failure (mcpload exits non-zero on Failed).
func TestReportCPUAndToolErrors(t *testing.T) {
	ctx := context.Background()
	target := startTarget(t, 3)
	reads := 0
	cpu := func() (time.Duration, error) {
		reads++
		return time.Duration(reads) * 7 * time.Second, nil // +7s over the run
	}
	rep, err := Run(ctx, Config{URL: target.URL, Sessions: 4, Duration: time.Second, MaxCallsPerSession: 5, Calls: target.Mix(), CPU: cpu})
	if err != nil {
		t.Fatal(err)
	}
	if rep.Failed() || rep.Calls != 20 {
		t.Fatalf("clean run: %s %v", rep, rep.FirstErrors)
	}
	if want := 7 * time.Second / 20; rep.ServerCPUPerCall != want || !strings.Contains(rep.String(), "server_cpu/call="+want.String()) {
		t.Fatalf("server CPU per call = %s (%s), want %s", rep.ServerCPUPerCall, rep, want)
	}

	bad := []Call{{Tool: target.Mix()[0].Tool, Args: map[string]any{"no_such_argument": 1}}}
	rep, err = Run(ctx, Config{URL: target.URL, Sessions: 2, Duration: time.Second, MaxCallsPerSession: 3, Calls: bad})
	if err != nil {
		t.Fatal(err)
	}
	if rep.ToolErrors != 6 || !rep.Failed() || rep.ServerCPUPerCall != 0 {
		t.Fatalf("run of failing calls: %s", rep)
	}
	if len(rep.FirstErrors) == 0 || !strings.Contains(rep.FirstErrors[0], "no_such_argument") {
		t.Fatalf("first errors do not show the tool's message: %v", rep.FirstErrors)
	}
}

func TestMetricsCPU(t *testing.T) {
	var body atomic.Value
	body.Store("process_cpu_seconds_total 1.25\n")
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprint(w, "# HELP x\ngo_goroutines 3\n"+body.Load().(string))
	}))
	defer srv.Close()
	got, err := MetricsCPU(srv.URL)()
	if err != nil || got != 1250*time.Millisecond {
		t.Fatalf("MetricsCPU = %s, %v; want 1.25s", got, err)
	}
	body.Store("")
	if _, err := MetricsCPU(srv.URL)(); err == nil || !strings.Contains(err.Error(), "process_cpu_seconds_total") {
		t.Fatalf("missing metric: %v", err)
	}
}
