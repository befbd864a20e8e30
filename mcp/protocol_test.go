package mcp

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/mark3labs/mcp-go/client"
	mcpgo "github.com/mark3labs/mcp-go/mcp"

	"github.com/nextcloud-mcp/nextcloud-mcp-server/tests/nctest"
)

// Protocol details real clients (TypeScript SDK, MCP Inspector) check.

// initResult initializes a fresh client over transport kind and returns
// what the server answered.
func initResult(t *testing.T, srv *Server) *mcpgo.InitializeResult {
	t.Helper()
	c, err := client.NewInProcessClient(srv.MCP())
	if err != nil {
		t.Fatal(err)
	}
	return startAt(t, c, "inprocess", mcpgo.LATEST_PROTOCOL_VERSION)
}

// Elicitation is a client capability: a server that lists it among its
// own capabilities claims something that does not exist in the spec.
func TestServerDoesNotAdvertiseElicitation(t *testing.T) {
	res := initResult(t, newTestServer(t, nctest.New(t)))
	if res.Capabilities.Elicitation != nil {
		t.Fatalf("server capabilities carry elicitation: %+v", res.Capabilities.Elicitation)
	}
	if res.Capabilities.Tools == nil || res.Capabilities.Resources == nil {
		t.Fatalf("server capabilities lack tools or resources: %+v", res.Capabilities)
	}
}

// A Validate error that is already an *ArgError is not prefixed twice.
func TestValidateErrorPrefixedOnce(t *testing.T) {
	c := connect(t, newTestServer(t, nctest.New(t)), "inprocess")
	tests := []struct {
		tool string
		args map[string]any
		want string
	}{
		// Validate returns Argf(...)
		{"nc_deck_update_board", map[string]any{"board_id": 1}, "invalid arguments: nothing to change"},
		// Validate returns a plain error
		{"nc_calendar_search_events", map[string]any{"query": " "}, "invalid arguments: query must not be empty"},
	}
	for _, tc := range tests {
		res := callTool(t, c, tc.tool, tc.args)
		wantError(t, res, tc.want)
		if n := strings.Count(resultText(res), "invalid arguments"); n != 1 {
			t.Errorf("%s: %q says \"invalid arguments\" %d times", tc.tool, resultText(res), n)
		}
	}
}

type statusAuth struct {
	fakeAuth
	st AuthStatus
}

func (a *statusAuth) Status(context.Context) (AuthStatus, error) { return a.st, nil }

// offline_since is left out when there is no offline grant, instead of
// showing year 1.
func TestAuthStatusOmitsZeroOfflineSince(t *testing.T) {
	since := time.Date(2026, 3, 1, 9, 30, 0, 0, time.UTC)
	for _, tc := range []struct {
		st   AuthStatus
		want string // "" for absent
	}{
		{AuthStatus{User: "alice", AuthMode: "oauth", NextcloudAccess: "ready"}, ""},
		{AuthStatus{User: "alice", AuthMode: "oauth", NextcloudAccess: "ready", OfflineAccess: true, OfflineSince: since}, "2026-03-01T09:30:00Z"},
	} {
		a := &statusAuth{st: tc.st}
		srv := newTestServer(t, nctest.New(t), func(o *Options) { o.Toolsets = DefaultToolsets(&Env{Auth: a}) })
		res := callTool(t, connect(t, srv, "inprocess"), "nc_auth_status", map[string]any{})
		var raw map[string]any
		decodeStructured(t, res, &raw)
		got, present := raw["offline_since"]
		switch {
		case tc.want == "" && present:
			t.Errorf("offline_since = %v without an offline grant; want it absent", got)
		case tc.want != "" && got != tc.want:
			t.Errorf("offline_since = %v, want %s", got, tc.want)
		}
		if strings.Contains(resultText(res), "0001-01-01") {
			t.Errorf("result text shows the zero time: %s", resultText(res))
		}
	}
}

// The auth tools not covered elsewhere, so that every tool's output is
// checked against its schema (see TestMain).
func TestOutputSchemaSweep(t *testing.T) {
	srv := newTestServer(t, nctest.New(t), func(o *Options) { o.Toolsets = DefaultToolsets(&Env{Auth: &fakeAuth{}}) })
	c := connect(t, srv, "inprocess")
	for _, name := range []string{"nc_auth_grant_offline_access", "nc_auth_revoke"} {
		res := callTool(t, c, name, map[string]any{})
		if res.IsError {
			t.Fatalf("%s failed: %s", name, resultText(res))
		}
		if err := validateOutput(srv.tools[name], res); err != nil {
			t.Fatal(err)
		}
		if _, ok := outputChecked.Load(name); !ok {
			t.Fatalf("%s was not recorded as checked", name)
		}
	}
}

// nc_capabilities returns every app's capabilities as JSON objects; its
// output schema must allow them (it used to say "array of integers").
func TestCapabilitiesOutputMatchesSchema(t *testing.T) {
	srv := newTestServer(t, nctest.New(t))
	c := connect(t, srv, "http")
	res := callTool(t, c, "nc_capabilities", map[string]any{})
	var out struct {
		Capabilities map[string]json.RawMessage `json:"capabilities"`
	}
	decodeStructured(t, res, &out)
	if len(out.Capabilities) == 0 || !strings.HasPrefix(string(out.Capabilities["notes"]), "{") {
		t.Fatalf("capabilities = %v, want objects by app", out.Capabilities)
	}
	nfCheckOutputSchema(t, c, "nc_capabilities", res)
}

// Schemas are not nullable, but a client that sends null for an optional
// argument means "not given"; null for a required one is a missing one.
func TestNullArgumentsMeanNotGiven(t *testing.T) {
	c := connect(t, newTestServer(t, nctest.New(t)), "inprocess")
	var n noteOut
	nfCall(t, c, "nc_notes_create", map[string]any{"title": "Plan", "category": nil, "favorite": nil}, &n)
	if n.Title != "Plan" || n.Category != "" || n.Favorite {
		t.Fatalf("created %+v", n)
	}
	wantError(t, callTool(t, c, "nc_notes_create", map[string]any{"title": nil}), "invalid arguments", "title")
}

// Column defaults of every kind (number, text, label, list of labels,
// boolean, date) match the schema of columns[].default, which used to be
// empty.
func TestTablesColumnDefaultsMatchSchema(t *testing.T) {
	nc, c := newTablesTest(t)
	ctx := context.Background()
	api := nc.Client(t, "admin")
	var tb struct {
		ID int64 `json:"id"`
	}
	if err := api.OCS(ctx, http.MethodPost, "/ocs/v2.php/apps/tables/api/2/tables", nil, map[string]any{"title": "Defaults"}, &tb); err != nil {
		t.Fatal(err)
	}
	for _, spec := range []struct {
		kind string
		args map[string]any
	}{
		{"number", map[string]any{"title": "Qty", "numberDefault": 5}},
		{"text", map[string]any{"title": "Note", "subtype": "line", "textDefault": "n/a"}},
		{"selection", map[string]any{"title": "Status", "selectionOptions": `[{"id":1,"label":"Open"},{"id":2,"label":"Done"}]`, "selectionDefault": "2"}},
		{"selection", map[string]any{"title": "Tags", "subtype": "multi", "selectionOptions": `[{"id":1,"label":"red"},{"id":2,"label":"blue"}]`, "selectionDefault": "[1,2]"}},
		{"selection", map[string]any{"title": "Urgent", "subtype": "check", "selectionDefault": "true"}},
		{"datetime", map[string]any{"title": "Due", "subtype": "date", "datetimeDefault": "today"}},
	} {
		spec.args["baseNodeId"] = tb.ID
		if err := api.OCS(ctx, http.MethodPost, "/ocs/v2.php/apps/tables/api/2/columns/"+spec.kind, nil, spec.args, nil); err != nil {
			t.Fatalf("create column %v: %v", spec.args["title"], err)
		}
	}
	var sch struct {
		Properties struct {
			Columns struct {
				Items struct {
					Properties map[string]json.RawMessage `json:"properties"`
				} `json:"items"`
			} `json:"columns"`
		} `json:"properties"`
	}
	if err := json.Unmarshal(toolNamed(t, "nc_tables_get_schema").OutputSchema(), &sch); err != nil {
		t.Fatal(err)
	}
	cols := sch.Properties.Columns
	var def struct {
		AnyOf []map[string]any `json:"anyOf"`
	}
	if err := json.Unmarshal(cols.Items.Properties["default"], &def); err != nil || len(def.AnyOf) < 4 {
		t.Fatalf("schema of columns[].default = %s, want the kinds of values it takes", cols.Items.Properties["default"])
	}
	res := nfCall(t, c, "nc_tables_get_schema", map[string]any{"table_id": tb.ID}, nil)
	var out struct {
		Columns []struct {
			Title   string `json:"title"`
			Default any    `json:"default"`
		} `json:"columns"`
	}
	decodeStructured(t, res, &out)
	got := map[string]any{}
	for _, col := range out.Columns {
		got[col.Title] = col.Default
	}
	want := map[string]any{"Qty": 5.0, "Note": "n/a", "Status": "Done", "Tags": []any{"red", "blue"}, "Urgent": true, "Due": "today"}
	for title, w := range want {
		if !reflect.DeepEqual(got[title], w) {
			t.Errorf("default of %s = %#v, want %#v", title, got[title], w)
		}
	}
}

// A resource whose item does not exist answers "resource not found"
// (-32002; invalid params from protocol 2026-07-28 on), not an internal
// error; other failures stay internal errors.
func TestMissingResourceIsNotFound(t *testing.T) {
	for _, tc := range []struct {
		version string
		want    error
	}{
		{"2025-06-18", mcpgo.ErrResourceNotFound},
		{"2025-11-25", mcpgo.ErrResourceNotFound},
		{mcpgo.LATEST_PROTOCOL_VERSION, mcpgo.ErrInvalidParams},
	} {
		t.Run(tc.version, func(t *testing.T) {
			nc := nctest.New(t)
			c := connectAt(t, newTestServer(t, nc), "http", tc.version)
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			for _, uri := range []string{"nextcloud://notes/999999", "nextcloud://files/no-such-file.txt"} {
				req := mcpgo.ReadResourceRequest{}
				req.Params.URI = uri
				_, err := c.ReadResource(ctx, req)
				if !errors.Is(err, tc.want) {
					t.Errorf("read %s: %v, want %v", uri, err, tc.want)
				}
				if err != nil && !strings.Contains(err.Error(), "404") && !strings.Contains(err.Error(), "not") {
					t.Errorf("read %s: %v does not say what is missing", uri, err)
				}
			}
			// A failing Nextcloud is not "not found".
			nc.SetFault(func(w http.ResponseWriter, r *http.Request) bool {
				http.Error(w, "boom", http.StatusInternalServerError)
				return true
			})
			req := mcpgo.ReadResourceRequest{}
			req.Params.URI = "nextcloud://notes/1"
			if _, err := c.ReadResource(ctx, req); !errors.Is(err, mcpgo.ErrInternalError) {
				t.Errorf("read while Nextcloud fails: %v, want an internal error", err)
			}
		})
	}
}
