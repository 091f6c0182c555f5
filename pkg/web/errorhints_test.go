package web

import (
	"html/template"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// TestEveryClassHasAHint enumerates failClasses: every class has a log
// word of its own, and every one that can reach a browser has a hint its
// error page shows; only the classes that never render a page have none.
func TestEveryClassHasAHint(t *testing.T) {
	noPage := map[failClass]bool{
		classMethod:     true, // never a GET
		classClientGone: true, // never answered
		classBodyBroken: true, // the status is out already
		// Redirects, logged for what they are.
		classOverCapWorker: true, classOverCapRedirect: true, classCleanPath: true,
	}
	if classNone.String() != "" || classNone.hint() != "" {
		t.Errorf("classNone is %q with hint %q, want nothing", classNone, classNone.hint())
	}
	seen := map[string]failClass{}
	for c := classNone + 1; c < numClasses; c++ {
		name := c.String()
		if name == "" || strings.Trim(name, "abcdefghijklmnopqrstuvwxyz_") != "" {
			t.Errorf("class %d: log word %q, want lower_snake", c, name)
		}
		if prev, ok := seen[name]; ok {
			t.Errorf("classes %d and %d are both %q", prev, c, name)
		}
		seen[name] = c
		if (c.hint() == "") != noPage[c] {
			t.Errorf("class %q: hint %q; a hint is wanted exactly where a page can be shown", name, c.hint())
			continue
		}
		if noPage[c] {
			continue
		}
		// The page a browser gets shows the hint.
		r := httptest.NewRequest(http.MethodGet, "/dl/1", nil)
		r.Header.Set("Sec-Fetch-Mode", "navigate")
		page, ok := errorPage(r, &httpError{status: http.StatusBadRequest, reason: "x", class: c})
		if !ok || !strings.Contains(string(page), template.HTMLEscapeString(c.hint())) {
			t.Errorf("class %q: the error page does not show its hint", name)
		}
	}
}
