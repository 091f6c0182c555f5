package links

import (
	"errors"
	"strings"
	"testing"
	"time"
)

func TestSigner(t *testing.T) {
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	s := NewSigner("secret", func() time.Time { return now })
	g := s.SignFor(42, "cap", time.Hour)
	if !g.Signed() || g.Code != "" || g.Expires != now.Add(time.Hour).Unix() || len(g.Sig) != sigLen {
		t.Fatalf("SignFor = %+v", g)
	}
	for _, link := range []string{Download("https://h", 42, g), Player("https://h", 42, g), Stream("https://h", 42, g)} {
		if strings.Contains(link, "cap") {
			t.Errorf("%s shows the caption", link)
		}
		id, got, ok := Parse(link)
		if !ok || id != 42 || got != g {
			t.Errorf("Parse(%s) = %d %+v %v", link, id, got, ok)
		}
	}
	if Stream("", 42, g) != Player("", 42, g) {
		t.Errorf("a signed stream link is not the player: %s", Stream("", 42, g))
	}
	later := g
	later.Expires++
	for _, tc := range []struct {
		name    string
		signer  *Signer
		g       Grant
		id      int
		caption string
		want    error
	}{
		{"genuine", s, g, 42, "cap", nil},
		{"later expiry", s, later, 42, "cap", ErrBadSignature},
		{"other id", s, g, 43, "cap", ErrBadSignature},
		{"other caption", s, g, 42, "revoked", ErrBadSignature},
		{"no caption", s, g, 42, "", ErrBadSignature},
		{"other key", NewSigner("other", nil), g, 42, "cap", ErrBadSignature},
		{"no key", nil, g, 42, "cap", ErrBadSignature},
		{"caption link", nil, Code("cap"), 42, "cap", nil},
		{"wrong code", s, Code("cax"), 42, "cap", ErrWrongCode},
	} {
		if err := tc.signer.Check(tc.g, tc.id, tc.caption); !errors.Is(err, tc.want) || (tc.want == nil) != (err == nil) {
			t.Errorf("%s: Check = %v, want %v", tc.name, err, tc.want)
		}
	}
	now = now.Add(time.Hour - time.Second)
	if err := s.Check(g, 42, "cap"); err != nil {
		t.Errorf("a second before expiry: %v", err)
	}
	now = now.Add(time.Second)
	if err := s.Check(g, 42, "cap"); !errors.Is(err, ErrExpired) {
		t.Errorf("at expiry: %v, want ErrExpired", err)
	}
	if err := s.Check(later, 42, "cap"); !errors.Is(err, ErrBadSignature) {
		t.Errorf("tampered and expired: %v, want ErrBadSignature", err)
	}
	if NewSigner("", nil) != nil {
		t.Error("NewSigner(\"\") is not nil")
	}
}

func TestSignedFromQuery(t *testing.T) {
	sig := strings.Repeat("A", sigLen)
	for _, tc := range []struct {
		query string
		err   error
	}{
		{"exp=1700000000&sig=" + sig, nil},
		{"sig=" + sig + "&exp=1700000000&x=y", nil},
		{"exp=1700000000", ErrBadSignature},
		{"sig=" + sig, ErrBadSignature},
		{"exp=-1&sig=" + sig, ErrBadSignature},
		{"exp=0&sig=" + sig, ErrBadSignature},
		{"exp=999999999999&sig=" + sig, ErrBadSignature},
		{"exp=1700000000&sig=" + sig[1:], ErrBadSignature},
		{"exp=1700000000&sig=" + sig[1:] + "=", ErrBadSignature},
		{"exp=1700000000&sig=" + sig[1:] + "+", ErrBadSignature},
		{"x=1", ErrNoCode},
	} {
		g, err := FromQuery(tc.query)
		if !errors.Is(err, tc.err) || (tc.err == nil) != (err == nil) {
			t.Errorf("FromQuery(%q) = %+v, %v; want %v", tc.query, g, err, tc.err)
		}
		if tc.err == nil && (!g.Signed() || g.Expires != 1700000000) {
			t.Errorf("FromQuery(%q) = %+v", tc.query, g)
		}
	}
	// A code wins: a caption link with stray exp/sig is a caption link.
	if g, err := FromQuery("code=abc&exp=1&sig=x"); err != nil || g.Signed() || g.Code != "abc" {
		t.Errorf("code and exp: %+v %v", g, err)
	}
}

func TestParseTTL(t *testing.T) {
	for s, want := range map[string]time.Duration{
		"24h": 24 * time.Hour, "90m": 90 * time.Minute, "1h30m": 90 * time.Minute, "7d": 7 * 24 * time.Hour,
		"2w": 14 * 24 * time.Hour, "1m": time.Minute, "366d": MaxTTL, " 1d ": 24 * time.Hour,
	} {
		if got, err := ParseTTL(s); err != nil || got != want {
			t.Errorf("ParseTTL(%q) = %v, %v; want %v", s, got, err, want)
		}
	}
	for _, s := range []string{"", "0", "24", "59s", "367d", "-1h", "1.5d", "d", "w", "99999d", "1e3h", "1y", "9223372036854775807d"} {
		if got, err := ParseTTL(s); !errors.Is(err, ErrBadTTL) {
			t.Errorf("ParseTTL(%q) = %v, %v; want ErrBadTTL", s, got, err)
		}
	}
}

// FuzzFromQuery: any query gives a grant or one of the package's errors,
// and a signed grant read back makes the same query.
func FuzzFromQuery(f *testing.F) {
	f.Add("exp=1700000000&sig=" + strings.Repeat("A", sigLen))
	f.Add("code=abc=stream")
	f.Add("exp=1&sig=%41")
	f.Add("sig=&exp=")
	f.Fuzz(func(t *testing.T, q string) {
		g, err := FromQuery(q)
		switch {
		case err == nil && g.Signed():
			if g.Code != "" || g.Expires < 1 || len(g.Sig) != sigLen {
				t.Fatalf("FromQuery(%q) = %+v", q, g)
			}
			if back, err := FromQuery(g.query()); err != nil || back != g {
				t.Fatalf("round trip of %+v: %+v %v", g, back, err)
			}
		case err == nil:
			if g.Code == "" {
				t.Fatalf("FromQuery(%q): empty code", q)
			}
		case !errors.Is(err, ErrNoCode) && !errors.Is(err, ErrBadSignature):
			t.Fatalf("FromQuery(%q): %v", q, err)
		}
	})
}

// FuzzParseTTL: a lifetime read is within bounds; nothing panics.
func FuzzParseTTL(f *testing.F) {
	for _, s := range []string{"24h", "7d", "2w", "1h30m", "366d", "0", "-5m", "1e9d"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		d, err := ParseTTL(s)
		if err == nil && (d < MinTTL || d > MaxTTL) {
			t.Fatalf("ParseTTL(%q) = %v", s, d)
		}
	})
}

// FuzzSignerCheck: only the grant Sign made unlocks; nothing panics.
func FuzzSignerCheck(f *testing.F) {
	f.Add(1, "cap", int64(1700000000), strings.Repeat("A", sigLen))
	f.Fuzz(func(t *testing.T, id int, caption string, exp int64, sig string) {
		s := NewSigner("k", func() time.Time { return time.Unix(0, 0) })
		g := Grant{Expires: exp, Sig: sig}
		if g.Signed() && s.Check(g, id, caption) == nil && g != s.Sign(id, caption, time.Unix(exp, 0)) {
			t.Fatalf("forged grant %+v unlocks", g)
		}
	})
}
