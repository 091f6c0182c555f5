package web

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// TestEveryClassHasAHint: every failure class the package writes has a
// hint for its error page, but the two that never render one.
func TestEveryClassHasAHint(t *testing.T) {
	noPage := map[string]bool{"method": true, "client_gone": true}
	class := regexp.MustCompile(`class:\s*"([a-z_]+)"`)
	files, err := filepath.Glob("*.go")
	if err != nil {
		t.Fatal(err)
	}
	seen := map[string]bool{}
	for _, f := range files {
		if strings.HasSuffix(f, "_test.go") {
			continue
		}
		src, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range class.FindAllStringSubmatch(string(src), -1) {
			seen[m[1]] = true
			if errorHints[m[1]] == "" && !noPage[m[1]] {
				t.Errorf("%s: class %q has no hint in errorHints", f, m[1])
			}
		}
	}
	for c := range errorHints {
		if !seen[c] {
			t.Errorf("errorHints has %q, which no failure uses", c)
		}
	}
}
