package platform

// Proxy is the router a platform puts in front of the plain server.
type Proxy uint8

// Proxies, in the order that decides: when variables of several platforms
// are set, the greatest wins.
const (
	// NoProxy: clients connect directly (or nothing says otherwise).
	NoProxy Proxy = iota
	// ForwardedFor: Heroku's, Render's and Railway's routers append the
	// client's address to X-Forwarded-For.
	ForwardedFor
	// Fly: Fly.io's proxy puts the client's address in Fly-Client-IP.
	Fly
)

// ClientIPHeader is the header in which p puts the client's address (one
// of ClientIPHeaders), or "" for NoProxy: the peer address.
func (p Proxy) ClientIPHeader() string {
	switch p {
	case Fly:
		return "Fly-Client-Ip"
	case ForwardedFor:
		return "X-Forwarded-For"
	}
	return ""
}

// Var is a variable that tells where the deployment is reachable, which
// proxy is in front of it, or both. Package config reads it into Env:
// every Var that is set raises Env.Proxy to its Proxy, and the first in
// Vars whose BaseURL yields a URL sets Env.PublicBaseURL.
type Var struct {
	Name string
	// BaseURL turns the value into a canonical base URL; nil: the variable
	// tells none.
	BaseURL func(string) (string, error)
	// Strict: the operator sets it, so a bad value is a configuration
	// problem; a platform's own bad value is skipped (the operator cannot
	// fix it).
	Strict bool
	// Proxy is the proxy in front when the variable is set.
	Proxy Proxy
}

// Vars are the deployment's base-URL and proxy variables, in order of
// precedence for the base URL: the operator's (PUBLIC_BASE_URL,
// CUSTOM_DOMAIN), then the platforms' own.
var Vars = []Var{
	{Name: "PUBLIC_BASE_URL", BaseURL: ParseBaseURL, Strict: true},
	{Name: "CUSTOM_DOMAIN", BaseURL: HostBaseURL, Strict: true},
	{Name: "HEROKU_APP_NAME", BaseURL: appURL(".herokuapp.com"), Proxy: ForwardedFor},
	{Name: "RENDER_EXTERNAL_URL", BaseURL: ParseBaseURL, Proxy: ForwardedFor},
	{Name: "RAILWAY_PUBLIC_DOMAIN", BaseURL: HostBaseURL, Proxy: ForwardedFor},
	{Name: "RAILWAY_STATIC_URL", BaseURL: HostBaseURL},
	{Name: "FLY_APP_NAME", BaseURL: appURL(".fly.dev"), Proxy: Fly},
	{Name: "VERCEL_PROJECT_PRODUCTION_URL", BaseURL: HostBaseURL},
	{Name: "VERCEL_URL", BaseURL: HostBaseURL},
	{Name: "DYNO", Proxy: ForwardedFor},
	{Name: "RENDER", Proxy: ForwardedFor},
	{Name: "RAILWAY_ENVIRONMENT", Proxy: ForwardedFor},
}

func appURL(suffix string) func(string) (string, error) {
	return func(name string) (string, error) { return AppBaseURL(name, suffix) }
}
