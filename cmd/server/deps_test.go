package main

import (
	"os/exec"
	"slices"
	"strings"
	"testing"
)

// deps are the packages the server binary links (go list -deps), each with
// the packages it imports.
func deps(t *testing.T, tags string) map[string][]string {
	t.Helper()
	args := []string{"list", "-deps", "-f", "{{.ImportPath}}|{{join .Imports \",\"}}"}
	if tags != "" {
		args = append(args, "-tags", tags)
	}
	out, err := exec.Command("go", append(args, ".")...).Output()
	if err != nil {
		t.Fatalf("go %s: %v", strings.Join(args, " "), err)
	}
	m := map[string][]string{}
	for _, line := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		pkg, imports, _ := strings.Cut(line, "|")
		m[pkg] = strings.Split(imports, ",")
	}
	return m
}

// The server binary carries no test code of ours: package testing comes in
// only through gotd's tgtest (its test_transport.go), which the embedded
// fake Telegram of -demo is built on; built with -tags nodemo (as the
// Dockerfile does) it links neither.
func TestServerLinksNoTestCode(t *testing.T) {
	const module = "github.com/filetolink/filetolink/"
	for _, tc := range []struct {
		tags        string
		testingFrom []string // the packages allowed to import testing
		absent      []string
	}{
		{"", []string{"github.com/gotd/td/tgtest"}, nil},
		{"nodemo", nil, []string{"testing", "github.com/gotd/td/tgtest", module + "internal/tgfake", module + "internal/botapifake"}},
	} {
		t.Run("tags="+tc.tags, func(t *testing.T) {
			d := deps(t, tc.tags)
			if len(d) < 50 {
				t.Fatalf("go list gave %d packages", len(d))
			}
			for pkg, imports := range d {
				if slices.Contains(imports, "testing") && !slices.Contains(tc.testingFrom, pkg) {
					t.Errorf("%s imports testing", pkg)
				}
				for _, helper := range []string{"internal/testkit", "internal/redistest", "internal/lambdarie"} {
					if pkg == module+helper {
						t.Errorf("the server links the test helper %s", helper)
					}
				}
			}
			for _, pkg := range tc.absent {
				if _, ok := d[pkg]; ok {
					t.Errorf("the server links %s", pkg)
				}
			}
		})
	}
}
