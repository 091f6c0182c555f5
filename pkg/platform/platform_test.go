package platform

import (
	"encoding/base64"
	"strings"
	"testing"
	"time"
)

func env(kv map[string]string) func(string) string {
	return func(k string) string { return kv[k] }
}

func TestDetect(t *testing.T) {
	const lambda = "AWS_LAMBDA_FUNCTION_NAME"
	tests := []struct {
		name string
		env  map[string]string
		want Profile
	}{
		{"server", nil, Profile{Name: "server"}},
		{"server override", map[string]string{"MAX_RESPONSE_BYTES": "1048576"}, Profile{Name: "server", MaxResponseBytes: 1 << 20}},
		{"server zero is default", map[string]string{"MAX_RESPONSE_BYTES": "0"}, Profile{Name: "server"}},
		{"server huge override", map[string]string{"MAX_RESPONSE_BYTES": "1099511627776"}, Profile{Name: "server", MaxResponseBytes: 1 << 40}},
		{"VERCEL other than 1 is not Vercel", map[string]string{"VERCEL": "0"}, Profile{Name: "server"}},

		{"vercel", map[string]string{"VERCEL": "1"}, Profile{Name: "vercel", MaxResponseBytes: 4 << 20, RequestTimeout: 280 * time.Second}},
		// Vercel runs on Lambda: its variables must not make it "lambda-*".
		{"vercel on lambda", map[string]string{"VERCEL": "1", lambda: "vercel-fn", "LAMBDA_INVOKE_MODE": "BUFFERED"}, Profile{Name: "vercel", MaxResponseBytes: 4 << 20, RequestTimeout: 280 * time.Second}},
		{"vercel timeout duration", map[string]string{"VERCEL": "1", "VERCEL_REQUEST_TIMEOUT": "55s"}, Profile{Name: "vercel", MaxResponseBytes: 4 << 20, RequestTimeout: 55 * time.Second}},
		{"vercel timeout seconds", map[string]string{"VERCEL": "1", "VERCEL_REQUEST_TIMEOUT": "790"}, Profile{Name: "vercel", MaxResponseBytes: 4 << 20, RequestTimeout: 790 * time.Second}},
		{"vercel lower cap", map[string]string{"VERCEL": "1", "MAX_RESPONSE_BYTES": "1048576"}, Profile{Name: "vercel", MaxResponseBytes: 1 << 20, RequestTimeout: 280 * time.Second}},
		{"vercel cap clamped", map[string]string{"VERCEL": "1", "MAX_RESPONSE_BYTES": "10000000"}, Profile{Name: "vercel", MaxResponseBytes: 4433920, RequestTimeout: 280 * time.Second}},

		{"lambda default is stream", map[string]string{lambda: "fn"}, Profile{Name: "lambda-stream", MaxResponseBytes: 6 << 20}},
		{"lambda stream", map[string]string{lambda: "fn", "LAMBDA_INVOKE_MODE": "RESPONSE_STREAM"}, Profile{Name: "lambda-stream", MaxResponseBytes: 6 << 20}},
		{"lambda stream lowercase", map[string]string{lambda: "fn", "LAMBDA_INVOKE_MODE": "response_stream"}, Profile{Name: "lambda-stream", MaxResponseBytes: 6 << 20}},
		{"lambda stream raised", map[string]string{lambda: "fn", "MAX_RESPONSE_BYTES": "104857600"}, Profile{Name: "lambda-stream", MaxResponseBytes: 100 << 20}},
		{"lambda stream never over 200 MB", map[string]string{lambda: "fn", "MAX_RESPONSE_BYTES": "300000000"}, Profile{Name: "lambda-stream", MaxResponseBytes: 199933952}},
		{"lambda buffered", map[string]string{lambda: "fn", "LAMBDA_INVOKE_MODE": "BUFFERED"}, Profile{Name: "lambda-buffered", MaxResponseBytes: 4669440}},
		{"lambda buffered lower", map[string]string{lambda: "fn", "LAMBDA_INVOKE_MODE": "BUFFERED", "MAX_RESPONSE_BYTES": "2097152"}, Profile{Name: "lambda-buffered", MaxResponseBytes: 2 << 20}},
		{"lambda buffered clamped", map[string]string{lambda: "fn", "LAMBDA_INVOKE_MODE": "BUFFERED", "MAX_RESPONSE_BYTES": "6291456"}, Profile{Name: "lambda-buffered", MaxResponseBytes: 4669440}},
		{"spaces around values", map[string]string{lambda: "fn", "LAMBDA_INVOKE_MODE": " BUFFERED ", "MAX_RESPONSE_BYTES": " 1024 "}, Profile{Name: "lambda-buffered", MaxResponseBytes: 1024}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := Detect(env(tt.env))
			if err != nil {
				t.Fatalf("Detect: %v", err)
			}
			if got != tt.want {
				t.Errorf("Detect = %+v, want %+v", got, tt.want)
			}
		})
	}
}

func TestDetectInvalid(t *testing.T) {
	tests := []struct {
		name string
		env  map[string]string
		want []string // every variable the error must name
	}{
		{"negative cap", map[string]string{"MAX_RESPONSE_BYTES": "-1"}, []string{"MAX_RESPONSE_BYTES"}},
		{"cap with unit", map[string]string{"MAX_RESPONSE_BYTES": "4MiB"}, []string{"MAX_RESPONSE_BYTES"}},
		{"cap overflow", map[string]string{"MAX_RESPONSE_BYTES": "99999999999999999999"}, []string{"MAX_RESPONSE_BYTES"}},
		{"invoke mode", map[string]string{"AWS_LAMBDA_FUNCTION_NAME": "fn", "LAMBDA_INVOKE_MODE": "STREAMING"}, []string{"LAMBDA_INVOKE_MODE"}},
		{"vercel timeout word", map[string]string{"VERCEL": "1", "VERCEL_REQUEST_TIMEOUT": "soon"}, []string{"VERCEL_REQUEST_TIMEOUT"}},
		{"vercel timeout zero", map[string]string{"VERCEL": "1", "VERCEL_REQUEST_TIMEOUT": "0s"}, []string{"VERCEL_REQUEST_TIMEOUT"}},
		{"vercel timeout negative", map[string]string{"VERCEL": "1", "VERCEL_REQUEST_TIMEOUT": "-5"}, []string{"VERCEL_REQUEST_TIMEOUT"}},
		{"vercel timeout huge", map[string]string{"VERCEL": "1", "VERCEL_REQUEST_TIMEOUT": "99999999999999"}, []string{"VERCEL_REQUEST_TIMEOUT"}},
		{"all at once", map[string]string{"AWS_LAMBDA_FUNCTION_NAME": "fn", "LAMBDA_INVOKE_MODE": "x", "MAX_RESPONSE_BYTES": "y"}, []string{"LAMBDA_INVOKE_MODE", "MAX_RESPONSE_BYTES"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := Detect(env(tt.env))
			if err == nil {
				t.Fatalf("Detect = %+v, want an error", got)
			}
			for _, name := range tt.want {
				if !strings.Contains(err.Error(), name) {
					t.Errorf("error %q does not name %s", err, name)
				}
			}
			if strings.Contains(err.Error(), "\n") && len(tt.want) == 1 {
				t.Errorf("error %q spans lines for one problem", err)
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

func TestPublicBaseURL(t *testing.T) {
	tests := []struct {
		name string
		env  map[string]string
		want string
	}{
		{"none", nil, ""},
		{"public base url", map[string]string{"PUBLIC_BASE_URL": "https://files.example.com"}, "https://files.example.com"},
		{"trailing slash dropped", map[string]string{"PUBLIC_BASE_URL": "https://files.example.com/"}, "https://files.example.com"},
		{"http kept", map[string]string{"PUBLIC_BASE_URL": "http://10.0.0.5:8080"}, "http://10.0.0.5:8080"},
		{"ipv6", map[string]string{"PUBLIC_BASE_URL": "http://[2001:db8::1]:8080/"}, "http://[2001:db8::1]:8080"},
		{"bare host gets https", map[string]string{"PUBLIC_BASE_URL": "files.example.com"}, "https://files.example.com"},
		{"lowercased", map[string]string{"PUBLIC_BASE_URL": "HTTPS://Files.Example.COM"}, "https://files.example.com"},
		{"custom domain alias", map[string]string{"CUSTOM_DOMAIN": "dl.example.org"}, "https://dl.example.org"},
		{"public base url wins over alias", map[string]string{"PUBLIC_BASE_URL": "https://a.example", "CUSTOM_DOMAIN": "b.example"}, "https://a.example"},
		{"heroku", map[string]string{"HEROKU_APP_NAME": "my-app"}, "https://my-app.herokuapp.com"},
		{"render", map[string]string{"RENDER_EXTERNAL_URL": "https://my-app.onrender.com"}, "https://my-app.onrender.com"},
		{"railway public domain", map[string]string{"RAILWAY_PUBLIC_DOMAIN": "my-app.up.railway.app"}, "https://my-app.up.railway.app"},
		{"railway static url", map[string]string{"RAILWAY_STATIC_URL": "my-app.up.railway.app"}, "https://my-app.up.railway.app"},
		{"railway public before static", map[string]string{"RAILWAY_PUBLIC_DOMAIN": "new.up.railway.app", "RAILWAY_STATIC_URL": "old.up.railway.app"}, "https://new.up.railway.app"},
		{"fly", map[string]string{"FLY_APP_NAME": "my-app"}, "https://my-app.fly.dev"},
		{"vercel production", map[string]string{"VERCEL_PROJECT_PRODUCTION_URL": "my-app.vercel.app", "VERCEL_URL": "my-app-abc123.vercel.app"}, "https://my-app.vercel.app"},
		{"vercel deployment", map[string]string{"VERCEL_URL": "my-app-abc123.vercel.app"}, "https://my-app-abc123.vercel.app"},
		{"custom domain beats platform", map[string]string{"CUSTOM_DOMAIN": "dl.example.org", "VERCEL_URL": "x.vercel.app", "HEROKU_APP_NAME": "h"}, "https://dl.example.org"},
		{"heroku beats render", map[string]string{"HEROKU_APP_NAME": "h", "RENDER_EXTERNAL_URL": "https://r.onrender.com"}, "https://h.herokuapp.com"},

		// Invalid values are skipped, the next source is used.
		{"path refused", map[string]string{"PUBLIC_BASE_URL": "https://example.com/files", "VERCEL_URL": "v.vercel.app"}, "https://v.vercel.app"},
		{"query refused", map[string]string{"PUBLIC_BASE_URL": "https://example.com/?a=b"}, ""},
		{"empty query refused", map[string]string{"PUBLIC_BASE_URL": "https://example.com?"}, ""},
		{"fragment refused", map[string]string{"PUBLIC_BASE_URL": "https://example.com#x"}, ""},
		{"userinfo refused", map[string]string{"PUBLIC_BASE_URL": "https://user:pw@example.com"}, ""},
		{"ftp refused", map[string]string{"PUBLIC_BASE_URL": "ftp://example.com"}, ""},
		{"javascript refused", map[string]string{"PUBLIC_BASE_URL": "javascript:alert(1)"}, ""},
		{"bad host", map[string]string{"PUBLIC_BASE_URL": "https://exa mple.com"}, ""},
		{"underscore host", map[string]string{"PUBLIC_BASE_URL": "https://a_b.example.com"}, ""},
		{"crlf", map[string]string{"PUBLIC_BASE_URL": "https://example.com\r\nX-Evil: 1"}, ""},
		{"quote", map[string]string{"CUSTOM_DOMAIN": `example.com"><script>`}, ""},
		{"bad port", map[string]string{"PUBLIC_BASE_URL": "https://example.com:99999"}, ""},
		{"port zero", map[string]string{"PUBLIC_BASE_URL": "https://example.com:0"}, ""},
		{"empty port", map[string]string{"PUBLIC_BASE_URL": "https://example.com:"}, ""},
		{"numeric non-ip", map[string]string{"PUBLIC_BASE_URL": "https://1.2.3"}, ""},
		{"ipv6 zone", map[string]string{"PUBLIC_BASE_URL": "http://[fe80::1%25eth0]"}, ""},
		{"bad heroku name", map[string]string{"HEROKU_APP_NAME": "evil.com/x", "FLY_APP_NAME": "f"}, "https://f.fly.dev"},
		{"heroku name with dot", map[string]string{"HEROKU_APP_NAME": "a.b"}, ""},
		{"render without host", map[string]string{"RENDER_EXTERNAL_URL": "https://"}, ""},
		{"spaces trimmed", map[string]string{"PUBLIC_BASE_URL": "  https://example.com  "}, "https://example.com"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := PublicBaseURL(env(tt.env)); got != tt.want {
				t.Errorf("PublicBaseURL = %q, want %q", got, tt.want)
			}
		})
	}
}

// FuzzPublicBaseURL: whatever a variable holds, the result is "" or a clean
// origin without anything that could break out of an attribute or header.
func FuzzPublicBaseURL(f *testing.F) {
	for _, s := range []string{"https://example.com", "example.com", "http://[::1]:80/", "https://a/b", "x\r\ny", "https://é.com", "http://1.2.3.4:65535"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, v string) {
		got := PublicBaseURL(env(map[string]string{"PUBLIC_BASE_URL": v}))
		if got == "" {
			return
		}
		if !strings.HasPrefix(got, "https://") && !strings.HasPrefix(got, "http://") {
			t.Fatalf("%q → %q: bad scheme", v, got)
		}
		rest := got[strings.Index(got, "://")+3:]
		if rest == "" || strings.ContainsAny(rest, "/?#@\"'<> \t\r\n\\%") {
			t.Fatalf("%q → %q: not a bare origin", v, got)
		}
		if again := PublicBaseURL(env(map[string]string{"PUBLIC_BASE_URL": got})); again != got {
			t.Fatalf("not stable: %q → %q → %q", v, got, again)
		}
	})
}

func TestClientIPHeader(t *testing.T) {
	tests := []struct {
		env  map[string]string
		want string
	}{
		{nil, ""},
		{map[string]string{"VERCEL": "1"}, ""},
		{map[string]string{"FLY_APP_NAME": "app"}, "Fly-Client-IP"},
		{map[string]string{"DYNO": "web.1"}, "X-Forwarded-For"},
		{map[string]string{"RENDER": "true"}, "X-Forwarded-For"},
		{map[string]string{"RAILWAY_ENVIRONMENT": "production"}, "X-Forwarded-For"},
		{map[string]string{"CLIENT_IP_HEADER": "CF-Connecting-IP", "DYNO": "web.1"}, "CF-Connecting-IP"},
		{map[string]string{"CLIENT_IP_HEADER": "none", "DYNO": "web.1"}, ""},
		{map[string]string{"CLIENT_IP_HEADER": "bad header:"}, ""},
	}
	for _, tt := range tests {
		got := ClientIPHeader(func(k string) string { return tt.env[k] })
		if got != tt.want {
			t.Errorf("ClientIPHeader(%v) = %q, want %q", tt.env, got, tt.want)
		}
	}
}
