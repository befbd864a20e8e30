package mcp

import (
	"encoding/json"
	"reflect"
	"testing"
)

func TestSchemaForRawJSONAndNullable(t *testing.T) {
	type in struct {
		Caps  map[string]json.RawMessage `json:"caps"`
		Raw   json.RawMessage            `json:"raw"`
		Ptr   *json.RawMessage           `json:"ptr,omitempty"`
		Name  *string                    `json:"name,omitempty"`
		Tags  []string                   `json:"tags"`
		Limit *int                       `json:"limit,omitempty"`
		Kids  map[string][]int           `json:"kids,omitempty"`
	}
	b, err := schemaFor[in]()
	if err != nil {
		t.Fatal(err)
	}
	var s struct {
		Properties map[string]any `json:"properties"`
		Required   []string       `json:"required"`
	}
	if err := json.Unmarshal(b, &s); err != nil {
		t.Fatal(err)
	}
	p := s.Properties
	// true is the schema any JSON value matches.
	want := map[string]any{
		"caps":  map[string]any{"type": "object", "additionalProperties": true},
		"raw":   true,
		"ptr":   true,
		"name":  map[string]any{"type": "string"},
		"tags":  map[string]any{"type": "array", "items": map[string]any{"type": "string"}},
		"limit": map[string]any{"type": "integer"},
		"kids":  map[string]any{"type": "object", "additionalProperties": map[string]any{"type": "array", "items": map[string]any{"type": "integer"}}},
	}
	for name, w := range want {
		if !reflect.DeepEqual(p[name], w) {
			t.Errorf("property %s = %v, want %v", name, p[name], w)
		}
	}
	if !reflect.DeepEqual(s.Required, []string{"caps", "raw", "tags"}) {
		t.Errorf("required = %v, want caps, raw, tags", s.Required)
	}
}

// No tool schema uses a type array such as ["null","string"]: clients that
// take one type per schema reject them.
func TestToolSchemasHaveSingleTypes(t *testing.T) {
	var walk func(tool, path string, v any)
	walk = func(tool, path string, v any) {
		switch x := v.(type) {
		case map[string]any:
			for k, sub := range x {
				if k == "type" {
					if _, ok := sub.(string); !ok {
						t.Errorf("%s: %s/type is %v, want one type name", tool, path, sub)
					}
					continue
				}
				if k == "properties" {
					// keys are property names, values are schemas
					if props, ok := sub.(map[string]any); ok {
						for pn, ps := range props {
							walk(tool, path+"/properties/"+pn, ps)
						}
					}
					continue
				}
				walk(tool, path+"/"+k, sub)
			}
		case []any:
			for _, sub := range x {
				walk(tool, path, sub)
			}
		}
	}
	n := 0
	for _, ts := range allToolsets() {
		for _, tl := range ts.Tools {
			b, err := json.Marshal(tl.Def)
			if err != nil {
				t.Fatal(err)
			}
			var v map[string]any
			if err := json.Unmarshal(b, &v); err != nil {
				t.Fatal(err)
			}
			walk(tl.Def.Name, "inputSchema", v["inputSchema"])
			walk(tl.Def.Name, "outputSchema", v["outputSchema"])
			n++
		}
	}
	if n < 150 {
		t.Fatalf("checked only %d tools", n)
	}
}
