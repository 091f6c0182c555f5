//go:build !nodemo

package main

import (
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

func itoa(n int) string { return strconv.Itoa(n) }

// Build outputs the README's commands leave in the tree are neither
// committed nor sent to docker build.
func TestBuildOutputsIgnored(t *testing.T) {
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
