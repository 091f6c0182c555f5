# Vercel's own build of the classic functions, offline and without a Vercel account.
# github.com/vercel/go-bridge, which the builder adds, comes from the Go module proxy.
cli=${VERCEL_CLI_DIR:-$HOME/.cache/filetolink/vercel-58.10.0}   # the pinned CLI, outside the repository
[ -x "$cli/node_modules/.bin/vercel" ] || (mkdir -p "$cli" && cd "$cli" && npm i -E vercel@58.10.0)
# A scratch copy of the working tree without .git, node_modules and built binaries: the builder rewrites go.mod in place.
dir=${1:-$(mktemp -d)} && mkdir -p "$dir/.vercel"
git ls-files -z --cached --others --exclude-standard | tar --null -T - -cf - | tar -xf - -C "$dir"
echo '{"projectId":"prj_local","orgId":"team_local","settings":{"framework":null}}' > "$dir/.vercel/project.json"
cd "$dir" && "$cli/node_modules/.bin/vercel" build --yes "${@:2}"   # no login needed; after the folder, -A vercel.streaming.json builds the streaming mode
echo "built: $dir/.vercel/output"
