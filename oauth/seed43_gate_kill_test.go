package oauth

import (
	"bytes"
	"context"
	"log/slog"
	"strings"
	"testing"
	"time"
)

// The gate logs its first answer whatever it is (also "not yet known",
// the zero state), then only when the answer changes.
func TestImpersonationGateLogsFirstAnswerAndChanges(t *testing.T) {
	var logs bytes.Buffer
	next := ProbeUnknown
	g := NewImpersonationGate(func(context.Context) ProbeResult { return ProbeResult{State: next, Detail: "d"} },
		time.Minute, slog.New(slog.NewTextHandler(&logs, nil)))
	ctx := context.Background()
	count := func(msg string) int { return strings.Count(logs.String(), msg) }

	g.Probe(ctx)
	if n := count("impersonation not yet known"); n != 1 {
		t.Fatalf("first probe (unknown) logged %d times, want once: %q", n, logs.String())
	}
	g.Probe(ctx)
	if n := count("impersonation not yet known"); n != 1 {
		t.Fatalf("an unchanged answer was logged again: %q", logs.String())
	}
	next = ProbeAvailable
	g.Probe(ctx)
	if n := count("impersonation available"); n != 1 {
		t.Fatalf("a changed answer (available) logged %d times, want once: %q", n, logs.String())
	}
	g.Probe(ctx)
	if n := count("impersonation available"); n != 1 {
		t.Fatalf("an unchanged answer was logged again: %q", logs.String())
	}
}
