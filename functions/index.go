// Package handler holds the Vercel Go functions. Each file is one function
// (listed in vercel.json's builds) whose exported handler serves the whole
// service: the handler routes on r.URL.Path, which the Vercel runtime
// passes through unchanged; serve keeps each answer until it is whole. The
// functions always use the Vercel profile (platform.Vercel, whether or not
// VERCEL=1 is exposed): each response is capped at 4 MiB and each request
// bounded by VERCEL_REQUEST_TIMEOUT, as the runtime buffers responses and
// gives no deadline.
//
// Nothing here may import a package under functions/internal: Vercel's
// builder renames the module to "handler" and imports these files as
// handler/functions, from outside that tree.
package handler

import (
	"net/http"
)

// Index serves /, /healthz, /static/ and any path no other function takes
// (a one-line 404).
func Index(w http.ResponseWriter, r *http.Request) {
	serve(service(), w, r)
}
