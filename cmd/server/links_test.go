package main

import (
	"fmt"
	"strings"
	"testing"

	"github.com/filetolink/filetolink/internal/tgfake"
)

// -link N-M prints every message's links; -expires signs them.
func TestLinkRangeAndExpires(t *testing.T) {
	t.Parallel()
	fake, env := fakeTelegram(t)
	first := fake.AddMessage("c1", &tgfake.Media{Kind: tgfake.KindVideo, Name: "a.mp4", MIMEType: "video/mp4", Content: tgfake.Pattern(1, 5000)})
	fake.AddMessage("only text", nil)
	last := fake.AddMessage("c3", &tgfake.Media{Kind: tgfake.KindDocument, Name: "b.pdf", MIMEType: "application/pdf", Content: tgfake.Pattern(2, 5000)})
	env["PUBLIC_BASE_URL"] = "https://files.example.com"
	exportSession(t, env)

	code, out, errOut := runServer(t, env, "-link", fmt.Sprintf("%d-%d", first, last))
	if code != 0 || strings.Count(out, "Download:") != 2 || !strings.Contains(out, "# "+fmt.Sprint(first)+" a.mp4") ||
		!strings.Contains(out, fmt.Sprintf("/dl/%d?code=c3", last)) || !strings.Contains(errOut, "has no file") {
		t.Errorf("-link range: exit %d\n%s\nstderr %s", code, out, errOut)
	}
	code, out, errOut = runServer(t, env, "-link", fmt.Sprint(first), "-expires", "24h")
	if code != 0 || !strings.Contains(out, "exp=") || !strings.Contains(out, "sig=") || strings.Contains(out, "code=") || !strings.Contains(out, "Expires:") {
		t.Errorf("-link -expires: exit %d\n%s\nstderr %s", code, out, errOut)
	}
	for _, args := range [][]string{{"-link", "1-30"}, {"-link", "5-2"}, {"-link", "1", "-expires", "1y"}} {
		if code, _, errOut := runServer(t, env, args...); code != 2 {
			t.Errorf("%v: exit %d %q, want 2", args, code, errOut)
		}
	}
}
