package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/filetolink/filetolink/internal/tgfake"
)

// TestVercelServerPreset: the binary as Vercel's Go server preset runs it
// (vercel.streaming.json): Vercel's system variables, PORT from the
// runtime, and the Lambda variables of the function it runs in. It is the
// "vercel (streaming)" deployment: no response cap (a file over the classic
// functions' 4 MiB comes whole), links on the production host, and the log
// and the status page say which deployment it is.
func TestVercelServerPreset(t *testing.T) {
	t.Parallel()
	fake, env := fakeTelegram(t)
	content := tgfake.Pattern(5, 9<<20+77) // over every capped profile's cap
	id := fake.AddMessage("preset-code", &tgfake.Media{Kind: "document", Name: "big.bin", MIMEType: "application/octet-stream", Content: content})
	env["VERCEL"] = "1"
	env["VERCEL_ENV"] = "production"
	env["VERCEL_URL"] = "filetolink-abc123-team.vercel.app"
	env["VERCEL_PROJECT_PRODUCTION_URL"] = "filetolink.vercel.app"
	env["AWS_LAMBDA_FUNCTION_NAME"] = "vercel-go-fn"
	p := startServer(t, env)

	resp, body := get(t, p.base+"/healthz")
	var h struct {
		Platform         string `json:"platform"`
		BaseURL          string `json:"baseURL"`
		MaxResponseBytes int64  `json:"maxResponseBytes"`
	}
	if err := json.Unmarshal(body, &h); err != nil || resp.StatusCode != 200 {
		t.Fatalf("/healthz: %d %q: %v", resp.StatusCode, body, err)
	}
	if h.Platform != "vercel (streaming)" || h.MaxResponseBytes != 0 || h.BaseURL != "https://filetolink.vercel.app" {
		t.Errorf("/healthz = %+v, want vercel (streaming), no cap, the production host", h)
	}
	if _, page := get(t, p.base+"/"); !bytes.Contains(page, []byte("vercel (streaming)")) || bytes.Contains(page, []byte(`id="cap"`)) {
		t.Errorf("the status page does not say vercel (streaming), or shows a cap")
	}

	dl := fmt.Sprintf("%s/dl/%d?code=preset-code", p.base, id)
	for _, hdr := range [][]string{nil, {"Range", "bytes=1000-"}} {
		resp, body = get(t, dl, hdr...)
		first := int64(0)
		if hdr != nil {
			first = 1000
		}
		if want := tgfake.ReadRange(t, content, first, content.Size()-1); resp.StatusCode/100 != 2 || !bytes.Equal(body, want) {
			t.Errorf("GET %v: %d, %d bytes (%.100q), want all %d from %d\n%s", hdr, resp.StatusCode, len(body), body, len(want), first, p.out.String())
		}
	}
	resp, _ = get(t, dl, "Accept", "text/html", "Sec-Fetch-Mode", "navigate")
	if resp.StatusCode != http.StatusOK || resp.ContentLength != content.Size() {
		t.Errorf("a browser's download: %d, Content-Length %d", resp.StatusCode, resp.ContentLength)
	}
	if logs := p.out.String(); !strings.Contains(logs, `platform="vercel (streaming)"`) {
		t.Errorf("the listening line does not name the platform:\n%s", logs)
	}
}
