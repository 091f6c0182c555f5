package config

import (
	"reflect"
	"strings"
	"testing"
)

func TestBotVars(t *testing.T) {
	for _, tc := range []struct {
		env  map[string]string
		want Bot
		bad  string // the variable named in the problems, "" for none
	}{
		{env: nil, want: Bot{}},
		{env: map[string]string{"BOT_ALLOWED_USERS": "123, 456;789"}, want: Bot{AllowedUsers: []int64{123, 456, 789}}},
		{env: map[string]string{"BOT_ALLOWED_USERS": "123,@bob"}, bad: "BOT_ALLOWED_USERS"},
		{env: map[string]string{"BOT_ALLOWED_USERS": "-5"}, bad: "BOT_ALLOWED_USERS"},
		{env: map[string]string{"BOT_LINKS_PER_MINUTE": "3"}, want: Bot{LinksPerMinute: 3}},
		{env: map[string]string{"BOT_LINKS_PER_MINUTE": "-4"}, bad: "BOT_LINKS_PER_MINUTE"},
		{env: map[string]string{"BOT_API_URL": "http://127.0.0.1:8081/"}, want: Bot{APIURL: "http://127.0.0.1:8081"}},
		{env: map[string]string{"BOT_API_URL": "botapi.local:8081"}, bad: "BOT_API_URL"},
		{env: map[string]string{"BOT_API_URL": "https://u:p@api.telegram.org"}, bad: "BOT_API_URL"},
		{env: map[string]string{"BOT_WEBHOOK_SECRET": "a_B-9abcdefghijk"}, want: Bot{WebhookSecret: "a_B-9abcdefghijk"}},
		{env: map[string]string{"BOT_WEBHOOK_SECRET": "q7"}, bad: "BOT_WEBHOOK_SECRET"},
		{env: map[string]string{"BOT_WEBHOOK_SECRET": "a_B-9abcdefghij"}, bad: "BOT_WEBHOOK_SECRET"}, // 15
		{env: map[string]string{"BOT_WEBHOOK_SECRET": "a_B-9abcdefghij!"}, bad: "BOT_WEBHOOK_SECRET"},
		{env: map[string]string{"BOT_WEBHOOK_SECRET": "has space"}, bad: "BOT_WEBHOOK_SECRET"},
		{env: map[string]string{"BOT_WEBHOOK_SECRET": strings.Repeat("x", 257)}, bad: "BOT_WEBHOOK_SECRET"},
		{env: map[string]string{"WORKER_BASE_URL": "edge.example.workers.dev"}, want: Bot{WorkerBaseURL: "https://edge.example.workers.dev"}},
		{env: map[string]string{"WORKER_BASE_URL": "https://edge.example/path"}, bad: "WORKER_BASE_URL"},
	} {
		got, err := Parse(func(k string) string { return tc.env[k] }, 0)
		var names []string
		if p, ok := err.(Problems); ok {
			for _, e := range p {
				names = append(names, e.(*VarError).Name)
				for _, v := range tc.env {
					if strings.Contains(e.Error(), v) {
						t.Errorf("%v: the problem %q holds the value", tc.env, e)
					}
				}
			}
		}
		switch {
		case tc.bad == "" && err != nil:
			t.Errorf("%v: %v", tc.env, err)
		case tc.bad != "" && (len(names) != 1 || names[0] != tc.bad):
			t.Errorf("%v: problems %v, want %s", tc.env, names, tc.bad)
		case tc.bad == "" && !reflect.DeepEqual(got.Bot, tc.want):
			t.Errorf("%v: %+v, want %+v", tc.env, got.Bot, tc.want)
		}
	}
}
