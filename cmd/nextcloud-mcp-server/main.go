// Command nextcloud-mcp-server serves a Nextcloud to MCP clients over
// stdio, SSE or streamable HTTP.
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"maps"
	"os"
	"os/signal"
	"slices"
	"strings"
	"syscall"

	"github.com/nextcloud-mcp/nextcloud-mcp-server/config"
)

// version is set at build time with -ldflags "-X main.version=...".
var version = "dev"

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := run(ctx, os.Args[1:], os.Getenv, os.Stdin, os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}

// run is main without the process: tests call it directly.
func run(ctx context.Context, args []string, getenv config.Getenv, stdin io.Reader, stdout, stderr io.Writer) int {
	getenv, err := config.ReadFiles(getenv, os.ReadFile)
	if err != nil {
		for _, line := range strings.Split(err.Error(), "\n") {
			fmt.Fprintln(stderr, "nextcloud-mcp-server: configuration error:", line)
		}
		return 2
	}
	if len(args) > 0 && !strings.HasPrefix(args[0], "-") {
		if cmd, ok := subcommands()[args[0]]; ok {
			return cmd(ctx, args[1:], getenv, stdout, stderr)
		}
		if args[0] != "serve" {
			fmt.Fprintf(stderr, "nextcloud-mcp-server: unknown command %q; commands: serve (default), %s\n", args[0], strings.Join(subcommandNames(), ", "))
			return 2
		}
		args = args[1:]
	}
	cfg, err := config.Load(args, getenv, stderr)
	if errors.Is(err, config.ErrHelp) {
		fmt.Fprint(stderr, commandsHelp)
		return 0
	}
	if err != nil {
		for _, line := range strings.Split(err.Error(), "\n") {
			fmt.Fprintln(stderr, "nextcloud-mcp-server: configuration error:", line)
		}
		return 2
	}
	logger := cfg.Logger(stderr)
	a, err := newApp(ctx, cfg, logger)
	if err != nil {
		fmt.Fprintln(stderr, "nextcloud-mcp-server:", err)
		return 1
	}
	defer a.Close()
	if err := a.Serve(ctx, stdin, stdout); err != nil {
		fmt.Fprintln(stderr, "nextcloud-mcp-server:", err)
		return 1
	}
	return 0
}

type subcommand func(ctx context.Context, args []string, getenv config.Getenv, stdout, stderr io.Writer) int

// subcommands are the commands besides serve.
func subcommands() map[string]subcommand {
	return map[string]subcommand{
		"version": func(_ context.Context, _ []string, _ config.Getenv, stdout, _ io.Writer) int {
			fmt.Fprintln(stdout, "nextcloud-mcp-server", version)
			return 0
		},
		"genkey": genKeyCommand,
		"tokens": tokensCommand,
		"doctor": doctorCommand,
		// healthcheck lets container health checks run without a shell.
		"healthcheck": healthcheckCommand,
	}
}

// commandsHelp ends the -h output; TestHelpListsCommands keeps it in step
// with subcommands.
const commandsHelp = `
Commands (nextcloud-mcp-server COMMAND):
  serve         serve MCP with the settings above (the default)
  version       print the version
  genkey        print a new key for TOKEN_ENCRYPTION_KEY
  tokens        list, revoke or re-encrypt stored offline grants (tokens -h)
  doctor        report what the identity provider supports
  healthcheck   check a running HTTP server's /health/ready (for containers)
`

// subcommandNames lists the commands sorted, so usage errors read the same
// every time.
func subcommandNames() []string {
	return slices.Sorted(maps.Keys(subcommands()))
}
