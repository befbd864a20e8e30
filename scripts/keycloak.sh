#!/usr/bin/env bash
# A real Keycloak on demand for the end-to-end tests and for manual use.
#
#   scripts/keycloak.sh fetch             download and unpack the distribution (cached)
#   scripts/keycloak.sh start [STATE_DIR] start on 127.0.0.1 and wait until ready
#   scripts/keycloak.sh stop  [STATE_DIR] stop it (by PID)
#   scripts/keycloak.sh status [STATE_DIR]
#
# The distribution comes from Maven Central (org.keycloak:keycloak-quarkus-dist)
# and is unpacked once into $KEYCLOAK_CACHE (default .cache/keycloak, git-ignored).
# Each instance lives in STATE_DIR (default $KEYCLOAK_CACHE/run): a thin copy of
# the distribution (the jars are symlinked) whose data/ holds the dev database,
# so a stop and a start keep the realm. A new STATE_DIR imports
# keycloak/realm-export.json at its first start.
#
# Settings (environment): KEYCLOAK_VERSION, KEYCLOAK_CACHE, KEYCLOAK_PORT (HTTP;
# default: a free port from 18080), KEYCLOAK_MGMT_PORT (health; default HTTP+1000),
# KEYCLOAK_ADMIN / KEYCLOAK_ADMIN_PASSWORD (bootstrap admin; admin/admin),
# KEYCLOAK_REALM_FILE, KEYCLOAK_START_TIMEOUT (seconds, default 300), JAVA_HOME,
# KEYCLOAK_FEATURES (default token-exchange:v1,admin-fine-grained-authz:v1),
# KEYCLOAK_WATCH_PID (stop Keycloak when this process ends).
#
# start writes STATE_DIR/state.env (KEYCLOAK_PID, KEYCLOAK_URL, KEYCLOAK_MGMT_URL,
# KEYCLOAK_ADMIN, KEYCLOAK_ADMIN_PASSWORD, KEYCLOAK_START_SECONDS) and logs to
# STATE_DIR/keycloak.log.
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
version=${KEYCLOAK_VERSION:-26.7.3}
cache=${KEYCLOAK_CACHE:-$root/.cache/keycloak}
dist=$cache/keycloak-$version
realm_file=${KEYCLOAK_REALM_FILE:-$root/keycloak/realm-export.json}
admin_user=${KEYCLOAK_ADMIN:-admin}
admin_pass=${KEYCLOAK_ADMIN_PASSWORD:-admin}
timeout=${KEYCLOAK_START_TIMEOUT:-300}
# Legacy token exchange (V1) and fine-grained admin permissions V1 are what
# requested_subject impersonation needs; Standard Token Exchange (V2) is on by
# default. The unversioned admin-fine-grained-authz would select FGAP v2,
# which has no token-exchange permissions.
# KEYCLOAK_FEATURES overrides them (empty: Keycloak's defaults, V2 only).
features=${KEYCLOAK_FEATURES-token-exchange:v1,admin-fine-grained-authz:v1}

die() { echo "keycloak.sh: $*" >&2; exit 1; }

# The newest JDK Keycloak supports (17, 21, 25).
pick_java() {
	if [ -n "${JAVA_HOME:-}" ] && [ -x "$JAVA_HOME/bin/java" ]; then return; fi
	local v d
	for v in 25 21 17; do
		for d in /usr/lib/jvm/*-"$v"-* /usr/lib/jvm/*"$v"*jdk* /usr/lib/jvm/java-"$v"-*; do
			if [ -x "$d/bin/java" ]; then export JAVA_HOME=$d; return; fi
		done
	done
	command -v java >/dev/null 2>&1 ||
		die "no Java found: install a JDK 17, 21 or 25 (e.g. apt-get install openjdk-17-jre-headless) or set JAVA_HOME"
}

fetch() {
	if [ -x "$dist/bin/kc.sh" ]; then return; fi
	command -v mvn >/dev/null 2>&1 ||
		die "mvn not found: install Maven (e.g. apt-get install maven) to download Keycloak $version"
	command -v unzip >/dev/null 2>&1 || die "unzip not found: apt-get install unzip"
	mkdir -p "$cache"
	local dl
	dl=$(mktemp -d "$cache/dl.XXXXXX")
	echo "keycloak.sh: downloading org.keycloak:keycloak-quarkus-dist:$version from Maven Central" >&2
	mvn -q dependency:copy -Dartifact="org.keycloak:keycloak-quarkus-dist:$version:zip" -DoutputDirectory="$dl" ||
		die "mvn could not download org.keycloak:keycloak-quarkus-dist:$version"
	unzip -q "$dl/keycloak-quarkus-dist-$version.zip" -d "$dl"
	# Rename last, so an interrupted fetch never leaves a half-unpacked dist.
	mv "$dl/keycloak-$version" "$dist"
	rm -rf "$dl"
}

# built_dir: lib/quarkus as augmented for start-dev with these features.
built_dir() { echo "$cache/built-$version-$(printf '%s' "$features" | cksum | cut -d' ' -f1)"; }

state_dir() { echo "${1:-$cache/run}"; }

# running STATE_DIR: true when the PID in state.env is alive.
running() {
	local f=$1/state.env pid
	[ -f "$f" ] || return 1
	pid=$(sed -n 's/^KEYCLOAK_PID=//p' "$f")
	[ -n "$pid" ] && kill -0 "$pid" 2>/dev/null
}

port_free() { ! (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

free_port() {
	local p
	for p in $(seq "${1:-18080}" 19999); do
		if port_free "$p" && port_free $((p + 1000)); then echo "$p"; return; fi
	done
	die "no free port between 18080 and 19999"
}

# instance STATE_DIR: a home of its own (kc.sh takes kc.home.dir from its
# location; start-dev rewrites lib/quarkus) sharing the jars with the cache.
instance() {
	local s=$1
	if [ -x "$s/bin/kc.sh" ]; then return; fi
	mkdir -p "$s/lib" "$s/data/import"
	cp -r "$dist/bin" "$dist/conf" "$s/"
	cp -r "$dist/lib/app" "$dist/lib/quarkus-run.jar" "$s/lib/"
	# start-dev re-augments (about a minute) when the build options differ
	# from lib/quarkus's; reuse one already built with these features.
	if [ -d "$(built_dir)" ]; then
		cp -r "$(built_dir)" "$s/lib/quarkus"
	else
		cp -r "$dist/lib/quarkus" "$s/lib/quarkus"
	fi
	ln -s "$dist/lib/lib" "$s/lib/lib"
	ln -s "$dist/themes" "$s/themes"
	ln -s "$dist/providers" "$s/providers"
	cp "$realm_file" "$s/data/import/realm-export.json"
}

start() {
	local s pid port mport t0 t1 secs
	s=$(state_dir "${1:-}")
	if running "$s"; then
		echo "keycloak.sh: already running ($s/state.env)" >&2
		cat "$s/state.env"
		return
	fi
	fetch
	pick_java
	mkdir -p "$s"
	s=$(cd "$s" && pwd)
	# A restart keeps the features it started with.
	if [ -z "${KEYCLOAK_FEATURES+x}" ] && [ -f "$s/state.env" ] && grep -q '^KEYCLOAK_FEATURES=' "$s/state.env"; then
		features=$(sed -n 's/^KEYCLOAK_FEATURES=//p' "$s/state.env")
	fi
	instance "$s"
	port=${KEYCLOAK_PORT:-}
	# A restart keeps the port it had, so tokens' issuer stays the same.
	mport=${KEYCLOAK_MGMT_PORT:-}
	if [ -z "$port" ] && [ -f "$s/state.env" ]; then
		port=$(sed -n 's/^KEYCLOAK_PORT=//p' "$s/state.env")
		mport=${mport:-$(sed -n 's/^KEYCLOAK_MGMT_PORT=//p' "$s/state.env")}
		if [ -n "$port" ] && ! port_free "$port"; then die "port $port (from $s/state.env) is taken"; fi
	fi
	port=${port:-$(free_port)}
	mport=${mport:-$((port + 1000))}
	t0=$(date +%s.%N)
	# setsid: the server outlives the shell (and the test) that started it
	# until stop is called.
	KC_BOOTSTRAP_ADMIN_USERNAME=$admin_user KC_BOOTSTRAP_ADMIN_PASSWORD=$admin_pass \
		setsid "$s/bin/kc.sh" start-dev \
		--http-host=127.0.0.1 --http-port="$port" \
		--http-management-port="$mport" --health-enabled=true \
		--hostname-strict=false \
		${features:+--features="$features"} \
		--import-realm \
		</dev/null >>"$s/keycloak.log" 2>&1 &
	pid=$!
	# KEYCLOAK_WATCH_PID (the test binary): stop Keycloak when that process
	# ends, even if it died without calling stop.
	if [ -n "${KEYCLOAK_WATCH_PID:-}" ]; then
		setsid bash -c 'while kill -0 "$1" 2>/dev/null && kill -0 "$2" 2>/dev/null; do sleep 2; done; kill -TERM "$2" 2>/dev/null' \
			watch "$KEYCLOAK_WATCH_PID" "$pid" </dev/null >/dev/null 2>&1 &
	fi
	{
		echo "KEYCLOAK_PID=$pid"
		echo "KEYCLOAK_PORT=$port"
		echo "KEYCLOAK_URL=http://127.0.0.1:$port"
		echo "KEYCLOAK_MGMT_PORT=$mport"
		echo "KEYCLOAK_MGMT_URL=http://127.0.0.1:$mport"
		echo "KEYCLOAK_ADMIN=$admin_user"
		echo "KEYCLOAK_ADMIN_PASSWORD=$admin_pass"
		echo "KEYCLOAK_STATE_DIR=$s"
		echo "KEYCLOAK_VERSION=$version"
		echo "KEYCLOAK_FEATURES=$features"
	} >"$s/state.env"
	local deadline=$(($(date +%s) + timeout))
	until ready "http://127.0.0.1:$mport"; do
		if ! kill -0 "$pid" 2>/dev/null; then
			tail -n 30 "$s/keycloak.log" >&2
			die "Keycloak exited during start-up; log: $s/keycloak.log"
		fi
		if [ "$(date +%s)" -ge "$deadline" ]; then
			tail -n 30 "$s/keycloak.log" >&2
			stop "$s"
			die "Keycloak not ready after ${timeout}s; log: $s/keycloak.log"
		fi
		sleep 0.5
	done
	t1=$(date +%s.%N)
	secs=$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.1f", b - a }')
	echo "KEYCLOAK_START_SECONDS=$secs" >>"$s/state.env"
	if [ ! -d "$(built_dir)" ]; then
		local tmp
		tmp=$(mktemp -d "$cache/built.XXXXXX")
		cp -r "$s/lib/quarkus/." "$tmp/" && mv -T "$tmp" "$(built_dir)" 2>/dev/null || rm -rf "$tmp"
	fi
	echo "keycloak.sh: Keycloak $version ready at http://127.0.0.1:$port in ${secs}s (JAVA_HOME=${JAVA_HOME:-system java})" >&2
	cat "$s/state.env"
}

# ready MGMT_URL: the management interface's readiness check answers 200
# (the realm import finishes before it does).
ready() {
	local code
	code=$(curl -s -o /dev/null -w '%{http_code}' "$1/health/ready" 2>/dev/null) || true
	[ "$code" = 200 ]
}

stop() {
	local s pid i
	s=$(state_dir "${1:-}")
	if ! running "$s"; then
		echo "keycloak.sh: not running ($s)" >&2
		return 0
	fi
	pid=$(sed -n 's/^KEYCLOAK_PID=//p' "$s/state.env")
	kill -TERM "$pid"
	for i in $(seq 1 120); do
		kill -0 "$pid" 2>/dev/null || { echo "keycloak.sh: stopped (pid $pid)" >&2; return 0; }
		sleep 0.5
	done
	kill -KILL "$pid" 2>/dev/null || true
	echo "keycloak.sh: killed (pid $pid) after 60s" >&2
}

status() {
	local s
	s=$(state_dir "${1:-}")
	if running "$s"; then
		cat "$s/state.env"
	else
		echo "keycloak.sh: not running ($s)" >&2
		return 3
	fi
}

case "${1:-}" in
fetch) fetch; echo "$dist" ;;
start) start "${2:-}" ;;
stop) stop "${2:-}" ;;
status) status "${2:-}" ;;
*) die "usage: $0 fetch|start|stop|status [STATE_DIR]" ;;
esac
