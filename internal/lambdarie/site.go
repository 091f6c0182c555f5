package lambdarie

import (
	"fmt"
	"net/http"
	"strings"
	"testing"
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
