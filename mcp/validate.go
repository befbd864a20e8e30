package mcp

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	mcpgo "github.com/mark3labs/mcp-go/mcp"
	"github.com/santhosh-tekuri/jsonschema/v6"
	"golang.org/x/text/language"
	"golang.org/x/text/message"
)

// argSchema validates a tool's arguments against its input schema with
// messages that name the argument in words a model reads well (mcp-go's
// own validation prints Go structs).
type argSchema struct {
	schema  *jsonschema.Schema
	printer *message.Printer
}

func compileArgSchema(t mcpgo.Tool) (*argSchema, error) {
	raw := t.RawInputSchema
	if len(raw) == 0 {
		b, err := json.Marshal(t.InputSchema)
		if err != nil {
			return nil, err
		}
		raw = b
	}
	doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(raw))
	if err != nil {
		return nil, fmt.Errorf("decode input schema of %s: %w", t.Name, err)
	}
	url := "mem:///tools/" + t.Name + ".json"
	c := jsonschema.NewCompiler()
	if err := c.AddResource(url, doc); err != nil {
		return nil, fmt.Errorf("input schema of %s: %w", t.Name, err)
	}
	s, err := c.Compile(url)
	if err != nil {
		return nil, fmt.Errorf("compile input schema of %s: %w", t.Name, err)
	}
	return &argSchema{schema: s, printer: message.NewPrinter(language.English)}, nil
}

// argJSON returns the arguments as JSON: the bytes from the wire when
// mcp-go kept them (no re-encoding), else args marshalled once. The
// schema check and bindArgs share these bytes.
func argJSON(args any) ([]byte, error) {
	switch a := args.(type) {
	case nil:
		return []byte("{}"), nil
	case json.RawMessage:
		if len(bytes.TrimSpace(a)) == 0 {
			return []byte("{}"), nil
		}
		return a, nil
	}
	b, err := json.Marshal(args)
	if err != nil {
		return nil, &ArgError{Msg: "arguments are not JSON"}
	}
	return b, nil
}

// check returns an *ArgError listing every violation, or nil.
func (a *argSchema) check(args any) error {
	if a == nil {
		return nil
	}
	b, err := argJSON(args)
	if err != nil {
		return err
	}
	return a.checkJSON(b)
}

// checkJSON is check for arguments already encoded by argJSON.
func (a *argSchema) checkJSON(b []byte) error {
	if a == nil {
		return nil
	}
	if string(bytes.TrimSpace(b)) == "null" {
		b = []byte("{}") // no arguments at all
	}
	v, err := jsonschema.UnmarshalJSON(bytes.NewReader(b))
	if err != nil {
		return &ArgError{Msg: "arguments are not valid JSON"}
	}
	// Schemas have no nullable types (see schemaFor); an argument given as
	// null is taken as not given, as decoding into the input type does.
	if m, ok := v.(map[string]any); ok {
		for k, x := range m {
			if x == nil {
				delete(m, k)
			}
		}
	}
	err = a.schema.Validate(v)
	var ve *jsonschema.ValidationError
	if err == nil {
		return nil
	}
	if !errors.As(err, &ve) {
		return &ArgError{Msg: err.Error()}
	}
	var msgs []string
	a.collect(ve, &msgs)
	if len(msgs) == 0 {
		msgs = []string{ve.Error()}
	}
	return &ArgError{Msg: strings.Join(msgs, "; ") + " (see the tool's input schema)"}
}

func (a *argSchema) collect(ve *jsonschema.ValidationError, out *[]string) {
	if len(ve.Causes) > 0 {
		for _, c := range ve.Causes {
			a.collect(c, out)
		}
		return
	}
	msg := ve.ErrorKind.LocalizedString(a.printer)
	if len(ve.InstanceLocation) > 0 {
		msg = fmt.Sprintf("argument %q: %s", strings.Join(ve.InstanceLocation, "."), msg)
	}
	*out = append(*out, msg)
}
