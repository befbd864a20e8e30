package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"time"

	"github.com/nextcloud-mcp/nextcloud-mcp-server/config"
)

// healthcheckCommand implements `nextcloud-mcp-server healthcheck`: it GETs
// the running server's readiness endpoint and exits 0 on 200, 1 otherwise.
// Container images without a shell or curl (distroless) use it as their
// HEALTHCHECK. The address comes from NEXTCLOUD_MCP_LISTEN, with a wildcard
// host (0.0.0.0, ::) replaced by loopback.
func healthcheckCommand(ctx context.Context, args []string, getenv config.Getenv, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("healthcheck", flag.ContinueOnError)
	fs.SetOutput(stderr)
	url := fs.String("url", "", "URL to check (default http://<NEXTCLOUD_MCP_LISTEN>/health/ready)")
	path := fs.String("path", "/health/ready", "path to check when -url is not given (/health/live for liveness)")
	timeout := fs.Duration("timeout", 5*time.Second, "give up after this long")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	target := *url
	if target == "" {
		if t := strings.ToLower(getenv("NEXTCLOUD_MCP_TRANSPORT")); t == "" || t == "stdio" {
			fmt.Fprintln(stderr, "healthcheck: NEXTCLOUD_MCP_TRANSPORT is stdio (or unset): there is no HTTP endpoint to check; set it to http or sse, or pass -url")
			return 1
		}
		addr, err := loopbackAddr(getenv("NEXTCLOUD_MCP_LISTEN"))
		if err != nil {
			fmt.Fprintln(stderr, "healthcheck:", err)
			return 2
		}
		target = "http://" + addr + *path
	}
	ctx, cancel := context.WithTimeout(ctx, *timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, target, nil)
	if err != nil {
		fmt.Fprintf(stderr, "healthcheck: bad URL %q: %v\n", target, err)
		return 2
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		fmt.Fprintf(stderr, "healthcheck: GET %s: %v\n", target, err)
		return 1
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(io.LimitReader(resp.Body, 512))
	if resp.StatusCode != http.StatusOK {
		fmt.Fprintf(stderr, "healthcheck: GET %s: %s: %s\n", target, resp.Status, strings.TrimSpace(string(body)))
		return 1
	}
	fmt.Fprintf(stdout, "healthcheck: %s ok\n", target)
	return 0
}

// loopbackAddr turns a listen address into one to dial from the same host.
func loopbackAddr(listen string) (string, error) {
	if listen == "" {
		listen = "127.0.0.1:8000" // config's default
	}
	host, port, err := net.SplitHostPort(listen)
	if err != nil {
		return "", fmt.Errorf("NEXTCLOUD_MCP_LISTEN %q is not host:port: %w", listen, err)
	}
	if host == "" || host == "0.0.0.0" || host == "::" {
		host = "127.0.0.1"
	}
	return net.JoinHostPort(host, port), nil
}
