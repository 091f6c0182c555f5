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
	for _, v := range config.Vars() {
		t.Setenv(v.Name, "") // restored after the test
		os.Unsetenv(v.Name)
	}
	for k, v := range env {
		t.Setenv(k, v)
	}
	got, err := config.FromEnv()
	if err != nil {
		t.Fatal(err)
	}
	if want := defaultConfig(0); !reflect.DeepEqual(got, want) {
		t.Errorf("config.FromEnv:\n%+v\nthe tests' configuration:\n%+v", got, want)
	}
}
