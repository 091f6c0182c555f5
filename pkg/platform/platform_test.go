package platform

import (
	"encoding/base64"
	"strings"
	"testing"
	"time"
)

// The variables behind Env are parsed and tested in package config; this is
// the decision from parsed values.
func TestDetect(t *testing.T) {
	tests := []struct {
		name string
		env  Env
		want Profile
	}{
		{"server", Env{}, Profile{Name: "server"}},
		{"server cap", Env{MaxResponseBytes: 1 << 20}, Profile{Name: "server", MaxResponseBytes: 1 << 20}},
		{"server huge cap", Env{MaxResponseBytes: 1 << 40}, Profile{Name: "server", MaxResponseBytes: 1 << 40}},
		{"vercel", Env{Vercel: true, Runtime: Vercel}, Profile{Name: "vercel", MaxResponseBytes: 4 << 20, RequestTimeout: 280 * time.Second}},
		{"vercel on lambda", Env{Vercel: true, Runtime: Vercel, Lambda: true, LambdaBuffered: true}, Profile{Name: "vercel", MaxResponseBytes: 4 << 20, RequestTimeout: 280 * time.Second}},
		{"vercel timeout", Env{Vercel: true, Runtime: Vercel, VercelRequestTimeout: 55 * time.Second}, Profile{Name: "vercel", MaxResponseBytes: 4 << 20, RequestTimeout: 55 * time.Second}},
		{"vercel lower cap", Env{Vercel: true, Runtime: Vercel, MaxResponseBytes: 1 << 20}, Profile{Name: "vercel", MaxResponseBytes: 1 << 20, RequestTimeout: 280 * time.Second}},
		{"vercel cap clamped", Env{Vercel: true, Runtime: Vercel, MaxResponseBytes: 10_000_000}, Profile{Name: "vercel", MaxResponseBytes: 4433920, RequestTimeout: 280 * time.Second}},
		{"vercel server is streaming", Env{Vercel: true}, Profile{Name: "vercel (streaming)"}},
		{"vercel server on lambda", Env{Vercel: true, Lambda: true}, Profile{Name: "vercel (streaming)"}},
		{"vercel server timeout only when set", Env{Vercel: true, VercelRequestTimeout: 790 * time.Second}, Profile{Name: "vercel (streaming)", RequestTimeout: 790 * time.Second}},
		{"vercel server cap when set, not clamped", Env{Vercel: true, MaxResponseBytes: 10_000_000}, Profile{Name: "vercel (streaming)", MaxResponseBytes: 10_000_000}},
		{"lambda stream", Env{Lambda: true}, Profile{Name: "lambda-stream", MaxResponseBytes: 199933952}},
		{"lambda stream lowered", Env{Lambda: true, MaxResponseBytes: 100 << 20}, Profile{Name: "lambda-stream", MaxResponseBytes: 100 << 20}},
		{"lambda stream never over 200 MB", Env{Lambda: true, MaxResponseBytes: 300_000_000}, Profile{Name: "lambda-stream", MaxResponseBytes: 199933952}},
		{"lambda buffered", Env{Lambda: true, LambdaBuffered: true}, Profile{Name: "lambda-buffered", MaxResponseBytes: 4669440}},
		{"lambda buffered lower", Env{Lambda: true, LambdaBuffered: true, MaxResponseBytes: 2 << 20}, Profile{Name: "lambda-buffered", MaxResponseBytes: 2 << 20}},
		{"lambda buffered clamped", Env{Lambda: true, LambdaBuffered: true, MaxResponseBytes: 6 << 20}, Profile{Name: "lambda-buffered", MaxResponseBytes: 4669440}},
		{"buffered without lambda is a server", Env{LambdaBuffered: true}, Profile{Name: "server"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := Detect(tt.env); got != tt.want {
				t.Errorf("Detect = %+v, want %+v", got, tt.want)
			}
		})
	}
}

// TestLambdaBufferedCapFits checks the arithmetic behind the buffered cap:
// a body of that size, base64-encoded, plus the reserve fits Lambda's
// payload limit, and one KiB more would leave less than the reserve.
func TestLambdaBufferedCapFits(t *testing.T) {
	n := LambdaBufferedMaxResponseBytes
	if n%1024 != 0 {
		t.Errorf("cap %d is not a multiple of 1 KiB", n)
	}
	if enc := base64.StdEncoding.EncodedLen(n); enc+EnvelopeReserve > LambdaPayloadLimit {
		t.Errorf("base64 of %d bytes is %d, with reserve %d over the limit %d", n, enc, EnvelopeReserve, LambdaPayloadLimit)
	}
	if enc := base64.StdEncoding.EncodedLen(n + 1024); enc+EnvelopeReserve <= LambdaPayloadLimit {
		t.Errorf("cap %d is needlessly small: %d more bytes would fit", n, 1024)
	}
	if VercelMaxResponseBytes+EnvelopeReserve > VercelBodyLimit || VercelDefaultResponseBytes > VercelMaxResponseBytes {
		t.Errorf("Vercel caps default %d, max %d do not fit %d", VercelDefaultResponseBytes, VercelMaxResponseBytes, VercelBodyLimit)
	}
	if enc := base64.StdEncoding.EncodedLen(VercelMaxResponseBytes); enc+EnvelopeReserve > LambdaPayloadLimit {
		t.Errorf("Vercel's max cap %d does not fit the Lambda payload its runtime uses once base64-encoded", VercelMaxResponseBytes)
	}
	if LambdaStreamMaxResponseBytes+EnvelopeReserve > LambdaStreamLimit {
		t.Errorf("stream max %d + reserve over %d", LambdaStreamMaxResponseBytes, LambdaStreamLimit)
	}
}

func TestValidHostPort(t *testing.T) {
	for _, ok := range []string{"example.com", "a.b.c:8080", "10.0.0.1", "10.0.0.1:1", "[::1]", "[2001:db8::1]:65535", "x-y.z.", "localhost"} {
		if !ValidHostPort(ok) {
			t.Errorf("ValidHostPort(%q) = false", ok)
		}
	}
	for _, bad := range []string{"", "a b", "a_b.c", "1.2.3", "exa mple.com", "host:0", "host:", "host:65536", "host:080", "[fe80::1%eth0]", "::1", "[::1", "u@h", "h/p", "h,i", "h\r\n", "-a.com", "a-.com", strings.Repeat("a", 64) + ".com"} {
		if ValidHostPort(bad) {
			t.Errorf("ValidHostPort(%q) = true", bad)
		}
	}
}

func TestParseBaseURL(t *testing.T) {
	tests := []struct{ in, want string }{
		{"https://files.example.com", "https://files.example.com"},
		{"https://files.example.com/", "https://files.example.com"},
		{"HTTPS://Files.Example.COM", "https://files.example.com"},
		{"http://[2001:db8::1]:8080/", "http://[2001:db8::1]:8080"},
		{"files.example.com", ""},
		{"https://example.com/files", ""},
		{"https://example.com?", ""},
		{"https://example.com#x", ""},
		{"https://user:pw@example.com", ""},
		{"ftp://example.com", ""},
		{"javascript:alert(1)", ""},
		{"https://example.com\r\nX-Evil: 1", ""},
		{"https://example.com:0", ""},
		{"http://[fe80::1%25eth0]", ""},
		{"https://", ""},
	}
	for _, tt := range tests {
		got, err := ParseBaseURL(tt.in)
		if got != tt.want || (err == nil) != (tt.want != "") {
			t.Errorf("ParseBaseURL(%q) = %q, %v; want %q", tt.in, got, err, tt.want)
		}
		if err != nil && len(tt.in) > len("https://") && strings.Contains(err.Error(), tt.in) {
			t.Errorf("the error repeats the value: %v", err)
		}
	}
	if got, err := HostBaseURL("Files.Example.com"); got != "https://files.example.com" || err != nil {
		t.Errorf("HostBaseURL: %q %v", got, err)
	}
	if got, err := AppBaseURL("my-app", ".fly.dev"); got != "https://my-app.fly.dev" || err != nil {
		t.Errorf("AppBaseURL: %q %v", got, err)
	}
	if _, err := AppBaseURL("evil.com/x", ".fly.dev"); err == nil {
		t.Error("AppBaseURL accepted a name that is not a DNS label")
	}
}

// FuzzParseBaseURL: whatever a variable holds, the result is an error or a
// clean origin without anything that could break out of an attribute or
// header, and stable.
func FuzzParseBaseURL(f *testing.F) {
	for _, s := range []string{"https://example.com", "example.com", "http://[::1]:80/", "https://a/b", "x\r\ny", "https://é.com", "http://1.2.3.4:65535"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, v string) {
		got, err := HostBaseURL(v)
		if err != nil {
			return
		}
		if !strings.HasPrefix(got, "https://") && !strings.HasPrefix(got, "http://") {
			t.Fatalf("%q → %q: bad scheme", v, got)
		}
		rest := got[strings.Index(got, "://")+3:]
		if rest == "" || strings.ContainsAny(rest, "/?#@\"'<> \t\r\n\\%") {
			t.Fatalf("%q → %q: not a bare origin", v, got)
		}
		if again, err := ParseBaseURL(got); again != got || err != nil {
			t.Fatalf("not stable: %q → %q → %q", v, got, again)
		}
	})
}
