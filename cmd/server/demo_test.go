//go:build !nodemo

package main

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// A newcomer's demo: the four samples the README promises, linked from the
// index page the README says to open, each printed under the name it is
// served as; the tests' fixtures only with -demo-test-fixtures.
func TestDemoFirstImpression(t *testing.T) {
	t.Parallel()
	p := startServer(t, nil, "-demo")
	resp, body := get(t, p.base+"/demo.json")
	var items []demoLink
	if err := json.Unmarshal(body, &items); err != nil || resp.StatusCode != 200 {
		t.Fatalf("/demo.json: %d %v", resp.StatusCode, err)
	}
	if len(items) != 4 {
		t.Errorf("%d demo files, want the README's four", len(items))
	}
	_, index := get(t, p.base+"/")
	out := p.out.String()
	for _, it := range items {
		if strings.ContainsAny(it.Name, "<>") || it.Name == "" {
			t.Errorf("demo file named %q", it.Name)
		}
		if !strings.Contains(string(index), `href="/stream/`+itoa(it.MessageID)+`?code=`+it.Caption+`"`) {
			t.Errorf("the index does not link to %s", it.Name)
		}
		if !strings.Contains(out, `"`+it.Name+`"`) {
			t.Errorf("the demo's output does not print %q", it.Name)
		}
	}
	if !strings.Contains(out, `"photo_3.jpg"`) || strings.Contains(out, "no name") {
		t.Errorf("the photo is not printed under its served name:\n%s", out)
	}

	q := startServer(t, nil, "-demo", "-demo-test-fixtures")
	_, body = get(t, q.base+"/demo.json")
	var all []demoLink
	if err := json.Unmarshal(body, &all); err != nil || len(all) != 8 {
		t.Fatalf("with fixtures: %d items, %v", len(all), err)
	}
	for _, it := range all {
		if it.Caption == "demo-voice" && (it.Name != "voice_8.ogg" || it.MIMEType != "audio/ogg") {
			t.Errorf("a voice note without MIME type: %q %q, want voice_8.ogg audio/ogg", it.Name, it.MIMEType)
		}
	}
}

// -demo-file posts one more file under the code demo-file (e2e/clients.sh
// gives it a video over the response cap): listed in /demo.json with its
// hash, a video by its extension, served byte for byte.
func TestDemoFile(t *testing.T) {
	t.Parallel()
	content := []byte(strings.Repeat("not really a video\n", 1000))
	path := filepath.Join(t.TempDir(), "clip.mp4")
	if err := os.WriteFile(path, content, 0o644); err != nil {
		t.Fatal(err)
	}
	p := startServer(t, nil, "-demo", "-demo-file", path)
	_, body := get(t, p.base+"/demo.json")
	var items []demoLink
	if err := json.Unmarshal(body, &items); err != nil {
		t.Fatal(err)
	}
	sum := sha256.Sum256(content)
	it := items[len(items)-1]
	if it.Caption != "demo-file" || it.Name != "clip.mp4" || it.Kind != "video" || it.MIMEType != "video/mp4" ||
		it.Size != int64(len(content)) || it.SHA256 != hex.EncodeToString(sum[:]) {
		t.Fatalf("the -demo-file item: %+v", it)
	}
	resp, got := get(t, p.base+"/dl/"+itoa(it.MessageID)+"?code=demo-file")
	if resp.StatusCode != 200 || string(got) != string(content) {
		t.Errorf("/dl of the -demo-file: %d, %d bytes", resp.StatusCode, len(got))
	}
}

func itoa(n int) string { return strconv.Itoa(n) }

// Build outputs the README's commands leave in the tree are neither
// committed nor sent to docker build.
func TestBuildOutputsIgnored(t *testing.T) {
	t.Parallel()
	root, _ := filepath.Abs("../..")
	if _, err := exec.LookPath("git"); err != nil {
		t.Skip("no git")
	}
	for _, f := range []string{"function.zip", "bootstrap", "server", "functions/lambda/bootstrap", ".aws-sam/build/x", ".vercel/output/config.json"} {
		cmd := exec.Command("git", "check-ignore", "-q", "--no-index", f)
		cmd.Dir = root
		if err := cmd.Run(); err != nil {
			t.Errorf("git does not ignore %s", f)
		}
	}
	data, err := os.ReadFile(filepath.Join(root, ".dockerignore"))
	if err != nil {
		t.Fatal(err)
	}
	lines := map[string]bool{}
	for _, l := range strings.Split(string(data), "\n") {
		lines[strings.TrimSpace(l)] = true
	}
	for _, f := range []string{"function.zip", "bootstrap", "server", ".aws-sam", ".vercel"} {
		if !lines[f] {
			t.Errorf(".dockerignore lacks %s", f)
		}
	}
}
