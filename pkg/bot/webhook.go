package bot

import (
	"bytes"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/json"
	"io"
	"net/http"
	"strconv"

	"github.com/filetolink/filetolink/pkg/httpresponse"
	"github.com/filetolink/filetolink/pkg/web"
)

// maxUpdateBytes bounds an update's body; Telegram's are a few KiB.
const maxUpdateBytes = 1 << 20

// SecretHeader carries the webhook's secret token.
const SecretHeader = "X-Telegram-Bot-Api-Secret-Token"

// ServeHTTP is the webhook, POST /telegram. A request without the right
// secret token gets 401 before anything else is looked at (then a method
// other than POST 405). Every update Telegram
// sends is answered 2xx once handled or found malformed, so that Telegram
// does not deliver it again: with the reply as a Bot API method call in the
// body when there is one, else a one-line text/plain note.
func (b *Bot) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if !b.checkSecret(r.Header.Get(SecretHeader)) {
		httpresponse.WriteText(w, r, http.StatusUnauthorized, "unauthorized: wrong or missing "+SecretHeader)
		return
	}
	if r.Method != http.MethodPost {
		w.Header().Set("Allow", http.MethodPost)
		httpresponse.WriteText(w, r, http.StatusMethodNotAllowed, "method not allowed: Telegram POSTs updates here")
		return
	}
	body, err := io.ReadAll(io.LimitReader(r.Body, maxUpdateBytes+1))
	if err != nil {
		// The connection broke: Telegram did not get an answer and retries.
		httpresponse.WriteText(w, r, http.StatusBadRequest, "could not read the update")
		return
	}
	u, ok := parseUpdate(body)
	if !ok {
		b.log.Warn("bot: malformed update", "bytes", len(body))
		httpresponse.WriteText(w, r, http.StatusOK, "ignored: malformed update")
		return
	}
	out := b.Handle(r.Context(), u, web.BaseURL(b.opts.PublicBaseURL, r))
	b.log.Info("bot: update", "update_id", u.UpdateID, "outcome", out.Note)
	if out.Reply == nil {
		httpresponse.WriteText(w, r, http.StatusOK, out.Note)
		return
	}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false) // the text is HTML for Telegram: keep it readable
	if err := enc.Encode(out.Reply); err != nil {
		httpresponse.WriteText(w, r, http.StatusOK, "ignored: reply not encodable")
		return
	}
	reply := buf.Bytes()
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("Content-Length", strconv.Itoa(len(reply)))
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write(reply)
}

// parseUpdate decodes an update; ok is false for a body that is not one
// (not JSON, too long, no update_id).
func parseUpdate(body []byte) (*Update, bool) {
	if len(body) > maxUpdateBytes {
		return nil, false
	}
	var u Update
	if err := json.Unmarshal(body, &u); err != nil || u.UpdateID <= 0 {
		return nil, false
	}
	return &u, true
}

// checkSecret compares in constant time (hashes of equal length).
func (b *Bot) checkSecret(got string) bool {
	g := sha256.Sum256([]byte(got))
	want := sha256.Sum256([]byte(b.opts.Secret))
	return got != "" && subtle.ConstantTimeCompare(g[:], want[:]) == 1
}
