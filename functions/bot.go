package handler

import (
	"net/http"

	"github.com/filetolink/filetolink/pkg/app"
)

// Bot is the link bot's webhook, POST /telegram.
func Bot(w http.ResponseWriter, r *http.Request) {
	serve(app.ProcessHandler(), w, r)
}
