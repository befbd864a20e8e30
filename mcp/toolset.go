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
	"sync"
	"unsafe"

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
	// outSchema is the JSON schema of the tool's structured output, built
	// on first use; published in Def only with Spec.OutputSchema.
	outSchema func() json.RawMessage
}

// OutputSchema is the JSON schema of the tool's structured result, whether
// or not tools/list publishes it; nil for tools made without NewTool.
func (t Tool) OutputSchema() json.RawMessage {
	if t.outSchema == nil {
		return nil
	}
	return t.outSchema()
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
	// App is the Nextcloud app behind the toolset, the same value its
	// sub-client is built from: its capability key shows the app is
	// installed (--detect-apps) and its id and name word "app not
	// enabled". Zero for core features.
	App       nextcloud.AppInfo
	Tools     []Tool
	Resources []Resource
	Templates []ResourceTemplate

	// OffByDefault leaves the toolset out unless Options.Apps names it
	// (the admin tools: nobody gets them by accident).
	OffByDefault bool
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
	// OutputSchema publishes the output type's JSON schema in tools/list.
	// Off by default: output schemas were two thirds of the tool list, and
	// the model reads the text summary (MCP allows structuredContent
	// without a schema). Turn it on only for a tool whose structured
	// result hosts or scripts program against (see HACKING.md).
	OutputSchema bool
}

// Summarizer lets an output type give a short text next to its JSON.
type Summarizer interface{ Summary() string }

// NewTool builds a tool with a typed input (its JSON schema is derived from
// In's json and jsonschema tags) and a typed structured output Out, which
// must be a struct. fn's error becomes an error result.
func NewTool[In any, Out any](spec Spec, fn func(ctx context.Context, nc *nextcloud.Client, in In) (Out, error)) Tool {
	out := sync.OnceValue(mustSchema[Out])
	def := mcpgo.Tool{
		Name:           spec.Name,
		Description:    spec.Description,
		RawInputSchema: mustSchema[In](),
		Annotations:    annotations(spec),
	}
	if spec.OutputSchema {
		def.RawOutputSchema = out()
	}
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
	return Tool{Def: def, Handler: h, Scope: spec.Scope, NoClient: spec.NoClient, outSchema: out}
}

func annotations(spec Spec) mcpgo.ToolAnnotation {
	title := spec.Title
	if title == "" {
		title = spec.Name
	}
	readOnly, destructive, idempotent, openWorld := spec.Kind == Read, spec.Kind == Destroy, spec.Kind != Create, spec.OpenWorld
	a := mcpgo.ToolAnnotation{Title: title, ReadOnlyHint: &readOnly, OpenWorldHint: &openWorld}
	if !readOnly {
		// MCP: the destructive and idempotent hints mean something only
		// when readOnlyHint is false; left out of read-only tools.
		a.DestructiveHint, a.IdempotentHint = &destructive, &idempotent
	}
	return a
}

// ArgError is a bad tool argument; its text goes to the model as is.
type ArgError struct{ Msg string }

func (e *ArgError) Error() string { return "invalid arguments: " + e.Msg }

// argErrorOf turns a caller mistake that a Nextcloud client found (a bad
// date, an unknown zone, a card not on the board: *nextcloud.InputError)
// into an argument error, like those Validate finds; other errors pass.
func argErrorOf(err error) error {
	var ie *nextcloud.InputError
	if errors.As(err, &ie) {
		return &ArgError{Msg: ie.Error()}
	}
	return err
}

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
// out is encoded once: the bytes go to mcp-go as RawStructuredContent,
// which it embeds as they are.
func StructuredResult(out any) *mcpgo.CallToolResult {
	if v, ok := emptyForNil(reflect.ValueOf(out)); ok {
		out = v.Interface()
	}
	b, err := json.Marshal(out)
	text := ""
	if s, ok := out.(Summarizer); ok {
		text = s.Summary()
	} else if err == nil {
		text = string(b)
	}
	res := mcpgo.NewToolResultStructured(out, text)
	if err == nil {
		res.RawStructuredContent = b
	}
	return res
}

var (
	rawJSONType   = reflect.TypeFor[json.RawMessage]()
	marshalerType = reflect.TypeFor[json.Marshaler]()
)

// emptyForNil returns a copy of v in which every nil slice or map of a
// field without omitempty/omitzero is empty, so that it marshals to [] or
// {} instead of null: the output schemas have no nullable types and list
// such fields as required (see schemaFor), and clients reject results
// that do not match. Only what changes is copied; ok is false when
// nothing needs to (v is then returned as is). Values that marshal
// themselves, raw JSON and []byte (a base64 string) are left alone.
func emptyForNil(v reflect.Value) (reflect.Value, bool) {
	if !v.IsValid() {
		return v, false
	}
	t := v.Type()
	if t != rawJSONType && t.Implements(marshalerType) {
		return v, false
	}
	switch t.Kind() {
	case reflect.Pointer:
		if v.IsNil() || t.Elem().Implements(marshalerType) {
			return v, false
		}
		e, ok := emptyForNil(v.Elem())
		if !ok {
			return v, false
		}
		p := reflect.New(t.Elem())
		p.Elem().Set(e)
		return p, true
	case reflect.Struct:
		if !v.CanAddr() && hasHiddenEmbed(t) {
			// Fields of unexported embedded structs (pageOut) are reached
			// through their address; see settable.
			a := reflect.New(t).Elem()
			a.Set(v)
			v = a
		}
		var cp reflect.Value
		for i := 0; i < t.NumField(); i++ {
			f := t.Field(i)
			if !f.IsExported() && !f.Anonymous {
				continue
			}
			tag := f.Tag.Get("json")
			if tag == "-" {
				continue
			}
			fv := settable(v.Field(i))
			var nv reflect.Value
			switch {
			case f.Type == rawJSONType, f.Type.Kind() == reflect.Slice && f.Type.Elem().Kind() == reflect.Uint8:
				continue
			case (f.Type.Kind() == reflect.Slice || f.Type.Kind() == reflect.Map) && fv.IsNil():
				if _, opts, _ := strings.Cut(tag, ","); f.Anonymous || hasOpt(opts, "omitempty") || hasOpt(opts, "omitzero") {
					continue // left out of the JSON, not null
				}
				if f.Type.Kind() == reflect.Slice {
					nv = reflect.MakeSlice(f.Type, 0, 0)
				} else {
					nv = reflect.MakeMap(f.Type)
				}
			default:
				e, ok := emptyForNil(fv)
				if !ok {
					continue
				}
				nv = e
			}
			if !cp.IsValid() {
				cp = reflect.New(t).Elem()
				cp.Set(v)
			}
			settable(cp.Field(i)).Set(nv)
		}
		return cp, cp.IsValid()
	case reflect.Slice, reflect.Array:
		if t.Kind() == reflect.Slice && t.Elem().Kind() == reflect.Uint8 {
			return v, false
		}
		var cp reflect.Value
		for i := 0; i < v.Len(); i++ {
			e, ok := emptyForNil(v.Index(i))
			if !ok {
				continue
			}
			if !cp.IsValid() {
				if t.Kind() == reflect.Slice {
					cp = reflect.MakeSlice(t, v.Len(), v.Len())
				} else {
					cp = reflect.New(t).Elem()
				}
				reflect.Copy(cp, v)
			}
			cp.Index(i).Set(e)
		}
		return cp, cp.IsValid()
	case reflect.Map:
		var cp reflect.Value
		it := v.MapRange()
		for it.Next() {
			e, ok := emptyForNil(it.Value())
			if !ok {
				continue
			}
			if !cp.IsValid() {
				cp = reflect.MakeMapWithSize(t, v.Len())
				for _, k := range v.MapKeys() {
					cp.SetMapIndex(k, v.MapIndex(k))
				}
			}
			cp.SetMapIndex(it.Key(), e)
		}
		return cp, cp.IsValid()
	}
	return v, false
}

// hasHiddenEmbed reports whether struct type t embeds an unexported type.
func hasHiddenEmbed(t reflect.Type) bool {
	for i := 0; i < t.NumField(); i++ {
		if f := t.Field(i); f.Anonymous && !f.IsExported() {
			return true
		}
	}
	return false
}

// settable returns f, a field of an addressable struct, such that it can
// be read and set even when it is an unexported embedded struct, whose
// exported fields encoding/json promotes.
func settable(f reflect.Value) reflect.Value {
	if f.CanSet() || !f.CanAddr() && f.CanInterface() {
		return f
	}
	return reflect.NewAt(f.Type(), unsafe.Pointer(f.UnsafeAddr())).Elem()
}

func hasOpt(opts, name string) bool {
	for opts != "" {
		var o string
		o, opts, _ = strings.Cut(opts, ",")
		if o == name {
			return true
		}
	}
	return false
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
