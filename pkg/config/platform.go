package config

import (
	"errors"
	"strconv"
	"strings"
	"time"

	"github.com/filetolink/filetolink/pkg/platform"
)

// platformVars are the deployment's variables: some set by the operator,
// most by the platform itself. They fill Config.Platform (platform.Env).
//
// Base URL: the first of the base-URL rows that yields one wins, in table
// order. The operator's (PUBLIC_BASE_URL, CUSTOM_DOMAIN) must be valid; a
// platform's own that is not is skipped.
var platformVars = []Var{
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

	{Name: "PUBLIC_BASE_URL", Parse: baseURL(platform.ParseBaseURL, true)},
	{Name: "CUSTOM_DOMAIN", Parse: baseURL(platform.HostBaseURL, true)},
	{Name: "HEROKU_APP_NAME", Parse: behindProxy(false, baseURL(appURL(".herokuapp.com"), false))},
	{Name: "RENDER_EXTERNAL_URL", Parse: behindProxy(false, baseURL(platform.ParseBaseURL, false))},
	{Name: "RAILWAY_PUBLIC_DOMAIN", Parse: behindProxy(false, baseURL(platform.HostBaseURL, false))},
	{Name: "RAILWAY_STATIC_URL", Parse: baseURL(platform.HostBaseURL, false)},
	{Name: "FLY_APP_NAME", Parse: behindProxy(true, baseURL(appURL(".fly.dev"), false))},
	{Name: "VERCEL_PROJECT_PRODUCTION_URL", Parse: baseURL(platform.HostBaseURL, false)},
	{Name: "VERCEL_URL", Parse: baseURL(platform.HostBaseURL, false)},
	{Name: "DYNO", Parse: behindProxy(false, nil)},
	{Name: "RENDER", Parse: behindProxy(false, nil)},
	{Name: "RAILWAY_ENVIRONMENT", Parse: behindProxy(false, nil)},

	// CLIENT_IP_HEADER comes after the rows that tell which proxy is in front.
	{Name: "CLIENT_IP_HEADER", Parse: func(c *Config, v string) error {
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
		switch {
		case set:
		case c.proxy.fly:
			c.Platform.ClientIPHeader = "Fly-Client-Ip"
		case c.proxy.forwardedFor:
			c.Platform.ClientIPHeader = "X-Forwarded-For"
		}
		return nil
	}},
}

// proxy is what the platform variables tell of the proxy in front of the
// plain server: Fly.io's puts the client in Fly-Client-IP; Heroku's,
// Render's and Railway's routers append it to X-Forwarded-For.
type proxy struct{ fly, forwardedFor bool }

// behindProxy notes the platform's proxy, then parses with next (nil: nothing).
func behindProxy(fly bool, next func(*Config, string) error) func(*Config, string) error {
	return func(c *Config, v string) error {
		if fly {
			c.proxy.fly = true
		} else {
			c.proxy.forwardedFor = true
		}
		if next == nil {
			return nil
		}
		return next(c, v)
	}
}

// baseURL parses a base-URL variable with parse; the first one to yield a
// URL sets Platform.PublicBaseURL. A bad value is a problem if strict, else
// skipped.
func baseURL(parse func(string) (string, error), strict bool) func(*Config, string) error {
	return func(c *Config, v string) error {
		u, err := parse(v)
		if err != nil {
			if strict {
				return err
			}
			return nil
		}
		if c.Platform.PublicBaseURL == "" {
			c.Platform.PublicBaseURL = u
		}
		return nil
	}
}

func appURL(suffix string) func(string) (string, error) {
	return func(name string) (string, error) { return platform.AppBaseURL(name, suffix) }
}
