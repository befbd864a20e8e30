#!/bin/sh
# Hook for the official Nextcloud image, mounted as a post-installation hook
# (runs once, as www-data, right after `occ maintenance:install`) and as a
# before-starting hook (every start), so a first start that failed half-way,
# e.g. on an app store hiccup, is completed by the next one. Idempotent.
# Installs the apps the MCP tools use (tests/hookapps_test.go keeps the
# list complete) and points user_oidc at the dev Keycloak with bearer
# validation on. Development settings only: see docker-compose.yml.
set -eu

occ() { php /var/www/html/occ --no-interaction "$@"; }

: "${OIDC_PROVIDER_ID:=keycloak}"
: "${OIDC_CLIENT_ID:=nextcloud}"
: "${OIDC_CLIENT_SECRET:?OIDC_CLIENT_SECRET must be set for the user_oidc provider}"
: "${OIDC_DISCOVERY_URI:?OIDC_DISCOVERY_URI must be set (Keycloak realm discovery URL)}"

# Keycloak lives on the compose network (a private address): Nextcloud's HTTP
# client refuses local/private targets unless this is on.
occ config:system:set allow_local_remote_servers --value=true --type=boolean

# app:install fails on an app that is already installed (bundled or from an
# earlier run), so install only what is missing, then enable everything.
for app in notes calendar tasks contacts deck tables cookbook news mail collectives spreed bookmarks polls forms circles notifications user_status activity announcementcenter user_oidc; do
    if occ app:getpath "$app" >/dev/null 2>&1; then
        echo "app $app already present"
    else
        # The app store is on the internet: retry before giving up.
        tries=0
        until occ app:install --keep-disabled "$app"; do
            tries=$((tries + 1))
            if [ "$tries" -ge 3 ]; then
                echo "cannot install app $app from the app store (is there internet access?)" >&2
                exit 1
            fi
            sleep 10
        done
    fi
    occ app:enable "$app"
done

# Keep the username/password login form next to the Keycloak button (admin
# and the basic-auth MCP service still log in with a password).
occ config:app:set --type=string --value=1 user_oidc allow_multiple_user_backends

# Provider flags: see `occ user_oidc:provider --help` (user_oidc's
# lib/Command/UpsertProvider.php). check-bearer validates Keycloak access
# tokens on API/WebDAV calls; bearer-provisioning creates the user on first
# bearer call; unique-uid=0 with mapping-uid=preferred_username makes the
# Nextcloud user id equal to the Keycloak username (alice, bob).
occ user_oidc:provider "$OIDC_PROVIDER_ID" \
    --clientid="$OIDC_CLIENT_ID" \
    --clientsecret="$OIDC_CLIENT_SECRET" \
    --discoveryuri="$OIDC_DISCOVERY_URI" \
    --scope="openid email profile" \
    --check-bearer=1 \
    --bearer-provisioning=1 \
    --unique-uid=0 \
    --mapping-uid=preferred_username \
    --mapping-display-name=name \
    --mapping-email=email

echo "user_oidc provider $OIDC_PROVIDER_ID configured:"
occ user_oidc:provider "$OIDC_PROVIDER_ID"
