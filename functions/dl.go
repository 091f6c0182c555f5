package handler

import (
	"net/http"
)

// Download serves the files /dl/{id}?code=C, in slices of at most the
// Vercel response cap.
func Download(w http.ResponseWriter, r *http.Request) {
	serve(service(), w, r)
}
