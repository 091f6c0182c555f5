package platform

import "testing"

// Every proxy's header is one package web can read, and every variable of
// Vars tells something, under a name of its own.
func TestProxiesAndVars(t *testing.T) {
	for _, p := range []Proxy{ForwardedFor, Fly} {
		if h, ok := ClientIPHeader(p.ClientIPHeader()); !ok || h != p.ClientIPHeader() {
			t.Errorf("proxy %d: header %q is not one of ClientIPHeaders", p, p.ClientIPHeader())
		}
	}
	if h := NoProxy.ClientIPHeader(); h != "" {
		t.Errorf("no proxy: header %q, want none", h)
	}
	seen := map[string]bool{}
	for _, v := range Vars {
		if v.Name == "" || seen[v.Name] {
			t.Errorf("variable %q: empty or twice", v.Name)
		}
		seen[v.Name] = true
		if v.BaseURL == nil && v.Proxy == NoProxy {
			t.Errorf("%s tells neither a base URL nor a proxy", v.Name)
		}
		if v.Strict && v.BaseURL == nil {
			t.Errorf("%s is strict but has no base URL to check", v.Name)
		}
	}
}
