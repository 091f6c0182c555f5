package links

import (
	"crypto/hkdf"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"strconv"
	"strings"
	"time"
)

// Signed links: /dl/{id}?exp={unix seconds}&sig={signature} (and the same
// query on /stream/{id}). The signature is HMAC-SHA256 under the Signer's
// key of the message id, the expiry and a hash of the message's caption:
// nobody without the key can move the expiry, the link holds no code that
// works without it, and a revoke (which deletes the message or changes its
// caption) stops it like a caption link.

// Errors of signed links, beside ErrWrongCode.
var (
	// ErrBadSignature: the expiry or signature is malformed or does not
	// match (a tampered link, or one made under another key).
	ErrBadSignature = errors.New("invalid link signature")
	// ErrExpired: a genuine signed link past its expiry.
	ErrExpired = errors.New("link expired")
)

// sigLen is the length of a signature in the query: base64url of 32 bytes.
const sigLen = 43

// Signer makes and checks signed links. A nil *Signer makes none and
// refuses every signed link.
type Signer struct {
	key []byte
	now func() time.Time
}

// keyInfo labels the key derived for link signatures (HKDF info).
const keyInfo = "filetolink link signature v1"

// NewSigner derives the signing key from secret with HKDF-SHA256; now is
// the clock expiries are read against (nil: time.Now). It returns nil for
// an empty secret.
func NewSigner(secret string, now func() time.Time) *Signer {
	if secret == "" {
		return nil
	}
	if now == nil {
		now = time.Now
	}
	key, err := hkdf.Key(sha256.New, []byte(secret), nil, keyInfo, 32)
	if err != nil {
		panic("links: hkdf: " + err.Error()) // only for a length over 255*32
	}
	return &Signer{key: key, now: now}
}

// Now is the signer's clock.
func (s *Signer) Now() time.Time { return s.now() }

// Sign is the grant of a link to message id, whose caption is caption,
// that works until expires (rounded down to the second).
func (s *Signer) Sign(id int, caption string, expires time.Time) Grant {
	exp := expires.Unix()
	return Grant{Expires: exp, Sig: base64.RawURLEncoding.EncodeToString(s.mac(id, exp, caption))}
}

// SignFor is Sign with an expiry ttl from now.
func (s *Signer) SignFor(id int, caption string, ttl time.Duration) Grant {
	return s.Sign(id, caption, s.now().Add(ttl))
}

func (s *Signer) mac(id int, exp int64, caption string) []byte {
	h := sha256.Sum256([]byte(caption))
	m := hmac.New(sha256.New, s.key)
	m.Write([]byte(strconv.Itoa(id) + "\x00" + strconv.FormatInt(exp, 10) + "\x00"))
	m.Write(h[:])
	return m.Sum(nil)
}

// Check reports whether g unlocks message id whose caption is caption: nil,
// ErrWrongCode (a caption link with another code, or no caption),
// ErrBadSignature (a signed link that does not match), or ErrExpired (a
// genuine signed link past its expiry). The signature is checked first, so
// a tampered expiry is never reported as expired.
func (s *Signer) Check(g Grant, id int, caption string) error {
	if !g.Signed() {
		return Check(g, caption)
	}
	if s == nil || caption == "" {
		return ErrBadSignature
	}
	got, err := base64.RawURLEncoding.DecodeString(g.Sig)
	if err != nil || !hmac.Equal(got, s.mac(id, g.Expires, caption)) {
		return ErrBadSignature
	}
	if !s.now().Before(time.Unix(g.Expires, 0)) {
		return ErrExpired
	}
	return nil
}

// maxExpiry bounds the exp parameter (year 5138): more digits are not an
// expiry this package made.
const maxExpiry = 1e11

// signedFromQuery reads exp and sig from a raw query; found is false when
// neither is there.
func signedFromQuery(rawQuery string) (g Grant, found bool, err error) {
	var exp, sig string
	var hasExp, hasSig bool
	for rawQuery != "" {
		var pair string
		pair, rawQuery, _ = strings.Cut(rawQuery, "&")
		key, value, _ := strings.Cut(pair, "=")
		switch key {
		case "exp":
			if !hasExp {
				exp, hasExp = value, true
			}
		case "sig":
			if !hasSig {
				sig, hasSig = value, true
			}
		}
	}
	if !hasExp && !hasSig {
		return Grant{}, false, nil
	}
	n, ok := digits(exp)
	if !ok || n < 1 || n >= maxExpiry || len(sig) != sigLen {
		return Grant{}, true, ErrBadSignature
	}
	if _, err := base64.RawURLEncoding.DecodeString(sig); err != nil {
		return Grant{}, true, ErrBadSignature
	}
	return Grant{Expires: n, Sig: sig}, true, nil
}

// digits parses 1 to 11 ASCII digits.
func digits(s string) (int64, bool) {
	if s == "" || len(s) > 11 {
		return 0, false
	}
	var n int64
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return 0, false
		}
		n = n*10 + int64(s[i]-'0')
	}
	return n, true
}

// Bounds of a link's lifetime.
const (
	MinTTL = time.Minute
	MaxTTL = 366 * 24 * time.Hour
)

// ErrBadTTL: a lifetime ParseTTL does not read.
var ErrBadTTL = errors.New("want a lifetime such as 30m, 24h, 7d or 2w, from 1m to 366d")

// ParseTTL reads a link's lifetime: a Go duration ("90m", "24h", "1h30m")
// or a whole number of days or weeks ("7d", "2w"), from MinTTL to MaxTTL.
func ParseTTL(s string) (time.Duration, error) {
	s = strings.TrimSpace(s)
	var d time.Duration
	if n, ok := strings.CutSuffix(s, "d"); ok {
		d = wholeUnits(n, 24*time.Hour)
	} else if n, ok := strings.CutSuffix(s, "w"); ok {
		d = wholeUnits(n, 7*24*time.Hour)
	} else if v, err := time.ParseDuration(s); err == nil {
		d = v
	}
	if d < MinTTL || d > MaxTTL {
		return 0, ErrBadTTL
	}
	return d, nil
}

// wholeUnits is n (1 to 4 digits) units; 0 for anything else.
func wholeUnits(n string, unit time.Duration) time.Duration {
	if len(n) > 4 {
		return 0
	}
	v, ok := digits(n)
	if !ok {
		return 0
	}
	return time.Duration(v) * unit
}
