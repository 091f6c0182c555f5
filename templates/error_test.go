package templates

import (
	"strings"
	"testing"
)

func TestErrorPage(t *testing.T) {
	page := render(t, "error.html", Error{Status: 403, Title: "Forbidden", Reason: "wrong <code>", Hint: `copy "it"`, RetryAfter: "5"})
	for _, want := range []string{"403 Forbidden", `id="reason">wrong &lt;code&gt;<`, "copy &#34;it&#34;", "Try again in 5 s", "/static/style.css"} {
		if !strings.Contains(page, want) {
			t.Errorf("page lacks %q:\n%s", want, page)
		}
	}
	checkNoInline(t, page)
}
