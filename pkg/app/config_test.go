package app_test

import (
	"os"
	"reflect"
	"strconv"
	"testing"

	"github.com/filetolink/filetolink/internal/tgfake"
	"github.com/filetolink/filetolink/pkg/config"
)

// The fault tests build their configuration by hand; it must be the one a
// deployment gets from the environment with only the credentials set, so
// that they test the shipped defaults. Not parallel: it sets the process
// environment (before the parallel tests start).
func TestDefaultConfigIsFromEnv(t *testing.T) {
	env := map[string]string{
		"API_ID":         strconv.Itoa(tgfake.DefaultAPIID),
		"API_HASH":       tgfake.DefaultAPIHash,
		"BOT_TOKEN":      tgfake.DefaultBotToken,
		"LOG_CHANNEL_ID": "-100" + strconv.Itoa(tgfake.DefaultChannelID),
	}
	for _, k := range []string{
		"TG_DC_LIST", "TG_DC", "TG_PUBLIC_KEYS", "TG_TEST_DC", "TG_SESSION",
		"STREAM_WINDOW", "TG_CONNS_PER_DC", "CACHE_TTL", "CACHE_SIZE", "BUFFER_BUDGET_BYTES",
		"FLOOD_WAIT_BUDGET", "TG_RPC_TIMEOUT", "PORT", "MAX_STREAMS", "CODE_FAILURES_PER_MINUTE",
		"REDIS_URL", "SESSION_LEASE_TTL", "LOGIN_BUDGET",
	} {
		t.Setenv(k, "") // restored after the test
		os.Unsetenv(k)
	}
	for k, v := range env {
		t.Setenv(k, v)
	}
	got, err := config.FromEnv()
	if err != nil {
		t.Fatal(err)
	}
	if want := defaultConfig(tgfake.DefaultHomeDC); !reflect.DeepEqual(got, want) {
		t.Errorf("config.FromEnv:\n%+v\nthe tests' configuration:\n%+v", got, want)
	}
}
