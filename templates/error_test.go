package templates

import (
	"strings"
	"testing"
	"time"
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

func TestFormatDuration(t *testing.T) {
	for d, want := range map[time.Duration]string{0: "0:00", 7 * time.Second: "0:07", 754 * time.Second: "12:34", 3723*time.Second + 900*time.Millisecond: "1:02:03"} {
		if got := FormatDuration(d); got != want {
			t.Errorf("FormatDuration(%s) = %q, want %q", d, got, want)
		}
	}
}
