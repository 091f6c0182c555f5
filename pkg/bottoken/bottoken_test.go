package bottoken

import (
	"strconv"
	"strings"
	"testing"
)

func TestTokens(t *testing.T) {
	for _, tc := range []struct {
		token string
		valid bool
		id    int64
	}{
		{"123456:ABC-def_9", true, 123456},
		{"1:a", true, 1},
		{"0:abc", true, 0},
		{"123456:", false, 123456},
		{"123456", false, 0},
		{":abc", false, 0},
		{"abc:def", false, 0},
		{"-5:abc", false, 0},
		{"123:ab c", false, 123},
		{"99999999999999999999:abc", true, 0},
		{"", false, 0},
		{"+1:abc", false, 0},
	} {
		if got := Valid(tc.token); got != tc.valid {
			t.Errorf("Valid(%q) = %v, want %v", tc.token, got, tc.valid)
		}
		if got := ID(tc.token); got != tc.id {
			t.Errorf("ID(%q) = %d, want %d", tc.token, got, tc.id)
		}
	}
}

func FuzzID(f *testing.F) {
	for _, s := range []string{"123456:ABC-def", "", ":", "1:", "x:y"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, token string) {
		id := ID(token)
		if id < 0 || id > 0 && !strings.HasPrefix(strings.TrimLeft(token, "0"), strconv.FormatInt(id, 10)+":") {
			t.Fatalf("ID(%q) = %d: not the digits before the colon", token, id)
		}
	})
}
