package web

import (
	"net/http"
	"strconv"
)

// setPageHeaders sets what an HTML page carries besides nosniff and
// no-store: its type and the policies that keep it to itself; dl is the
// download origin it may fetch from ("": only this one).
func setPageHeaders(h http.Header, dl string) {
	h.Set("Content-Type", "text/html; charset=utf-8")
	h.Set("Content-Security-Policy", pageCSP(dl))
	h.Set("Referrer-Policy", "no-referrer")
	h.Set("X-Frame-Options", "DENY")
}

// writeBody sends status and body, which is all of the response, with its
// Content-Length; a HEAD request gets the headers alone.
func writeBody(w http.ResponseWriter, r *http.Request, status int, body []byte) {
	w.Header().Set("Content-Length", strconv.Itoa(len(body)))
	w.WriteHeader(status)
	if r.Method != http.MethodHead {
		_, _ = w.Write(body)
	}
}
