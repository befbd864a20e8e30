package testutil

import (
	"context"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"
)

// RepoRoot is the nearest folder at or above the working directory that
// holds rel, a file the harness needs (e.g. "scripts/postgres.sh").
func RepoRoot(rel string) (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, rel)); err == nil {
			return dir, nil
		}
		up := filepath.Dir(dir)
		if up == dir {
			return "", fmt.Errorf("%s not found above the working directory", rel)
		}
		dir = up
	}
}

// FreePort is a loopback TCP port that was free a moment ago.
func FreePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

// FreeAddr is FreePort as a host:port address; a failure ends the test.
func FreeAddr(tb testing.TB) string {
	tb.Helper()
	p, err := FreePort()
	if err != nil {
		tb.Fatal(err)
	}
	return fmt.Sprintf("127.0.0.1:%d", p)
}

// Unavailable ends a test whose real part (a server nobody here wrote)
// cannot run: under CI=true that fails the run; locally the test skips
// with the one line, which should say how to get the part.
func Unavailable(tb testing.TB, format string, args ...any) {
	tb.Helper()
	if os.Getenv("CI") == "true" {
		tb.Fatalf("CI=true requires it: "+format, args...)
	}
	tb.Skipf(format, args...)
}

// StartProcess starts cmd with its output in log, waits up to timeout
// until addr accepts connections, and kills the process by its PID when
// the test ends. A process that does not start, exits early or does not
// listen is Unavailable (named by what), with its log.
func StartProcess(tb testing.TB, what string, cmd *exec.Cmd, addr string, log *SyncBuffer, timeout time.Duration) {
	tb.Helper()
	cmd.Stdout, cmd.Stderr = log, log
	if err := cmd.Start(); err != nil {
		Unavailable(tb, "start %s: %v", what, err)
	}
	exited := make(chan struct{})
	var waitErr error
	go func() { waitErr = cmd.Wait(); close(exited) }()
	tb.Cleanup(func() {
		_ = cmd.Process.Kill()
		<-exited
	})
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	for {
		c, err := (&net.Dialer{}).DialContext(ctx, "tcp", addr)
		if err == nil {
			c.Close()
			return
		}
		select {
		case <-exited:
			Unavailable(tb, "%s exited before answering (%v): %s", what, waitErr, log.String())
		case <-ctx.Done():
			Unavailable(tb, "%s did not listen on %s: %s", what, addr, log.String())
		case <-time.After(50 * time.Millisecond):
		}
	}
}

// RunThen runs a package's tests, then stop (the harness's shut-down of
// the servers they started), and returns the exit code.
func RunThen(m *testing.M, stop func()) int {
	code := m.Run()
	stop()
	return code
}
