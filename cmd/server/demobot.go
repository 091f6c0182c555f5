//go:build !nodemo

package main

import (
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"time"

	"github.com/filetolink/filetolink/internal/botapifake"
	"github.com/filetolink/filetolink/internal/tgfake"
)

// demoUser is the user of the demo's private chat with the bot; message 1
// of that chat is the demo video.
const demoUser = 1001

// demoBotAPI is the demo's fake Bot API on a loopback port (BOT_API_URL).
type demoBotAPI struct {
	url  string
	srv  *http.Server
	done chan struct{}
}

func startDemoBotAPI(fake *tgfake.Server) (*demoBotAPI, error) {
	api := botapifake.New(fake, "", 0)
	video := tgfake.DemoVideo()
	api.UserMessage(botapifake.Private(demoUser), demoUser, "", &video, nil)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, fmt.Errorf("demo Bot API: %w", err)
	}
	d := &demoBotAPI{url: "http://" + ln.Addr().String(), srv: &http.Server{Handler: api, ReadHeaderTimeout: 10 * time.Second}, done: make(chan struct{})}
	go func() {
		defer close(d.done)
		_ = d.srv.Serve(ln)
	}()
	return d, nil
}

func (d *demoBotAPI) close() {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if d.srv.Shutdown(ctx) != nil {
		_ = d.srv.Close()
	}
	<-d.done
}

// demoUpdate is what Telegram would post when demoUser sends the demo video
// to the bot; the README's curl posts the same.
const demoUpdate = `{"update_id":1,"message":{"message_id":1,"chat":{"id":1001,"type":"private"},"from":{"id":1001,"first_name":"Demo"},"video":{"file_id":"demo","file_unique_id":"demo","file_name":"testsrc.mp4","mime_type":"video/mp4","file_size":498256}}}`

// printBot shows how to try the link bot on the demo.
func (d *demoTelegram) printBot(w io.Writer, base, secret string) {
	fmt.Fprintf(w, "Link bot: POST %s/telegram (fake Bot API at %s). Try it (change update_id to post again):\n", base, d.botAPI.url)
	fmt.Fprintf(w, "  curl -s %s/telegram -H 'X-Telegram-Bot-Api-Secret-Token: %s' -d '%s'\n", base, secret, demoUpdate)
}
