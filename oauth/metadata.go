package oauth

import (
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
)

// WellKnownPath is the RFC 9728 protected-resource metadata path.
const WellKnownPath = "/.well-known/oauth-protected-resource"

// ResourceMetadata is an RFC 9728 protected-resource metadata document.
type ResourceMetadata struct {
	Resource               string   `json:"resource"`
	AuthorizationServers   []string `json:"authorization_servers"`
	ScopesSupported        []string `json:"scopes_supported"`
	BearerMethodsSupported []string `json:"bearer_methods_supported"`
	ResourceName           string   `json:"resource_name,omitempty"`
}

// split returns the origin and the base path of the server URL.
func (rs *ResourceServer) split() (origin, base string) {
	u, err := url.Parse(rs.cfg.ServerURL)
	if err != nil {
		return rs.cfg.ServerURL, ""
	}
	return u.Scheme + "://" + u.Host, strings.TrimRight(u.Path, "/")
}

// Resource is the MCP endpoint's resource identifier (ServerURL + MCPPath),
// the value MCP clients send as RFC 8707 resource.
func (rs *ResourceServer) Resource() string { return rs.cfg.ServerURL + rs.cfg.MCPPath }

// ResourceMetadataURL is the metadata URL a 401 for path points to: the
// path-suffixed document for the MCP endpoint, the root one otherwise
// (RFC 9728 §3.1 inserts the well-known path between host and path).
func (rs *ResourceServer) ResourceMetadataURL(path string) string {
	origin, base := rs.split()
	if path == rs.cfg.MCPPath || strings.HasPrefix(path, rs.cfg.MCPPath+"/") ||
		path == base+rs.cfg.MCPPath || strings.HasPrefix(path, base+rs.cfg.MCPPath+"/") {
		return origin + WellKnownPath + base + rs.cfg.MCPPath
	}
	return origin + WellKnownPath + base
}

// Metadata returns the document for the MCP endpoint (mcp) or the server.
func (rs *ResourceServer) Metadata(mcp bool) ResourceMetadata {
	res := rs.cfg.ServerURL
	if mcp {
		res = rs.Resource()
	}
	scopes := rs.scopesSupported()
	if scopes == nil {
		scopes = []string{}
	}
	return ResourceMetadata{
		Resource:               res,
		AuthorizationServers:   []string{rs.cfg.Issuer},
		ScopesSupported:        scopes,
		BearerMethodsSupported: []string{"header"},
		ResourceName:           rs.cfg.ResourceName,
	}
}

// MetadataHandler serves the metadata documents; mount it at WellKnownPath
// and WellKnownPath+"/". It needs no token and works while the IdP is down.
func (rs *ResourceServer) MetadataHandler() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Access-Control-Allow-Origin", "*")
		switch r.Method {
		case http.MethodGet, http.MethodHead:
		case http.MethodOptions:
			w.Header().Set("Access-Control-Allow-Methods", "GET, HEAD, OPTIONS")
			w.Header().Set("Access-Control-Allow-Headers", "*")
			w.WriteHeader(http.StatusNoContent)
			return
		default:
			w.Header().Set("Allow", "GET, HEAD, OPTIONS")
			http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
			return
		}
		suffix, ok := strings.CutPrefix(r.URL.Path, WellKnownPath)
		if !ok {
			http.NotFound(w, r)
			return
		}
		suffix = strings.TrimRight(suffix, "/")
		_, base := rs.split()
		var doc ResourceMetadata
		switch suffix {
		case "", base:
			doc = rs.Metadata(false)
		case rs.cfg.MCPPath, base + rs.cfg.MCPPath:
			doc = rs.Metadata(true)
		default:
			http.NotFound(w, r)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("Cache-Control", "public, max-age=60")
		_ = json.NewEncoder(w).Encode(doc)
	})
}

// RegisterMetadata mounts the metadata handler on mux.
func (rs *ResourceServer) RegisterMetadata(mux *http.ServeMux) {
	h := rs.MetadataHandler()
	mux.Handle(WellKnownPath, h)
	mux.Handle(WellKnownPath+"/", h)
}
