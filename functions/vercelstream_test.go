package handler

import (
	"debug/buildinfo"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/filetolink/filetolink/internal/testkit"
)

// streamingConfig is the second Vercel configuration: the plain server
// (cmd/server) as one streaming function, Vercel's Go server preset.
// A deployment selects it with the CLI's -A (--local-config):
//
//	vercel deploy --prod -A vercel.streaming.json
const streamingConfig = "vercel.streaming.json"

// TestVercelStreamingBuild builds the repository with Vercel's real
// builder and the streaming configuration, exactly as a deployment selects
// it (`vercel build -A vercel.streaming.json`), and checks the output: one
// function, go.func, that streams its responses and runs our server
// (user-server, behind Vercel's proxy, "executable"); every route after
// the filesystem goes to it. The proxy speaks Vercel's internal IPC and
// cannot run here, so the server is started as the proxy starts it (PORT,
// Vercel's variables) and must say it is "vercel (streaming)".
func TestVercelStreamingBuild(t *testing.T) {
	if testing.Short() {
		t.Skip("runs Vercel's build; skipped with -short")
	}
	var cfg map[string]any
	readJSON(t, filepath.Join("..", streamingConfig), &cfg)
	if cfg["framework"] != "go" {
		t.Fatalf("%s: framework %v, want go", streamingConfig, cfg["framework"])
	}

	root, _ := vercelBuild(t, "-A", streamingConfig)
	output := filepath.Join(root, ".vercel", "output")
	fn := filepath.Join(output, "functions", "go.func")
	var vc struct {
		Handler                   string `json:"handler"`
		Runtime                   string `json:"runtime"`
		SupportsResponseStreaming bool   `json:"supportsResponseStreaming"`
	}
	readJSON(t, filepath.Join(fn, ".vc-config.json"), &vc)
	if vc.Handler != "executable" || vc.Runtime != "executable" || !vc.SupportsResponseStreaming {
		t.Errorf("go.func/.vc-config.json is %+v, want the executable runtime with supportsResponseStreaming", vc)
	}
	for _, f := range []string{"executable", "user-server"} {
		if info, err := os.Stat(filepath.Join(fn, f)); err != nil || info.Mode()&0o111 == 0 {
			t.Errorf("go.func/%s is not an executable: %v", f, err)
		}
	}
	if classic, _ := filepath.Glob(filepath.Join(output, "functions", "functions", "*.func")); len(classic) != 0 {
		t.Errorf("the streaming build also built classic functions: %v", classic)
	}

	var config struct {
		Routes []map[string]any `json:"routes"`
	}
	readJSON(t, filepath.Join(output, "config.json"), &config)
	filesystem, toServer := -1, -1
	for i, r := range config.Routes {
		if r["handle"] == "filesystem" {
			filesystem = i
		}
		if dest, _ := r["dest"].(string); filesystem >= 0 && toServer < 0 && (dest == "/go" || strings.HasPrefix(dest, "/go?")) {
			toServer = i
			if src, _ := r["src"].(string); src != "^/(.*)$" && src != "/(.*)" {
				t.Errorf("route %d to the server takes %q, want every path", i, src)
			}
		}
	}
	if toServer < 0 {
		t.Errorf("config.json sends no route to /go after the filesystem: %v", config.Routes)
	}

	user := filepath.Join(fn, "user-server")
	bi, err := buildinfo.ReadFile(user)
	if err != nil {
		t.Fatal(err)
	}
	settings := map[string]string{}
	for _, s := range bi.Settings {
		settings[s.Key] = s.Value
	}
	if !strings.HasSuffix(bi.Path, "/cmd/server") || settings["GOOS"] != "linux" || settings["CGO_ENABLED"] != "0" {
		t.Errorf("user-server is %s (GOOS %s, CGO_ENABLED %s), want cmd/server for linux without cgo", bi.Path, settings["GOOS"], settings["CGO_ENABLED"])
	}
	if settings["GOARCH"] == runtime.GOARCH {
		checkUserServer(t, user)
	} else {
		t.Logf("user-server is for %s: not run here", settings["GOARCH"])
	}
}

// checkUserServer runs the built server as Vercel's proxy starts it (with
// its demo Telegram, as no credentials exist here) and reads /healthz.
func checkUserServer(t *testing.T, user string) {
	t.Helper()
	port := testkit.FreePort(t)
	cmd := exec.Command(user, "-demo")
	cmd.Dir = t.TempDir()
	cmd.Env = []string{
		"PATH=" + os.Getenv("PATH"), fmt.Sprintf("PORT=%d", port),
		"VERCEL=1", "VERCEL_URL=filetolink-abc123.vercel.app", "VERCEL_PROJECT_PRODUCTION_URL=filetolink.vercel.app",
		"AWS_LAMBDA_FUNCTION_NAME=vercel-go",
	}
	var logs strings.Builder
	cmd.Stdout, cmd.Stderr = io.Discard, &logs
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() {
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
	}()
	var h struct {
		Platform         string `json:"platform"`
		BaseURL          string `json:"baseURL"`
		MaxResponseBytes int64  `json:"maxResponseBytes"`
	}
	deadline := time.Now().Add(2 * time.Minute) // a failure bound on a busy machine
	for {
		resp, err := http.Get(fmt.Sprintf("http://127.0.0.1:%d/healthz", port))
		if err == nil {
			err = json.NewDecoder(resp.Body).Decode(&h)
			resp.Body.Close()
			if err != nil {
				t.Fatalf("user-server /healthz: %v", err)
			}
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("user-server not up: %v", err)
		}
		time.Sleep(100 * time.Millisecond)
	}
	if h.Platform != "vercel (streaming)" || h.MaxResponseBytes != 0 || h.BaseURL != "https://filetolink.vercel.app" {
		t.Errorf("user-server /healthz = %+v, want vercel (streaming), no cap, the production host", h)
	}
}
