package lambdarie

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/aws/aws-lambda-go/events"
)

// Response is one HTTP response as the client of a site gets it, decoded
// from what a function answered.
type Response struct {
	Status  int
	Header  http.Header
	Cookies []string // Set-Cookie values, where the platform sends them apart
	Body    []byte
}

// Site is HTTP over built functions running under the emulator, as one
// platform serves them: a request becomes the platform's invocation event,
// goes to the function that serves its path, and the function's answer is
// decoded into the response the platform would send.
type Site struct {
	// Route is the emulator running the function that serves path.
	Route func(path string) (*Emulator, error)
	// Event is the invocation event of one request; body nil is none.
	Event func(method, target string, headers map[string]string, body []byte) ([]byte, error)
	// Decode reads a function's answer; it fails on one the platform
	// would refuse.
	Decode func(payload []byte) (*Response, error)
}

// Only routes every path to e: a site of one function.
func Only(e *Emulator) func(string) (*Emulator, error) {
	return func(string) (*Emulator, error) { return e, nil }
}

// Do sends one request and returns its response; a request the site
// cannot carry fails t.
func (s *Site) Do(t testing.TB, method, target string, headers map[string]string) *Response {
	t.Helper()
	return s.DoBody(t, method, target, headers, nil)
}

// DoBody is Do with a request body.
func (s *Site) DoBody(t testing.TB, method, target string, headers map[string]string, body []byte) *Response {
	t.Helper()
	event, err := s.Event(method, target, headers, body)
	if err != nil {
		t.Fatalf("%s %s: %v", method, target, err)
	}
	path, _, _ := strings.Cut(target, "?")
	res, err := s.invoke(path, event)
	if err != nil {
		t.Fatalf("%s %s: %v", method, target, err)
	}
	return res
}

// Invoke posts a ready event to the function serving path and decodes the
// answer: for events Do cannot make.
func (s *Site) Invoke(t testing.TB, path string, event []byte) *Response {
	t.Helper()
	res, err := s.invoke(path, event)
	if err != nil {
		t.Fatalf("event for %s: %v", path, err)
	}
	return res
}

func (s *Site) invoke(path string, event []byte) (*Response, error) {
	e, err := s.Route(path)
	if err != nil {
		return nil, err
	}
	out, err := e.Post(event)
	if err != nil {
		return nil, err
	}
	res, err := s.Decode(out)
	if err != nil {
		return nil, fmt.Errorf("answer: %w", err)
	}
	return res, nil
}

// DecodeStreamed reads a streamed function-URL answer as the emulator
// shows it: the JSON prelude with status, headers and cookies, 8 NUL
// bytes, then the body.
func DecodeStreamed(raw []byte) (*Response, error) {
	i := bytes.Index(raw, make([]byte, 8))
	if i < 0 {
		return nil, fmt.Errorf("no streaming prelude in %.300q", raw)
	}
	var head struct {
		StatusCode int               `json:"statusCode"`
		Headers    map[string]string `json:"headers"`
		Cookies    []string          `json:"cookies"`
	}
	if err := json.Unmarshal(raw[:i], &head); err != nil {
		return nil, fmt.Errorf("prelude %q: %w", raw[:i], err)
	}
	return &Response{Status: head.StatusCode, Header: toHeader(head.Headers), Cookies: head.Cookies, Body: raw[i+8:]}, nil
}

// DecodeBuffered reads a buffered function-URL answer (payload format
// 2.0), whose body must be base64-encoded whatever it holds.
func DecodeBuffered(raw []byte) (*Response, error) {
	var resp events.APIGatewayV2HTTPResponse
	if err := json.Unmarshal(raw, &resp); err != nil || resp.StatusCode == 0 {
		return nil, fmt.Errorf("buffered response %.300q: %v", raw, err)
	}
	body := []byte(resp.Body)
	if resp.Body != "" {
		if !resp.IsBase64Encoded {
			return nil, fmt.Errorf("buffered body not base64-encoded: %.100q", resp.Body)
		}
		var err error
		if body, err = base64.StdEncoding.DecodeString(resp.Body); err != nil {
			return nil, fmt.Errorf("buffered body: %w", err)
		}
	}
	return &Response{Status: resp.StatusCode, Header: toHeader(resp.Headers), Cookies: resp.Cookies, Body: body}, nil
}

func toHeader(m map[string]string) http.Header {
	h := http.Header{}
	for k, v := range m {
		h.Set(k, v)
	}
	return h
}
