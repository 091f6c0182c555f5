#!/usr/bin/env bash
# Real download clients against real deployments of the demo (issue 19):
# curl, wget, aria2c and ffmpeg, each checked by SHA-256 (ffmpeg: by the
# hash of every packet it copied) against the file itself.
#
#   bash e2e/clients.sh          build ./cmd/server (or use SERVER_BIN), make
#                                a video over the cap with ffmpeg, start the
#                                targets below, run every client on each,
#                                print a table; exit 1 if a client fails on
#                                a target that must serve whole files
#   bash e2e/clients.sh bench    the speed figure instead: the 64 MiB file
#                                with curl, ROUNDS (3) times each, through
#                                the Worker from the 4 MiB-capped server
#                                and from the uncapped server, alternately
#
# Targets (one line each in main; a target is a base URL serving the demo
# started with -demo -demo-file "$video"):
#   plain          the server, uncapped
#   capped+worker  the server with MAX_RESPONSE_BYTES=4194304 behind
#                  deploy/cloudflare-worker.js in workerd (deploy/serve.mjs)
#   streaming      the server as Vercel's Go preset runs it (VERCEL=1: the
#                  profile "vercel (streaming)", no cap)
#   capped         the same server without the Worker: informational only
#                  (it shows what the Worker fixes), never fails the run
# A deployment started elsewhere is one more line: `check NAME URL`.
#
# Needs go (unless SERVER_BIN), node with deploy/node_modules (npm ci in
# deploy/), curl, wget, aria2c, ffmpeg/ffprobe. Logs: e2e/artifacts/clients/.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/.." && pwd)
mode=${1:-clients}
cap=4194304
art="$here/artifacts/clients"
mkdir -p "$art"
for tool in curl wget aria2c ffmpeg ffprobe node; do
	command -v "$tool" >/dev/null || { echo "clients: $tool is not installed" >&2; exit 1; }
done
[ -d "$root/deploy/node_modules/miniflare" ] || (cd "$root/deploy" && npm ci --no-audit --no-fund --loglevel=error)

logs_to=$art
# shellcheck source=lib/procs.sh
. "$here/lib/procs.sh"

# wait_up URL: until URL answers (180 s).
wait_up() {
	local until=$((SECONDS + 180))
	while [ $SECONDS -lt $until ]; do
		curl -fsS -o /dev/null "$1" 2>/dev/null && return 0
		sleep 0.2
	done
	echo "clients: $1 did not come up" >&2
	return 1
}

# start_demo NAME [VAR=value ...]: a demo server with the video, with the
# given environment, on a free port; sets url.
start_demo() {
	local name=$1 port
	shift
	port=$(free_port)
	env PORT="$port" "$@" "$server" -demo -demo-file "$video" >"$work/$name.log" 2>&1 &
	pids+=("$!")
	url="http://127.0.0.1:$port"
	wait_up "$url/demo.json"
}

# start_worker NAME ORIGIN: the Worker in workerd in front of ORIGIN; sets url.
start_worker() {
	(cd "$root/deploy" && exec node serve.mjs "$2") >"$work/$1.out" 2>"$work/$1.log" &
	pids+=("$!")
	local until=$((SECONDS + 180)) # workerd's start takes long on a busy machine
	url=
	while [ -z "$url" ] && [ $SECONDS -lt $until ]; do
		sleep 0.2
		url=$(head -n 1 "$work/$1.out" 2>/dev/null || true)
	done
	[ -n "$url" ] || { echo "clients: the Worker did not start" >&2; cat "$work/$1.log" >&2; return 1; }
}

if [ -n "${SERVER_BIN:-}" ]; then
	server=$SERVER_BIN
else
	server="$work/server"
	(cd "$root" && go build -o "$server" ./cmd/server)
fi

# The video over the cap: 10 s of noisy test pattern (≈ 12 MB), the moov
# atom at the end, so ffmpeg seeks to the end and back, as with a phone's
# recording.
video="$work/over-cap.mp4"
ffmpeg -hide_banner -loglevel error -y \
	-f lavfi -i "testsrc=size=640x360:rate=25:duration=10,noise=alls=24:allf=t" \
	-f lavfi -i "sine=frequency=440:sample_rate=44100:duration=10" \
	-c:v libx264 -preset ultrafast -crf 20 -g 50 -pix_fmt yuv420p -c:a aac -b:a 64k -shortest \
	-map_metadata -1 -fflags +bitexact "$video"
[ "$(stat -c %s "$video")" -gt $((cap + cap / 2)) ] || { echo "clients: the video is not over the cap" >&2; exit 1; }

start_demo plain
plain=$url
start_demo capped MAX_RESPONSE_BYTES=$cap
capped=$url
start_worker worker "$capped"
worker=$url
# (c) The streaming profile: the plain server as Vercel's Go preset runs it
# (VERCEL=1), which must lift the cap.
start_demo streaming VERCEL=1
streaming=$url
curl -fsS "$streaming/healthz" | grep -q '"platform":"vercel (streaming)","[^}]*"maxResponseBytes":0' ||
	{ echo "clients: VERCEL=1 did not give the uncapped profile vercel (streaming)" >&2; exit 1; }

# The catalog: each file's path and SHA-256, from the demo itself.
catalog=$(curl -fsS "$plain/demo.json")
field() { # field CODE KEY
	node -e 'const [c, k] = process.argv.slice(1); const d = JSON.parse(require("fs").readFileSync(0, "utf8")).find((x) => x.caption === c); process.stdout.write(String(k === "path" ? `/dl/${d.messageId}?code=${d.caption}` : d[k]))' "$1" "$2" <<<"$catalog"
}
big_path=$(field demo-big path)
big_sha=$(field demo-big sha256)
big_size=$(field demo-big size)
video_path=$(field demo-file path)
[ "$(field demo-file sha256)" = "$(sha256sum <"$video" | cut -d' ' -f1)" ]
# What ffmpeg -c copy must reproduce: the hash of every stream's packets.
ffmpeg -hide_banner -loglevel error -i "$video" -map 0 -c copy -f streamhash -hash sha256 - >"$work/video.streamhash"

sha() { sha256sum <"$1" | cut -d' ' -f1; }

if [ "$mode" = bench ]; then
	rounds=${ROUNDS:-3}
	echo "64 MiB ($big_size bytes) with curl, $rounds rounds each, alternating:"
	for r in $(seq "$rounds"); do
		for t in uncapped worker; do
			if [ $t = uncapped ]; then u=$plain; else u=$worker; fi
			s=$(curl -sS -o "$work/bench.bin" -w '%{speed_download} %{time_total}' "$u$big_path")
			[ "$(sha "$work/bench.bin")" = "$big_sha" ] || { echo "bench: wrong bytes from $t" >&2; exit 1; }
			echo "$t $s" | tee -a "$work/bench.txt"
		done
	done
	node -e '
const lines = require("fs").readFileSync(process.argv[1], "utf8").trim().split("\n").map((l) => l.split(" "));
const med = (t) => { const v = lines.filter((l) => l[0] === t).map((l) => Number(l[1]) / 1048576).sort((a, b) => a - b); return v[v.length >> 1]; };
const u = med("uncapped"), w = med("worker");
console.log(`median: uncapped server ${u.toFixed(1)} MiB/s, Worker over the 4 MiB-capped server ${w.toFixed(1)} MiB/s: ${(w / u).toFixed(2)}x`);' "$work/bench.txt"
	exit 0
fi

failures=0
rows=()
# result TARGET MUST CLIENT STATUS: one row of the table.
result() {
	rows+=("| $3 | $1 | $4 |")
	if [ "$4" != ok ] && [ "$2" = must ]; then
		failures=$((failures + 1))
		echo "clients: FAIL $3 on $1: $4" >&2
	fi
}

# verdict FILE SHA RC: ok, or what went wrong.
verdict() {
	if [ ! -f "$1" ]; then
		echo "no file (exit $3)"
	elif [ "$(sha "$1")" = "$2" ]; then
		if [ "$3" = 0 ]; then echo ok; else echo "right bytes but exit $3"; fi
	else
		echo "wrong or incomplete file: $(stat -c %s "$1") bytes, exit $3"
	fi
}

# check NAME URL [informational]: every client against the demo at URL.
check() {
	local name=$1 base=$2 must=must d rc out
	[ "${3:-}" = informational ] && must=may
	d="$work/out-$name"
	mkdir -p "$d"
	echo "== clients against $name ($base)" >&2

	rc=0; curl -sS -o "$d/curl" "$base$big_path" 2>>"$d/log" || rc=$?
	result "$name" $must 'curl -o' "$(verdict "$d/curl" "$big_sha" $rc)"

	rc=0; out=$(curl -sS -I "$base$big_path" 2>>"$d/log") || rc=$?
	if grep -q "^HTTP/[0-9.]* 200" <<<"$out" && grep -qi "^content-length: $big_size"$'\r' <<<"$out"; then
		result "$name" $must 'curl -I' ok
	else
		result "$name" $must 'curl -I' "$(head -n 1 <<<"$out" | tr -d '\r'), no Content-Length $big_size"
	fi

	# A cut: the first 1,000,001 bytes, as an interrupted download leaves them.
	rc=0; curl -sS -r 0-1000000 -o "$d/curl-c" "$base$big_path" 2>>"$d/log" &&
		curl -sS -C - -o "$d/curl-c" "$base$big_path" 2>>"$d/log" || rc=$?
	result "$name" $must 'curl -C - (after a cut)' "$(verdict "$d/curl-c" "$big_sha" $rc)"

	rc=0; wget -q -O "$d/wget" "$base$big_path" 2>>"$d/log" || rc=$?
	result "$name" $must 'wget' "$(verdict "$d/wget" "$big_sha" $rc)"

	rc=0; curl -sS -r 0-1000000 -o "$d/wget-c" "$base$big_path" 2>>"$d/log" &&
		wget -q -c -O "$d/wget-c" "$base$big_path" 2>>"$d/log" || rc=$?
	result "$name" $must 'wget -c (after a cut)' "$(verdict "$d/wget-c" "$big_sha" $rc)"

	rc=0; aria2c -q -x8 -s8 -k1M --allow-overwrite=true --auto-file-renaming=false -d "$d" -o aria2c "$base$big_path" >>"$d/log" 2>&1 || rc=$?
	result "$name" $must 'aria2c -x8' "$(verdict "$d/aria2c" "$big_sha" $rc)"

	# ffmpeg -c copy of the video over the cap, then the hash of every packet.
	rc=0; ffmpeg -hide_banner -loglevel error -y -i "$base$video_path" -map 0 -c copy "$d/ffmpeg.mp4" 2>>"$d/log" || rc=$?
	if [ -f "$d/ffmpeg.mp4" ] && ffmpeg -hide_banner -loglevel error -i "$d/ffmpeg.mp4" -map 0 -c copy -f streamhash -hash sha256 - >"$d/ffmpeg.streamhash" 2>>"$d/log" &&
		cmp -s "$d/ffmpeg.streamhash" "$work/video.streamhash"; then
		if [ $rc = 0 ]; then result "$name" $must 'ffmpeg -c copy (video over the cap)' ok; else result "$name" $must 'ffmpeg -c copy (video over the cap)' "right packets but exit $rc"; fi
	else
		local dur
		dur=$(ffprobe -v error -show_entries format=duration -of csv=p=0 "$d/ffmpeg.mp4" 2>/dev/null || echo none)
		result "$name" $must 'ffmpeg -c copy (video over the cap)' "packets differ from the source (output ${dur} s of 10 s, exit $rc)"
	fi
	rm -rf "$d"/curl* "$d"/wget* "$d"/aria2c* "$d"/ffmpeg.mp4
}

check plain "$plain"
check capped+worker "$worker"
check streaming "$streaming"
check capped "$capped" informational

echo
echo "| client | target | result |"
echo "|---|---|---|"
printf '%s\n' "${rows[@]}"
[ "$failures" = 0 ] || { echo "clients: $failures failure(s); logs in $art" >&2; exit 1; }
