#!/usr/bin/env bash
# Start, stop or check a throwaway PostgreSQL (Debian's postgresql package)
# for tests: a cluster in a temporary folder, listening on loopback only on a
# free port, trust authentication for the test user, stopped by its PID.
#
#   scripts/postgres.sh start [DIR]   # prints DIR; DIR/state.env has PG_URL, PG_PID, PG_PORT
#   scripts/postgres.sh status DIR    # exit 0 when it answers
#   scripts/postgres.sh stop DIR      # stops it by PID and removes DIR
#
# With PG_WATCH_PID set, start also stops the cluster once that process ends.
#
# PostgreSQL refuses to run as root: as root the cluster belongs to (and runs
# as) the postgres user (the package creates it), or nobody.
set -euo pipefail

cmd=${1:-}
dir=${2:-}

bindir=${PG_BINDIR:-}
if [ -z "$bindir" ]; then
	for v in 17 16 15 14 13; do
		if [ -x "/usr/lib/postgresql/$v/bin/postgres" ]; then
			bindir=/usr/lib/postgresql/$v/bin
			break
		fi
	done
fi

die() { echo "postgres.sh: $*" >&2; exit 1; }

runas=()
owner=""
if [ "$(id -u)" -eq 0 ]; then
	if getent passwd postgres >/dev/null; then owner=postgres; else owner=nobody; fi
	runas=(setpriv --reuid="$owner" --regid="$(id -g "$owner")" --clear-groups --)
fi

free_port() {
	# Ask the kernel for a free loopback port.
	python3 - <<'EOF' 2>/dev/null || echo $((20000 + RANDOM % 20000))
import socket
s = socket.socket()
s.bind(("127.0.0.1", 0))
print(s.getsockname()[1])
s.close()
EOF
}

case "$cmd" in
start)
	[ -n "$bindir" ] || die "PostgreSQL is not installed: apt-get install postgresql"
	if [ -z "$dir" ]; then dir=$(mktemp -d -t pgtest.XXXXXX); fi
	mkdir -p "$dir"
	data="$dir/data"
	sock="$dir/sock"
	mkdir -p "$sock"
	if [ -n "$owner" ]; then chown -R "$owner" "$dir"; fi
	chmod 700 "$dir"
	if [ ! -f "$data/PG_VERSION" ]; then
		"${runas[@]}" "$bindir/initdb" -D "$data" -U mcptest --auth=trust -E UTF8 --locale=C.UTF-8 >"$dir/initdb.log" 2>&1 ||
			"${runas[@]}" "$bindir/initdb" -D "$data" -U mcptest --auth=trust -E UTF8 --locale=C >"$dir/initdb.log" 2>&1 ||
			die "initdb failed: $(tail -5 "$dir/initdb.log")"
	fi
	port=$(free_port)
	# fsync off: a test cluster that is thrown away needs no durability.
	"${runas[@]}" "$bindir/postgres" -D "$data" -h 127.0.0.1 -p "$port" -k "$sock" \
		-c fsync=off -c synchronous_commit=off -c full_page_writes=off \
		-c max_connections=200 -c shared_buffers=32MB >"$dir/postgres.log" 2>&1 &
	pid=$!
	for _ in $(seq 1 300); do
		if ! kill -0 "$pid" 2>/dev/null; then
			die "postgres exited: $(tail -5 "$dir/postgres.log")"
		fi
		if "$bindir/pg_isready" -q -h 127.0.0.1 -p "$port" -U mcptest 2>/dev/null; then
			{
				echo "PG_PID=$pid"
				echo "PG_PORT=$port"
				echo "PG_BINDIR=$bindir"
				echo "PG_URL=postgres://mcptest@127.0.0.1:$port/postgres?sslmode=disable"
			} >"$dir/state.env"
			if [ -n "${PG_WATCH_PID:-}" ]; then
				# Tests pass their PID: a test binary killed before its
				# clean-up (a timeout) does not leave the cluster running.
				(
					while kill -0 "$PG_WATCH_PID" 2>/dev/null; do sleep 1; done
					"$0" stop "$dir"
				) >/dev/null 2>&1 </dev/null &
			fi
			echo "$dir"
			exit 0
		fi
		sleep 0.1
	done
	kill "$pid" 2>/dev/null || true
	die "postgres did not answer on 127.0.0.1:$port within 30s: $(tail -5 "$dir/postgres.log")"
	;;
status)
	[ -f "$dir/state.env" ] || die "no state in $dir"
	# shellcheck disable=SC1091
	. "$dir/state.env"
	kill -0 "$PG_PID" 2>/dev/null && "$PG_BINDIR/pg_isready" -q -h 127.0.0.1 -p "$PG_PORT" -U mcptest
	;;
stop)
	[ -n "$dir" ] || die "usage: $0 stop DIR"
	if [ -f "$dir/state.env" ]; then
		# shellcheck disable=SC1091
		. "$dir/state.env"
		# SIGINT is PostgreSQL's fast shutdown.
		kill -INT "$PG_PID" 2>/dev/null || true
		for _ in $(seq 1 100); do
			kill -0 "$PG_PID" 2>/dev/null || break
			sleep 0.1
		done
		kill -KILL "$PG_PID" 2>/dev/null || true
	fi
	rm -rf "$dir"
	;;
*)
	die "usage: $0 start [DIR] | status DIR | stop DIR"
	;;
esac
