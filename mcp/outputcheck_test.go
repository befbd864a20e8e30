package mcp

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"reflect"
	"sort"
	"sync"
	"testing"

	mcpgo "github.com/mark3labs/mcp-go/mcp"
	"github.com/santhosh-tekuri/jsonschema/v6"

	"github.com/nextcloud-mcp/nextcloud-mcp-server/nextcloud"
)

// Every successful tool result in these tests is checked against the
// tool's output schema (Tool.OutputSchema, published or not) with a standard JSON Schema validator
// (clients such as the TypeScript SDK reject results that do not match).
// newTestServer wraps every handler with checkOutput; TestMain then fails
// a full run of the package if some tool never produced a checked result.

// outputChecked records the tools whose structured output passed the check.
var outputChecked sync.Map

// fuzzOutputErrs collects mismatches seen by fuzz targets.
var fuzzOutputErrs struct {
	sync.Mutex
	errs []error
}

// outputSchemas caches compiled output schemas by their JSON text.
var outputSchemas sync.Map

func TestMain(m *testing.M) {
	flag.Parse()
	code := m.Run()
	for _, err := range fuzzOutputErrs.errs {
		fmt.Fprintf(os.Stderr, "FAIL (fuzz target): %v\n", err)
		code = 1
	}
	// Only a run of every test exercises every tool.
	if flag.Lookup("test.run").Value.String() == "" && !testing.Short() {
		if missing := uncheckedTools(); len(missing) > 0 {
			fmt.Fprintf(os.Stderr, "FAIL: no test produced a successful, schema-checked result of these tools: %v; call them through newTestServer (see TestOutputSchemaSweep)\n", missing)
			code = 1
		}
	}
	os.Exit(code)
}

func uncheckedTools() []string {
	var missing []string
	for _, ts := range allToolsets() {
		for _, tl := range ts.Tools {
			if _, ok := outputChecked.Load(tl.Def.Name); !ok {
				missing = append(missing, tl.Def.Name)
			}
		}
	}
	sort.Strings(missing)
	return missing
}

// toolsByName is every tool of allToolsets by name.
var toolsByName = sync.OnceValue(func() map[string]Tool {
	m := map[string]Tool{}
	for _, ts := range allToolsets() {
		for _, tl := range ts.Tools {
			m[tl.Def.Name] = tl
		}
	}
	return m
})

// toolNamed is the tool called name, as NewTool built it.
func toolNamed(t testing.TB, name string) Tool {
	t.Helper()
	tl, ok := toolsByName()[name]
	if !ok {
		t.Fatalf("no tool %s", name)
	}
	return tl
}

// compiledOutputSchema compiles a tool's output schema.
func compiledOutputSchema(tl Tool) (*jsonschema.Schema, error) {
	raw := tl.OutputSchema()
	if len(raw) == 0 {
		return nil, fmt.Errorf("no output schema")
	}
	if s, ok := outputSchemas.Load(string(raw)); ok {
		return s.(*jsonschema.Schema), nil
	}
	doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(raw))
	if err != nil {
		return nil, err
	}
	c := jsonschema.NewCompiler()
	if err := c.AddResource("mem:///out.json", doc); err != nil {
		return nil, err
	}
	s, err := c.Compile("mem:///out.json")
	if err != nil {
		return nil, err
	}
	outputSchemas.Store(string(raw), s)
	return s, nil
}

// validateOutput checks res's structured content against tl's output
// schema; nil for error results and results without structured content.
func validateOutput(tl Tool, res *mcpgo.CallToolResult) error {
	def := tl.Def
	if res == nil || res.IsError || res.StructuredContent == nil {
		return nil
	}
	s, err := compiledOutputSchema(tl)
	if err != nil {
		return fmt.Errorf("output schema of %s does not compile: %w", def.Name, err)
	}
	b, err := json.Marshal(res.StructuredContent)
	if err != nil {
		return fmt.Errorf("marshal output of %s: %w", def.Name, err)
	}
	inst, err := jsonschema.UnmarshalJSON(bytes.NewReader(b))
	if err != nil {
		return err
	}
	if err := s.Validate(inst); err != nil {
		return fmt.Errorf("structured output of %s does not match its output schema: %v\noutput: %s", def.Name, err, b)
	}
	return nil
}

// checkOutputs wraps every tool's handler so that a result not matching
// its output schema fails t.
func checkOutputs(t testing.TB, sets []Toolset) []Toolset {
	report := func(err error) { t.Errorf("%v", err) }
	if _, ok := t.(*testing.F); ok {
		// A fuzz target's F cannot report from inside the fuzz function;
		// TestMain reports these.
		report = func(err error) {
			fuzzOutputErrs.Lock()
			fuzzOutputErrs.errs = append(fuzzOutputErrs.errs, err)
			fuzzOutputErrs.Unlock()
		}
	}
	out := make([]Toolset, len(sets))
	for i, ts := range sets {
		tools := make([]Tool, len(ts.Tools))
		for j, tl := range ts.Tools {
			h, orig, def := tl.Handler, tl, tl.Def
			tl.Handler = func(ctx context.Context, nc *nextcloud.Client, req mcpgo.CallToolRequest) (*mcpgo.CallToolResult, error) {
				res, err := h(ctx, nc, req)
				if err == nil && res != nil && !res.IsError && res.StructuredContent != nil {
					if verr := validateOutput(orig, res); verr != nil {
						report(verr)
					} else {
						outputChecked.Store(def.Name, true)
					}
				}
				return res, err
			}
			tools[j] = tl
		}
		ts.Tools = tools
		out[i] = ts
	}
	return out
}

// The checker itself must catch a mismatch and pass a match.
func TestValidateOutputCatchesMismatch(t *testing.T) {
	type out struct {
		N int `json:"n"`
	}
	tl := NewTool(Spec{Name: "t_out", Kind: Read}, func(context.Context, *nextcloud.Client, noArgs) (out, error) { return out{N: 1}, nil })
	if err := validateOutput(tl, mcpgo.NewToolResultStructured(out{N: 3}, "")); err != nil {
		t.Fatalf("matching output rejected: %v", err)
	}
	if err := validateOutput(tl, mcpgo.NewToolResultStructured(map[string]any{"n": "three"}, "")); err == nil {
		t.Fatal("output with a string for an integer passed")
	}
	if err := validateOutput(tl, mcpgo.NewToolResultStructured(map[string]any{}, "")); err == nil {
		t.Fatal("output without a required property passed")
	}
}

// Nil lists and maps of fields without omitempty come out as [] and {},
// which the output schema (no nullable types) requires; omitted fields
// stay omitted and raw JSON stays as it is.
func TestStructuredResultHasNoNullLists(t *testing.T) {
	type item struct {
		Tags   []string          `json:"tags"`
		Labels map[string]string `json:"labels"`
	}
	type out struct {
		Items    []item                     `json:"items"`
		First    *item                      `json:"first,omitempty"`
		ByName   map[string]item            `json:"by_name"`
		Optional []string                   `json:"optional,omitempty"`
		Raw      json.RawMessage            `json:"raw"`
		Caps     map[string]json.RawMessage `json:"caps"`
		Name     string                     `json:"name"`
	}
	tl := NewTool(Spec{Name: "t_lists", Kind: Read}, func(context.Context, *nextcloud.Client, noArgs) (out, error) { return out{}, nil })
	o := out{
		Items:  []item{{}},
		First:  &item{},
		ByName: map[string]item{"a": {}},
		Raw:    json.RawMessage(`null`),
		Caps:   map[string]json.RawMessage{"x": json.RawMessage(`null`)},
		Name:   "null",
	}
	res := StructuredResult(o)
	if err := validateOutput(tl, res); err != nil {
		t.Fatal(err)
	}
	b, _ := json.Marshal(res.StructuredContent)
	want := `{"items":[{"tags":[],"labels":{}}],"first":{"tags":[],"labels":{}},"by_name":{"a":{"tags":[],"labels":{}}},"raw":null,"caps":{"x":null},"name":"null"}`
	if string(b) != want {
		t.Fatalf("structured content %s\nwant %s", b, want)
	}
	if text := resultText(res); text != want {
		t.Fatalf("text %s\nwant %s", text, want)
	}
	// Encoded once: mcp-go sends these bytes as they are.
	if string(res.RawStructuredContent) != want {
		t.Fatalf("raw structured content %s\nwant %s", res.RawStructuredContent, want)
	}
	if o.Items[0].Tags != nil || o.First.Labels != nil || o.ByName["a"].Tags != nil {
		t.Fatalf("the caller's value was changed: %+v", o)
	}
	// Promoted fields of an unexported embedded struct (as pageOut) are
	// filled too; interface fields and omitempty fields are left alone.
	type page struct {
		Next []string `json:"next"`
	}
	type withPage struct {
		page
		Any  any      `json:"any"`
		Omit []string `json:"omit,omitempty"`
		Zero []string `json:"zero,omitzero"`
	}
	if b, _ := json.Marshal(StructuredResult(withPage{}).StructuredContent); string(b) != `{"next":[],"any":null}` {
		t.Fatalf("embedded: %s", b)
	}
	// Ids above 2^53 keep every digit through the null rewrite.
	type big struct {
		ID   int64    `json:"id"`
		Tags []string `json:"tags"`
	}
	if b, _ := json.Marshal(StructuredResult(big{ID: 1<<62 + 1}).StructuredContent); string(b) != `{"id":4611686018427387905,"tags":[]}` {
		t.Fatalf("large id changed: %s", b)
	}
	// An output without null is passed through as the value itself.
	if res := StructuredResult(item{Tags: []string{}, Labels: map[string]string{}}); !reflect.DeepEqual(res.StructuredContent, item{Tags: []string{}, Labels: map[string]string{}}) {
		t.Fatalf("content %#v, want the struct", res.StructuredContent)
	}
	// A nil top-level list, as every empty list used to come out.
	if err := validateOutput(tl, StructuredResult(out{})); err != nil {
		t.Fatal(err)
	}
}
