// Package handler holds the Vercel Go functions. Each file is one function
// (listed in vercel.json's builds) whose exported handler serves the whole
// service: app.ProcessHandler routes on r.URL.Path, which the Vercel runtime
// passes through unchanged; serve keeps each answer until it is whole. The Vercel profile (platform.Detect: VERCEL=1)
// caps each response at 4 MiB and bounds each request by
// VERCEL_REQUEST_TIMEOUT, as the runtime buffers responses and gives no
// deadline.
package handler

import (
	"net/http"

	"github.com/filetolink/filetolink/pkg/app"
)

// Index serves /, /healthz, /static/ and any path no other function takes
// (a one-line 404).
func Index(w http.ResponseWriter, r *http.Request) {
	serve(app.ProcessHandler(), w, r)
}
