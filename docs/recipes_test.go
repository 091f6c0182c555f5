// Package docs holds no code: its test keeps the README's recipes equal to
// the scripts CI runs (.ci/recipes runs docs/recipes/*.sh as a user would).
package docs

import (
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
)

// recipeMarker precedes a fenced block that must equal the file it names.
var recipeMarker = regexp.MustCompile(`^<!-- recipe: (\S+) -->$`)

// recipeBlocks maps each file a Markdown document's markers name to the
// fenced blocks that follow them.
func recipeBlocks(t *testing.T, doc string) map[string][]string {
	t.Helper()
	data, err := os.ReadFile(doc)
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(string(data), "\n")
	blocks := map[string][]string{}
	for i, line := range lines {
		m := recipeMarker.FindStringSubmatch(line)
		if m == nil {
			continue
		}
		if i+1 >= len(lines) || !strings.HasPrefix(lines[i+1], "```") {
			t.Errorf("%s:%d: %s is not followed by a fenced block", doc, i+1, m[0])
			continue
		}
		end := slices.Index(lines[i+2:], "```")
		if end < 0 {
			t.Errorf("%s:%d: the block after %s is not closed", doc, i+1, m[0])
			continue
		}
		blocks[m[1]] = append(blocks[m[1]], strings.Join(lines[i+2:i+2+end], "\n")+"\n")
	}
	return blocks
}

// Every block the documents mark as a recipe is that script, byte for
// byte, and the README shows every script.
func TestRecipesAreTheScripts(t *testing.T) {
	scripts, err := filepath.Glob("recipes/*.sh")
	if err != nil || len(scripts) == 0 {
		t.Fatalf("no scripts in docs/recipes: %v", err)
	}
	shown := map[string]bool{}
	for _, doc := range []string{"../README.md", "../functions/README.md"} {
		for name, blocks := range recipeBlocks(t, doc) {
			want, err := os.ReadFile(filepath.Join("..", name))
			if err != nil {
				t.Errorf("%s names %s: %v", doc, name, err)
				continue
			}
			for _, got := range blocks {
				if got != string(want) {
					t.Errorf("%s: the block marked %s differs from the script:\n%s\nwant\n%s", doc, name, got, want)
				}
			}
			if doc == "../README.md" {
				shown[name] = true
			}
		}
	}
	for _, s := range scripts {
		if name := "docs/" + filepath.ToSlash(s); !shown[name] {
			t.Errorf("README.md does not show %s (<!-- recipe: %s --> before a fenced block)", name, name)
		}
	}
}
