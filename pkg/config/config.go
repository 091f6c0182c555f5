// Package config is the one reader of the environment: every variable the
// service knows, the platform's included, is a row of a table (name, parse),
// and one pass over the table reports every problem at once, each naming its
// variable. A problem never holds the value (it may be a secret, and on
// Vercel and Lambda the message is in every 503 body).
//
// The platform's variables are read into platform.Env as they are: what
// they mean for the deployment (its profile, base URL and proxy) is decided
// in package platform, which reads no variable itself.
//
// A variable that is not set leaves its field at the zero value, which means
// "the default of the package that uses it" (stream, telegram, web, …):
// each default is written once, there.
//
// Adding variables: write a []Var for the topic in its own file and add it
// to tables below (one line).
package config

import (
	"crypto/rsa"
	"errors"
	"os"
	"strings"

	"github.com/filetolink/filetolink/pkg/platform"
)

// Config is the whole service's configuration.
type Config struct {
	// Telegram credentials (API_ID, API_HASH, BOT_TOKEN).
	APIID    int
	APIHash  string
	BotToken string
	// ChannelID is the bare channel id: LOG_CHANNEL_ID "-1001234567890" → 1234567890.
	ChannelID int64

	// DCList replaces the production DC list (TG_DC_LIST "2=host:port,4=host:port").
	DCList []DCAddr
	// DC is the home DC (TG_DC).
	DC int
	// PublicKeys are the RSA keys of the TG_PUBLIC_KEYS file (required with TG_DC_LIST).
	PublicKeys []*rsa.PublicKey
	// TestDC selects Telegram's test DCs (TG_TEST_DC).
	TestDC bool
	// Session is a decoded TG_SESSION: seeds the in-memory session.
	Session []byte

	Tuning   Tuning
	HTTP     HTTP
	Platform platform.Env
	Bot      Bot      // the link bot: bot.go
	Capacity Capacity // several bots and their rate: capacity.go
	Sessions Sessions // the shared session pool: sessions.go
	Links    Links    // signed (expiring) links: links.go
}

// tables is every variable the service reads, topic by topic, in the order
// they are parsed (a row's Then may rely on the rows before it).
func tables() [][]Var {
	return [][]Var{credentialVars, telegramVars, tuningVars, httpVars, platformVars, botVars, capacityVars, sessionVars, linkVars}
}

// Purpose says what the process is started for; it decides which
// variables are required.
type Purpose uint8

const (
	// Serve: the service itself (every entry point).
	Serve Purpose = 1 << iota
	// ExportSession: `server -export-session`, a login and no channel.
	ExportSession
	// Webhook: `server -set-webhook` and `-print-webhook-secret`: Bot API
	// calls only, no MTProto and no channel.
	Webhook
)

// Var is one environment variable.
type Var struct {
	Name string
	// Required lists the purposes the variable must be set for; Hint
	// completes "required" in the problem ("from my.telegram.org").
	Required Purpose
	Hint     string
	// Parse reads the trimmed, non-empty value into c. Its error is the
	// reason shown after the name and must not contain the value.
	Parse func(c *Config, v string) error
	// Then, if not nil, runs after every row is parsed, whether or not the
	// variable is set (set says which), unless its value was bad:
	// cross-checks and derived settings. Its error is reported under Name.
	Then func(c *Config, set bool) error
}

// Vars is every variable the service reads, in table order.
func Vars() []Var {
	var all []Var
	for _, t := range tables() {
		all = append(all, t...)
	}
	return all
}

// Required lists the variables that must be set for purpose.
func Required(purpose Purpose) []string {
	var names []string
	for _, row := range Vars() {
		if row.Required&purpose != 0 {
			names = append(names, row.Name)
		}
	}
	return names
}

// FromEnv reads the process environment for serving.
func FromEnv() (Config, error) { return Parse(os.Getenv, Serve) }

// Parse reads every variable through getenv. On error it returns Problems
// (every bad or missing variable) and the part of the configuration that
// parsed.
func Parse(getenv func(string) string, purpose Purpose) (Config, error) {
	var c Config
	var problems Problems
	failed := map[string]bool{}
	set := map[string]bool{}
	bad := func(name, reason string, missing bool) {
		failed[name] = true
		problems = append(problems, &VarError{Name: name, Reason: reason, Missing: missing})
	}
	rows := Vars()
	for _, row := range rows {
		v := strings.TrimSpace(getenv(row.Name))
		set[row.Name] = v != ""
		if v == "" {
			if row.Required&purpose != 0 {
				reason := "required"
				if row.Hint != "" {
					reason += " (" + row.Hint + ")"
				}
				bad(row.Name, reason, true)
			}
			continue
		}
		if err := row.Parse(&c, v); err != nil {
			bad(row.Name, err.Error(), false)
		}
	}
	for _, row := range rows {
		if row.Then == nil || failed[row.Name] {
			continue
		}
		if err := row.Then(&c, set[row.Name]); err != nil {
			bad(row.Name, err.Error(), false)
		}
	}
	if len(problems) > 0 {
		return c, problems
	}
	return c, nil
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

// Missing lists the required variables that err reports as not set.
func Missing(err error) []string {
	var p Problems
	if !errors.As(err, &p) {
		return nil
	}
	var names []string
	for _, e := range p {
		var v *VarError
		if errors.As(e, &v) && v.Missing {
			names = append(names, v.Name)
		}
	}
	return names
}

// VarError is a problem with one variable. It never holds the value.
type VarError struct {
	Name   string
	Reason string
	// Missing: a required variable is not set.
	Missing bool
}

func (e *VarError) Error() string { return e.Name + ": " + e.Reason }
