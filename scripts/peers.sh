#!/bin/sh
# Installs the peer MCP servers that `make bench-peers` compares against, in
# git-ignored .cache/peers: the Python reference server from PyPI in a
# virtual environment. Pinned; re-running is a no-op once installed.
set -eu
PY_PEER_VERSION=${PY_PEER_VERSION:-0.202.1}
dir=.cache/peers
venv=$dir/venv
py=${PYTHON:-python3}

command -v "$py" >/dev/null 2>&1 || { echo "peers.sh: $py not found; install Python 3.11+ (or set PYTHON)" >&2; exit 1; }
mkdir -p "$dir"
if [ -x "$venv/bin/nextcloud-mcp-server" ] &&
	[ "$("$venv/bin/pip" show nextcloud-mcp-server 2>/dev/null | sed -n 's/^Version: //p')" = "$PY_PEER_VERSION" ]; then
	echo "peers.sh: nextcloud-mcp-server $PY_PEER_VERSION (Python) already in $venv"
	exit 0
fi
"$py" -m venv "$venv"
"$venv/bin/pip" install --quiet --disable-pip-version-check "nextcloud-mcp-server==$PY_PEER_VERSION"
echo "peers.sh: installed nextcloud-mcp-server $PY_PEER_VERSION (Python) in $venv"
