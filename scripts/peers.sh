#!/bin/sh
# Installs the peer MCP servers that `make bench-peers` compares against, in
# git-ignored .cache/peers: the Python reference server from PyPI in a
# virtual environment, and (where npm is) the TypeScript caldav-mcp from npm.
# Pinned; re-running is a no-op once installed.
set -eu
PY_PEER_VERSION=${PY_PEER_VERSION:-0.202.1}
CALDAV_MCP_VERSION=${CALDAV_MCP_VERSION:-0.10.0}
dir=.cache/peers
venv=$dir/venv
py=${PYTHON:-python3}

command -v "$py" >/dev/null 2>&1 || { echo "peers.sh: $py not found; install Python 3.11+ (or set PYTHON)" >&2; exit 1; }
"$py" -c 'import sys; sys.exit(sys.version_info < (3, 11))' ||
	{ echo "peers.sh: $py is $("$py" -V 2>&1); nextcloud-mcp-server $PY_PEER_VERSION needs Python 3.11+ (set PYTHON)" >&2; exit 1; }
mkdir -p "$dir"
if [ -x "$venv/bin/nextcloud-mcp-server" ] &&
	[ "$("$venv/bin/pip" show nextcloud-mcp-server 2>/dev/null | sed -n 's/^Version: //p')" = "$PY_PEER_VERSION" ]; then
	echo "peers.sh: nextcloud-mcp-server $PY_PEER_VERSION (Python) already in $venv"
else
	"$py" -m venv "$venv"
	"$venv/bin/pip" install --quiet --disable-pip-version-check "nextcloud-mcp-server==$PY_PEER_VERSION"
	echo "peers.sh: installed nextcloud-mcp-server $PY_PEER_VERSION (Python) in $venv"
fi

node=$dir/node
if ! command -v npm >/dev/null 2>&1; then
	echo "peers.sh: npm not found; caldav-mcp (TypeScript) left out (install Node.js 20+ to include it)"
elif [ "$(sed -n 's/^[[:space:]]*"version": "\(.*\)",*$/\1/p' "$node/node_modules/caldav-mcp/package.json" 2>/dev/null)" = "$CALDAV_MCP_VERSION" ]; then
	echo "peers.sh: caldav-mcp $CALDAV_MCP_VERSION (TypeScript) already in $node"
else
	mkdir -p "$node"
	[ -f "$node/package.json" ] || echo '{"private": true}' >"$node/package.json"
	(cd "$node" && npm install --silent --no-audit --no-fund --save-exact "caldav-mcp@$CALDAV_MCP_VERSION")
	echo "peers.sh: installed caldav-mcp $CALDAV_MCP_VERSION (TypeScript) in $node"
fi
