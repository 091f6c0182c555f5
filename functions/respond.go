package handler

import (
	"bytes"
	"log/slog"
	"maps"
	"net/http"

	"github.com/filetolink/filetolink/pkg/app"
	"github.com/filetolink/filetolink/pkg/httpresponse"
	"github.com/filetolink/filetolink/pkg/platform"
)

// service is the process-wide service with the Vercel profile: these
// functions run only on Vercel, whether or not the project exposes VERCEL=1.
func service() http.Handler {
	h, _ := app.Serverless(platform.Vercel)
	return h
}

// serve runs h for one Vercel invocation. Vercel's runtime buffers the
// response and sends whatever the handler left in it, with nothing of
// net/http's checks, so serve keeps the answer here first, run by the
// adapters' core (httpresponse.Run: net/http's rules, panics answered), and
// sends it only when it is whole: a body shorter than its Content-Length
// (Telegram failed mid-way) or a response the handler aborted becomes a
// one-line 502, never a response with silently missing bytes.
func serve(h http.Handler, w http.ResponseWriter, r *http.Request) {
	var body bytes.Buffer
	rec := httpresponse.New(r.Method, &body, nil)
	if err := httpresponse.Run(h, rec, r); err != nil {
		slog.Warn("response incomplete", "method", r.Method, "status", rec.Status(), "err", err)
		httpresponse.WriteText(w, r, http.StatusBadGateway, httpresponse.MsgBrokeOff)
		return
	}
	maps.Copy(w.Header(), rec.SentHeader())
	w.WriteHeader(rec.Status())
	if body.Len() > 0 {
		_, _ = w.Write(body.Bytes())
	}
}
