// Command smoke connects to a running nextcloud-mcp-server with mcp-go's
// client, lists its tools, calls every read-only tool with minimal arguments
// and prints a table of the results. Tools that need an id the program
// cannot know answer with an error result; those rows show the server's
// message, which is itself worth reading (it should say what to do).
//
//	go run ./tests/manual/smoke -url http://localhost:8000/mcp
//	MCP_BEARER_TOKEN=... go run ./tests/manual/smoke -url http://localhost:8001/mcp
//	NEXTCLOUD_HOST=... NEXTCLOUD_USERNAME=... NEXTCLOUD_PASSWORD=... \
//	    go run ./tests/manual/smoke -stdio ./nextcloud-mcp-server
//
// -args FILE gives per-tool arguments as JSON ({"nc_notes_get": {"id": 42}}),
// which override the generated ones.
package main

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"regexp"
	"slices"
	"sort"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/mark3labs/mcp-go/client"
	"github.com/mark3labs/mcp-go/client/transport"
	"github.com/mark3labs/mcp-go/mcp"

	"github.com/nextcloud-mcp/nextcloud-mcp-server/tests/manual/cli"
)

type options struct {
	url, stdio, argsFile, only string
	bearer, basicUser, basicPW string
	timeout                    time.Duration
	strict, all                bool
}

func main() {
	var o options
	flag.StringVar(&o.url, "url", os.Getenv("MCP_URL"), "streamable HTTP endpoint, e.g. http://localhost:8000/mcp (env MCP_URL)")
	flag.StringVar(&o.stdio, "stdio", os.Getenv("MCP_STDIO_COMMAND"), "instead of -url: server binary to run over stdio; it inherits this environment (env MCP_STDIO_COMMAND)")
	flag.StringVar(&o.argsFile, "args", "", "JSON file of per-tool arguments overriding the generated ones")
	flag.StringVar(&o.only, "only", "", "regular expression: call only matching tool names")
	flag.DurationVar(&o.timeout, "timeout", 30*time.Second, "time limit of each call")
	flag.BoolVar(&o.strict, "strict", false, "exit 1 when any tool answers with an error result, not only on protocol failures")
	flag.BoolVar(&o.all, "list-all", false, "also list (not call) the tools that change data")
	flag.Usage = func() {
		fmt.Fprintf(flag.CommandLine.Output(), "usage: smoke -url http://localhost:8000/mcp | -stdio PATH [flags]\n\nCredentials come from the environment only: MCP_BEARER_TOKEN (OAuth mode) or\nMCP_BASIC_USER and MCP_BASIC_PASSWORD (basic-passthrough mode).\n\n")
		flag.PrintDefaults()
	}
	flag.Parse()
	o.bearer = os.Getenv("MCP_BEARER_TOKEN")
	o.basicUser, o.basicPW = os.Getenv("MCP_BASIC_USER"), os.Getenv("MCP_BASIC_PASSWORD")
	cli.ExitIfProblems("smoke", "cannot start:", o.problems())
	code, err := run(context.Background(), o, os.Stdout)
	if err != nil {
		fmt.Fprintln(os.Stderr, "smoke:", err)
	}
	os.Exit(code)
}

func (o options) problems() []string {
	var p []string
	switch {
	case o.url == "" && o.stdio == "":
		p = append(p, "no server: give -url (MCP_URL), e.g. http://localhost:8000/mcp for the compose stack's basic-auth server, or -stdio PATH (MCP_STDIO_COMMAND) with NEXTCLOUD_HOST/NEXTCLOUD_USERNAME/NEXTCLOUD_PASSWORD set")
	case o.url != "" && o.stdio != "":
		p = append(p, "give -url or -stdio, not both")
	}
	if o.stdio != "" && os.Getenv("NEXTCLOUD_HOST") == "" {
		p = append(p, "stdio server needs NEXTCLOUD_HOST (and NEXTCLOUD_USERNAME, NEXTCLOUD_PASSWORD) in the environment")
	}
	if (o.basicUser == "") != (o.basicPW == "") {
		p = append(p, "set both MCP_BASIC_USER and MCP_BASIC_PASSWORD, or neither")
	}
	if o.bearer != "" && o.basicUser != "" {
		p = append(p, "set MCP_BEARER_TOKEN or MCP_BASIC_USER/MCP_BASIC_PASSWORD, not both")
	}
	if o.only != "" {
		if _, err := regexp.Compile(o.only); err != nil {
			p = append(p, "-only: "+err.Error())
		}
	}
	return p
}

// row is one line of the result table.
type row struct {
	tool, status, detail string
	took                 time.Duration
}

func run(ctx context.Context, o options, out io.Writer) (int, error) {
	overrides := map[string]map[string]any{}
	if o.argsFile != "" {
		b, err := os.ReadFile(o.argsFile)
		if err != nil {
			return 2, fmt.Errorf("read -args file: %w", err)
		}
		if err := json.Unmarshal(b, &overrides); err != nil {
			return 2, fmt.Errorf("-args file %s is not a JSON object of tool name to arguments: %w", o.argsFile, err)
		}
	}
	c, err := connect(ctx, o)
	if err != nil {
		return 1, err
	}
	defer c.Close()

	ictx, cancel := context.WithTimeout(ctx, o.timeout)
	init := mcp.InitializeRequest{}
	init.Params.ProtocolVersion = mcp.LATEST_PROTOCOL_VERSION
	init.Params.ClientInfo = mcp.Implementation{Name: "nextcloud-mcp-smoke", Version: "1"}
	ir, err := c.Initialize(ictx, init)
	cancel()
	if err != nil {
		return 1, fmt.Errorf("initialize: %w%s", err, authHint(err))
	}
	fmt.Fprintf(out, "server %s %s, protocol %s\n", ir.ServerInfo.Name, ir.ServerInfo.Version, ir.ProtocolVersion)

	tools, err := listTools(ctx, c, o.timeout)
	if err != nil {
		return 1, fmt.Errorf("tools/list: %w", err)
	}
	var read, other []mcp.Tool
	for _, t := range tools {
		if t.Annotations.ReadOnlyHint != nil && *t.Annotations.ReadOnlyHint {
			read = append(read, t)
		} else {
			other = append(other, t)
		}
	}
	fmt.Fprintf(out, "%d tools: %d read-only (called below), %d that change data (not called)\n", len(tools), len(read), len(other))
	if o.all {
		for _, t := range other {
			fmt.Fprintf(out, "  not called: %s\n", t.Name)
		}
	}
	var filter *regexp.Regexp
	if o.only != "" {
		filter = regexp.MustCompile(o.only)
	}

	var rows []row
	for _, t := range read {
		if filter != nil && !filter.MatchString(t.Name) {
			continue
		}
		args := minimalArgs(t)
		if ov, ok := overrides[t.Name]; ok {
			for k, v := range ov {
				args[k] = v
			}
		}
		rows = append(rows, callOne(ctx, c, t.Name, args, o.timeout))
	}
	printTable(out, rows)

	counts := map[string]int{}
	for _, r := range rows {
		counts[r.status]++
	}
	fmt.Fprintf(out, "\n%d ok, %d tool errors, %d failures\n", counts["ok"], counts["tool error"], counts["FAILED"])
	switch {
	case counts["FAILED"] > 0:
		return 1, errors.New("some calls failed at the protocol level")
	case o.strict && counts["tool error"] > 0:
		return 1, errors.New("some tools answered with an error result (-strict)")
	}
	return 0, nil
}

func connect(ctx context.Context, o options) (*client.Client, error) {
	if o.stdio != "" {
		// The server reads its Nextcloud credentials from the environment.
		c, err := client.NewStdioMCPClient(o.stdio, os.Environ(), "--transport", "stdio")
		if err != nil {
			return nil, fmt.Errorf("start %s over stdio: %w", o.stdio, err)
		}
		return c, nil
	}
	headers := map[string]string{}
	switch {
	case o.bearer != "":
		headers["Authorization"] = "Bearer " + o.bearer
	case o.basicUser != "":
		headers["Authorization"] = basicAuth(o.basicUser, o.basicPW)
	}
	c, err := client.NewStreamableHttpClient(o.url, transport.WithHTTPHeaders(headers), transport.WithHTTPTimeout(o.timeout))
	if err != nil {
		return nil, fmt.Errorf("client for %s: %w", o.url, err)
	}
	if err := c.Start(ctx); err != nil {
		return nil, fmt.Errorf("connect to %s: %w", o.url, err)
	}
	return c, nil
}

func authHint(err error) string {
	s := err.Error()
	switch {
	case errors.Is(err, transport.ErrAuthorizationRequired), errors.Is(err, transport.ErrUnauthorized), strings.Contains(s, "401"):
		return " (the server wants credentials: MCP_BEARER_TOKEN in OAuth mode, MCP_BASIC_USER/MCP_BASIC_PASSWORD in basic-passthrough mode)"
	case strings.Contains(s, "403"):
		return " (forbidden: a Host/Origin not in NEXTCLOUD_MCP_ALLOWED_HOSTS/ORIGINS, or a token without the needed scope)"
	case strings.Contains(s, "connection refused"):
		return " (nothing listens there: is the server running, and is the URL's port right?)"
	}
	return ""
}

func listTools(ctx context.Context, c *client.Client, timeout time.Duration) ([]mcp.Tool, error) {
	var all []mcp.Tool
	req := mcp.ListToolsRequest{}
	for range 100 { // pages
		lctx, cancel := context.WithTimeout(ctx, timeout)
		res, err := c.ListTools(lctx, req)
		cancel()
		if err != nil {
			return nil, err
		}
		all = append(all, res.Tools...)
		if res.NextCursor == "" {
			break
		}
		req.Params.Cursor = res.NextCursor
	}
	sort.Slice(all, func(i, j int) bool { return all[i].Name < all[j].Name })
	return all, nil
}

func callOne(ctx context.Context, c *client.Client, name string, args map[string]any, timeout time.Duration) row {
	cctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	req := mcp.CallToolRequest{}
	req.Params.Name = name
	req.Params.Arguments = args
	start := time.Now()
	res, err := c.CallTool(cctx, req)
	r := row{tool: name, took: time.Since(start)}
	switch {
	case err != nil:
		r.status, r.detail = "FAILED", err.Error()
	case res.IsError:
		r.status, r.detail = "tool error", text(res)
	default:
		r.status, r.detail = "ok", text(res)
		if r.detail == "" && res.StructuredContent != nil {
			b, _ := json.Marshal(res.StructuredContent)
			r.detail = string(b)
		}
	}
	if len(args) > 0 {
		b, _ := json.Marshal(args)
		r.detail = "args " + string(b) + ": " + r.detail
	}
	return r
}

func text(res *mcp.CallToolResult) string {
	var parts []string
	for _, c := range res.Content {
		if tc, ok := c.(mcp.TextContent); ok {
			parts = append(parts, tc.Text)
		}
	}
	return strings.Join(parts, " ")
}

// minimalArgs fills the required properties of a tool's input schema with
// the least surprising value of their type; optional ones stay unset.
func minimalArgs(t mcp.Tool) map[string]any {
	args := map[string]any{}
	props := t.InputSchema.Properties
	required := t.InputSchema.Required
	if len(t.RawInputSchema) > 0 {
		var s struct {
			Properties map[string]any `json:"properties"`
			Required   []string       `json:"required"`
		}
		if json.Unmarshal(t.RawInputSchema, &s) == nil {
			props, required = s.Properties, s.Required
		}
	}
	for _, name := range required {
		p, _ := props[name].(map[string]any)
		args[name] = sample(name, p)
	}
	return args
}

func sample(name string, p map[string]any) any {
	if d, ok := p["default"]; ok {
		return d
	}
	if e, ok := p["enum"].([]any); ok && len(e) > 0 {
		return e[0]
	}
	typ, _ := p["type"].(string)
	if ts, ok := p["type"].([]any); ok && len(ts) > 0 {
		typ, _ = ts[0].(string)
	}
	lname := strings.ToLower(name)
	switch typ {
	case "integer", "number":
		if m, ok := p["minimum"].(float64); ok {
			return m
		}
		return 1
	case "boolean":
		return false
	case "array":
		return []any{}
	case "object":
		return map[string]any{}
	default:
		switch {
		case strings.Contains(lname, "path") || lname == "dir" || lname == "folder":
			return "/"
		case slices.Contains([]string{"query", "q", "term", "search", "pattern"}, lname):
			return "a"
		}
		return ""
	}
}

func printTable(out io.Writer, rows []row) {
	tw := tabwriter.NewWriter(out, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "\nTOOL\tRESULT\tTIME\tDETAIL")
	for _, r := range rows {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", r.tool, r.status, r.took.Round(time.Millisecond), oneLine(r.detail, 100))
	}
	tw.Flush()
}

func oneLine(s string, n int) string {
	s = strings.Join(strings.Fields(s), " ")
	if r := []rune(s); len(r) > n {
		s = string(r[:n]) + "…"
	}
	return s
}

func basicAuth(user, password string) string {
	return "Basic " + base64.StdEncoding.EncodeToString([]byte(user+":"+password))
}
