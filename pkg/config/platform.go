package config

import (
	"errors"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/filetolink/filetolink/pkg/platform"
)

// platformVars are the deployment's variables: some set by the operator,
// most by the platform itself. They fill Config.Platform (platform.Env);
// what they mean for the deployment (the profile, the base URL's
// precedence, the proxy in front and its client-address header) is
// package platform's.
var platformVars = slices.Concat(runtimeVars, baseURLVars(), []Var{clientIPVar})

// runtimeVars tell the platform and what its functions allow.
var runtimeVars = []Var{
	{Name: "VERCEL", Parse: func(c *Config, v string) error {
		c.Platform.Vercel = v == "1"
		return nil
	}},
	{Name: "VERCEL_REQUEST_TIMEOUT", Parse: func(c *Config, v string) error {
		d, err := time.ParseDuration(v)
		if err != nil {
			secs, serr := strconv.ParseInt(v, 10, 64)
			if serr != nil || secs > int64(24*time.Hour/time.Second) {
				return errors.New("must be a duration such as 280s, or whole seconds")
			}
			d = time.Duration(secs) * time.Second
		}
		if d <= 0 {
			return errors.New("must be positive, such as 280s")
		}
		c.Platform.VercelRequestTimeout = d
		return nil
	}},
	{Name: "AWS_LAMBDA_FUNCTION_NAME", Parse: func(c *Config, v string) error {
		c.Platform.Lambda = true
		return nil
	}},
	{Name: "LAMBDA_INVOKE_MODE", Parse: func(c *Config, v string) error {
		switch strings.ToUpper(v) {
		case "RESPONSE_STREAM":
			c.Platform.LambdaBuffered = false
		case "BUFFERED":
			c.Platform.LambdaBuffered = true
		default:
			return errors.New("must be RESPONSE_STREAM or BUFFERED, as the function URL's InvokeMode")
		}
		return nil
	}},
	{Name: "MAX_RESPONSE_BYTES", Parse: func(c *Config, v string) error {
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil || n < 0 {
			return errors.New("must be a number of bytes (0 = the platform's default)")
		}
		c.Platform.MaxResponseBytes = n
		return nil
	}},
}

// baseURLVars read platform.Vars as their rule says: each one set raises
// the proxy; the first that yields a base URL sets it; a bad value is a
// problem if the row is strict, else skipped.
func baseURLVars() []Var {
	rows := make([]Var, len(platform.Vars))
	for i, pv := range platform.Vars {
		rows[i] = Var{Name: pv.Name, Parse: func(c *Config, v string) error {
			c.Platform.Proxy = max(c.Platform.Proxy, pv.Proxy)
			if pv.BaseURL == nil {
				return nil
			}
			u, err := pv.BaseURL(v)
			if err != nil {
				if pv.Strict {
					return err
				}
				return nil
			}
			if c.Platform.PublicBaseURL == "" {
				c.Platform.PublicBaseURL = u
			}
			return nil
		}}
	}
	return rows
}

// clientIPVar comes after the rows that tell which proxy is in front.
var clientIPVar = Var{Name: "CLIENT_IP_HEADER", Parse: func(c *Config, v string) error {
	if strings.EqualFold(v, "none") {
		c.Platform.ClientIPHeader = ""
		return nil
	}
	h, ok := platform.ClientIPHeader(v)
	if !ok {
		return errors.New("must be none or one of " + strings.Join(platform.ClientIPHeaders, ", "))
	}
	c.Platform.ClientIPHeader = h
	return nil
}, Then: func(c *Config, set bool) error {
	if !set {
		c.Platform.ClientIPHeader = c.Platform.Proxy.ClientIPHeader()
	}
	return nil
}}
