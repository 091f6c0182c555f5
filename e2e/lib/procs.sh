# Sourced by the e2e scripts: a temporary folder ($work), the background
# processes the script starts (append each pid to pids: killed and waited
# for on exit) and free_port. Before sourcing, set logs_to to the folder
# that keeps the $work/$logs_glob files (the servers' logs) after the run.
work=$(mktemp -d)
pids=()
cleanup() {
	local pid
	for pid in ${pids[@]+"${pids[@]}"}; do kill "$pid" 2>/dev/null || true; done
	for pid in ${pids[@]+"${pids[@]}"}; do wait "$pid" 2>/dev/null || true; done
	# shellcheck disable=SC2086 # the glob is meant to expand
	cp "$work"/${logs_glob:-*.log} "$logs_to"/ 2>/dev/null || true
	rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# free_port prints a TCP port free on 127.0.0.1 now.
free_port() {
	node -e 'const s = require("net").createServer(); s.listen(0, "127.0.0.1", () => { console.log(s.address().port); s.close(); })'
}
