package mcp

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"

	mcpgo "github.com/mark3labs/mcp-go/mcp"
)

const testArgSchema = `{"type":"object","properties":{
	"id":{"type":"integer"},
	"opts":{"type":"object","properties":{"depth":{"type":"integer","minimum":0}},"additionalProperties":false}},
	"required":["id"],"additionalProperties":false}`

func mustArgSchema(t *testing.T, tool mcpgo.Tool) *argSchema {
	t.Helper()
	s, err := compileArgSchema(tool)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func TestArgSchemaCheck(t *testing.T) {
	s := mustArgSchema(t, mcpgo.Tool{Name: "t", RawInputSchema: json.RawMessage(testArgSchema)})
	for _, tc := range []struct {
		name string
		args any
		want []string // empty: valid
		not  []string
	}{
		{"valid", map[string]any{"id": 1, "opts": map[string]any{"depth": 2}}, nil, nil},
		{"nil arguments", nil, []string{"missing property", "id"}, []string{"argument \""}},
		{"JSON null", json.RawMessage("null"), []string{"missing property", "id"}, nil},
		{"nested", map[string]any{"id": 1, "opts": map[string]any{"depth": -1}}, []string{`argument "opts.depth"`, "minimum"}, nil},
		{"two problems", map[string]any{"id": "x", "opts": map[string]any{"depth": "y"}},
			[]string{`argument "id"`, `argument "opts.depth"`, "; ", "(see the tool's input schema)"}, nil},
		{"not JSON", map[string]any{"id": make(chan int)}, []string{"arguments are not JSON"}, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := s.check(tc.args)
			if len(tc.want) == 0 {
				if err != nil {
					t.Fatalf("refused: %v", err)
				}
				return
			}
			var ae *ArgError
			if !errors.As(err, &ae) {
				t.Fatalf("err = %v, want an ArgError", err)
			}
			for _, w := range tc.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("%q lacks %q", err, w)
				}
			}
			for _, n := range tc.not {
				if strings.Contains(err.Error(), n) {
					t.Errorf("%q has %q", err, n)
				}
			}
			if strings.Contains(err.Error(), "&{") {
				t.Errorf("message shows Go structs: %q", err)
			}
		})
	}
	var none *argSchema
	if err := none.check(map[string]any{"anything": 1}); err != nil {
		t.Errorf("a tool without schema refused arguments: %v", err)
	}
}

func TestCompileArgSchema(t *testing.T) {
	// From the struct form when there is no raw schema.
	s := mustArgSchema(t, mcpgo.Tool{Name: "t", InputSchema: mcpgo.ToolInputSchema{Type: "object",
		Properties: map[string]any{"id": map[string]any{"type": "integer"}}, Required: []string{"id"}}})
	if err := s.check(map[string]any{}); err == nil || !strings.Contains(err.Error(), "id") {
		t.Errorf("struct schema not applied: %v", err)
	}
	if err := s.check(map[string]any{"id": 3}); err != nil {
		t.Errorf("struct schema refused valid arguments: %v", err)
	}
	for raw, want := range map[string]string{
		`{"type":`:            "decode input schema of bad",
		`{"type":"nonsense"}`: "compile input schema of bad",
	} {
		_, err := compileArgSchema(mcpgo.Tool{Name: "bad", RawInputSchema: json.RawMessage(raw)})
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("schema %s: %v, want %q", raw, err, want)
		}
	}
}
