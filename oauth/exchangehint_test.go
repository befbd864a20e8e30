package oauth_test

import (
	"net/http"
	"testing"

	"github.com/nextcloud-mcp/nextcloud-mcp-server/oauth"
)

// The hints name Keycloak's exact flags and this server's exact settings:
// an operator copies them.
func TestExchangeErrorHintWording(t *testing.T) {
	tests := []struct {
		name string
		err  oauth.ExchangeError
		want string
	}{
		{"V2 refuses requested_subject",
			oauth.ExchangeError{Status: 400, Code: "invalid_request", Description: "Parameter 'requested_subject' is not supported for standard token exchange", Impersonation: true, ClientID: "mcp-server"},
			"the identity provider refused the token exchange (HTTP 400, invalid_request): Parameter 'requested_subject' is not supported for standard token exchange; " +
				"impersonation (requested_subject) is refused by Keycloak's Standard Token Exchange V2; it needs legacy token exchange V1 " +
				"(start Keycloak with --features=token-exchange:v1,admin-fine-grained-authz:v1 and give the realm's Users \"impersonate\" permission a client policy naming mcp-server), " +
				"or let users grant offline access instead"},
		{"V1 without the permission",
			oauth.ExchangeError{Status: 403, Code: "access_denied", Description: "Client not allowed to exchange", Impersonation: true, ClientID: "mcp-server"},
			"the identity provider refused the token exchange (HTTP 403, access_denied): Client not allowed to exchange; " +
				"Keycloak's legacy token exchange V1 answered but does not let client mcp-server impersonate this user: " +
				"give the realm's Users \"impersonate\" permission a client policy naming mcp-server (and check that the user exists)"},
		{"unknown audience",
			oauth.ExchangeError{Status: 400, Code: "invalid_request", Description: "Audience not found", ClientID: "mcp-server"},
			"the identity provider refused the token exchange (HTTP 400, invalid_request): Audience not found; " +
				"the requested audience must be an existing client the subject token may reach (check NEXTCLOUD_OIDC_AUDIENCE and the client's audience mappers)"},
		{"client not in aud",
			oauth.ExchangeError{Status: 400, Code: "access_denied", Description: "Client is not within the token audience", ClientID: "mcp-server"},
			"the identity provider refused the token exchange (HTTP 400, access_denied): Client is not within the token audience; " +
				"add an audience mapper that puts mcp-server into the aud of the users' tokens"},
		{"V2 off for the client",
			oauth.ExchangeError{Status: 400, Code: "unauthorized_client", Description: "Standard token exchange is not enabled for the requested client", ClientID: "mcp-server"},
			"the identity provider refused the token exchange (HTTP 400, unauthorized_client): Standard token exchange is not enabled for the requested client; " +
				"enable Standard Token Exchange on client mcp-server (attribute standard.token.exchange.enabled=true)"},
		{"bad secret",
			oauth.ExchangeError{Status: http.StatusUnauthorized, Code: "invalid_client", ClientID: "mcp-server"},
			"the identity provider refused the token exchange (HTTP 401, invalid_client); check OIDC_CLIENT_ID and OIDC_CLIENT_SECRET"},
	}
	for _, tt := range tests {
		if got := tt.err.Error(); got != tt.want {
			t.Errorf("%s:\n got %s\nwant %s", tt.name, got, tt.want)
		}
	}
	if oauth.LegacyExchangeFeatures != "--features=token-exchange:v1,admin-fine-grained-authz:v1" {
		t.Errorf("LegacyExchangeFeatures = %q", oauth.LegacyExchangeFeatures)
	}
}
