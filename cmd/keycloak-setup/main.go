// Command keycloak-setup makes a Keycloak realm ready for the MCP server's
// OAuth mode, through the admin REST API, for what a realm import cannot
// carry (the legacy V1 impersonation permissions) and checks the rest. It is
// idempotent: a second run changes nothing.
//
//	keycloak-setup -url http://127.0.0.1:8080 -admin admin -admin-password-env KEYCLOAK_ADMIN_PASSWORD
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"strings"
	"time"

	"github.com/nextcloud-mcp/nextcloud-mcp-server/keycloak/kcadmin"
)

func main() {
	if err := run(os.Args[1:]); err != nil {
		fmt.Fprintln(os.Stderr, "keycloak-setup:", err)
		os.Exit(1)
	}
}

func run(args []string) error {
	fs := flag.NewFlagSet("keycloak-setup", flag.ContinueOnError)
	base := fs.String("url", envOr("KEYCLOAK_URL", "http://127.0.0.1:8080"), "Keycloak base URL, without /realms (env KEYCLOAK_URL)")
	admin := fs.String("admin", envOr("KEYCLOAK_ADMIN", "admin"), "master-realm admin user (env KEYCLOAK_ADMIN)")
	passEnv := fs.String("admin-password-env", "KEYCLOAK_ADMIN_PASSWORD", "name of the environment variable holding the admin password")
	realm := fs.String("realm", "nextcloud-mcp", "realm to set up")
	realmFile := fs.String("realm-file", "", "realm export to import when the realm does not exist")
	server := fs.String("server-client", "mcp-server", "the MCP server's confidential client")
	nc := fs.String("nextcloud-client", "nextcloud", "the client whose audience Nextcloud checks")
	imp := fs.Bool("impersonation", true, "set up V1 impersonation (needs Keycloak started with "+kcadmin.V1Flags+")")
	users := fs.String("users", "", "test users to create when missing, as user:password,user:password (passwords only for development)")
	wait := fs.Duration("wait", 0, "wait this long for Keycloak to answer before giving up (for compose start-up)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	pass := os.Getenv(*passEnv)
	if pass == "" {
		return fmt.Errorf("the admin password is not set: put it into the environment variable %s", *passEnv)
	}
	cfg := kcadmin.Config{Realm: *realm, RealmFile: *realmFile, ServerClientID: *server, NextcloudClientID: *nc, Impersonation: *imp}
	if *users != "" {
		for _, up := range strings.Split(*users, ",") {
			u, p, ok := strings.Cut(up, ":")
			if !ok || u == "" || p == "" {
				return fmt.Errorf("-users: %q is not user:password", u)
			}
			cfg.Users = append(cfg.Users, kcadmin.TestUser{Username: u, Password: p, Email: u + "@example.test"})
		}
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	c := kcadmin.New(*base, *admin, pass, nil)
	deadline := time.Now().Add(*wait)
	for {
		rep, err := kcadmin.Ensure(ctx, c, cfg)
		if err == nil {
			for _, ch := range rep.Changes {
				fmt.Println("changed:", ch)
			}
			if len(rep.Changes) == 0 {
				fmt.Printf("realm %s at %s: everything in place, nothing changed\n", *realm, *base)
			}
			return nil
		}
		if time.Now().After(deadline) || ctx.Err() != nil {
			return err
		}
		fmt.Fprintln(os.Stderr, "keycloak-setup: not yet:", err)
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(3 * time.Second):
		}
	}
}

func envOr(k, def string) string {
	if v := os.Getenv(k); v != "" {
		return v
	}
	return def
}
