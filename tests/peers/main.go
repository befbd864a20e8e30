// Command peerbench runs this server and peer Nextcloud MCP servers side by
// side over stdio against the same seeded test Nextcloud (tests/nctest on
// loopback), in interleaved rounds, and prints a Markdown table with
// min/median per operation and the ratio ours/peer. `make bench-peers`
// installs the peers (scripts/peers.sh) and runs it; it is not part of
// `make test`.
package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"regexp"
	"slices"
	"strings"
	"time"
)

func main() {
	ours := flag.String("ours", "bin/nextcloud-mcp-server", "this server's binary")
	python := flag.String("python", ".cache/peers/venv/bin/nextcloud-mcp-server", "the Python reference server's entry point (empty: skip)")
	caldav := flag.String("caldav-mcp", ".cache/peers/node/node_modules/.bin/caldav-mcp", "the TypeScript caldav-mcp server, calendar operations only (empty: skip)")
	rounds := flag.Int("rounds", 5, "interleaved rounds (a fresh process per server per round)")
	calls := flag.Int("calls", 5, "calls per operation per round")
	dump := flag.String("dump", "", "print the tools (name, input schema) matching this regexp for every server, and exit")
	verbose := flag.Bool("v", false, "pass the servers' stderr through")
	serve := flag.Bool("serve", false, "only serve the seeded test Nextcloud on loopback (prints its URL and credentials) until interrupted, to point any client at it")
	trace := flag.Bool("trace", false, "log every request the test Nextcloud answers (method, path, Depth, status) to stderr")
	try := flag.String("try", "", "call one tool of a peer, as peer:tool={json arguments}, print the answer, and exit (for checking an operation's mapping)")
	show := flag.Bool("show", false, "print every server's answer to each operation once (to check they are equivalent), and exit")
	flag.Parse()
	caldavSet := false
	flag.Visit(func(f *flag.Flag) { caldavSet = caldavSet || f.Name == "caldav-mcp" })

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	if err := run(ctx, *ours, *python, *caldav, *rounds, *calls, *dump, *verbose, *show, *try, *trace, *serve, caldavSet); err != nil {
		fmt.Fprintln(os.Stderr, "peerbench:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, ours, python, caldav string, rounds, calls int, dump string, verbose, show bool, try string, trace, serve, caldavSet bool) error {
	if rounds < 1 || calls < 1 {
		return fmt.Errorf("-rounds and -calls must be at least 1 (got %d and %d)", rounds, calls)
	}
	if _, err := os.Stat(ours); err != nil {
		return fmt.Errorf("this server's binary %s: %w; run make build (make bench-peers does) or pass -ours", ours, err)
	}
	if python != "" {
		if _, err := os.Stat(python); err != nil {
			return fmt.Errorf("the Python reference server %s: %w; run scripts/peers.sh (make bench-peers does) or pass -python ''", python, err)
		}
	}
	if caldav != "" {
		if _, err := os.Stat(caldav); err != nil {
			if caldavSet {
				return fmt.Errorf("the TypeScript caldav-mcp %s: %w; run scripts/peers.sh (make bench-peers does) or pass -caldav-mcp ''", caldav, err)
			}
			// optional: scripts/peers.sh installs it only where npm is
			fmt.Fprintf(os.Stderr, "peerbench: no caldav-mcp at %s (scripts/peers.sh installs it when npm is there); left out\n", caldav)
			caldav = ""
		}
	}
	f, err := startNextcloud(ctx, trace)
	if err != nil {
		return err
	}
	defer f.close()
	if serve {
		fmt.Printf("test Nextcloud at %s (user %s, password %s); Ctrl-C stops it\n", f.nc.URL, ncUser, ncPass)
		<-ctx.Done()
		return nil
	}
	peers := []peer{oursPeer(ours, f.nc.URL)}
	if python != "" {
		peers = append(peers, pythonPeer(python, f.nc.URL))
	}
	if caldav != "" {
		peers = append(peers, caldavPeer(caldav, f.nc.URL))
	}
	var stderr io.Writer = io.Discard
	if verbose {
		stderr = os.Stderr
	}
	if dump != "" {
		re, err := regexp.Compile(dump)
		if err != nil {
			return err
		}
		for _, p := range peers {
			s, err := start(ctx, p, os.Stderr)
			if err != nil {
				return err
			}
			fmt.Printf("== %s: %d tools, %d bytes\n", p.name, len(s.tools), s.listBytes)
			for _, t := range s.tools {
				if re.MatchString(t.Name) {
					b, _ := json.Marshal(t.InputSchema)
					fmt.Printf("%s %s\n", t.Name, b)
				}
			}
			s.close()
		}
		return nil
	}
	if try != "" {
		name, rest, _ := strings.Cut(try, ":")
		tool, raw, _ := strings.Cut(rest, "=")
		args := map[string]any{}
		if raw != "" {
			if err := json.Unmarshal([]byte(raw), &args); err != nil {
				return fmt.Errorf("-try %s: arguments: %w", tool, err)
			}
		}
		i := slices.IndexFunc(peers, func(p peer) bool { return p.name == name })
		if i < 0 {
			return fmt.Errorf("-try: no peer %q", name)
		}
		s, err := start(ctx, peers[i], stderr)
		if err != nil {
			return err
		}
		defer s.close()
		_, out, err := s.callTool(ctx, tool, args)
		if err != nil {
			return err
		}
		b, _ := json.MarshalIndent(out, "", " ")
		fmt.Println(string(b))
		return nil
	}
	if show {
		for _, p := range peers {
			s, err := start(ctx, p, stderr)
			if err != nil {
				return err
			}
			for _, op := range operations {
				c, ok := p.ops[op]
				if !ok {
					fmt.Printf("== %s %s: n/a\n", p.name, op)
					continue
				}
				_, out, err := s.callTool(ctx, c.tool, c.args(f, 0))
				if err != nil {
					fmt.Printf("== %s %s (%s): %v\n", p.name, op, c.tool, err)
					continue
				}
				b, _ := json.MarshalIndent(out, "", " ")
				fmt.Printf("== %s %s (%s):\n%s\n", p.name, op, c.tool, b)
			}
			s.close()
		}
		return nil
	}
	res, err := bench(ctx, f, peers, rounds, calls, stderr)
	if err != nil {
		return err
	}
	res.print(os.Stdout, time.Now())
	// a failing operation of this server is a bug, not a data point
	if e := res.samples["ours"].opErr; len(e) > 0 {
		return fmt.Errorf("this server failed: %v", e)
	}
	return nil
}
