#!/bin/sh
# Post-installation hook for the official Nextcloud image (runs once, as
# www-data, right after `occ maintenance:install`). Installs the apps the MCP
# tools use and points user_oidc at the dev Keycloak with bearer validation on.
# Development settings only: see docker-compose.yml.
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
for app in notes calendar contacts deck tables user_oidc; do
    if occ app:getpath "$app" >/dev/null 2>&1; then
        echo "app $app already present"
    else
        echo "installing app $app"
        occ app:install --keep-disabled "$app"
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
