package web

import (
	"net/http/httptest"
	"testing"
)

func TestBaseURL(t *testing.T) {
	r := httptest.NewRequest("POST", "http://bot.example.com/telegram", nil)
	if got := BaseURL("", r); got != "http://bot.example.com" {
		t.Errorf("from the request: %q", got)
	}
	if got := BaseURL("https://files.example.com/", r); got != "https://files.example.com" {
		t.Errorf("configured: %q", got)
	}
}
