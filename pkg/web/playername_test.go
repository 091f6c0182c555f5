package web

import (
	"strings"
	"testing"
	"time"

	"github.com/filetolink/filetolink/pkg/stream"
)

// The player page shows the name cleaned as the download header has it
// (a right-to-left override makes "invoice\u202efdp.exe" read as
// "invoiceexe.pdf"), and the resolution and duration Telegram gave.
func TestPlayerShowsCleanNameAndMediaFacts(t *testing.T) {
	e := newEnv(t, Options{})
	e.files.add(stream.File{MessageID: 30, Caption: codeSmall, Name: "invoice\u202efdp\r\n\x00.mp4", Kind: stream.KindVideo,
		MIMEType: "video/mp4", Width: 1920, Height: 1080, Duration: 3723 * time.Second}, 1000)
	w := e.do("GET", "/stream/30?code="+codeSmall)
	page := w.Body.String()
	if w.Code != 200 {
		t.Fatalf("%d %s", w.Code, page)
	}
	for _, bad := range []string{"\u202e", "\r", "\x00", "fdp\n"} {
		if strings.Contains(page, bad) {
			t.Errorf("the page holds %q", bad)
		}
	}
	for _, want := range []string{`<h1 class="name">invoice_fdp___.mp4</h1>`, `download="invoice_fdp___.mp4"`, `id="resolution">1920×1080<`, `id="duration">1:02:03<`} {
		if !strings.Contains(page, want) {
			t.Errorf("the page lacks %q", want)
		}
	}
	dl := e.do("GET", dl(30, codeSmall))
	if cd := dl.Header().Get("Content-Disposition"); !strings.Contains(cd, `filename="invoice_fdp___.mp4"`) {
		t.Errorf("Content-Disposition %q", cd)
	}
}
