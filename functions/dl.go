package handler

import (
	"net/http"

	"github.com/filetolink/filetolink/pkg/app"
)

// Download serves the files /dl/{id}?code=C, in slices of at most the
// Vercel response cap.
func Download(w http.ResponseWriter, r *http.Request) {
	serve(app.ProcessHandler(), w, r)
}
