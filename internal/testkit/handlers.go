package testkit

import (
	"io"
	"net/http"
	"strings"
	"testing"
)

// HandlerCase is a small handler that behaves as a real one might, well or
// badly, and what httpresponse.Run makes of it. The adapters all serve
// through Run: each adapter's test runs every case and checks its client
// gets Want as its runtime carries it (a stream that breaks, a failed
// invocation, a 502 instead of a broken answer).
type HandlerCase struct {
	Name   string
	Method string
	Serve  http.HandlerFunc
	Want   Answer
}

// Answer is a response as a client gets it.
type Answer struct {
	Status int
	Body   string
	// Broken: the response is known incomplete (Run's ErrIncomplete); Status
	// and Body are what went out before.
	Broken bool
	// Header holds the headers checked: each one's values joined by ",";
	// "" is absent.
	Header map[string]string
}

// textHeader are the headers of httpresponse's one-line text answer of n
// bytes, none of the handler's (X-Leak) among them.
func textHeader(n string) map[string]string {
	return map[string]string{"Content-Type": "text/plain; charset=utf-8", "X-Content-Type-Options": "nosniff",
		"Cache-Control": "no-store", "Content-Length": n, "X-Leak": ""}
}

// BrokeOff is the answer of an adapter that cannot break a response it
// knows incomplete (Vercel's): a 502 saying to retry.
var BrokeOff = Answer{Status: 502, Body: "the response broke off; retry\n", Header: textHeader("30")}

// Handlers are the cases every adapter runs.
var Handlers = []HandlerCase{
	{"whole", "GET", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Length", "5")
		w.WriteHeader(206)
		io.WriteString(w, "hello")
	}, Answer{Status: 206, Body: "hello", Header: map[string]string{"Content-Length": "5"}}},
	{"first status wins", "GET", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/plain")
		w.Header().Add("X-Multi", "a")
		w.Header().Add("X-Multi", "b")
		w.WriteHeader(http.StatusTeapot)
		w.WriteHeader(http.StatusOK) // ignored, as in net/http
		io.WriteString(w, "short and stout")
	}, Answer{Status: 418, Body: "short and stout", Header: map[string]string{"Content-Type": "text/plain", "X-Multi": "a,b"}}},
	{"nothing written is 200", "GET", func(w http.ResponseWriter, r *http.Request) {},
		Answer{Status: 200}},
	{"text is sent as it is", "GET", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/plain")
		io.WriteString(w, "\x00<&>")
	}, Answer{Status: 200, Body: "\x00<&>"}},
	{"HEAD sends no body", "HEAD", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Length", "5")
		io.WriteString(w, "hello")
	}, Answer{Status: 200, Header: map[string]string{"Content-Length": "5"}}},
	{"short HEAD is whole", "HEAD", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Length", "10")
	}, Answer{Status: 200, Header: map[string]string{"Content-Length": "10"}}},
	{"304 sends no body", "GET", func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusNotModified)
		io.WriteString(w, "hello")
	}, Answer{Status: 304}},
	{"headers changed after the status are not sent", "GET", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/plain")
		w.WriteHeader(200)
		w.Header().Set("X-Late", "1")
		io.WriteString(w, "ok")
	}, Answer{Status: 200, Body: "ok", Header: map[string]string{"Content-Type": "text/plain", "X-Late": ""}}},
	{"Set-Cookie is sent", "GET", func(w http.ResponseWriter, r *http.Request) {
		http.SetCookie(w, &http.Cookie{Name: "a", Value: "1"})
		http.SetCookie(w, &http.Cookie{Name: "b", Value: "2"})
	}, Answer{Status: 200, Header: map[string]string{"Set-Cookie": "a=1,b=2"}}},
	{"bytes past Content-Length are refused", "GET", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Length", "3")
		if _, err := io.WriteString(w, "hello"); err == nil {
			panic("writing past Content-Length succeeded") // a broken answer
		}
		io.WriteString(w, "hel")
	}, Answer{Status: 200, Body: "hel"}},
	{"panic before the status is a 500", "GET", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("X-Leak", "1")
		panic("boom")
	}, Answer{Status: 500, Body: "internal error\n", Header: textHeader("15")}},
	{"abort before the status is a 502", "GET", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("X-Leak", "1")
		panic(http.ErrAbortHandler)
	}, BrokeOff},
	{"panic after the status", "GET", func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, "hel")
		panic("boom")
	}, Answer{Status: 200, Body: "hel", Broken: true}},
	{"abort after the status", "GET", func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, "hel")
		panic(http.ErrAbortHandler)
	}, Answer{Status: 200, Body: "hel", Broken: true}},
	{"abort in a body short of its Content-Length", "GET", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Length", "10")
		io.WriteString(w, "hello")
		panic(http.ErrAbortHandler)
	}, Answer{Status: 200, Body: "hello", Broken: true}},
	{"short body", "GET", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Length", "10")
		w.WriteHeader(206)
		io.WriteString(w, "hello")
	}, Answer{Status: 206, Body: "hello", Broken: true}},
}

// Check compares what a client got with a.
func (a Answer) Check(tb testing.TB, status int, header http.Header, body string, broken bool) {
	tb.Helper()
	if status != a.Status || body != a.Body || broken != a.Broken {
		tb.Errorf("got %d %q (broken: %v), want %d %q (broken: %v)", status, body, broken, a.Status, a.Body, a.Broken)
	}
	for k, v := range a.Header {
		if got := strings.Join(header.Values(k), ","); got != v {
			tb.Errorf("header %s = %q, want %q", k, got, v)
		}
	}
}

// RunHandlers runs check on every case of Handlers, one subtest each.
func RunHandlers(t *testing.T, check func(t *testing.T, tc HandlerCase)) {
	for _, tc := range Handlers {
		t.Run(tc.Name, func(t *testing.T) { check(t, tc) })
	}
}
