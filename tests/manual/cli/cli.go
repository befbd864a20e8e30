// Package cli holds what the manual programs' main functions share: how
// they refuse to start and how they report a failed run.
package cli

import (
	"context"
	"fmt"
	"os"
	"time"
)

// ExitIfProblems prints, when there are any, the heading and each problem
// on a line of its own with a pointer to -h, and exits 2.
func ExitIfProblems(prog, heading string, problems []string) {
	if len(problems) == 0 {
		return
	}
	fmt.Fprintf(os.Stderr, "%s: %s\n", prog, heading)
	for _, p := range problems {
		fmt.Fprintln(os.Stderr, "  -", p)
	}
	fmt.Fprintln(os.Stderr, "run with -h for all flags")
	os.Exit(2)
}

// RunOrExit runs run within limit and exits 1 naming prog when it fails.
func RunOrExit(prog string, limit time.Duration, run func(context.Context) error) {
	ctx, cancel := context.WithTimeout(context.Background(), limit)
	defer cancel()
	if err := run(ctx); err != nil {
		fmt.Fprintln(os.Stderr, prog+": FAILED:", err)
		cancel()
		os.Exit(1)
	}
}
