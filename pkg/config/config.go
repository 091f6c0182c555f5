// Package config reads the service's settings from the environment. Every
// problem is reported at once, each naming its variable; values of secrets
// never appear in errors.
package config

import (
	"encoding/base64"
	"errors"
	"fmt"
	"net"
	"os"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/kelseyhightower/envconfig"
)

// Config is the whole service's configuration.
type Config struct {
	// Telegram credentials (the seed's names).
	APIID    int
	APIHash  string
	BotToken string
	// ChannelID is the bare channel id: LOG_CHANNEL_ID "-1001234567890" → 1234567890.
	ChannelID int64

	// DCList replaces the production DC list (TG_DC_LIST "2=host:port,4=host:port").
	DCList []DCAddr
	// DC is the home DC (TG_DC, default 2).
	DC int
	// PublicKeysPEM is the content of the TG_PUBLIC_KEYS file (required with TG_DC_LIST).
	PublicKeysPEM []byte
	// TestDC selects Telegram's test DCs (TG_TEST_DC).
	TestDC bool
	// Session is a decoded TG_SESSION: seeds the in-memory session.
	Session []byte

	Tuning Tuning
	HTTP   HTTP
	// Sessions is the shared session pool (sessions.go).
	Sessions Sessions
}

// DCAddr is one entry of TG_DC_LIST.
type DCAddr struct {
	ID   int
	Host string
	Port int
}

// Tuning are the knobs of the range reader and the Telegram client.
type Tuning struct {
	// Window is how many 1 MiB parts one stream keeps in flight (STREAM_WINDOW).
	Window int
	// ConnsPerDC is how many MTProto connections download from one DC (TG_CONNS_PER_DC).
	ConnsPerDC int
	// CacheTTL is how long a resolved message is kept (CACHE_TTL).
	CacheTTL time.Duration
	// CacheSize is how many resolved messages are kept (CACHE_SIZE).
	CacheSize int
	// BufferBudget is the memory all streams together may hold in prefetched parts (BUFFER_BUDGET_BYTES).
	BufferBudget int64
	// FloodWaitBudget: FLOOD_WAITs up to this long are waited out (FLOOD_WAIT_BUDGET).
	FloodWaitBudget time.Duration
	// RPCTimeout bounds one Telegram call (TG_RPC_TIMEOUT).
	RPCTimeout time.Duration
}

// HTTP are the settings of the web layer.
type HTTP struct {
	// Port the plain server listens on (PORT, default 8080).
	Port int
	// MaxStreams is how many downloads run at once (MAX_STREAMS, default 100).
	MaxStreams int
	// CodeFailuresPerMinute per client IP before 429 (CODE_FAILURES_PER_MINUTE, default 30).
	CodeFailuresPerMinute int
}

// raw is what envconfig reads: strings, so that every bad value can be
// reported, not just the first.
type raw struct {
	APIID        string `envconfig:"API_ID"`
	APIHash      string `envconfig:"API_HASH"`
	BotToken     string `envconfig:"BOT_TOKEN"`
	LogChannelID string `envconfig:"LOG_CHANNEL_ID"`

	DCList     string `envconfig:"TG_DC_LIST"`
	DC         string `envconfig:"TG_DC" default:"2"`
	PublicKeys string `envconfig:"TG_PUBLIC_KEYS"`
	TestDC     string `envconfig:"TG_TEST_DC" default:"false"`
	Session    string `envconfig:"TG_SESSION"`

	Window          string `envconfig:"STREAM_WINDOW" default:"8"`
	ConnsPerDC      string `envconfig:"TG_CONNS_PER_DC" default:"8"`
	CacheTTL        string `envconfig:"CACHE_TTL" default:"10m"`
	CacheSize       string `envconfig:"CACHE_SIZE" default:"1024"`
	BufferBudget    string `envconfig:"BUFFER_BUDGET_BYTES" default:"134217728"`
	FloodWaitBudget string `envconfig:"FLOOD_WAIT_BUDGET" default:"5s"`
	RPCTimeout      string `envconfig:"TG_RPC_TIMEOUT" default:"15s"`

	Port                  string `envconfig:"PORT" default:"8080"`
	MaxStreams            string `envconfig:"MAX_STREAMS" default:"100"`
	CodeFailuresPerMinute string `envconfig:"CODE_FAILURES_PER_MINUTE" default:"30"`

	SessionsEnv
}

// MissingCredentials lists the credential variables that are not set at all.
// The plain server uses it to say what to set (or to suggest -demo).
func MissingCredentials(getenv func(string) string) []string {
	var missing []string
	for _, name := range []string{"API_ID", "API_HASH", "BOT_TOKEN", "LOG_CHANNEL_ID"} {
		if strings.TrimSpace(getenv(name)) == "" {
			missing = append(missing, name)
		}
	}
	return missing
}

// FromEnv reads the process environment.
func FromEnv() (Config, error) {
	var r raw
	if err := envconfig.Process("", &r); err != nil {
		return Config{}, fmt.Errorf("config: %w", err)
	}
	return r.parse(os.ReadFile)
}

// Problems is every configuration problem found, one per variable.
type Problems []error

func (p Problems) Error() string {
	msgs := make([]string, len(p))
	for i, e := range p {
		msgs[i] = e.Error()
	}
	return "invalid configuration: " + strings.Join(msgs, "; ")
}

// Unwrap lets errors.Is/As look at each problem.
func (p Problems) Unwrap() []error { return p }

// VarError is a problem with one variable. It never holds the value.
type VarError struct {
	Name   string
	Reason string
}

func (e *VarError) Error() string { return e.Name + ": " + e.Reason }

var botTokenPattern = regexp.MustCompile(`^[0-9]+:[A-Za-z0-9_-]+$`)

func (r raw) parse(readFile func(string) ([]byte, error)) (Config, error) {
	var c Config
	var problems Problems
	bad := func(name, reason string) { problems = append(problems, &VarError{Name: name, Reason: reason}) }

	if id, err := strconv.Atoi(strings.TrimSpace(r.APIID)); r.APIID == "" {
		bad("API_ID", "required (from my.telegram.org)")
	} else if err != nil || id <= 0 {
		bad("API_ID", "must be a positive integer")
	} else {
		c.APIID = id
	}
	c.APIHash = strings.TrimSpace(r.APIHash)
	if c.APIHash == "" {
		bad("API_HASH", "required (from my.telegram.org)")
	}
	c.BotToken = strings.TrimSpace(r.BotToken)
	switch {
	case c.BotToken == "":
		bad("BOT_TOKEN", "required (from @BotFather)")
	case !botTokenPattern.MatchString(c.BotToken):
		bad("BOT_TOKEN", "must look like 123456:ABC-def (digits, colon, token)")
	}
	if r.LogChannelID == "" {
		bad("LOG_CHANNEL_ID", "required (e.g. -1001234567890)")
	} else if id, err := ParseChannelID(r.LogChannelID); err != nil {
		bad("LOG_CHANNEL_ID", err.Error())
	} else {
		c.ChannelID = id
	}

	if r.DCList != "" {
		list, err := ParseDCList(r.DCList)
		if err != nil {
			bad("TG_DC_LIST", err.Error())
		}
		c.DCList = list
		if r.PublicKeys == "" {
			bad("TG_PUBLIC_KEYS", "required with TG_DC_LIST (PEM file with the server's RSA public keys)")
		}
	}
	if dc, err := strconv.Atoi(r.DC); err != nil || dc <= 0 || dc > 1000 {
		bad("TG_DC", "must be a DC number such as 2")
	} else {
		c.DC = dc
		if len(c.DCList) > 0 && !hasDC(c.DCList, dc) {
			bad("TG_DC", fmt.Sprintf("DC %d is not in TG_DC_LIST", dc))
		}
	}
	if r.PublicKeys != "" {
		pem, err := readFile(r.PublicKeys)
		switch {
		case err != nil:
			bad("TG_PUBLIC_KEYS", "cannot read the file: "+errors.Unwrap(err).Error())
		case !strings.Contains(string(pem), "-----BEGIN RSA PUBLIC KEY-----"):
			bad("TG_PUBLIC_KEYS", "the file holds no PEM \"RSA PUBLIC KEY\" block")
		default:
			c.PublicKeysPEM = pem
		}
	}
	if b, err := strconv.ParseBool(r.TestDC); err != nil {
		bad("TG_TEST_DC", "must be true or false")
	} else {
		c.TestDC = b
	}
	if r.Session != "" {
		s, err := DecodeSession(r.Session)
		if err != nil {
			bad("TG_SESSION", "not a session exported by `server -export-session`")
		}
		c.Session = s
	}

	positive := func(name, v string, max int) int {
		n, err := strconv.Atoi(v)
		if err != nil || n <= 0 || n > max {
			bad(name, fmt.Sprintf("must be an integer from 1 to %d", max))
		}
		return n
	}
	duration := func(name, v string) time.Duration {
		d, err := time.ParseDuration(v)
		if err != nil || d < 0 {
			bad(name, "must be a duration such as 30s or 10m")
		}
		return d
	}
	c.Tuning.Window = positive("STREAM_WINDOW", r.Window, 64)
	c.Tuning.ConnsPerDC = positive("TG_CONNS_PER_DC", r.ConnsPerDC, 64)
	c.Tuning.CacheTTL = duration("CACHE_TTL", r.CacheTTL)
	c.Tuning.CacheSize = positive("CACHE_SIZE", r.CacheSize, 1<<20)
	if n, err := strconv.ParseInt(r.BufferBudget, 10, 64); err != nil || n < 1<<20 {
		bad("BUFFER_BUDGET_BYTES", "must be an integer of at least 1048576 (one part)")
	} else {
		c.Tuning.BufferBudget = n
	}
	c.Tuning.FloodWaitBudget = duration("FLOOD_WAIT_BUDGET", r.FloodWaitBudget)
	c.Tuning.RPCTimeout = duration("TG_RPC_TIMEOUT", r.RPCTimeout)
	if c.Tuning.RPCTimeout == 0 {
		c.Tuning.RPCTimeout = 15 * time.Second
	}

	c.HTTP.Port = positive("PORT", r.Port, 65535)
	c.HTTP.MaxStreams = positive("MAX_STREAMS", r.MaxStreams, 100000)
	c.HTTP.CodeFailuresPerMinute = positive("CODE_FAILURES_PER_MINUTE", r.CodeFailuresPerMinute, 1000000)

	c.Sessions = r.SessionsEnv.parse(bad)

	if len(problems) > 0 {
		return c, problems
	}
	return c, nil
}

func hasDC(list []DCAddr, dc int) bool {
	for _, a := range list {
		if a.ID == dc {
			return true
		}
	}
	return false
}

// ParseChannelID accepts "-1001234567890" (Bot API form) and "1234567890".
func ParseChannelID(s string) (int64, error) {
	s = strings.TrimSpace(s)
	if rest, ok := strings.CutPrefix(s, "-100"); ok {
		s = rest
	}
	id, err := strconv.ParseInt(s, 10, 64)
	if err != nil || id <= 0 || id >= 1<<40 {
		return 0, errors.New("must be a channel id such as -1001234567890")
	}
	return id, nil
}

// ParseDCList parses "2=host:port,4=host:port".
func ParseDCList(s string) ([]DCAddr, error) {
	var list []DCAddr
	seen := map[int]bool{}
	for _, item := range strings.Split(s, ",") {
		item = strings.TrimSpace(item)
		if item == "" {
			continue
		}
		idText, addr, ok := strings.Cut(item, "=")
		if !ok {
			return nil, fmt.Errorf("entry %q: want DC=host:port", item)
		}
		id, err := strconv.Atoi(strings.TrimSpace(idText))
		if err != nil || id <= 0 || id > 1000 {
			return nil, fmt.Errorf("entry %q: DC must be a number such as 2", item)
		}
		host, portText, err := net.SplitHostPort(strings.TrimSpace(addr))
		if err != nil || host == "" {
			return nil, fmt.Errorf("entry %q: want DC=host:port", item)
		}
		port, err := strconv.Atoi(portText)
		if err != nil || port <= 0 || port > 65535 {
			return nil, fmt.Errorf("entry %q: bad port", item)
		}
		if seen[id] {
			return nil, fmt.Errorf("DC %d listed twice", id)
		}
		seen[id] = true
		list = append(list, DCAddr{ID: id, Host: host, Port: port})
	}
	if len(list) == 0 {
		return nil, errors.New("no DC listed; want 2=host:port,4=host:port")
	}
	return list, nil
}

// EncodeSession turns gotd session bytes into a TG_SESSION value.
func EncodeSession(data []byte) string {
	return "1:" + base64.RawURLEncoding.EncodeToString(data)
}

// DecodeSession reverses EncodeSession.
func DecodeSession(s string) ([]byte, error) {
	body, ok := strings.CutPrefix(strings.TrimSpace(s), "1:")
	if !ok {
		return nil, errors.New("unknown session format")
	}
	data, err := base64.RawURLEncoding.DecodeString(body)
	if err != nil || len(data) == 0 {
		return nil, errors.New("bad session encoding")
	}
	return data, nil
}
