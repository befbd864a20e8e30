package load

import (
	"bufio"
	"context"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"time"
)

// MetricsSampler reads the server's own /metrics: resident memory and
// goroutines of the server process alone, not of the load generator.
func MetricsSampler(baseURL string) func() (uint64, int) {
	hc := &http.Client{Timeout: 2 * time.Second}
	return func() (uint64, int) {
		resp, err := hc.Get(baseURL + "/metrics")
		if err != nil {
			return 0, 0
		}
		defer resp.Body.Close()
		var rss uint64
		var gor int
		sc := bufio.NewScanner(resp.Body)
		sc.Buffer(make([]byte, 1<<16), 1<<20)
		for sc.Scan() {
			line := sc.Text()
			if v, ok := strings.CutPrefix(line, "process_resident_memory_bytes "); ok {
				f, _ := strconv.ParseFloat(v, 64)
				rss = uint64(f)
			} else if v, ok := strings.CutPrefix(line, "go_goroutines "); ok {
				f, _ := strconv.ParseFloat(v, 64)
				gor = int(f)
			}
		}
		return rss, gor
	}
}

// MetricsCPU reads the server's CPU time (process_cpu_seconds_total) from
// its /metrics.
func MetricsCPU(baseURL string) func() (time.Duration, error) {
	hc := &http.Client{Timeout: 2 * time.Second}
	return func() (time.Duration, error) {
		resp, err := hc.Get(baseURL + "/metrics")
		if err != nil {
			return 0, err
		}
		defer resp.Body.Close()
		sc := bufio.NewScanner(resp.Body)
		sc.Buffer(make([]byte, 1<<16), 1<<20)
		for sc.Scan() {
			if v, ok := strings.CutPrefix(sc.Text(), "process_cpu_seconds_total "); ok {
				f, err := strconv.ParseFloat(strings.TrimSpace(v), 64)
				if err != nil {
					return 0, fmt.Errorf("process_cpu_seconds_total %q: %w", v, err)
				}
				return time.Duration(f * float64(time.Second)), nil
			}
		}
		return 0, fmt.Errorf("%s/metrics has no process_cpu_seconds_total", baseURL)
	}
}

// StartBinary runs the server binary in HTTP mode against nextcloudURL on
// a free loopback port and waits until it answers /health/live.
func StartBinary(ctx context.Context, bin, nextcloudURL string, extraEnv ...string) (url string, stop func(), err error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", nil, err
	}
	addr := ln.Addr().String()
	ln.Close()
	cmd := exec.CommandContext(ctx, bin, "--transport", "http", "--listen", addr, "--log-level", "warn")
	cmd.Env = append(os.Environ(), "NEXTCLOUD_HOST="+nextcloudURL, "NEXTCLOUD_USERNAME=admin", "NEXTCLOUD_PASSWORD=admin-pass")
	cmd.Env = append(cmd.Env, extraEnv...)
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		return "", nil, fmt.Errorf("start %s: %w", bin, err)
	}
	stop = func() {
		_ = cmd.Process.Signal(os.Interrupt)
		done := make(chan struct{})
		go func() { _ = cmd.Wait(); close(done) }()
		select {
		case <-done:
		case <-time.After(10 * time.Second):
			_ = cmd.Process.Kill()
			<-done
		}
	}
	url = "http://" + addr
	for i := 0; i < 200; i++ {
		if resp, err := http.Get(url + "/health/live"); err == nil {
			resp.Body.Close()
			return url, stop, nil
		}
		time.Sleep(50 * time.Millisecond)
	}
	stop()
	return "", nil, fmt.Errorf("%s did not come up on %s", bin, addr)
}
