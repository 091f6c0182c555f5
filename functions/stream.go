package handler

import (
	"net/http"
)

// Stream serves the player pages /stream/{id}?code=C.
func Stream(w http.ResponseWriter, r *http.Request) {
	serve(service(), w, r)
}
