package bot

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"time"
)

// DefaultAPIURL is Telegram's Bot API server.
const DefaultAPIURL = "https://api.telegram.org"

// APIError is a Bot API answer with ok=false.
type APIError struct {
	Method      string
	Code        int    // error_code, such as 400 or 429
	Description string // Telegram's text, such as "Bad Request: message to copy not found"
	RetryAfter  int    // seconds, on 429
}

func (e *APIError) Error() string {
	return fmt.Sprintf("bot api %s: %d %s", e.Method, e.Code, e.Description)
}

// api calls Bot API methods at base/bot<token>/<method>. The URL holds the
// token: errors never include it.
type api struct {
	base  string
	token string
	http  *http.Client
}

// callTimeout bounds one call (getUpdates adds its long-poll timeout).
const callTimeout = 30 * time.Second

// call posts params as JSON and decodes the result into out (may be nil).
func (a *api) call(ctx context.Context, method string, params any, out any) error {
	return a.callTimeout(ctx, callTimeout, method, params, out)
}

func (a *api) callTimeout(ctx context.Context, timeout time.Duration, method string, params any, out any) error {
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	body, err := json.Marshal(params)
	if err != nil {
		return fmt.Errorf("bot api %s: %w", method, err)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, a.base+"/bot"+a.token+"/"+method, bytes.NewReader(body))
	if err != nil {
		return fmt.Errorf("bot api %s: bad BOT_API_URL", method)
	}
	req.Header.Set("Content-Type", "application/json")
	res, err := a.http.Do(req)
	if err != nil {
		// *url.Error prints the URL, which holds the token: keep only its cause.
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err
		}
		return fmt.Errorf("bot api %s: %w", method, err)
	}
	defer res.Body.Close()
	raw, err := io.ReadAll(io.LimitReader(res.Body, 4<<20))
	if err != nil {
		return fmt.Errorf("bot api %s: reading the answer: %w", method, err)
	}
	var answer struct {
		OK          bool            `json:"ok"`
		Result      json.RawMessage `json:"result"`
		ErrorCode   int             `json:"error_code"`
		Description string          `json:"description"`
		Parameters  struct {
			RetryAfter int `json:"retry_after"`
		} `json:"parameters"`
	}
	if err := json.Unmarshal(raw, &answer); err != nil {
		return fmt.Errorf("bot api %s: HTTP %d, not a Bot API answer", method, res.StatusCode)
	}
	if !answer.OK {
		code := answer.ErrorCode
		if code == 0 {
			code = res.StatusCode
		}
		return &APIError{Method: method, Code: code, Description: answer.Description, RetryAfter: answer.Parameters.RetryAfter}
	}
	if out != nil {
		if err := json.Unmarshal(answer.Result, out); err != nil {
			return fmt.Errorf("bot api %s: unexpected result: %w", method, err)
		}
	}
	return nil
}
