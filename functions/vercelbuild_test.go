package handler

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/filetolink/filetolink/internal/lambdarie"
)

// This file builds the functions with Vercel's own builder (the Vercel CLI
// and its @vercel/go, which wraps each handler in github.com/vercel/go-bridge
// over aws-lambda-go) and runs each built bootstrap under aws-lambda-rie, fed
// the event go-bridge decodes. The tests in vercel_test.go send their
// requests there: what they check is what Vercel would run.

// vercelCLIVersion is the Vercel CLI the build uses (newer ones do not
// install offline here).
const vercelCLIVersion = "58.10.0"

// requireTool finds a command the real build needs, or skips the test;
// on CI (CI set) a missing tool fails it.
func requireTool(t *testing.T, name, hint string) string {
	t.Helper()
	path, err := exec.LookPath(name)
	if err != nil {
		if os.Getenv("CI") != "" {
			t.Fatalf("%s is not on PATH (CI is set): %s", name, hint)
		}
		t.Skipf("%s is not on PATH, so Vercel's real build cannot run: %s", name, hint)
	}
	return path
}

// vercelCLI returns the vercel command, installing the CLI with npm once
// into a cache folder outside the repository (VERCEL_CLI_DIR, default
// <user cache>/filetolink/vercel-<version>).
func vercelCLI(t *testing.T) string {
	t.Helper()
	npm := requireTool(t, "npm", "install Node.js and npm (apt-get install npm)")
	dir := os.Getenv("VERCEL_CLI_DIR")
	if dir == "" {
		cache, err := os.UserCacheDir()
		if err != nil {
			t.Fatal(err)
		}
		dir = filepath.Join(cache, "filetolink", "vercel-"+vercelCLIVersion)
	}
	bin := filepath.Join(dir, "node_modules", ".bin", "vercel")
	if _, err := os.Stat(bin); err == nil {
		return bin
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(npm, "i", "-E", "--no-audit", "--no-fund", "--loglevel=error", "vercel@"+vercelCLIVersion)
	cmd.Dir = dir
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("npm i vercel@%s in %s: %v\n%s", vercelCLIVersion, dir, err, out)
	}
	return bin
}

// goProxy is GOPROXY for the build: the file proxy ../shared/goproxy
// (next to the repository; it holds github.com/vercel/go-bridge, which the
// module proxy here does not serve) first when that folder exists, then
// the usual one.
func goProxy(t *testing.T, repo string) string {
	t.Helper()
	out, err := exec.Command("go", "env", "GOPROXY").Output()
	if err != nil {
		t.Fatalf("go env GOPROXY: %v", err)
	}
	proxy := strings.TrimSpace(string(out))
	shared := filepath.Join(filepath.Dir(repo), "shared", "goproxy")
	if info, err := os.Stat(shared); err == nil && info.IsDir() {
		proxy = "file://" + filepath.ToSlash(shared) + "," + proxy
	}
	return proxy
}

// vercelOutput is what `vercel build` left in .vercel/output.
type vercelOutput struct {
	routes     []vercelRoute     // config.json's, in order
	bootstraps map[string]string // function file (functions/dl.go) -> its bootstrap
	took       time.Duration
}

// vercelBuild runs the README's by-hand build, docs/recipes/vercel-build.sh
// (`vercel build --yes ARGS` on a scratch copy of the working tree), and
// returns the copy's root and how long the build took.
func vercelBuild(t *testing.T, args ...string) (root string, took time.Duration) {
	t.Helper()
	vercel := vercelCLI(t)
	requireTool(t, "git", "the recipe copies the files git knows (apt-get install git)")
	repo, err := filepath.Abs("..")
	if err != nil {
		t.Fatal(err)
	}
	root = filepath.Join(t.TempDir(), "repo")
	tmp := filepath.Join(root, ".tmp") // the builder puts the bootstraps in os.tmpdir()
	if err := os.MkdirAll(tmp, 0o755); err != nil {
		t.Fatal(err)
	}

	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, "bash", append([]string{"-e", filepath.Join("docs", "recipes", "vercel-build.sh"), root}, args...)...)
	cmd.Dir = repo
	cmd.Env = append(os.Environ(),
		// The CLI vercelCLI installed: <dir>/node_modules/.bin/vercel.
		"VERCEL_CLI_DIR="+filepath.Dir(filepath.Dir(filepath.Dir(vercel))),
		"TMPDIR="+tmp,
		"GOPROXY="+goProxy(t, repo),
		"VERCEL_TELEMETRY_DISABLED=1",
		"NO_UPDATE_NOTIFIER=1",
		"FORCE_COLOR=0",
	)
	start := time.Now()
	out, err := cmd.CombinedOutput()
	took = time.Since(start)
	if err != nil {
		t.Fatalf("vercel build %s failed after %v: %v\n%s", strings.Join(args, " "), took.Round(time.Second), err, lambdarie.Tail(string(out), 8000))
	}
	t.Logf("vercel build %s took %v", strings.Join(args, " "), took.Round(time.Second))
	if bytes.Contains(out, []byte("go: downloading go1")) || bytes.Contains(out, []byte("Downloading Go")) {
		t.Errorf("the builder downloaded a Go toolchain instead of using %s (go.mod's toolchain line):\n%s", runtime.Version(), lambdarie.Tail(string(out), 3000))
	}
	return root, took
}

// buildWithVercel runs the by-hand build (vercel.json, the classic
// functions) and checks its output:
// the routes of config.json are vercel.json's, and each function is a
// provided.al2023 bootstrap.
func buildWithVercel(t *testing.T) *vercelOutput {
	t.Helper()
	root, took := vercelBuild(t)

	o := &vercelOutput{bootstraps: map[string]string{}, took: took}
	output := filepath.Join(root, ".vercel", "output")
	var config struct {
		Version int           `json:"version"`
		Routes  []vercelRoute `json:"routes"`
	}
	readJSON(t, filepath.Join(output, "config.json"), &config)
	o.routes = config.Routes
	checkOutputRoutes(t, readVercelConfig(t).Routes, config.Routes)

	for file := range functionsByFile {
		dir := filepath.Join(output, "functions", file+".func")
		var vc struct {
			Handler         string            `json:"handler"`
			Runtime         string            `json:"runtime"`
			RuntimeLanguage string            `json:"runtimeLanguage"`
			Architecture    string            `json:"architecture"`
			FilePathMap     map[string]string `json:"filePathMap"`
		}
		readJSON(t, filepath.Join(dir, ".vc-config.json"), &vc)
		if vc.Handler != "bootstrap" || vc.Runtime != "provided.al2023" || vc.RuntimeLanguage != "go" {
			t.Errorf("%s: .vc-config.json is %+v, want handler bootstrap, runtime provided.al2023, language go", file, vc)
		}
		boot := vc.FilePathMap["bootstrap"]
		if boot == "" {
			if _, err := os.Stat(filepath.Join(dir, "bootstrap")); err == nil {
				boot = filepath.Join(dir, "bootstrap")
			}
		} else if !filepath.IsAbs(boot) {
			boot = filepath.Join(root, boot) // filePathMap is relative to the project
		}
		info, err := os.Stat(boot)
		if err != nil || info.Mode()&0o111 == 0 {
			t.Fatalf("%s: no executable bootstrap (filePathMap %v): %v", file, vc.FilePathMap, err)
		}
		o.bootstraps[file] = boot
	}
	return o
}

// checkOutputRoutes: the build keeps vercel.json's routes, in order, each
// anchored as Vercel matches it.
func checkOutputRoutes(t *testing.T, want, got []vercelRoute) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("config.json has %d routes, vercel.json %d: %+v", len(got), len(want), got)
	}
	for i := range want {
		if got[i].Src != "^"+want[i].Src+"$" || got[i].Dest != want[i].Dest {
			t.Errorf("config.json route %d is %+v, want ^%s$ -> %s", i, got[i], want[i].Src, want[i].Dest)
		}
		if _, err := regexp.Compile(got[i].Src); err != nil {
			t.Errorf("config.json route %q: %v", got[i].Src, err)
		}
	}
}

func readJSON(t *testing.T, path string, v any) {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(data, v); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
}

// TestToolchainIsCIs: @vercel/go takes exactly the Go of go.mod's toolchain
// line (else its go line: "go 1.26.0" means 1.26.0) and uses a local Go
// only if `go version` matches; otherwise it downloads one, which fails
// offline and on Vercel builds an old patch release.
func TestToolchainIsCIs(t *testing.T) {
	f, err := os.Open("../go.mod")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var toolchain string
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if v, ok := strings.CutPrefix(strings.TrimSpace(sc.Text()), "toolchain "); ok {
			toolchain = strings.TrimSpace(v)
		}
	}
	if toolchain == "" {
		t.Fatalf("go.mod has no toolchain line; want toolchain %s", runtime.Version())
	}
	if toolchain != runtime.Version() {
		t.Errorf("go.mod says toolchain %s, the tests run %s: Vercel's builder would download %s", toolchain, runtime.Version(), toolchain)
	}
}

// vercelFunctions are the built functions running under aws-lambda-rie.
type vercelFunctions struct {
	out *vercelOutput
	emu map[string]*lambdarie.Emulator // by function file
}

// startVercelFunctions runs each built bootstrap under its own emulator
// with env: as on Vercel, one process per function.
func startVercelFunctions(t *testing.T, out *vercelOutput, env map[string]string) *vercelFunctions {
	t.Helper()
	f := &vercelFunctions{out: out, emu: map[string]*lambdarie.Emulator{}}
	for file, boot := range out.bootstraps {
		f.emu[file] = lambdarie.Start(t, boot, env)
	}
	return f
}

// route is the emulator running the function file.
func (f *vercelFunctions) route(file string) (*lambdarie.Emulator, error) {
	e, ok := f.emu[file]
	if !ok {
		return nil, fmt.Errorf("no built function %s", file)
	}
	return e, nil
}

// logs is what all the functions wrote.
func (f *vercelFunctions) logs() string {
	var b strings.Builder
	for _, e := range f.emu {
		_, _ = io.WriteString(&b, e.Logs.String())
	}
	return b.String()
}
