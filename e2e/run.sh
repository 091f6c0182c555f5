#!/usr/bin/env bash
# Browser tests of the pages (issue 5) against the demo server.
#
#   bash e2e/run.sh            build ./cmd/server and start two demo servers
#                              on free ports, run the tests, stop both:
#                              E2E_BASE_URL with a 1 MiB response cap (the
#                              64 MiB file's Download is assembled from 1 MiB
#                              slices; the samples are below the cap), and
#                              E2E_SLICED_BASE_URL with a 64 KiB cap (the demo
#                              video comes in many 206 slices, so a seek asks
#                              for a Range of its own)
#   E2E_BASE_URL=http://127.0.0.1:8080 bash e2e/run.sh
#                              run the tests against a demo server already up
#                              (started with MAX_RESPONSE_BYTES=1048576); the
#                              sliced server is still built and started here
#                              unless E2E_SLICED_BASE_URL names one too (any
#                              demo server whose cap is at most 1/6 of the
#                              video's size, e.g. MAX_RESPONSE_BYTES=65536)
#
# Needs go (unless both URLs are given), node >= 20 with npm, and Debian's
# chromium (installed here with apt-get when missing and run as root);
# CHROMIUM overrides the browser's path. Screenshots and the servers' logs
# (server.log, server-sliced.log) land in e2e/artifacts/.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/.." && pwd)
cd "$here"

chromium=${CHROMIUM:-/usr/bin/chromium}
if [ ! -x "$chromium" ] && [ "$chromium" = /usr/bin/chromium ] && [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
	echo "e2e: installing Debian's chromium" >&2
	DEBIAN_FRONTEND=noninteractive apt-get update -qq
	DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium fonts-liberation >/dev/null
fi
if [ ! -x "$chromium" ]; then
	echo "e2e: no browser at $chromium: apt-get install -y chromium" >&2
	exit 1
fi
if [ ! -d node_modules/playwright-core ]; then
	npm ci --no-audit --no-fund --loglevel=error
fi
mkdir -p artifacts

logs_to=artifacts logs_glob="server*.log"
# shellcheck source=lib/procs.sh
. "$here/lib/procs.sh"

# serve CAP LOG starts a demo server with response cap CAP on a free port,
# logging to $work/LOG; it sets url and pid.
serve() {
	local port
	port=$(free_port)
	while [ "${E2E_BASE_URL:-}" = "http://127.0.0.1:$port" ]; do
		port=$(free_port)
	done
	url="http://127.0.0.1:$port"
	PORT=$port PUBLIC_BASE_URL=$url MAX_RESPONSE_BYTES=$1 "$work/server" -demo -demo-test-fixtures >"$work/$2" 2>&1 &
	pid=$!
	pids+=("$pid")
}

if [ -z "${E2E_BASE_URL:-}" ] || [ -z "${E2E_SLICED_BASE_URL:-}" ]; then
	(cd "$root" && go build -o "$work/server" ./cmd/server)
fi
if [ -z "${E2E_BASE_URL:-}" ]; then
	serve 1048576 server.log
	export E2E_BASE_URL=$url E2E_SERVER_PID=$pid
fi
if [ -z "${E2E_SLICED_BASE_URL:-}" ]; then
	serve 65536 server-sliced.log
	export E2E_SLICED_BASE_URL=$url E2E_SLICED_SERVER_PID=$pid
fi

status=0
node --test --test-concurrency=1 --test-timeout=180000 tests/ || status=$?
if [ "$status" -ne 0 ]; then
	for log in "$work"/server*.log; do
		[ -f "$log" ] || continue
		echo "--- e2e: last lines of $(basename "$log")" >&2
		tail -n 40 "$log" >&2 || true
	done
fi
exit "$status"
