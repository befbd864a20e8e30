// Package mcp builds the MCP server: toolsets (one file per Nextcloud app),
// resources, and the stdio, SSE and streamable HTTP transports.
package mcp

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"reflect"
	"strings"

	mcpgo "github.com/mark3labs/mcp-go/mcp"

	"github.com/nextcloud-mcp/nextcloud-mcp-server/nextcloud"
)

// HandlerFunc runs one tool call with a Nextcloud client acting as the
// caller. It returns a result; errors become error results in the wrapper.
type HandlerFunc func(ctx context.Context, nc *nextcloud.Client, req mcpgo.CallToolRequest) (*mcpgo.CallToolResult, error)

// Tool is one MCP tool with the OAuth scope it needs.
type Tool struct {
	Def     mcpgo.Tool
	Handler HandlerFunc
	// Scope is the OAuth scope a caller needs, e.g. "notes:read".
	Scope string
	// NoClient marks tools that work without a Nextcloud client (auth
	// status, job status): the server does not resolve one for them.
	NoClient bool
}

// ReadOnly reports whether the tool changes nothing.
func (t Tool) ReadOnly() bool {
	return t.Def.Annotations.ReadOnlyHint != nil && *t.Def.Annotations.ReadOnlyHint
}

// ResourceTemplate is a resource template with a handler that gets a client.
type ResourceTemplate struct {
	Template mcpgo.ResourceTemplate
	Scope    string
	Handler  func(ctx context.Context, nc *nextcloud.Client, req mcpgo.ReadResourceRequest) ([]mcpgo.ResourceContents, error)
}

// Resource is a fixed resource with a handler that gets a client.
type Resource struct {
	Resource mcpgo.Resource
	Scope    string
	Handler  func(ctx context.Context, nc *nextcloud.Client, req mcpgo.ReadResourceRequest) ([]mcpgo.ResourceContents, error)
}

// Toolset groups the tools of one Nextcloud app.
type Toolset struct {
	// Name is the app key used by --apps and in scopes ("notes", "files").
	Name        string
	Description string
	// Capability is the key under capabilities that shows the app is
	// installed; empty for core features.
	Capability string
	// AppName is the app's name as users see it ("Deck"), for the "app
	// not enabled" error (nextcloud.AppNotEnabled); default Capability.
	AppName   string
	Tools     []Tool
	Resources []Resource
	Templates []ResourceTemplate
}

// Kind says how a tool affects Nextcloud, which sets its annotations.
type Kind int

const (
	// Read changes nothing.
	Read Kind = iota
	// Write creates or changes data and may be repeated with the same effect.
	Write
	// Create adds something new each time it is called.
	Create
	// Destroy deletes or overwrites data.
	Destroy
)

// Spec describes a tool for NewTool.
type Spec struct {
	Name        string
	Title       string
	Description string
	Scope       string
	Kind        Kind
	// OpenWorld marks tools that reach outside Nextcloud (URL import).
	OpenWorld bool
	NoClient  bool
}

// Summarizer lets an output type give a short text next to its JSON.
type Summarizer interface{ Summary() string }

// NewTool builds a tool with a typed input (its JSON schema is derived from
// In's json and jsonschema tags) and a typed structured output Out, which
// must be a struct. fn's error becomes an error result.
func NewTool[In any, Out any](spec Spec, fn func(ctx context.Context, nc *nextcloud.Client, in In) (Out, error)) Tool {
	opts := []mcpgo.ToolOption{
		mcpgo.WithDescription(spec.Description),
		withInputSchema[In](),
		withOutputSchema[Out](),
	}
	opts = append(opts, annotations(spec)...)
	def := mcpgo.NewTool(spec.Name, opts...)
	h := func(ctx context.Context, nc *nextcloud.Client, req mcpgo.CallToolRequest) (*mcpgo.CallToolResult, error) {
		in, err := decodeIn[In](req)
		if err != nil {
			return nil, err
		}
		out, err := fn(ctx, nc, in)
		if err != nil {
			return nil, err
		}
		return StructuredResult(out), nil
	}
	return Tool{Def: def, Handler: h, Scope: spec.Scope, NoClient: spec.NoClient}
}

// withInputSchema sets the input schema from schemaFor.
func withInputSchema[In any]() mcpgo.ToolOption {
	raw := mustSchema[In]()
	return func(t *mcpgo.Tool) {
		t.InputSchema.Type = "" // the raw schema replaces the default one
		t.RawInputSchema = raw
	}
}

// withOutputSchema sets the output schema as mcp-go's WithOutputSchema
// does, from schemaFor.
func withOutputSchema[Out any]() mcpgo.ToolOption {
	raw := mustSchema[Out]()
	return func(t *mcpgo.Tool) {
		if err := json.Unmarshal(raw, &t.OutputSchema); err != nil {
			panic(fmt.Sprintf("output schema of %s: %v", t.Name, err))
		}
		// Structured content is always an object (MCP 2025-06-18); sorted
		// properties keep listings stable.
		t.OutputSchema.Type = "object"
		t.OutputSchema.PropertyOrder = nil
	}
}

func annotations(spec Spec) []mcpgo.ToolOption {
	title := spec.Title
	if title == "" {
		title = spec.Name
	}
	opts := []mcpgo.ToolOption{mcpgo.WithTitleAnnotation(title), mcpgo.WithOpenWorldHintAnnotation(spec.OpenWorld)}
	switch spec.Kind {
	case Read:
		opts = append(opts, mcpgo.WithReadOnlyHintAnnotation(true), mcpgo.WithDestructiveHintAnnotation(false), mcpgo.WithIdempotentHintAnnotation(true))
	case Write:
		opts = append(opts, mcpgo.WithReadOnlyHintAnnotation(false), mcpgo.WithDestructiveHintAnnotation(false), mcpgo.WithIdempotentHintAnnotation(true))
	case Create:
		opts = append(opts, mcpgo.WithReadOnlyHintAnnotation(false), mcpgo.WithDestructiveHintAnnotation(false), mcpgo.WithIdempotentHintAnnotation(false))
	case Destroy:
		opts = append(opts, mcpgo.WithReadOnlyHintAnnotation(false), mcpgo.WithDestructiveHintAnnotation(true), mcpgo.WithIdempotentHintAnnotation(true))
	}
	return opts
}

// ArgError is a bad tool argument; its text goes to the model as is.
type ArgError struct{ Msg string }

func (e *ArgError) Error() string { return "invalid arguments: " + e.Msg }

// Argf returns an *ArgError.
func Argf(format string, a ...any) error { return &ArgError{Msg: fmt.Sprintf(format, a...)} }

// decodeIn binds the arguments into an In and runs its Validate method,
// if it has one.
func decodeIn[In any](req mcpgo.CallToolRequest) (In, error) {
	var in In
	if err := bindArgs(req, &in); err != nil {
		return in, err
	}
	if v, ok := any(&in).(interface{ Validate() error }); ok {
		if err := v.Validate(); err != nil {
			if ae := (*ArgError)(nil); errors.As(err, &ae) {
				return in, ae // already says "invalid arguments"
			}
			return in, &ArgError{Msg: err.Error()}
		}
	}
	return in, nil
}

// bindArgs decodes the arguments strictly so that misspelled or mistyped
// arguments are reported, not ignored.
func bindArgs(req mcpgo.CallToolRequest, target any) error {
	// The server's wrapper leaves the bytes it validated in RawArguments,
	// so this decodes them without encoding the arguments again.
	b, err := argJSON(req.GetRawArguments())
	if err != nil {
		return err
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	if err := dec.Decode(target); err != nil {
		var te *json.UnmarshalTypeError
		var se *json.SyntaxError
		switch {
		case errors.As(err, &te):
			return &ArgError{Msg: fmt.Sprintf("argument %q must be %s, not %s", te.Field, jsonKind(te.Type.Kind().String()), te.Value)}
		case errors.As(err, &se):
			return &ArgError{Msg: "arguments are not valid JSON"}
		case strings.HasPrefix(err.Error(), "json: unknown field "):
			return &ArgError{Msg: "unknown argument " + strings.TrimPrefix(err.Error(), "json: unknown field ") + "; see the tool's input schema"}
		}
		return &ArgError{Msg: err.Error()}
	}
	return nil
}

func jsonKind(goKind string) string {
	switch {
	case strings.HasPrefix(goKind, "int"), strings.HasPrefix(goKind, "uint"):
		return "an integer"
	case strings.HasPrefix(goKind, "float"):
		return "a number"
	case goKind == "string":
		return "a string"
	case goKind == "bool":
		return "true or false"
	case goKind == "slice", goKind == "array":
		return "an array"
	case goKind == "map", goKind == "struct":
		return "an object"
	}
	return goKind
}

// StructuredResult returns out as structured content with a text summary.
func StructuredResult(out any) *mcpgo.CallToolResult {
	var content any = out
	b, err := json.Marshal(out)
	if err == nil && bytes.Contains(b, []byte("null")) {
		var v any
		// UseNumber: float64 would round ids and sizes above 2^53.
		dec := json.NewDecoder(bytes.NewReader(b))
		dec.UseNumber()
		if dec.Decode(&v) == nil {
			emptyForNull(reflect.TypeOf(out), v)
			if nb, err := json.Marshal(v); err == nil {
				content, b = v, nb
			}
		}
	}
	text := ""
	if s, ok := out.(Summarizer); ok {
		text = s.Summary()
	} else if err == nil {
		text = string(b)
	}
	return mcpgo.NewToolResultStructured(content, text)
}

var rawJSONType = reflect.TypeFor[json.RawMessage]()

// emptyForNull replaces, in v (out decoded as JSON), the null that a nil
// slice or map of a field without omitempty marshals to by [] or {}: the
// output schemas have no nullable types and list such fields as required
// (see schemaFor), and clients reject results that do not match.
func emptyForNull(t reflect.Type, v any) {
	for t != nil && t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	if t == nil {
		return
	}
	switch t.Kind() {
	case reflect.Struct:
		obj, ok := v.(map[string]any)
		if !ok {
			return
		}
		for _, f := range reflect.VisibleFields(t) {
			if f.Anonymous || !f.IsExported() {
				continue
			}
			name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
			if name == "-" {
				continue
			}
			if name == "" {
				name = f.Name
			}
			x, present := obj[name]
			switch {
			case !present, f.Type == rawJSONType, f.Type.Kind() == reflect.Slice && f.Type.Elem().Kind() == reflect.Uint8:
				// raw JSON may well be null; []byte is a base64 string
			case x == nil && f.Type.Kind() == reflect.Slice:
				obj[name] = []any{}
			case x == nil && f.Type.Kind() == reflect.Map:
				obj[name] = map[string]any{}
			default:
				emptyForNull(f.Type, x)
			}
		}
	case reflect.Slice, reflect.Array:
		if list, ok := v.([]any); ok {
			for _, x := range list {
				emptyForNull(t.Elem(), x)
			}
		}
	case reflect.Map:
		if obj, ok := v.(map[string]any); ok {
			for _, x := range obj {
				emptyForNull(t.Elem(), x)
			}
		}
	}
}

// ErrorResult turns an error into an error result a model can act on.
func ErrorResult(err error) *mcpgo.CallToolResult {
	return mcpgo.NewToolResultError(ErrorText(err))
}

// ErrorText is the message for err; Nextcloud errors carry their hint.
func ErrorText(err error) string {
	var ae *ArgError
	if errors.As(err, &ae) {
		return ae.Error()
	}
	switch {
	case errors.Is(err, context.DeadlineExceeded):
		return "the request to Nextcloud timed out; try again, perhaps with a smaller page or range"
	case errors.Is(err, context.Canceled):
		return "the request was cancelled"
	}
	return err.Error()
}

// Env carries what some toolsets need beyond a Nextcloud client. The
// optional backends are interfaces; nil leaves their tools out.
type Env struct {
	Logger *slog.Logger
	// MaxReadBytes bounds file content returned inline (default 1 MiB).
	MaxReadBytes int64
	// Auth answers the nc_auth_* tools.
	Auth AuthBackend
	// Index is the caller's local search index: the nc_index_* tools, and
	// nc_search answering from it.
	Index IndexBackend
	// Jobs reports the caller's background jobs (nc_jobs_status).
	Jobs JobsBackend
}

func (e *Env) maxRead() int64 {
	if e == nil || e.MaxReadBytes <= 0 {
		return 1 << 20
	}
	return e.MaxReadBytes
}

// index is e.Index, nil for a nil Env.
func (e *Env) index() IndexBackend {
	if e == nil {
		return nil
	}
	return e.Index
}
