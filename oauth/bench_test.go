package oauth_test

import (
	"context"
	"net/http"
	"sync/atomic"
	"testing"

	"github.com/nextcloud-mcp/nextcloud-mcp-server/oauth"
	"github.com/nextcloud-mcp/nextcloud-mcp-server/tests/oidctest"
)

// benchIdP is a provider with this server's client, an MCP client whose
// tokens carry the server's audience, and a counter of every request that
// reaches the provider.
func benchIdP(b *testing.B) (*oidctest.Provider, *atomic.Int64) {
	b.Helper()
	p := oidctest.New(b)
	p.AddClient(oidctest.Client{ID: serverClient, Secret: serverSecret, TokenExchange: true})
	p.AddClient(oidctest.Client{ID: "nextcloud", Secret: "nc-secret"})
	p.AddClient(oidctest.Client{ID: mcpClient, Audience: []string{serverClient}})
	p.AddUser(oidctest.User{Username: "alice"})
	var hits atomic.Int64
	p.SetFault(func(http.ResponseWriter, *http.Request) bool {
		hits.Add(1)
		return false
	})
	return p, &hits
}

// BenchmarkBearerValidation validates a JWT access token with the JWKS
// already cached: claims, then an RS256 signature check, no network. It
// fails if any request reaches the identity provider during the timed
// loop (the target is no network call and well under 100 µs per request).
func BenchmarkBearerValidation(b *testing.B) {
	p, hits := benchIdP(b)
	rs, err := oauth.New(context.Background(), oauth.Config{
		Issuer: p.Issuer(), ClientID: serverClient, ClientSecret: serverSecret, ServerURL: "https://mcp.example.com",
	}, nil)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(rs.Close)
	tok := p.UserToken(b, "alice", mcpClient, "notes:read", "files:read")
	ctx := context.Background()
	// Warm the key cache: this one call fetches the JWKS.
	if id, err := rs.Validate(ctx, tok); err != nil || id.UserID != "alice" {
		b.Fatalf("warm-up validation: %v", err)
	}
	check := func(b *testing.B, before int64) {
		if n := hits.Load() - before; n != 0 {
			b.Fatalf("%d requests reached the identity provider during the timed loop (discovery %d, JWKS %d); validation with a warm cache must not touch the network",
				n, p.Count(oidctest.CountDiscovery), p.Count(oidctest.CountJWKS))
		}
		b.ReportMetric(0, "idp-requests")
	}
	b.Run("serial", func(b *testing.B) {
		before := hits.Load()
		b.ReportAllocs()
		for b.Loop() {
			id, err := rs.Validate(ctx, tok)
			if err != nil || id.UserID != "alice" {
				b.Fatalf("validate: %v", err)
			}
		}
		check(b, before)
	})
	b.Run("parallel", func(b *testing.B) {
		before := hits.Load()
		b.ReportAllocs()
		b.RunParallel(func(pb *testing.PB) {
			for pb.Next() {
				if _, err := rs.Validate(ctx, tok); err != nil {
					b.Errorf("validate: %v", err)
					return
				}
			}
		})
		check(b, before)
	})
	b.Run("http-middleware", func(b *testing.B) {
		// The same through the middleware, as each MCP request pays it.
		h := rs.Middleware(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if _, ok := oauth.IdentityFrom(r.Context()); !ok {
				w.WriteHeader(http.StatusInternalServerError)
			}
		}))
		req, _ := http.NewRequest(http.MethodPost, "https://mcp.example.com/mcp", nil)
		req.Header.Set("Authorization", "Bearer "+tok)
		before := hits.Load()
		b.ReportAllocs()
		for b.Loop() {
			w := &statusRecorder{}
			h.ServeHTTP(w, req)
			if w.status != 0 && w.status != http.StatusOK {
				b.Fatalf("middleware answered %d", w.status)
			}
		}
		check(b, before)
	})
}

// statusRecorder is a minimal ResponseWriter, lighter than httptest's.
type statusRecorder struct {
	status int
	h      http.Header
}

func (w *statusRecorder) Header() http.Header {
	if w.h == nil {
		w.h = http.Header{}
	}
	return w.h
}
func (w *statusRecorder) Write(p []byte) (int, error) { return len(p), nil }
func (w *statusRecorder) WriteHeader(code int)        { w.status = code }

// BenchmarkExchangeCacheHit returns a cached exchanged token; it fails if
// the loop caused a token exchange at the provider.
func BenchmarkExchangeCacheHit(b *testing.B) {
	p, hits := benchIdP(b)
	cache := oauth.NewExchangeCache(oauth.NewExchanger(p.TokenURL(), serverClient, serverSecret, nil), 0)
	ctx := context.Background()
	req := oauth.ExchangeRequest{SubjectToken: p.UserToken(b, "alice", mcpClient, "notes:read"), Audience: []string{"nextcloud"}}
	first, err := cache.Token(ctx, "alice", req)
	if err != nil {
		b.Fatalf("first exchange: %v", err)
	}
	exchanges := p.Count(oidctest.CountGrantExchange)
	before := hits.Load()
	b.ReportAllocs()
	for b.Loop() {
		tok, err := cache.Token(ctx, "alice", req)
		if err != nil || tok.AccessToken != first.AccessToken {
			b.Fatalf("cached token: %v", err)
		}
	}
	if n := p.Count(oidctest.CountGrantExchange) - exchanges; n != 0 || hits.Load() != before {
		b.Fatalf("%d token exchanges (%d requests) during the loop, want none", n, hits.Load()-before)
	}
}
