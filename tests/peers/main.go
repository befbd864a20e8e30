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

type options struct {
	ours, python, caldav string
	caldavSet            bool // given on the command line: missing is an error
	rounds, calls        int
	dump, try            string
	verbose, show        bool
	trace, serve         bool
}

func main() {
	var o options
	flag.StringVar(&o.ours, "ours", "bin/nextcloud-mcp-server", "this server's binary")
	flag.StringVar(&o.python, "python", ".cache/peers/venv/bin/nextcloud-mcp-server", "the Python reference server's entry point (empty: skip)")
	flag.StringVar(&o.caldav, "caldav-mcp", ".cache/peers/node/node_modules/.bin/caldav-mcp", "the TypeScript caldav-mcp server, calendar operations only (empty: skip)")
	flag.IntVar(&o.rounds, "rounds", 5, "interleaved rounds (a fresh process per server per round)")
	flag.IntVar(&o.calls, "calls", 5, "calls per operation per round")
	flag.StringVar(&o.dump, "dump", "", "print the tools (name, input schema) matching this regexp for every server, and exit")
	flag.BoolVar(&o.verbose, "v", false, "pass the servers' stderr through")
	flag.BoolVar(&o.serve, "serve", false, "only serve the seeded test Nextcloud on loopback (prints its URL and credentials) until interrupted, to point any client at it")
	flag.BoolVar(&o.trace, "trace", false, "log every request the test Nextcloud answers (method, path, Depth, status) to stderr")
	flag.StringVar(&o.try, "try", "", "call one tool of a peer, as peer:tool={json arguments}, print the answer, and exit (for checking an operation's mapping)")
	flag.BoolVar(&o.show, "show", false, "print every server's answer to each operation once (to check they are equivalent), and exit")
	flag.Parse()
	flag.Visit(func(f *flag.Flag) { o.caldavSet = o.caldavSet || f.Name == "caldav-mcp" })

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	if err := run(ctx, o); err != nil {
		fmt.Fprintln(os.Stderr, "peerbench:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, o options) error {
	if o.serve {
		f, err := startNextcloud(ctx, o.trace)
		if err != nil {
			return err
		}
		defer f.close()
		fmt.Printf("test Nextcloud at %s (user %s, password %s); Ctrl-C stops it\n", f.nc.URL, ncUser, ncPass)
		<-ctx.Done()
		return nil
	}
	if err := o.check(); err != nil {
		return err
	}
	f, err := startNextcloud(ctx, o.trace)
	if err != nil {
		return err
	}
	defer f.close()
	peers := []peer{oursPeer(o.ours, f.nc.URL)}
	if o.python != "" {
		peers = append(peers, pythonPeer(o.python, f.nc.URL))
	}
	if o.caldav != "" {
		peers = append(peers, caldavPeer(o.caldav, f.nc.URL))
	}
	var stderr io.Writer = io.Discard
	if o.verbose {
		stderr = os.Stderr
	}
	switch {
	case o.dump != "":
		return dumpTools(ctx, peers, o.dump)
	case o.try != "":
		return tryTool(ctx, peers, o.try, stderr)
	case o.show:
		return showAnswers(ctx, f, peers, stderr)
	}
	res, err := bench(ctx, f, peers, o.rounds, o.calls, stderr)
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

// check validates the flags and finds the binaries, with a hint for each.
func (o *options) check() error {
	if o.rounds < 1 || o.calls < 1 {
		return fmt.Errorf("-rounds and -calls must be at least 1 (got %d and %d)", o.rounds, o.calls)
	}
	if _, err := os.Stat(o.ours); err != nil {
		return fmt.Errorf("this server's binary %s: %w; run make build (make bench-peers does) or pass -ours", o.ours, err)
	}
	if o.python != "" {
		if _, err := os.Stat(o.python); err != nil {
			return fmt.Errorf("the Python reference server %s: %w; run scripts/peers.sh (make bench-peers does) or pass -python ''", o.python, err)
		}
	}
	if o.caldav != "" {
		if _, err := os.Stat(o.caldav); err != nil {
			if o.caldavSet {
				return fmt.Errorf("the TypeScript caldav-mcp %s: %w; run scripts/peers.sh (make bench-peers does) or pass -caldav-mcp ''", o.caldav, err)
			}
			// optional: scripts/peers.sh installs it only where npm is
			fmt.Fprintf(os.Stderr, "peerbench: no caldav-mcp at %s (scripts/peers.sh installs it when npm is there); left out\n", o.caldav)
			o.caldav = ""
		}
	}
	return nil
}

func dumpTools(ctx context.Context, peers []peer, pattern string) error {
	re, err := regexp.Compile(pattern)
	if err != nil {
		return fmt.Errorf("-dump: %w", err)
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

func tryTool(ctx context.Context, peers []peer, spec string, stderr io.Writer) error {
	name, rest, _ := strings.Cut(spec, ":")
	tool, raw, _ := strings.Cut(rest, "=")
	if tool == "" {
		return fmt.Errorf("-try %q: want peer:tool or peer:tool={json arguments}", spec)
	}
	args := map[string]any{}
	if raw != "" {
		if err := json.Unmarshal([]byte(raw), &args); err != nil {
			return fmt.Errorf("-try %s: arguments are not a JSON object: %w", tool, err)
		}
	}
	i := slices.IndexFunc(peers, func(p peer) bool { return p.name == name })
	if i < 0 {
		return fmt.Errorf("-try: no peer %q (ours, python, caldav-mcp)", name)
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

func showAnswers(ctx context.Context, f *fixture, peers []peer, stderr io.Writer) error {
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
