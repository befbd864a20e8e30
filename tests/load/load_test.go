package load

import (
	"context"
	"strings"
	"testing"
	"time"

	"go.uber.org/goleak"
)

// startTarget starts a target with notes seeded, closed when the test
// ends.
func startTarget(t *testing.T, notes int) *Target {
	t.Helper()
	target, err := StartTarget(context.Background(), notes)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(target.Close)
	return target
}

func TestLoopbackOnly(t *testing.T) {
	for _, u := range []string{"http://10.0.0.1:8000", "http://example.com", "http://192.168.1.2"} {
		if err := CheckLoopback(u); err == nil {
			t.Errorf("%s accepted", u)
		}
	}
	for _, u := range []string{"http://127.0.0.1:8000", "http://localhost:1", "http://[::1]:2"} {
		if err := CheckLoopback(u); err != nil {
			t.Errorf("%s refused: %v", u, err)
		}
	}
}

// A small run: every call succeeds, and once sessions and servers close no
// goroutine is left behind.
func TestSmallRunHasNoErrorsAndNoLeaks(t *testing.T) {
	defer goleak.VerifyNone(t, goleak.IgnoreCurrent(),
		// net/http keeps idle connection readers until they time out.
		goleak.IgnoreTopFunction("internal/poll.runtime_pollWait"))
	for _, tr := range []string{"http", "sse"} {
		t.Run(tr, func(t *testing.T) {
			ctx := context.Background()
			target := startTarget(t, 5)
			if len(target.Mix()) < 2 {
				t.Fatalf("tool mix too small: %v", target.Tools)
			}
			rep, err := Run(ctx, Config{URL: target.URL, Transport: tr, Sessions: 20, Duration: time.Second, MaxCallsPerSession: 20, Calls: target.Mix(), Sample: SampleSelf})
			if err != nil {
				t.Fatal(err)
			}
			if rep.Errors != 0 || rep.ToolErrors != 0 {
				t.Fatalf("errors in run: %s %v", rep, rep.FirstErrors)
			}
			if rep.Calls < 20 || rep.P50 <= 0 || rep.PeakGoroutines == 0 {
				t.Fatalf("implausible report: %s", rep)
			}
		})
	}
}

// An idle run holds the sessions open for the whole duration without a
// call, and samples memory before and after them.
func TestIdleRunHoldsSessionsWithoutCalls(t *testing.T) {
	ctx := context.Background()
	target := startTarget(t, 1)
	rep, err := Run(ctx, Config{URL: target.URL, Transport: "http", Sessions: 10, Duration: 300 * time.Millisecond,
		Idle: true, Sample: SampleSelf, AfterClose: 10 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	if rep.Calls != 0 || rep.Errors != 0 || rep.Elapsed < 300*time.Millisecond {
		t.Fatalf("idle run: %s %v", rep, rep.FirstErrors)
	}
	if rep.BeforeBytes == 0 || rep.AfterCloseBytes == 0 || rep.AfterCloseGoroutines == 0 || !strings.Contains(rep.String(), "after_close=") {
		t.Fatalf("memory around the run not sampled: %s", rep)
	}
	if _, err := Run(ctx, Config{URL: target.URL, Sessions: 1, Duration: time.Second}); err == nil {
		t.Fatal("a busy run without calls was accepted")
	}
}
