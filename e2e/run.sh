#!/usr/bin/env bash
# Browser tests of the pages (issue 5) against the demo server.
#
#   bash e2e/run.sh            build ./cmd/server, start it with -demo and a
#                              1 MiB response cap, run the tests, stop it
#   E2E_BASE_URL=http://127.0.0.1:8080 bash e2e/run.sh
#                              run the tests against a demo server already up
#
# Needs go, node >= 20 with npm, and Debian's chromium (installed here with
# apt-get when missing and run as root); CHROMIUM overrides the browser's path. Screenshots and the
# server's log land in e2e/artifacts/.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/.." && pwd)
cd "$here"

chromium=${CHROMIUM:-/usr/bin/chromium}
if [ ! -x "$chromium" ] && [ "$chromium" = /usr/bin/chromium ] && [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
	echo "e2e: installing Debian's chromium" >&2
	DEBIAN_FRONTEND=noninteractive apt-get update -qq
	DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
fi
if [ ! -x "$chromium" ]; then
	echo "e2e: no browser at $chromium: apt-get install -y chromium" >&2
	exit 1
fi
if [ ! -d node_modules/playwright-core ]; then
	npm ci --no-audit --no-fund --loglevel=error
fi
mkdir -p artifacts

work=$(mktemp -d)
server_pid=
cleanup() {
	if [ -n "$server_pid" ]; then
		kill "$server_pid" 2>/dev/null || true
		wait "$server_pid" 2>/dev/null || true
		cp "$work/server.log" artifacts/server.log 2>/dev/null || true
	fi
	rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

if [ -z "${E2E_BASE_URL:-}" ]; then
	(cd "$root" && go build -o "$work/server" ./cmd/server)
	port=$(node -e 'const s = require("net").createServer(); s.listen(0, "127.0.0.1", () => { console.log(s.address().port); s.close(); })')
	export E2E_BASE_URL="http://127.0.0.1:$port"
	PORT=$port PUBLIC_BASE_URL=$E2E_BASE_URL MAX_RESPONSE_BYTES=1048576 \
		"$work/server" -demo >"$work/server.log" 2>&1 &
	server_pid=$!
	export E2E_SERVER_PID=$server_pid
fi

status=0
node --test --test-concurrency=1 --test-timeout=180000 tests/ || status=$?
if [ "$status" -ne 0 ] && [ -n "$server_pid" ]; then
	echo "--- e2e: last lines of the demo server's log" >&2
	tail -n 40 "$work/server.log" >&2 || true
fi
exit "$status"
