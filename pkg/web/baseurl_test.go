package web

import (
	"crypto/tls"
	"net/http/httptest"
	"strings"
	"testing"
)

func TestBaseURLFromRequest(t *testing.T) {
	tests := []struct {
		name    string
		host    string
		tls     bool
		headers []string
		want    string
	}{
		{name: "host", host: "files.example.com", want: "http://files.example.com"},
		{name: "host with port", host: "localhost:8080", want: "http://localhost:8080"},
		{name: "tls", host: "files.example.com", tls: true, want: "https://files.example.com"},
		{name: "ipv4", host: "192.0.2.1:80", want: "http://192.0.2.1:80"},
		{name: "ipv6", host: "[2001:db8::1]:8443", want: "http://[2001:db8::1]:8443"},
		{name: "upper case", host: "Files.Example.COM", want: "http://files.example.com"},
		{name: "forwarded proto https", host: "a.example", headers: []string{"X-Forwarded-Proto", "https"}, want: "https://a.example"},
		{name: "forwarded proto http over tls", host: "a.example", tls: true, headers: []string{"X-Forwarded-Proto", "http"}, want: "http://a.example"},
		{name: "forwarded proto bogus", host: "a.example", headers: []string{"X-Forwarded-Proto", "javascript"}, want: "http://a.example"},
		{name: "forwarded proto list", host: "a.example", tls: true, headers: []string{"X-Forwarded-Proto", "http, https"}, want: "https://a.example"},
		{name: "forwarded proto upper", host: "a.example", headers: []string{"X-Forwarded-Proto", "HTTPS"}, want: "http://a.example"},
		{name: "forwarded host", host: "internal:8080", headers: []string{"X-Forwarded-Host", "files.example.com", "X-Forwarded-Proto", "https"}, want: "https://files.example.com"},
		{name: "forwarded host with port", host: "internal", headers: []string{"X-Forwarded-Host", "files.example.com:8443"}, want: "http://files.example.com:8443"},
		{name: "forwarded host list", host: "a.example", headers: []string{"X-Forwarded-Host", "evil.example, a.example"}, want: "http://a.example"},
		{name: "forwarded host userinfo", host: "a.example", headers: []string{"X-Forwarded-Host", "user@evil.example"}, want: "http://a.example"},
		{name: "forwarded host path", host: "a.example", headers: []string{"X-Forwarded-Host", "evil.example/x"}, want: "http://a.example"},
		{name: "forwarded host backslash", host: "a.example", headers: []string{"X-Forwarded-Host", `evil.example\x`}, want: "http://a.example"},
		{name: "forwarded host quote", host: "a.example", headers: []string{"X-Forwarded-Host", `evil.example"`}, want: "http://a.example"},
		{name: "forwarded host space", host: "a.example", headers: []string{"X-Forwarded-Host", "evil example"}, want: "http://a.example"},
		{name: "forwarded host angle", host: "a.example", headers: []string{"X-Forwarded-Host", "<script>"}, want: "http://a.example"},
		{name: "forwarded host bad port", host: "a.example", headers: []string{"X-Forwarded-Host", "evil.example:99999"}, want: "http://a.example"},
		{name: "forwarded host empty port", host: "a.example", headers: []string{"X-Forwarded-Host", "evil.example:"}, want: "http://a.example"},
		{name: "forwarded host port zero", host: "a.example", headers: []string{"X-Forwarded-Host", "evil.example:0"}, want: "http://a.example"},
		{name: "forwarded host two ports", host: "a.example", headers: []string{"X-Forwarded-Host", "evil.example:80:80"}, want: "http://a.example"},
		{name: "forwarded host leading hyphen", host: "a.example", headers: []string{"X-Forwarded-Host", "-evil.example"}, want: "http://a.example"},
		{name: "forwarded host empty label", host: "a.example", headers: []string{"X-Forwarded-Host", "evil..example"}, want: "http://a.example"},
		{name: "forwarded host underscore", host: "a.example", headers: []string{"X-Forwarded-Host", "ev_il.example"}, want: "http://a.example"},
		{name: "forwarded host unicode", host: "a.example", headers: []string{"X-Forwarded-Host", "еvil.example"}, want: "http://a.example"},
		{name: "forwarded host ipv6 zone", host: "a.example", headers: []string{"X-Forwarded-Host", "[fe80::1%25eth0]"}, want: "http://a.example"},
		{name: "forwarded host bad ipv4", host: "a.example", headers: []string{"X-Forwarded-Host", "1.2.3.999"}, want: "http://a.example"},
		{name: "forwarded host too long label", host: "a.example", headers: []string{"X-Forwarded-Host", strings.Repeat("a", 64) + ".example"}, want: "http://a.example"},
		{name: "bad host, bad forwarded", host: "a b", headers: []string{"X-Forwarded-Host", "c d"}, want: ""},
		{name: "empty host", host: "", want: ""},
		{name: "host with userinfo", host: "u@a.example", want: ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := httptest.NewRequest("GET", "/", nil)
			r.Host = tt.host
			if !tt.tls {
				r.TLS = nil
			} else {
				r.TLS = &tls.ConnectionState{}
			}
			for i := 0; i+1 < len(tt.headers); i += 2 {
				r.Header.Set(tt.headers[i], tt.headers[i+1])
			}
			if got := baseURLFromRequest(r); got != tt.want {
				t.Errorf("baseURLFromRequest = %q, want %q", got, tt.want)
			}
		})
	}
}

func TestConfiguredBaseURLWins(t *testing.T) {
	e := newEnv(t, Options{PublicBaseURL: "https://cdn.example.net/"})
	w := e.do("GET", "/stream/1?code="+codeSmall, "X-Forwarded-Host", "evil.example")
	body := w.Body.String()
	if !strings.Contains(body, "https://cdn.example.net/dl/1?code=") || strings.Contains(body, "evil.example") {
		t.Errorf("player page links:\n%s", body)
	}
	if csp := w.Header().Get("Content-Security-Policy"); !strings.Contains(csp, "media-src 'self' https://cdn.example.net;") {
		t.Errorf("CSP %q lacks the download origin", csp)
	}
}

func TestCheckForwardedHost(t *testing.T) {
	good := []string{"a", "a.b", "example.com.", "x-y.example", "127.0.0.1", "127.0.0.1:1", "[::1]", "[::1]:65535", "xn--e1afmkfd.example", strings.Repeat("a", 63) + ".com"}
	bad := []string{"", ".", "a..b", "-a", "a-", "a:b", "[::1", "::1", "[::1]x", "[1.2.3.4]", "1.2.3", "1.2.3.4.5", "a b", "a\r\nb", "a/b", "a?b", "a#b", "a@b", "a%2eb", "[::1]:", "a:65536", "a:01", strings.Repeat("a.", 130) + "com"}
	for _, s := range good {
		if !checkForwardedHost(s) {
			t.Errorf("checkForwardedHost(%q) = false", s)
		}
	}
	for _, s := range bad {
		if checkForwardedHost(s) {
			t.Errorf("checkForwardedHost(%q) = true", s)
		}
	}
}
