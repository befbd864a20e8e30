package oauth

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/nextcloud-mcp/nextcloud-mcp-server/storage"
)

// TokensCLI is what the `tokens` and `doctor` subcommands need; the binary
// fills it from the configuration.
type TokensCLI struct {
	DBPath string
	Keys   string
	// Issuer and client credentials, optional: with them `tokens revoke`
	// also revokes the refresh token at the IdP and `doctor` checks it.
	Issuer       string
	ClientID     string
	ClientSecret string
	// NextcloudAudience is the audience of impersonated tokens (doctor).
	NextcloudAudience string
	// OfflineAccess and Impersonation are ENABLE_OFFLINE_ACCESS and
	// OIDC_IMPERSONATION, which doctor reports on.
	OfflineAccess bool
	Impersonation string
	HTTPClient    *http.Client
}

func (c TokensCLI) open(ctx context.Context) (*storage.DB, error) {
	if c.DBPath == "" {
		return nil, errors.New("TOKEN_STORAGE_DB is not set: it names the token database file")
	}
	return storage.Open(ctx, c.DBPath, storage.Options{Keys: c.Keys, BusyTimeout: 10 * time.Second})
}

func (c TokensCLI) httpClient() *http.Client {
	if c.HTTPClient != nil {
		return c.HTTPClient
	}
	return &http.Client{Timeout: 20 * time.Second}
}

const tokensUsage = `usage: nextcloud-mcp-server tokens COMMAND
  list [--json]   list stored offline grants (no secrets)
  revoke USER     delete USER's stored grant (and revoke it at the IdP when OIDC_* is set)
  rotate-key      re-encrypt every row with the first key of TOKEN_ENCRYPTION_KEY
  generate-key    print a new key for TOKEN_ENCRYPTION_KEY (same as nextcloud-mcp-server genkey)
`

// TokensCommand runs `tokens list|revoke|rotate-key|generate-key`; it
// returns the exit code.
func TokensCommand(ctx context.Context, args []string, c TokensCLI, stdout, stderr io.Writer) int {
	if len(args) == 0 || args[0] == "-h" || args[0] == "--help" || args[0] == "help" {
		fmt.Fprint(stderr, tokensUsage)
		if len(args) == 0 {
			return 2
		}
		return 0
	}
	fail := func(err error) int {
		fmt.Fprintln(stderr, "nextcloud-mcp-server tokens:", err)
		return 1
	}
	// withDB runs a subcommand on the opened token database.
	withDB := func(run func(db *storage.DB) int) int {
		db, err := c.open(ctx)
		if err != nil {
			return fail(err)
		}
		defer db.Close()
		return run(db)
	}
	switch args[0] {
	case "generate-key":
		k, err := storage.GenerateKey()
		if err != nil {
			return fail(err)
		}
		fmt.Fprintln(stdout, k)
		return 0
	case "list":
		fs := flag.NewFlagSet("tokens list", flag.ContinueOnError)
		fs.SetOutput(stderr)
		asJSON := fs.Bool("json", false, "print JSON")
		if err := fs.Parse(args[1:]); err != nil {
			return 2
		}
		return withDB(func(db *storage.DB) int {
			infos, err := db.ListTokens(ctx)
			if err != nil {
				return fail(err)
			}
			if *asJSON {
				if infos == nil {
					infos = []storage.TokenInfo{}
				}
				enc := json.NewEncoder(stdout)
				enc.SetIndent("", "  ")
				if err := enc.Encode(infos); err != nil {
					return fail(err)
				}
				return 0
			}
			writeTokenTable(stdout, infos)
			return 0
		})
	case "revoke":
		if len(args) != 2 || args[1] == "" {
			fmt.Fprint(stderr, tokensUsage)
			return 2
		}
		user := args[1]
		return withDB(func(db *storage.DB) int {
			tok, terr := db.Token(ctx, user)
			if errors.Is(terr, storage.ErrNotFound) {
				return fail(fmt.Errorf("no stored grant for user %s", user))
			}
			if terr == nil && c.Issuer != "" && c.ClientID != "" {
				if err := revokeAtIdP(ctx, c, tok.RefreshToken); err != nil {
					fmt.Fprintf(stderr, "warning: could not revoke the grant at the identity provider (%v); deleting it here anyway\n", err)
				} else {
					fmt.Fprintf(stdout, "revoked the refresh token of %s at the identity provider\n", user)
				}
			} else if terr != nil {
				fmt.Fprintf(stderr, "warning: the stored grant of %s cannot be decrypted, so it is not revoked at the identity provider; deleting it here\n", user)
			}
			if _, err := db.DeleteToken(ctx, user); err != nil {
				return fail(err)
			}
			fmt.Fprintf(stdout, "deleted the stored grant of %s; a running server stops using it at its next refresh\n", user)
			return 0
		})
	case "rotate-key":
		return withDB(func(db *storage.DB) int {
			rep, err := db.ReencryptAll(ctx)
			if err != nil {
				return fail(err)
			}
			fmt.Fprintf(stdout, "re-encrypted %d tokens and %d secrets with the first key of TOKEN_ENCRYPTION_KEY\n", rep.Tokens, rep.Secrets)
			if len(rep.Unreadable) > 0 {
				fmt.Fprintf(stdout, "%d rows no configured key opens were left as they are: %s\n", len(rep.Unreadable), strings.Join(rep.Unreadable, ", "))
				return 1
			}
			fmt.Fprintln(stdout, "the other keys can now be removed from TOKEN_ENCRYPTION_KEY")
			return 0
		})
	}
	fmt.Fprintf(stderr, "nextcloud-mcp-server tokens: unknown command %q\n%s", args[0], tokensUsage)
	return 2
}

func writeTokenTable(w io.Writer, infos []storage.TokenInfo) {
	if len(infos) == 0 {
		fmt.Fprintln(w, "no stored offline grants")
		return
	}
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "USER\tSUBJECT\tSCOPES\tCREATED\tLAST USED\tLAST REFRESHED\tEXPIRES\tSTATE")
	day := func(t time.Time) string {
		if t.IsZero() {
			return "-"
		}
		return t.UTC().Format("2006-01-02 15:04")
	}
	for _, in := range infos {
		state := "ok"
		switch {
		case strings.HasPrefix(in.Problem, "malformed"):
			state = "MALFORMED (" + strings.TrimPrefix(in.Problem, "malformed row: ") + "; tokens revoke " + in.UserID + ")"
		case !in.Readable:
			state = "UNREADABLE (wrong key or tampered)"
		case in.OldKey:
			state = "old key (run tokens rotate-key)"
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n", in.UserID, in.Subject, strings.Join(in.Scopes, " "),
			day(in.CreatedAt), day(in.LastUsedAt), day(in.LastRefreshedAt), day(in.ExpiresAt), state)
	}
	tw.Flush()
}

// revokeAtIdP revokes a refresh token by RFC 7009.
func revokeAtIdP(ctx context.Context, c TokensCLI, refreshToken string) error {
	return LazyIdP(c.Issuer, c.httpClient()).RevokeRefreshToken(ctx, c.ClientID, c.ClientSecret, refreshToken)
}

// DoctorCommand runs the doctor checks and prints them; exit 1 if any
// failed. impersonateUser, if set, tries impersonating that user.
func DoctorCommand(ctx context.Context, c TokensCLI, impersonateUser string, stdout, stderr io.Writer) int {
	dc := DoctorConfig{Issuer: c.Issuer, ClientID: c.ClientID, ClientSecret: c.ClientSecret, HTTPClient: c.httpClient(), ImpersonateUser: impersonateUser,
		NextcloudAudience: c.NextcloudAudience, OfflineAccess: c.OfflineAccess, Impersonation: c.Impersonation}
	storeOK := true
	if c.DBPath != "" {
		db, err := c.open(ctx)
		if err != nil {
			// Printed like a failed check, and failing like one.
			fmt.Fprintln(stdout, "FAIL token storage:", err)
			storeOK = false
		} else {
			defer db.Close()
			dc.Store = db
		}
	}
	if c.Issuer != "" {
		dc.IdP = LazyIdP(c.Issuer, dc.HTTPClient)
	}
	if impersonateUser != "" && c.ClientSecret != "" && dc.IdP != nil {
		if tokenURL, err := dc.IdP.TokenEndpoint(ctx); err == nil {
			dc.Impersonate = NewExchanger(tokenURL, c.ClientID, c.ClientSecret, dc.HTTPClient).Impersonate(dc.audience())
		}
	}
	if ok := WriteDoctor(stdout, RunDoctor(ctx, dc)); !ok || !storeOK {
		return 1
	}
	return 0
}
