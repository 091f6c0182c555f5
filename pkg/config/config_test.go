package config

import (
	"errors"
	"os"
	"strings"
	"testing"
	"time"
)

func validRaw() raw {
	return raw{
		APIID: "17349", APIHash: "hash", BotToken: "123456:ABC-def_9", LogChannelID: "-1001234567890",
		DC: "2", TestDC: "false",
		Window: "8", ConnsPerDC: "8", CacheTTL: "10m", CacheSize: "1024", BufferBudget: "134217728",
		FloodWaitBudget: "5s", RPCTimeout: "15s",
		Port: "8080", MaxStreams: "100", CodeFailuresPerMinute: "30",
	}
}

func noFile(string) ([]byte, error) { return nil, os.ErrNotExist }

func TestParseValid(t *testing.T) {
	c, err := validRaw().parse(noFile)
	if err != nil {
		t.Fatal(err)
	}
	if c.APIID != 17349 || c.ChannelID != 1234567890 || c.DC != 2 || c.Tuning.CacheTTL != 10*time.Minute ||
		c.HTTP.Port != 8080 || c.Tuning.BufferBudget != 128<<20 {
		t.Errorf("parsed %+v", c)
	}
}

func TestParseReportsEveryProblem(t *testing.T) {
	r := validRaw()
	r.APIID = ""
	r.BotToken = "not a token"
	r.LogChannelID = "abc"
	r.Port = "99999"
	r.DCList = "2=127.0.0.1:443"
	_, err := r.parse(noFile)
	var p Problems
	if !errors.As(err, &p) {
		t.Fatalf("got %v, want Problems", err)
	}
	names := map[string]bool{}
	for _, e := range p {
		var v *VarError
		if errors.As(e, &v) {
			names[v.Name] = true
		}
	}
	for _, want := range []string{"API_ID", "BOT_TOKEN", "LOG_CHANNEL_ID", "PORT", "TG_PUBLIC_KEYS"} {
		if !names[want] {
			t.Errorf("no problem reported for %s in %v", want, err)
		}
	}
	if strings.Contains(err.Error(), "not a token") {
		t.Error("the error repeats the bot token's value")
	}
}

func TestParsePublicKeysFile(t *testing.T) {
	r := validRaw()
	r.DCList = "2=127.0.0.1:443,4=127.0.0.1:444"
	r.PublicKeys = "/keys.pem"
	pem := []byte("-----BEGIN RSA PUBLIC KEY-----\nAAAA\n-----END RSA PUBLIC KEY-----\n")
	c, err := r.parse(func(string) ([]byte, error) { return pem, nil })
	if err != nil || len(c.DCList) != 2 || string(c.PublicKeysPEM) != string(pem) {
		t.Fatalf("%v %+v", err, c.DCList)
	}
	r.DC = "5"
	if _, err := r.parse(func(string) ([]byte, error) { return pem, nil }); err == nil || !strings.Contains(err.Error(), "TG_DC") {
		t.Errorf("home DC outside the list: %v", err)
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

func TestMissingCredentials(t *testing.T) {
	env := map[string]string{"API_ID": "1", "BOT_TOKEN": " "}
	got := MissingCredentials(func(k string) string { return env[k] })
	if strings.Join(got, ",") != "API_HASH,BOT_TOKEN,LOG_CHANNEL_ID" {
		t.Errorf("got %v", got)
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
