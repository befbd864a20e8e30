package mcp

import (
	"encoding/json"
	"fmt"
	"reflect"
	"slices"

	"github.com/google/jsonschema-go/jsonschema"
)

// Tool schemas are derived from Go types with google/jsonschema-go (the
// generator mcp-go uses), with two changes clients need:
//   - json.RawMessage is any JSON value, not an array of bytes;
//   - no type is nullable: ["null","string"] becomes "string". Schema
//     consumers that take one type per schema (Gemini-style) reject type
//     arrays; an optional field is simply not required.

// typeSchemas overrides the schemas of types the generator gets wrong.
var typeSchemas = map[reflect.Type]*jsonschema.Schema{
	reflect.TypeFor[json.RawMessage](): {},
	reflect.TypeFor[tablesValue](): {AnyOf: []*jsonschema.Schema{
		{Type: "string"}, {Type: "number"}, {Type: "boolean"},
		{Type: "array", Items: &jsonschema.Schema{AnyOf: []*jsonschema.Schema{
			{Type: "string"}, {Type: "number"}, {Type: "boolean"}, {Type: "object"},
		}}},
	}},
}

// schemaFor returns the JSON schema of T.
func schemaFor[T any]() (json.RawMessage, error) {
	s, err := jsonschema.For[T](&jsonschema.ForOptions{IgnoreInvalidTypes: true, TypeSchemas: typeSchemas})
	if err != nil {
		return nil, err
	}
	dropNull(s)
	return json.Marshal(s)
}

// dropNull removes "null" from every type list in s, leaving a single type
// where one remains.
func dropNull(s *jsonschema.Schema) {
	if s == nil {
		return
	}
	if len(s.Types) > 0 {
		types := slices.DeleteFunc(slices.Clone(s.Types), func(t string) bool { return t == "null" })
		s.Types = nil
		switch len(types) {
		case 0:
		case 1:
			s.Type = types[0]
		default:
			s.Types = types
		}
	}
	for _, p := range s.Properties {
		dropNull(p)
	}
	dropNull(s.Items)
	dropNull(s.AdditionalProperties)
	for _, sub := range s.AnyOf {
		dropNull(sub)
	}
}

// mustSchema is schemaFor for tool definitions: a type the generator
// cannot describe is a programming error caught by every test.
func mustSchema[T any]() json.RawMessage {
	b, err := schemaFor[T]()
	if err != nil {
		var z T
		panic(fmt.Sprintf("schema of %T: %v", z, err))
	}
	return b
}
