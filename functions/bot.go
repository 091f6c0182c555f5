package handler

import (
	"net/http"
)

// Bot is the link bot's webhook, POST /telegram.
func Bot(w http.ResponseWriter, r *http.Request) {
	serve(service(), w, r)
}
