package mcp

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"testing"
	"time"

	mcpgo "github.com/mark3labs/mcp-go/mcp"

	"github.com/nextcloud-mcp/nextcloud-mcp-server/nextcloud"
	"github.com/nextcloud-mcp/nextcloud-mcp-server/tests/nctest"
)

func seedNote(b *testing.B, nc *nctest.Server) (*nextcloud.Client, int64) {
	c := nc.Client(b, "admin")
	title, content := "Bench", "# Bench\n\nA small note read in the overhead benchmark."
	n, err := c.Notes().Create(context.Background(), nextcloud.NoteInput{Title: &title, Content: &content})
	if err != nil {
		b.Fatal(err)
	}
	return c, n.ID
}

// BenchmarkNoteReadOverhead reads one small note directly through the
// Nextcloud client and through the MCP server, alternating in one run,
// and reports the ratio MCP/direct (the target is under 1.2x).
func BenchmarkNoteReadOverhead(b *testing.B) {
	cases := []struct {
		kind    string
		latency time.Duration // added to every Nextcloud answer
	}{
		{"http", 0}, {"stdio", 0},
		// A real Nextcloud takes milliseconds per request; with that
		// the ratio shows what a user would notice.
		{"http-upstream-5ms", 5 * time.Millisecond},
	}
	for _, tc := range cases {
		kind := tc.kind
		if i := len("http-"); len(kind) > i && kind[:i] == "http-" {
			kind = "http"
		}
		b.Run(tc.kind, func(b *testing.B) {
			nc := nctest.New(b)
			direct, id := seedNote(b, nc)
			if tc.latency > 0 {
				nc.SetFault(func(http.ResponseWriter, *http.Request) bool {
					time.Sleep(tc.latency)
					return false
				})
			}
			c := connect(b, newTestServer(b, nc), kind)
			ctx := context.Background()
			req := mcpgo.CallToolRequest{}
			req.Params.Name = "nc_notes_get"
			req.Params.Arguments = map[string]any{"id": id}
			var dDirect, dMCP time.Duration
			b.ReportAllocs()
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				t0 := time.Now()
				if _, err := direct.Notes().Get(ctx, id); err != nil {
					b.Fatal(err)
				}
				t1 := time.Now()
				res, err := c.CallTool(ctx, req)
				if err != nil || res.IsError {
					b.Fatalf("mcp call: %v %v", err, res)
				}
				dDirect += t1.Sub(t0)
				dMCP += time.Since(t1)
			}
			b.ReportMetric(float64(dMCP)/float64(dDirect), "mcp/direct")
			b.ReportMetric(float64(dDirect.Nanoseconds())/float64(b.N), "direct-ns/op")
			b.ReportMetric(float64(dMCP.Nanoseconds())/float64(b.N), "mcp-ns/op")
		})
	}
}

// BenchmarkToolCallAllocs shows allocations per call of common tools
// in process, so a regression shows.
func BenchmarkToolCallAllocs(b *testing.B) {
	nc := nctest.New(b)
	_, id := seedNote(b, nc)
	c := connect(b, newTestServer(b, nc), "inprocess")
	calls := []struct {
		name string
		args map[string]any
	}{
		{"nc_capabilities", map[string]any{}},
		{"nc_notes_get", map[string]any{"id": id}},
		{"nc_notes_list", map[string]any{}},
	}
	for _, call := range calls {
		b.Run(call.name, func(b *testing.B) {
			req := mcpgo.CallToolRequest{}
			req.Params.Name = call.name
			req.Params.Arguments = call.args
			b.ReportAllocs()
			for i := 0; i < b.N; i++ {
				res, err := c.CallTool(context.Background(), req)
				if err != nil || res.IsError {
					b.Fatalf("%v %v", err, res)
				}
			}
		})
	}
}

// BenchmarkNoteReadLayers splits a note read by layer, in one run, so the
// allocations this server adds show apart from the Nextcloud request
// (direct) and from mcp-go's client: the tool handler as the server wraps
// it, with in-process arguments (a map) and with arguments as they come
// from the wire (raw JSON); and the whole server side of one JSON-RPC
// message, including encoding the answer as the transports do.
func BenchmarkNoteReadLayers(b *testing.B) {
	nc := nctest.New(b)
	direct, id := seedNote(b, nc)
	srv := newTestServer(b, nc)
	ctx := context.Background()
	tool := srv.MCP().GetTool("nc_notes_get")
	if tool == nil {
		b.Fatal("nc_notes_get not registered")
	}
	raw := json.RawMessage(fmt.Sprintf(`{"id":%d}`, id))
	msg := json.RawMessage(fmt.Sprintf(`{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"nc_notes_get","arguments":%s}}`, raw))
	handler := func(b *testing.B, req mcpgo.CallToolRequest) {
		b.ReportAllocs()
		for i := 0; i < b.N; i++ {
			res, err := tool.Handler(ctx, req)
			if err != nil || res.IsError {
				b.Fatalf("%v %v", err, res)
			}
		}
	}
	b.Run("direct", func(b *testing.B) {
		b.ReportAllocs()
		for i := 0; i < b.N; i++ {
			if _, err := direct.Notes().Get(ctx, id); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("handler-map-args", func(b *testing.B) {
		req := mcpgo.CallToolRequest{}
		req.Params.Name = "nc_notes_get"
		req.Params.Arguments = map[string]any{"id": id}
		handler(b, req)
	})
	b.Run("handler-wire-args", func(b *testing.B) {
		var req mcpgo.CallToolRequest
		if err := json.Unmarshal(msg, &req); err != nil {
			b.Fatal(err)
		}
		handler(b, req)
	})
	b.Run("server-message", func(b *testing.B) {
		b.ReportAllocs()
		for i := 0; i < b.N; i++ {
			resp := srv.MCP().HandleMessage(ctx, msg)
			out, err := json.Marshal(resp)
			if err != nil || !bytes.Contains(out, []byte(`"structuredContent"`)) || bytes.Contains(out, []byte(`"isError":true`)) {
				b.Fatalf("%v %s", err, out)
			}
		}
	})
}

// BenchmarkStructuredResult encodes tool outputs as StructuredResult does:
// a list of 100 items whose nil lists must come out as [] (the case that
// used to be marshalled, decoded and marshalled again), and a 100 KB text
// read; each followed by the encoding mcp-go does for the wire.
func BenchmarkStructuredResult(b *testing.B) {
	type item struct {
		Name   string            `json:"name"`
		ID     int64             `json:"id"`
		Tags   []string          `json:"tags"`
		Labels map[string]string `json:"labels"`
	}
	type list struct {
		Items []item `json:"items"`
		More  bool   `json:"more"`
	}
	l := list{Items: make([]item, 100)}
	for i := range l.Items {
		l.Items[i] = item{Name: fmt.Sprintf("item %d", i), ID: int64(i)}
	}
	text := filesReadOut{Path: "big.txt", MimeType: "text/plain", Size: 100 << 10, ETag: "e", Encoding: "text", Text: string(bytes.Repeat([]byte("a line of text\n"), 100<<10/15))}
	for _, tc := range []struct {
		name string
		out  any
	}{{"list-with-nil-lists", l}, {"text-100KB", text}} {
		b.Run(tc.name, func(b *testing.B) {
			b.ReportAllocs()
			for i := 0; i < b.N; i++ {
				res := StructuredResult(tc.out)
				if _, err := json.Marshal(res); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
