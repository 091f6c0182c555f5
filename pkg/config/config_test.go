package config

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/filetolink/filetolink/pkg/platform"
)

const testHash = "0123456789abcdef0123456789ABCDEF"

// creds is the least a deployment sets.
func creds(extra map[string]string) func(string) string {
	env := map[string]string{
		"API_ID": "17349", "API_HASH": testHash, "BOT_TOKEN": "123456:ABC-def_9", "LOG_CHANNEL_ID": "-1001234567890",
	}
	for k, v := range extra {
		env[k] = v
	}
	return func(k string) string { return env[k] }
}

func only(env map[string]string) func(string) string {
	return func(k string) string { return env[k] }
}

// problemNames are the variables err names.
func problemNames(t *testing.T, err error) map[string]bool {
	t.Helper()
	var p Problems
	if !errors.As(err, &p) {
		t.Fatalf("got %v, want Problems", err)
	}
	names := map[string]bool{}
	for _, e := range p {
		var v *VarError
		if !errors.As(e, &v) {
			t.Fatalf("problem %v names no variable", e)
		}
		names[v.Name] = true
	}
	return names
}

func TestParseValid(t *testing.T) {
	c, err := Parse(creds(map[string]string{
		"TG_DC": "4", "CACHE_TTL": "1m", "PORT": "9000", "BUFFER_BUDGET_BYTES": "2097152", "FLOOD_WAIT_BUDGET": "0",
		"STREAM_WINDOW": " 16 ", "TG_INFLIGHT_PER_CONN": "3",
	}), Serve)
	if err != nil {
		t.Fatal(err)
	}
	if c.APIID != 17349 || c.APIHash != testHash || c.ChannelID != 1234567890 || c.DC != 4 || c.Tuning.CacheTTL != time.Minute ||
		c.HTTP.Port != 9000 || c.Tuning.BufferBudget != 2<<20 || c.Tuning.FloodWaitBudget >= 0 || c.Tuning.Window != 16 ||
		c.Tuning.InFlightPerConn != 3 {
		t.Errorf("parsed %+v", c)
	}
}

// An unset variable is the zero value: the default of the package that
// uses it, written there once.
func TestUnsetIsZero(t *testing.T) {
	c, err := Parse(creds(nil), Serve)
	if err != nil {
		t.Fatal(err)
	}
	want := Config{APIID: 17349, APIHash: testHash, BotToken: "123456:ABC-def_9", ChannelID: 1234567890}
	if c.DC != 0 || c.Tuning != want.Tuning || c.HTTP != (HTTP{}) || c.Platform != (platform.Env{}) {
		t.Errorf("parsed %+v, want %+v", c, want)
	}
}

// One round names every bad variable, the platform's included.
func TestParseReportsEveryProblem(t *testing.T) {
	env := map[string]string{
		"API_HASH":               "hash",
		"BOT_TOKEN":              "not a token",
		"LOG_CHANNEL_ID":         "abc",
		"PORT":                   "99999",
		"TG_DC_LIST":             "2=127.0.0.1:443",
		"STREAM_WINDOW":          "0",
		"TG_INFLIGHT_PER_CONN":   "17",
		"CACHE_TTL":              "0s",
		"VERCEL":                 "1",
		"VERCEL_REQUEST_TIMEOUT": "soon",
		"LAMBDA_INVOKE_MODE":     "STREAMING",
		"MAX_RESPONSE_BYTES":     "4MiB",
		"PUBLIC_BASE_URL":        "files.example.com",
		"CLIENT_IP_HEADER":       "X-My-Header",
	}
	_, err := Parse(only(env), Serve)
	names := problemNames(t, err)
	want := []string{"API_ID", "API_HASH", "BOT_TOKEN", "LOG_CHANNEL_ID", "PORT", "TG_PUBLIC_KEYS", "STREAM_WINDOW", "TG_INFLIGHT_PER_CONN", "CACHE_TTL",
		"VERCEL_REQUEST_TIMEOUT", "LAMBDA_INVOKE_MODE", "MAX_RESPONSE_BYTES", "PUBLIC_BASE_URL", "CLIENT_IP_HEADER"}
	for _, name := range want {
		if !names[name] {
			t.Errorf("no problem reported for %s in %v", name, err)
		}
	}
	if len(names) != len(want) {
		t.Errorf("%d variables named, want %d: %v", len(names), len(want), err)
	}
	if got := Missing(err); len(got) != 1 || got[0] != "API_ID" {
		t.Errorf("Missing = %v, want [API_ID]", got)
	}
	if strings.Contains(err.Error(), "\n") {
		t.Errorf("the message spans lines: %q", err)
	}
}

// No problem repeats a value: whatever each variable holds, the message has
// none of it (a value may be a secret, and on Vercel and Lambda the
// message is in every 503 body).
func TestProblemsNeverEchoValues(t *testing.T) {
	for _, v := range Vars() {
		for _, value := range []string{"SeCrEt-" + v.Name, "SeCrEt:" + v.Name + "=1,2=h:x", "https://SeCrEt.example/" + v.Name, "1:SeCrEt"} {
			_, err := Parse(only(map[string]string{v.Name: value}), Serve)
			if err == nil {
				t.Fatalf("%s=%q: no problem at all", v.Name, value)
			}
			msg := err.Error()
			for _, w := range Vars() { // names such as BOT_WEBHOOK_SECRET are not values
				msg = strings.ReplaceAll(msg, w.Name+":", "")
			}
			if strings.Contains(strings.ToLower(msg), "secret") {
				t.Errorf("%s=%q: the message repeats the value: %v", v.Name, value, err)
			}
		}
	}
}

func TestAPIHash(t *testing.T) {
	for _, bad := range []string{"hash", testHash[:31], testHash + "0", "0123456789abcdef0123456789abcdeg"} {
		if _, err := Parse(creds(map[string]string{"API_HASH": bad}), Serve); !problemNames(t, err)["API_HASH"] {
			t.Errorf("API_HASH %q accepted", bad)
		}
	}
}

// -export-session logs in and prints a session: it has no use for the
// channel, so it must not ask for it.
func TestExportSessionNeedsNoChannel(t *testing.T) {
	env := map[string]string{"API_ID": "1", "API_HASH": testHash, "BOT_TOKEN": "1:a"}
	if _, err := Parse(only(env), ExportSession); err != nil {
		t.Errorf("export-session: %v", err)
	}
	if _, err := Parse(only(env), Serve); !problemNames(t, err)["LOG_CHANNEL_ID"] {
		t.Error("serving without LOG_CHANNEL_ID accepted")
	}
	if got := strings.Join(Required(ExportSession), ","); got != "API_ID,API_HASH,BOT_TOKEN" {
		t.Errorf("Required(ExportSession) = %s", got)
	}
}

// -set-webhook and -print-webhook-secret call the Bot API only: they need
// the bot token and nothing of MTProto or the channel.
func TestWebhookNeedsOnlyTheBotToken(t *testing.T) {
	if _, err := Parse(only(map[string]string{"BOT_TOKEN": "1:a"}), Webhook); err != nil {
		t.Errorf("webhook: %v", err)
	}
	if _, err := Parse(only(nil), Webhook); !problemNames(t, err)["BOT_TOKEN"] {
		t.Error("webhook without BOT_TOKEN accepted")
	}
	if got := strings.Join(Required(Webhook), ","); got != "BOT_TOKEN" {
		t.Errorf("Required(Webhook) = %s", got)
	}
}

func TestParsePublicKeysFile(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "keys.pem")
	if err := os.WriteFile(path, []byte(testKeyPEM), 0o600); err != nil {
		t.Fatal(err)
	}
	c, err := Parse(creds(map[string]string{"TG_DC_LIST": "2=127.0.0.1:443,4=127.0.0.1:444", "TG_PUBLIC_KEYS": path}), Serve)
	if err != nil || len(c.DCList) != 2 || len(c.PublicKeys) != 1 || c.PublicKeys[0].N.BitLen() != 2048 {
		t.Fatalf("%v %+v %d keys", err, c.DCList, len(c.PublicKeys))
	}
	_, err = Parse(creds(map[string]string{"TG_DC_LIST": "2=127.0.0.1:443,4=127.0.0.1:444", "TG_PUBLIC_KEYS": path, "TG_DC": "5"}), Serve)
	if !problemNames(t, err)["TG_DC"] {
		t.Errorf("home DC outside the list: %v", err)
	}
	for name, content := range map[string]string{"empty": "", "no block": "hello", "bad block": "-----BEGIN RSA PUBLIC KEY-----\nAAAA\n-----END RSA PUBLIC KEY-----\n"} {
		if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
			t.Fatal(err)
		}
		if _, err := Parse(creds(map[string]string{"TG_PUBLIC_KEYS": path}), Serve); !problemNames(t, err)["TG_PUBLIC_KEYS"] {
			t.Errorf("%s: accepted", name)
		}
	}
	_, err = Parse(creds(map[string]string{"TG_PUBLIC_KEYS": filepath.Join(dir, "SeCrEt")}), Serve)
	if !problemNames(t, err)["TG_PUBLIC_KEYS"] || strings.Contains(err.Error(), "SeCrEt") || strings.Contains(err.Error(), dir) {
		t.Errorf("missing file: %v", err)
	}
}

// A read error that wraps nothing (no errors.Unwrap of it is taken) is a
// problem like any other. Not parallel: it swaps readFile.
func TestPublicKeysReadErrorNotWrapped(t *testing.T) {
	defer func(f func(string) ([]byte, error)) { readFile = f }(readFile)
	readFile = func(string) ([]byte, error) { return nil, errors.New("device busy") }
	_, err := Parse(creds(map[string]string{"TG_PUBLIC_KEYS": "/k.pem"}), Serve)
	if !problemNames(t, err)["TG_PUBLIC_KEYS"] || !strings.Contains(err.Error(), "device busy") {
		t.Errorf("got %v", err)
	}
}

// The platform's variables become platform.Env; the decision from it is
// tested in package platform.
func TestPlatformVariables(t *testing.T) {
	const lambda = "AWS_LAMBDA_FUNCTION_NAME"
	tests := []struct {
		name string
		env  map[string]string
		want platform.Profile
	}{
		{"server", nil, platform.Profile{Name: "server"}},
		{"server zero is default", map[string]string{"MAX_RESPONSE_BYTES": "0"}, platform.Profile{Name: "server"}},
		{"server cap", map[string]string{"MAX_RESPONSE_BYTES": " 1048576 "}, platform.Profile{Name: "server", MaxResponseBytes: 1 << 20}},
		{"VERCEL other than 1 is not Vercel", map[string]string{"VERCEL": "0"}, platform.Profile{Name: "server"}},
		// A process that is not Vercel's classic functions (platform.On) is
		// the plain server, on Vercel its Go server preset.
		{"vercel", map[string]string{"VERCEL": "1"}, platform.Profile{Name: "vercel (streaming)"}},
		{"vercel on lambda", map[string]string{"VERCEL": "1", lambda: "vercel-fn", "LAMBDA_INVOKE_MODE": "BUFFERED"}, platform.Profile{Name: "vercel (streaming)"}},
		{"vercel timeout duration", map[string]string{"VERCEL": "1", "VERCEL_REQUEST_TIMEOUT": "55s"}, platform.Profile{Name: "vercel (streaming)", RequestTimeout: 55 * time.Second}},
		{"vercel timeout seconds", map[string]string{"VERCEL": "1", "VERCEL_REQUEST_TIMEOUT": "790"}, platform.Profile{Name: "vercel (streaming)", RequestTimeout: 790 * time.Second}},
		{"lambda default is stream", map[string]string{lambda: "fn"}, platform.Profile{Name: "lambda-stream", MaxResponseBytes: platform.LambdaStreamMaxResponseBytes}},
		{"lambda stream lowercase", map[string]string{lambda: "fn", "LAMBDA_INVOKE_MODE": "response_stream"}, platform.Profile{Name: "lambda-stream", MaxResponseBytes: platform.LambdaStreamMaxResponseBytes}},
		{"lambda buffered", map[string]string{lambda: "fn", "LAMBDA_INVOKE_MODE": " BUFFERED "}, platform.Profile{Name: "lambda-buffered", MaxResponseBytes: 4669440}},
		{"lambda buffered clamped", map[string]string{lambda: "fn", "LAMBDA_INVOKE_MODE": "BUFFERED", "MAX_RESPONSE_BYTES": "6291456"}, platform.Profile{Name: "lambda-buffered", MaxResponseBytes: 4669440}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := Parse(creds(tt.env), Serve)
			if err != nil {
				t.Fatal(err)
			}
			if got := platform.Detect(c.Platform); got != tt.want {
				t.Errorf("profile %+v, want %+v", got, tt.want)
			}
		})
	}
	for _, bad := range []map[string]string{
		{"MAX_RESPONSE_BYTES": "-1"}, {"MAX_RESPONSE_BYTES": "99999999999999999999"},
		{"VERCEL_REQUEST_TIMEOUT": "0s"}, {"VERCEL_REQUEST_TIMEOUT": "-5"}, {"VERCEL_REQUEST_TIMEOUT": "99999999999999"},
	} {
		_, err := Parse(creds(bad), Serve)
		for name := range bad {
			if !problemNames(t, err)[name] {
				t.Errorf("%v accepted", bad)
			}
		}
	}
}

func TestPublicBaseURL(t *testing.T) {
	tests := []struct {
		name string
		env  map[string]string
		want string
		bad  string // the variable reported, if any
	}{
		{"none", nil, "", ""},
		{"public base url", map[string]string{"PUBLIC_BASE_URL": "https://files.example.com/"}, "https://files.example.com", ""},
		{"public base url needs a scheme", map[string]string{"PUBLIC_BASE_URL": "files.example.com"}, "", "PUBLIC_BASE_URL"},
		{"public base url path", map[string]string{"PUBLIC_BASE_URL": "https://example.com/files", "VERCEL_URL": "v.vercel.app"}, "https://v.vercel.app", "PUBLIC_BASE_URL"},
		{"public base url ftp", map[string]string{"PUBLIC_BASE_URL": "ftp://example.com"}, "", "PUBLIC_BASE_URL"},
		{"custom domain bare host", map[string]string{"CUSTOM_DOMAIN": "dl.example.org"}, "https://dl.example.org", ""},
		{"custom domain bad", map[string]string{"CUSTOM_DOMAIN": `example.com"><script>`}, "", "CUSTOM_DOMAIN"},
		{"public base url wins over alias", map[string]string{"PUBLIC_BASE_URL": "https://a.example", "CUSTOM_DOMAIN": "b.example"}, "https://a.example", ""},
		{"heroku", map[string]string{"HEROKU_APP_NAME": "my-app"}, "https://my-app.herokuapp.com", ""},
		{"render", map[string]string{"RENDER_EXTERNAL_URL": "https://my-app.onrender.com"}, "https://my-app.onrender.com", ""},
		{"railway public before static", map[string]string{"RAILWAY_PUBLIC_DOMAIN": "new.up.railway.app", "RAILWAY_STATIC_URL": "old.up.railway.app"}, "https://new.up.railway.app", ""},
		{"railway static url", map[string]string{"RAILWAY_STATIC_URL": "my-app.up.railway.app"}, "https://my-app.up.railway.app", ""},
		{"fly", map[string]string{"FLY_APP_NAME": "my-app"}, "https://my-app.fly.dev", ""},
		{"vercel production", map[string]string{"VERCEL_PROJECT_PRODUCTION_URL": "my-app.vercel.app", "VERCEL_URL": "my-app-abc123.vercel.app"}, "https://my-app.vercel.app", ""},
		{"vercel deployment", map[string]string{"VERCEL_URL": "my-app-abc123.vercel.app"}, "https://my-app-abc123.vercel.app", ""},
		{"custom domain beats platform", map[string]string{"CUSTOM_DOMAIN": "dl.example.org", "VERCEL_URL": "x.vercel.app", "HEROKU_APP_NAME": "h"}, "https://dl.example.org", ""},
		{"heroku beats render", map[string]string{"HEROKU_APP_NAME": "h", "RENDER_EXTERNAL_URL": "https://r.onrender.com"}, "https://h.herokuapp.com", ""},
		// A platform's own bad value is skipped: the operator cannot fix it.
		{"bad heroku name skipped", map[string]string{"HEROKU_APP_NAME": "evil.com/x", "FLY_APP_NAME": "f"}, "https://f.fly.dev", ""},
		{"render without host", map[string]string{"RENDER_EXTERNAL_URL": "https://"}, "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := Parse(creds(tt.env), Serve)
			if tt.bad == "" && err != nil {
				t.Fatal(err)
			}
			if tt.bad != "" && !problemNames(t, err)[tt.bad] {
				t.Fatalf("%s not reported: %v", tt.bad, err)
			}
			if c.Platform.PublicBaseURL != tt.want {
				t.Errorf("PublicBaseURL = %q, want %q", c.Platform.PublicBaseURL, tt.want)
			}
		})
	}
}

func TestClientIPHeader(t *testing.T) {
	tests := []struct {
		env  map[string]string
		want string
		bad  bool
	}{
		{nil, "", false},
		{map[string]string{"VERCEL": "1"}, "", false},
		{map[string]string{"FLY_APP_NAME": "app"}, "Fly-Client-Ip", false},
		{map[string]string{"DYNO": "web.1"}, "X-Forwarded-For", false},
		{map[string]string{"RENDER": "true"}, "X-Forwarded-For", false},
		{map[string]string{"RAILWAY_ENVIRONMENT": "production"}, "X-Forwarded-For", false},
		{map[string]string{"CLIENT_IP_HEADER": "cf-connecting-ip", "DYNO": "web.1"}, "Cf-Connecting-Ip", false},
		{map[string]string{"CLIENT_IP_HEADER": "None", "DYNO": "web.1"}, "", false},
		{map[string]string{"CLIENT_IP_HEADER": "bad header:"}, "", true},
		{map[string]string{"CLIENT_IP_HEADER": "X-My-Client"}, "", true},
		{map[string]string{"CLIENT_IP_HEADER": "Forwarded"}, "", true},
	}
	for _, tt := range tests {
		c, err := Parse(creds(tt.env), Serve)
		if tt.bad != (err != nil) || (tt.bad && !problemNames(t, err)["CLIENT_IP_HEADER"]) {
			t.Errorf("%v: %v", tt.env, err)
		}
		if c.Platform.ClientIPHeader != tt.want {
			t.Errorf("%v: ClientIPHeader %q, want %q", tt.env, c.Platform.ClientIPHeader, tt.want)
		}
	}
}

// Every row has a name, a parser, and a name of its own.
func TestTable(t *testing.T) {
	seen := map[string]bool{}
	for _, v := range Vars() {
		if v.Name == "" || v.Parse == nil || seen[v.Name] || strings.TrimSpace(v.Name) != v.Name {
			t.Errorf("bad row %q", v.Name)
		}
		seen[v.Name] = true
	}
}

func TestParseChannelID(t *testing.T) {
	tests := []struct {
		in   string
		want int64
		ok   bool
	}{
		{"-1001234567890", 1234567890, true},
		{"1234567890", 1234567890, true},
		{" -1001 ", 1, true},
		{"-100", 0, false},
		{"-5", 0, false},
		{"0", 0, false},
		{"abc", 0, false},
		{"", 0, false},
		{"-1009999999999999", 0, false},
	}
	for _, tt := range tests {
		got, err := ParseChannelID(tt.in)
		if (err == nil) != tt.ok || got != tt.want {
			t.Errorf("ParseChannelID(%q) = %d, %v; want %d ok=%v", tt.in, got, err, tt.want, tt.ok)
		}
	}
}

func TestParseDCList(t *testing.T) {
	tests := []struct {
		in string
		n  int
		ok bool
	}{
		{"2=127.0.0.1:443", 1, true},
		{"2=127.0.0.1:443, 4=example.org:8443", 2, true},
		{"2=[::1]:443", 1, true},
		{"2=127.0.0.1", 0, false},
		{"x=127.0.0.1:443", 0, false},
		{"2=127.0.0.1:0", 0, false},
		{"2=127.0.0.1:1,2=127.0.0.1:2", 0, false},
		{",", 0, false},
		{"2=:443", 0, false},
	}
	for _, tt := range tests {
		got, err := ParseDCList(tt.in)
		if (err == nil) != tt.ok || len(got) != tt.n {
			t.Errorf("ParseDCList(%q) = %v, %v; want %d entries ok=%v", tt.in, got, err, tt.n, tt.ok)
		}
	}
}

func TestSessionRoundTrip(t *testing.T) {
	data := []byte(`{"Version":1,"Data":{}}`)
	got, err := DecodeSession(EncodeSession(data))
	if err != nil || string(got) != string(data) {
		t.Fatalf("%q %v", got, err)
	}
	for _, bad := range []string{"", "1:", "2:abc", "1:!!!"} {
		if _, err := DecodeSession(bad); err == nil {
			t.Errorf("DecodeSession(%q) accepted", bad)
		}
	}
}

func FuzzParseDCList(f *testing.F) {
	for _, s := range []string{"2=127.0.0.1:443,4=h:1", "2=[::1]:1", "=:", ",,,"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		list, err := ParseDCList(s)
		if err != nil {
			return
		}
		for _, a := range list {
			if a.ID <= 0 || a.Port <= 0 || a.Port > 65535 || a.Host == "" {
				t.Fatalf("accepted a bad entry %+v from %q", a, s)
			}
		}
	})
}

func FuzzParseChannelID(f *testing.F) {
	for _, s := range []string{"-1001234567890", "1", "-100", "abc"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		id, err := ParseChannelID(s)
		if err == nil && id <= 0 {
			t.Fatalf("accepted %d from %q", id, s)
		}
	})
}

// FuzzParse: no value of any variable panics Parse or reaches its message
// (each value carries a marker no reason contains).
func FuzzParse(f *testing.F) {
	for i := range Vars() {
		f.Add(i, "x")
		f.Add(i, "2=h:1")
		f.Add(i, "https://a.example")
	}
	vars := Vars()
	f.Fuzz(func(t *testing.T, i int, value string) {
		if i < 0 {
			return
		}
		v := vars[i%len(vars)]
		_, err := Parse(only(map[string]string{v.Name: "Qz9" + value}), Serve)
		if err != nil && strings.Contains(err.Error(), "Qz9") {
			t.Fatalf("%s=%q: the message repeats the value: %v", v.Name, value, err)
		}
	})
}

// testKeyPEM is a 2048-bit PKCS#1 public key (Telegram's production key).
const testKeyPEM = `-----BEGIN RSA PUBLIC KEY-----
MIIBCgKCAQEA6LszBcC1LGzyr992NzE0ieY+BSaOW622Aa9Bd4ZHLl+TuFQ4lo4g
5nKaMBwK/BIb9xUfg0Q29/2mgIR6Zr9krM7HjuIcCzFvDtr+L0GQjae9H0pRB2OO
62cECs5HKhT5DZ98K33vmWiLowc621dQuwKWSQKjWf50XYFw42h21P2KXUGyp2y/
+aEyZ+uVgLLQbRA1dEjSDZ2iGRy12Mk5gpYc397aYp438fsJoHIgJ2lgMv5h7WY9
t6N/byY9Nw9p21Og3AoXSL2q/2IJ1WRUhebgAdGVMlV1fkuOQoEzR7EdpqtQD9Cs
5+bfo3Nhmcyvk5ftB0WkJ9z6bNZ7yxrP8wIDAQAB
-----END RSA PUBLIC KEY-----
`
