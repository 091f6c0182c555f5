package app

import (
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"

	"github.com/filetolink/filetolink/pkg/platform"
)

// On Vercel and Lambda a configuration problem is answered on every route:
// the answer names each bad variable and repeats none of their values, and
// the Lambda entry still gets the profile the invoke mode asks for.
func TestMisconfiguredAnswerNamesVariablesNotValues(t *testing.T) {
	env := map[string]string{
		"AWS_LAMBDA_FUNCTION_NAME": "fn",
		"LAMBDA_INVOKE_MODE":       "BUFFERED",
		"API_ID":                   "SeCrEt1",
		"API_HASH":                 "SeCrEt2",
		"BOT_TOKEN":                "123:SeCrEt3 x",
		"LOG_CHANNEL_ID":           "SeCrEt4",
		"MAX_RESPONSE_BYTES":       "SeCrEt5",
		"TG_SESSION":               "SeCrEt6",
		"CLIENT_IP_HEADER":         "SeCrEt7",
	}
	h, profile := fromEnv(func(k string) string { return env[k] }, platform.Lambda, slog.New(slog.DiscardHandler))
	if profile.Name != platform.NameLambdaBuffered {
		t.Errorf("profile %q, want %q", profile.Name, platform.NameLambdaBuffered)
	}
	for _, method := range []string{http.MethodGet, http.MethodHead} {
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, httptest.NewRequest(method, "/dl/1?code=x", nil))
		res := rec.Result()
		body, _ := io.ReadAll(res.Body)
		if res.StatusCode != http.StatusServiceUnavailable || res.Header.Get("X-Content-Type-Options") != "nosniff" ||
			!strings.HasPrefix(res.Header.Get("Content-Type"), "text/plain") || res.Header.Get("Cache-Control") != "no-store" {
			t.Errorf("%s: %d %v", method, res.StatusCode, res.Header)
		}
		if method == http.MethodHead {
			if len(body) != 0 {
				t.Errorf("HEAD has a body")
			}
			continue
		}
		if n, _ := strconv.Atoi(res.Header.Get("Content-Length")); n != len(body) {
			t.Errorf("Content-Length %d, body %d bytes", n, len(body))
		}
		if strings.Contains(strings.ToLower(string(body)), "secret") {
			t.Errorf("the answer repeats a value: %s", body)
		}
		for _, name := range []string{"API_ID", "API_HASH", "BOT_TOKEN", "LOG_CHANNEL_ID", "MAX_RESPONSE_BYTES", "TG_SESSION", "CLIENT_IP_HEADER"} {
			if !strings.Contains(string(body), name) {
				t.Errorf("the answer does not name %s: %s", name, body)
			}
		}
		if strings.Count(string(body), "\n") != 1 {
			t.Errorf("not one line: %q", body)
		}
	}
}
