package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"time"

	"github.com/mark3labs/mcp-go/client"
	"github.com/mark3labs/mcp-go/client/transport"
	"github.com/mark3labs/mcp-go/mcp"
)

// peer is one MCP server under test: how to start it over stdio, and which
// of its tools (with which arguments) does each benchmarked operation.
type peer struct {
	name    string
	command string
	args    []string
	env     []string
	// ops maps an operation to the call that does it; a missing operation
	// is reported as n/a.
	ops map[string]call
}

type call struct {
	tool string
	args func(f *fixture, round int) map[string]any
}

// session is a running server with an initialised MCP client over stdio.
type session struct {
	c         *client.Client
	tr        *transport.Stdio
	cmd       *exec.Cmd
	startup   time.Duration // spawn to the tools/list answer
	listBytes int           // size of the tools/list result
	tools     []mcp.Tool
}

func start(ctx context.Context, p peer, stderr io.Writer) (*session, error) {
	s := &session{}
	cmdFunc := func(ctx context.Context, command string, env []string, args []string) (*exec.Cmd, error) {
		cmd := exec.CommandContext(ctx, command, args...)
		cmd.Env = append(os.Environ(), env...)
		s.cmd = cmd
		return cmd, nil
	}
	t0 := time.Now()
	s.tr = transport.NewStdioWithOptions(p.command, p.env, p.args, transport.WithCommandFunc(cmdFunc), transport.WithCommandStderrWriter(stderr))
	if err := s.tr.Start(ctx); err != nil {
		return nil, fmt.Errorf("%s: start: %w", p.name, err)
	}
	s.c = client.NewClient(s.tr)
	init := mcp.InitializeRequest{}
	// the era every client speaks today; 2026-07-28 needs a _meta envelope on each request
	init.Params.ProtocolVersion = mcp.ProtocolVersion20251125
	init.Params.ClientInfo = mcp.Implementation{Name: "peerbench", Version: "1"}
	if _, err := s.c.Initialize(ctx, init); err != nil {
		s.close()
		return nil, fmt.Errorf("%s: initialize: %w", p.name, err)
	}
	// tools/list through the transport, to measure the bytes a client gets
	resp, err := s.tr.SendRequest(ctx, transport.JSONRPCRequest{JSONRPC: mcp.JSONRPC_VERSION, ID: mcp.NewRequestId(int64(1000)), Method: string(mcp.MethodToolsList)})
	if err != nil {
		s.close()
		return nil, fmt.Errorf("%s: tools/list: %w", p.name, err)
	}
	s.startup = time.Since(t0)
	if resp.Error != nil {
		s.close()
		return nil, fmt.Errorf("%s: tools/list: %s", p.name, resp.Error.Message)
	}
	s.listBytes = len(resp.Result)
	var lr mcp.ListToolsResult
	if err := json.Unmarshal(resp.Result, &lr); err != nil {
		s.close()
		return nil, fmt.Errorf("%s: tools/list: %w", p.name, err)
	}
	if lr.NextCursor != "" {
		// a paged list: count the rest in the size too
		for cur := lr.NextCursor; cur != ""; {
			r, err := s.c.ListTools(ctx, mcp.ListToolsRequest{PaginatedRequest: mcp.PaginatedRequest{Params: mcp.PaginatedParams{Cursor: cur}}})
			if err != nil {
				s.close()
				return nil, fmt.Errorf("%s: tools/list page: %w", p.name, err)
			}
			b, _ := json.Marshal(r)
			s.listBytes += len(b)
			lr.Tools = append(lr.Tools, r.Tools...)
			cur = r.NextCursor
		}
	}
	s.tools = lr.Tools
	return s, nil
}

// rss is the server process's resident set in bytes (Linux /proc).
func (s *session) rss() (int64, error) {
	if s.cmd == nil || s.cmd.Process == nil {
		return 0, fmt.Errorf("no process")
	}
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", s.cmd.Process.Pid))
	if err != nil {
		return 0, err
	}
	for _, line := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(line, "VmRSS:"); ok {
			kb, err := strconv.ParseInt(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(v), "kB")), 10, 64)
			return kb * 1024, err
		}
	}
	return 0, fmt.Errorf("no VmRSS")
}

// callTool runs one call and fails on a transport or tool error.
func (s *session) callTool(ctx context.Context, tool string, args map[string]any) (time.Duration, *mcp.CallToolResult, error) {
	req := mcp.CallToolRequest{}
	req.Params.Name = tool
	req.Params.Arguments = args
	t0 := time.Now()
	res, err := s.c.CallTool(ctx, req)
	d := time.Since(t0)
	if err != nil {
		return d, nil, err
	}
	if res.IsError {
		return d, res, fmt.Errorf("tool error: %s", textOf(res))
	}
	return d, res, nil
}

func textOf(res *mcp.CallToolResult) string {
	var b strings.Builder
	for _, c := range res.Content {
		if t, ok := c.(mcp.TextContent); ok {
			b.WriteString(t.Text)
		}
	}
	s := b.String()
	if len(s) > 300 {
		s = s[:300] + "…"
	}
	return s
}

func (s *session) close() {
	if s.c != nil {
		_ = s.c.Close()
	} else if s.tr != nil {
		_ = s.tr.Close()
	}
}
