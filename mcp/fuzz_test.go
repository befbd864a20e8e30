package mcp

import (
	"context"
	"encoding/json"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	mcpgo "github.com/mark3labs/mcp-go/mcp"

	"github.com/nextcloud-mcp/nextcloud-mcp-server/tests/nctest"
)

// The fuzz target runs its seeds (three per tool) as an ordinary test; run
// it longer with go test ./mcp -run '^$' -fuzz FuzzToolArguments -fuzztime 20s.

// sampleArgs builds arguments from a tool's input schema: every property
// with a value of its type, or (wrong) of another type.
func sampleArgs(t *testing.F, tool mcpgo.Tool, wrong bool) string {
	t.Helper()
	b, err := json.Marshal(tool)
	if err != nil {
		t.Fatal(err)
	}
	var def struct {
		InputSchema struct {
			Properties map[string]struct {
				Type any `json:"type"`
			} `json:"properties"`
		} `json:"inputSchema"`
	}
	if err := json.Unmarshal(b, &def); err != nil {
		t.Fatal(err)
	}
	args := map[string]any{}
	for name, p := range def.InputSchema.Properties {
		typ, _ := p.Type.(string)
		if list, ok := p.Type.([]any); ok && len(list) > 0 {
			typ, _ = list[0].(string)
		}
		switch {
		case wrong && typ == "string":
			args[name] = 12
		case wrong:
			args[name] = "not a " + typ
		case typ == "string":
			args[name] = "x"
		case typ == "integer":
			args[name] = 1
		case typ == "number":
			args[name] = 1.5
		case typ == "boolean":
			args[name] = true
		case typ == "array":
			args[name] = []any{}
		case typ == "object":
			args[name] = map[string]any{}
		default:
			args[name] = nil
		}
	}
	out, err := json.Marshal(args)
	if err != nil {
		t.Fatal(err)
	}
	return string(out)
}

// FuzzToolArguments calls the tools of every default toolset, in process,
// against the test Nextcloud, with arbitrary JSON objects as arguments
// (tool picks the tool by index in name order). Whatever the arguments,
// the answer is a result, never a JSON-RPC error, a hang or a panic
// (recovered panics are seen through the Observe hook): an error result
// with a message, or a success. The one exception is a number too large
// for float64, which mcp-go refuses before the server sees the call.
func FuzzToolArguments(f *testing.F) {
	nc := nctest.New(f)
	var mu sync.Mutex
	var panicked []string
	srv := newTestServer(f, nc, func(o *Options) {
		o.Observe = func(tool, outcome string, _ time.Duration) {
			if outcome == "panic" {
				mu.Lock()
				panicked = append(panicked, tool)
				mu.Unlock()
			}
		}
	})
	c := connect(f, srv, "inprocess")
	var names []string
	for name := range srv.tools {
		names = append(names, name)
	}
	slices.Sort(names)
	if len(names) < 100 {
		f.Fatalf("only %d tools registered; DefaultToolsets should give well over 100", len(names))
	}
	for i, name := range names {
		f.Add(uint16(i), `{}`)
		f.Add(uint16(i), sampleArgs(f, srv.tools[name].Def, false))
		f.Add(uint16(i), sampleArgs(f, srv.tools[name].Def, true))
	}
	f.Add(uint16(0), `{"":null,"\u0000":[[[[[]]]]],"id":1e999999}`)
	f.Add(uint16(1), `{"a":"\ud800","b":-0,"c":123456789012345678901234567890}`)

	f.Fuzz(func(t *testing.T, tool uint16, args string) {
		var obj map[string]json.RawMessage
		if json.Unmarshal([]byte(args), &obj) != nil || obj == nil {
			return // only JSON objects are tool arguments
		}
		name := names[int(tool)%len(names)]
		ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
		defer cancel()
		req := mcpgo.CallToolRequest{}
		req.Params.Name = name
		req.Params.Arguments = json.RawMessage(args)
		res, err := c.CallTool(ctx, req)
		mu.Lock()
		p := slices.Clone(panicked)
		panicked = panicked[:0]
		mu.Unlock()
		if len(p) > 0 {
			t.Fatalf("%s panicked with arguments %s", name, args)
		}
		// mcp-go decodes the whole request with encoding/json into float64
		// before any tool code runs: a number beyond float64 (1e999) makes
		// the request "invalid request" (-32600), which names the problem.
		// That is the one protocol error allowed, and only for such input.
		if err != nil && json.Unmarshal([]byte(args), new(any)) != nil && strings.Contains(err.Error(), "cannot unmarshal number") {
			return
		}
		if err != nil {
			t.Fatalf("%s with arguments %s: protocol error instead of a result: %v", name, args, err)
		}
		if res == nil {
			t.Fatalf("%s: no result", name)
		}
		if res.IsError && strings.TrimSpace(resultText(res)) == "" {
			t.Fatalf("%s: error result without a message for arguments %s", name, args)
		}
		if !res.IsError && len(res.Content) == 0 && res.StructuredContent == nil {
			t.Fatalf("%s: empty success for arguments %s", name, args)
		}
	})
}
