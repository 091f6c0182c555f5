package httpresponse_test

import (
	"bytes"
	"errors"
	"io"
	"net/http"
	"reflect"
	"testing"

	"github.com/filetolink/filetolink/pkg/httpresponse"
)

// recorded is what one response sent through a Writer.
type recorded struct {
	w       *httpresponse.Writer
	body    bytes.Buffer
	commits int
	status  int         // as onCommit saw it
	header  http.Header // as onCommit saw it
}

// serve runs handler on a Writer for method, then Finish, as an adapter does.
func serve(method string, handler func(w http.ResponseWriter)) *recorded {
	rec := &recorded{}
	rec.w = httpresponse.New(method, &rec.body, func(status int, h http.Header) {
		rec.commits++
		rec.status, rec.header = status, h
	})
	handler(rec.w)
	rec.w.Finish()
	return rec
}

func TestStatusIsWrittenOnce(t *testing.T) {
	for _, tt := range []struct {
		name   string
		calls  []any // in turn: an int is a WriteHeader, a string a Write of it, nil a Write(nil)
		status int
	}{
		{"nothing written is 200", nil, 200},
		{"the first WriteHeader wins", []any{404, 200, 500}, 404},
		{"a Write without WriteHeader is 200", []any{"x", 404}, 200},
		{"an empty Write commits too", []any{nil, 404}, 200},
		{"1xx is ignored", []any{100, 103, 206}, 206},
		{"invalid codes are ignored", []any{0, -1, 1000, 999}, 999},
	} {
		t.Run(tt.name, func(t *testing.T) {
			rec := serve("GET", func(w http.ResponseWriter) {
				for _, c := range tt.calls {
					switch c := c.(type) {
					case int:
						w.WriteHeader(c)
					case string:
						io.WriteString(w, c)
					case nil:
						w.Write(nil)
					}
				}
			})
			if rec.w.Status() != tt.status || rec.status != tt.status || rec.commits != 1 {
				t.Errorf("status %d, committed %d times with %d; want %d once", rec.w.Status(), rec.commits, rec.status, tt.status)
			}
		})
	}
}

func TestCommitted(t *testing.T) {
	w := httpresponse.New("GET", io.Discard, nil) // onCommit is optional
	if w.Committed() || w.Status() != 0 || w.SentHeader() != nil || w.ContentLength() != -1 {
		t.Errorf("new writer: committed %v, status %d, sent %v, Content-Length %d", w.Committed(), w.Status(), w.SentHeader(), w.ContentLength())
	}
	w.WriteHeader(101)
	if w.Committed() {
		t.Error("committed by a 1xx")
	}
	w.WriteHeader(204)
	if !w.Committed() || w.Status() != 204 {
		t.Errorf("after WriteHeader(204): committed %v, status %d", w.Committed(), w.Status())
	}
}

func TestContentTypeIsSniffed(t *testing.T) {
	for _, tt := range []struct {
		name    string
		handler func(w http.ResponseWriter)
		want    []string // the Content-Type values sent; nil for none
	}{
		{"unset, from the first Write", func(w http.ResponseWriter) {
			io.WriteString(w, "<html><body>hi")
			io.WriteString(w, "\x00\x01 binary later")
		}, []string{"text/html; charset=utf-8"}},
		{"set is kept", func(w http.ResponseWriter) {
			w.Header().Set("Content-Type", "video/mp4")
			io.WriteString(w, "<html>")
		}, []string{"video/mp4"}},
		{"present but empty turns sniffing off", func(w http.ResponseWriter) {
			w.Header()["Content-Type"] = nil
			io.WriteString(w, "<html>")
		}, nil},
		{"not from an empty first Write", func(w http.ResponseWriter) {
			w.Write(nil)
			io.WriteString(w, "<html>")
		}, nil},
		{"not after WriteHeader", func(w http.ResponseWriter) {
			w.WriteHeader(200)
			io.WriteString(w, "<html>")
		}, nil},
		{"not without a Write", func(w http.ResponseWriter) {}, nil},
	} {
		t.Run(tt.name, func(t *testing.T) {
			rec := serve("GET", tt.handler)
			if got := rec.w.SentHeader()["Content-Type"]; !reflect.DeepEqual(got, tt.want) {
				t.Errorf("Content-Type %q, want %q", got, tt.want)
			}
		})
	}
}

func TestNoBodyForHEAD204304(t *testing.T) {
	for _, tt := range []struct {
		name, method  string
		status, wantN int
		wantErr       error
	}{
		{"GET 200 has a body", "GET", 200, 5, nil},
		{"HEAD drops the body silently", "HEAD", 200, 5, nil},
		{"HEAD 206 too", "HEAD", 206, 5, nil},
		{"204 refuses it", "GET", 204, 0, http.ErrBodyNotAllowed},
		{"304 refuses it", "GET", 304, 0, http.ErrBodyNotAllowed},
		{"POST 204 too", "POST", 204, 0, http.ErrBodyNotAllowed},
	} {
		t.Run(tt.name, func(t *testing.T) {
			var n int
			var err error
			rec := serve(tt.method, func(w http.ResponseWriter) {
				w.WriteHeader(tt.status)
				n, err = io.WriteString(w, "hello")
			})
			if n != tt.wantN || !errors.Is(err, tt.wantErr) {
				t.Errorf("Write: %d, %v; want %d, %v", n, err, tt.wantN, tt.wantErr)
			}
			wantBody := ""
			if tt.wantN > 0 && tt.method != "HEAD" {
				wantBody = "hello"
			}
			if rec.body.String() != wantBody || rec.w.Written() != int64(len(wantBody)) {
				t.Errorf("body %q (%d written), want %q", rec.body.String(), rec.w.Written(), wantBody)
			}
		})
	}
}

func TestContentLengthIsABound(t *testing.T) {
	for _, tt := range []struct {
		name     string
		length   string // the Content-Length header, "" for none
		writes   []string
		errs     []error // of each write
		body     string
		declared int64
	}{
		{"exactly", "5", []string{"he", "llo"}, []error{nil, nil}, "hello", 5},
		{"a write past it is refused whole", "3", []string{"hello", "hel", "x"}, []error{http.ErrContentLength, nil, http.ErrContentLength}, "hel", 3},
		{"zero", "0", []string{"", "x"}, []error{nil, http.ErrContentLength}, "", 0},
		{"none is no bound", "", []string{"hello", "world"}, []error{nil, nil}, "helloworld", -1},
		{"not a number is no bound", "five", []string{"hello"}, []error{nil}, "hello", -1},
		{"negative is no bound", "-1", []string{"hello"}, []error{nil}, "hello", -1},
	} {
		t.Run(tt.name, func(t *testing.T) {
			var errs []error
			rec := serve("GET", func(w http.ResponseWriter) {
				if tt.length != "" {
					w.Header().Set("Content-Length", tt.length)
				}
				for _, s := range tt.writes {
					_, err := io.WriteString(w, s)
					errs = append(errs, err)
				}
			})
			for i := range tt.errs {
				if !errors.Is(errs[i], tt.errs[i]) {
					t.Errorf("write %d (%q): %v, want %v", i, tt.writes[i], errs[i], tt.errs[i])
				}
			}
			if rec.body.String() != tt.body || rec.w.ContentLength() != tt.declared {
				t.Errorf("body %q, Content-Length %d; want %q, %d", rec.body.String(), rec.w.ContentLength(), tt.body, tt.declared)
			}
		})
	}
}

func TestContentLengthIsReadAtCommit(t *testing.T) {
	rec := serve("GET", func(w http.ResponseWriter) {
		w.WriteHeader(200)
		w.Header().Set("Content-Length", "2")
		io.WriteString(w, "hello")
	})
	if rec.body.String() != "hello" || rec.w.ContentLength() != -1 || rec.w.Short() {
		t.Errorf("body %q, Content-Length %d, short %v", rec.body.String(), rec.w.ContentLength(), rec.w.Short())
	}
}

func TestHeadersAreSnapshottedAtCommit(t *testing.T) {
	for _, tt := range []struct {
		name    string
		handler func(w http.ResponseWriter)
	}{
		{"by WriteHeader", func(w http.ResponseWriter) {
			w.Header().Set("X-Early", "1")
			w.WriteHeader(200)
			w.Header().Set("X-Late", "1")
			w.Header().Set("X-Early", "2")
		}},
		{"by Write", func(w http.ResponseWriter) {
			w.Header().Set("X-Early", "1")
			io.WriteString(w, "x")
			w.Header().Set("X-Late", "1")
			w.Header().Add("X-Early", "2")
		}},
		{"by Finish", func(w http.ResponseWriter) {
			w.Header().Set("X-Early", "1")
		}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			rec := serve("GET", tt.handler)
			sent := rec.w.SentHeader()
			if got := sent.Values("X-Early"); !reflect.DeepEqual(got, []string{"1"}) || sent.Get("X-Late") != "" {
				t.Errorf("sent X-Early %q, X-Late %q", got, sent.Get("X-Late"))
			}
			if !reflect.DeepEqual(rec.header, sent) {
				t.Errorf("onCommit saw %v, SentHeader is %v", rec.header, sent)
			}
			rec.w.Header().Set("X-After", "1")
			if rec.w.SentHeader().Get("X-After") != "" || rec.header.Get("X-After") != "" {
				t.Error("a change after Finish reached the sent headers")
			}
		})
	}
}

func TestShortBody(t *testing.T) {
	for _, tt := range []struct {
		name    string
		method  string
		status  int
		length  string
		body    string
		short   bool
		written int64
	}{
		{"whole", "GET", 200, "5", "hello", false, 5},
		{"short", "GET", 206, "10", "hello", true, 5},
		{"nothing of it", "GET", 200, "10", "", true, 0},
		{"no Content-Length", "GET", 200, "", "hello", false, 5},
		{"HEAD is never short", "HEAD", 200, "10", "hello", false, 0},
		{"304 is never short", "GET", 304, "10", "", false, 0},
		{"204 is never short", "GET", 204, "10", "", false, 0},
	} {
		t.Run(tt.name, func(t *testing.T) {
			rec := serve(tt.method, func(w http.ResponseWriter) {
				if tt.length != "" {
					w.Header().Set("Content-Length", tt.length)
				}
				w.WriteHeader(tt.status)
				io.WriteString(w, tt.body)
			})
			if rec.w.Short() != tt.short || rec.w.Written() != tt.written {
				t.Errorf("short %v after %d bytes, want %v after %d", rec.w.Short(), rec.w.Written(), tt.short, tt.written)
			}
		})
	}
}

// failingWriter takes n bytes, then fails.
type failingWriter struct{ n int }

var errSink = errors.New("sink closed")

func (f *failingWriter) Write(p []byte) (int, error) {
	if len(p) > f.n {
		n := f.n
		f.n = 0
		return n, errSink
	}
	f.n -= len(p)
	return len(p), nil
}

func TestBodyWriterErrors(t *testing.T) {
	w := httpresponse.New("GET", &failingWriter{n: 3}, nil)
	w.Header().Set("Content-Length", "5")
	if n, err := io.WriteString(w, "hello"); n != 3 || !errors.Is(err, errSink) {
		t.Errorf("Write: %d, %v; want 3, %v", n, err, errSink)
	}
	w.Finish()
	if w.Written() != 3 || !w.Short() {
		t.Errorf("written %d, short %v; want 3, true", w.Written(), w.Short())
	}
}
