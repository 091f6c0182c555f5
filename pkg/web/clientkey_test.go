package web

import (
	"net/http"
	"testing"
)

func TestClientKey(t *testing.T) {
	tests := []struct {
		name    string
		remote  string
		header  string
		values  []string
		wantKey string
	}{
		{"remote with port", "203.0.113.7:5555", "", nil, "203.0.113.7"},
		{"remote without port (Vercel)", "203.0.113.7", "", nil, "203.0.113.7"},
		{"IPv6 by /64", "[2001:db8:1:2:3:4:5:6]:80", "", nil, "2001:db8:1:2::/64"},
		{"header ignored when not configured", "10.0.0.1:1", "", []string{"198.51.100.1"}, "10.0.0.1"},
		{"X-Forwarded-For: the proxy's last entry", "10.0.0.1:1", "X-Forwarded-For", []string{"1.1.1.1, 198.51.100.9"}, "198.51.100.9"},
		{"X-Forwarded-For: a spoofed first entry does not count", "10.0.0.1:1", "X-Forwarded-For", []string{"6.6.6.6", "198.51.100.9"}, "198.51.100.9"},
		{"Fly-Client-IP", "10.0.0.1:1", "Fly-Client-IP", []string{"198.51.100.3"}, "198.51.100.3"},
		{"garbage header falls back to the peer", "10.0.0.1:1", "X-Forwarded-For", []string{"not-an-ip"}, "10.0.0.1"},
		{"missing header falls back to the peer", "10.0.0.1:1", "X-Forwarded-For", nil, "10.0.0.1"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r, _ := http.NewRequest(http.MethodGet, "/", nil)
			r.RemoteAddr = tt.remote
			name := tt.header
			if name == "" {
				name = "X-Forwarded-For"
			}
			for _, v := range tt.values {
				r.Header.Add(name, v)
			}
			if got := clientKey(r, tt.header); got != tt.wantKey {
				t.Errorf("clientKey = %q, want %q", got, tt.wantKey)
			}
		})
	}
}
