package handler

import (
	"net/http"

	"github.com/filetolink/filetolink/pkg/app"
)

// Stream serves the player pages /stream/{id}?code=C.
func Stream(w http.ResponseWriter, r *http.Request) {
	serve(app.ProcessHandler(), w, r)
}
