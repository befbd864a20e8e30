package main

import (
	"bytes"
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/mark3labs/mcp-go/mcp"
	"github.com/mark3labs/mcp-go/server"
)

// fakeServer offers a read-only tool that works, one that needs an id, and
// a tool that changes data, which smoke must not call.
func fakeServer(t *testing.T, wantAuth string) (*httptest.Server, *atomic.Int32) {
	var writes atomic.Int32
	s := server.NewMCPServer("fake", "0.1")
	s.AddTool(mcp.NewTool("nc_notes_list", mcp.WithReadOnlyHintAnnotation(true)),
		func(ctx context.Context, req mcp.CallToolRequest) (*mcp.CallToolResult, error) {
			return mcp.NewToolResultText("3 notes"), nil
		})
	s.AddTool(mcp.NewTool("nc_notes_get", mcp.WithReadOnlyHintAnnotation(true),
		mcp.WithNumber("id", mcp.Required()), mcp.WithString("path", mcp.Required())),
		func(ctx context.Context, req mcp.CallToolRequest) (*mcp.CallToolResult, error) {
			if req.GetInt("id", 0) != 1 || req.GetString("path", "") != "/" {
				return nil, errors.New("unexpected arguments")
			}
			return mcp.NewToolResultError("note 1 not found; list notes with nc_notes_list"), nil
		})
	s.AddTool(mcp.NewTool("nc_notes_delete", mcp.WithReadOnlyHintAnnotation(false), mcp.WithDestructiveHintAnnotation(true)),
		func(ctx context.Context, req mcp.CallToolRequest) (*mcp.CallToolResult, error) {
			writes.Add(1)
			return mcp.NewToolResultText("deleted"), nil
		})
	h := server.NewStreamableHTTPServer(s)
	ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if wantAuth != "" && r.Header.Get("Authorization") != wantAuth {
			http.Error(w, "unauthorized", http.StatusUnauthorized)
			return
		}
		h.ServeHTTP(w, r)
	}))
	t.Cleanup(ts.Close)
	return ts, &writes
}

func TestRunCallsReadOnlyTools(t *testing.T) {
	ts, writes := fakeServer(t, "Bearer tok")
	var out bytes.Buffer
	code, err := run(context.Background(), options{url: ts.URL + "/mcp", bearer: "tok", timeout: 5 * time.Second}, &out)
	if err != nil || code != 0 {
		t.Fatalf("run = %d, %v\n%s", code, err, out.String())
	}
	got := out.String()
	for _, want := range []string{"3 tools: 2 read-only", "nc_notes_list", "3 notes", "nc_notes_get", "tool error", "note 1 not found", "1 ok, 1 tool errors, 0 failures"} {
		if !strings.Contains(got, want) {
			t.Errorf("output lacks %q:\n%s", want, got)
		}
	}
	if writes.Load() != 0 {
		t.Error("smoke called a tool that changes data")
	}

	code, _ = run(context.Background(), options{url: ts.URL + "/mcp", bearer: "tok", timeout: 5 * time.Second, strict: true}, &bytes.Buffer{})
	if code != 1 {
		t.Errorf("-strict with a tool error: exit %d, want 1", code)
	}
}

func TestRunWithoutCredentials(t *testing.T) {
	ts, _ := fakeServer(t, "Bearer tok")
	code, err := run(context.Background(), options{url: ts.URL + "/mcp", timeout: 5 * time.Second}, &bytes.Buffer{})
	if code == 0 || err == nil || !strings.Contains(err.Error(), "MCP_BEARER_TOKEN") {
		t.Fatalf("run without a token = %d, %v; want a failure naming MCP_BEARER_TOKEN", code, err)
	}
}

func TestProblems(t *testing.T) {
	if p := (options{}).problems(); len(p) != 1 || !strings.Contains(p[0], "-url") {
		t.Errorf("problems() without a server = %v", p)
	}
	if p := (options{url: "x", basicUser: "u"}).problems(); len(p) != 1 || !strings.Contains(p[0], "MCP_BASIC_PASSWORD") {
		t.Errorf("problems() with half the basic credentials = %v", p)
	}
}
