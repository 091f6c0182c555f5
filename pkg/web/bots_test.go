package web

import (
	"encoding/json"
	"reflect"
	"strings"
	"testing"
)

func TestBotsOnStatusPages(t *testing.T) {
	bots := []BotStatus{
		{ID: 111, Connected: true, Parts: 12, Bytes: 12 << 20, FloodWaits: 1, Rate: 9.5},
		{ID: 222, Rate: 10, OutOfRotation: "not an admin of the log channel <b>"},
	}
	e := newEnv(t, Options{Bots: func() []BotStatus { return bots }})

	w := e.do("GET", "/healthz")
	var got health
	if err := json.Unmarshal(w.Body.Bytes(), &got); err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got.Bots, bots) {
		t.Errorf("healthz bots %+v, want %+v", got.Bots, bots)
	}

	page := e.do("GET", "/").Body.String()
	for _, want := range []string{`id="bots"`, "<code>111</code>", "12 MiB", "9.5/s", "Out of rotation", "not an admin of the log channel &lt;b&gt;"} {
		if !strings.Contains(page, want) {
			t.Errorf("status page lacks %q", want)
		}
	}

	// Without Options.Bots, neither shows bots.
	e = newEnv(t, Options{})
	if body := e.do("GET", "/healthz").Body.String(); strings.Contains(body, `"bots"`) {
		t.Errorf("healthz without bots: %s", body)
	}
	if page := e.do("GET", "/").Body.String(); strings.Contains(page, `id="bots"`) {
		t.Error("status page shows a bots table without bots")
	}
}
