package platform

import "strings"

// WorkerBaseURL is WORKER_BASE_URL as a canonical "scheme://host[:port]":
// the base of the "fast" links, on a CDN Worker in front of this service
// (the seed bot's FILE_WORKER_URL). "" when unset; ok is false when it is
// set but not such a URL (a bare host gets https://).
func WorkerBaseURL(getenv func(string) string) (base string, ok bool) {
	v := strings.TrimSpace(getenv("WORKER_BASE_URL"))
	if v == "" {
		return "", true
	}
	return cleanBaseURL(withScheme(v))
}
