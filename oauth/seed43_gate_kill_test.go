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

	// Each probe must leave its answer logged exactly once.
	for _, step := range []struct {
		answer ProbeState
		logged string
		what   string
	}{
		{ProbeUnknown, "impersonation not yet known", "first probe (unknown)"},
		{ProbeUnknown, "impersonation not yet known", "unchanged answer (unknown)"},
		{ProbeAvailable, "impersonation available", "changed answer (available)"},
		{ProbeAvailable, "impersonation available", "unchanged answer (available)"},
	} {
		next = step.answer
		g.Probe(ctx)
		if n := count(step.logged); n != 1 {
			t.Fatalf("%s: %q logged %d times, want once: %q", step.what, step.logged, n, logs.String())
		}
	}
}
