package tgerrclass

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/gotd/td/tgerr"
)

// known is every Telegram error the project meets, says or fakes, with its
// class. TestEveryKnownStringIsListed keeps it complete.
var known = []struct {
	code  int
	msg   string
	class Class
}{
	{420, "FLOOD_WAIT_3", FloodWait},
	{420, "FLOOD_PREMIUM_WAIT_5", FloodWait},
	{303, "FILE_MIGRATE_4", Migrate},
	{303, "USER_MIGRATE_2", Migrate},
	{400, "FILE_REFERENCE_EXPIRED", FileReference},
	{400, "FILE_REFERENCE_INVALID", FileReference},
	{401, "AUTH_KEY_UNREGISTERED", KeyRejected},
	{401, "AUTH_KEY_INVALID", KeyRejected},
	{401, "SESSION_REVOKED", KeyRejected},
	{401, "SESSION_EXPIRED", KeyRejected},
	{406, "AUTH_KEY_DUPLICATED", KeyDuplicated},
	{401, "ACCESS_TOKEN_INVALID", TokenRefused},
	{401, "ACCESS_TOKEN_EXPIRED", TokenRefused},
	{400, "BOT_TOKEN_INVALID", TokenRefused},
	{401, "USER_DEACTIVATED", TokenRefused},
	{401, "USER_DEACTIVATED_BAN", TokenRefused},
	{400, "API_ID_INVALID", Credentials},
	{400, "API_ID_PUBLISHED_FLOOD", Credentials},
	{400, "API_HASH_INVALID", Credentials},
	{406, "CHANNEL_PRIVATE", ChannelDenied},
	{403, "CHAT_ADMIN_REQUIRED", ChannelDenied},
	{400, "CHANNEL_PUBLIC_GROUP_NA", ChannelDenied},
	{400, "CHANNEL_INVALID", ChannelUnknown},
	{400, "PEER_ID_INVALID", ChannelUnknown},
	{400, "MSG_ID_INVALID", MessageMissing},
	{400, "MESSAGE_IDS_EMPTY", MessageMissing},
	{400, "OFFSET_INVALID", BadRequest},
	{400, "LIMIT_INVALID", BadRequest},
	{400, "FILE_ID_INVALID", BadRequest},
	{400, "LOCATION_INVALID", BadRequest},
	// Met only by gotd's own login and DC transfer (the fake says them):
	// no caller here has a rule for them.
	{400, "INPUT_REQUEST_INVALID", Unknown},
	{400, "INPUT_METHOD_INVALID", Unknown},
	{400, "AUTH_BYTES_INVALID", Unknown},
	{400, "DC_ID_INVALID", Unknown},
	{400, "USER_ID_INVALID", Unknown},
	{400, "SOMETHING_NEW_IN_TELEGRAM", Unknown},
	{500, "INTERNAL_SERVER_ERROR", Retry},
	{-503, "Timeout", Retry},
}

func TestOf(t *testing.T) {
	for _, tc := range known {
		err := tgerr.New(tc.code, tc.msg)
		if got := Of(err); got != tc.class {
			t.Errorf("Of(%d %s) = %q, want %q", tc.code, tc.msg, got, tc.class)
		}
		if got := Of(fmt.Errorf("bot login: %w", err)); got != tc.class {
			t.Errorf("Of(wrapped %s) = %q, want %q", tc.msg, got, tc.class)
		}
	}
	for _, tc := range []struct {
		err  error
		want Class
	}{
		{nil, None},
		{context.DeadlineExceeded, Unknown},
		{errors.New("connection reset"), Unknown},
	} {
		if got := Of(tc.err); got != tc.want {
			t.Errorf("Of(%v) = %q, want %q", tc.err, got, tc.want)
		}
	}
}

func TestGroups(t *testing.T) {
	for _, tc := range []struct {
		class                 Class
		keyDead, chann, login bool
	}{
		{KeyRejected, true, false, false},
		{KeyDuplicated, true, false, false},
		{ChannelDenied, false, true, false},
		{ChannelUnknown, false, true, false},
		{TokenRefused, false, false, true},
		{Credentials, false, false, true},
		{FloodWait, false, false, false},
		{Unknown, false, false, false},
	} {
		if tc.class.KeyDead() != tc.keyDead || tc.class.Channel() != tc.chann || tc.class.Login() != tc.login {
			t.Errorf("%q: KeyDead %v Channel %v Login %v, want %v %v %v", tc.class,
				tc.class.KeyDead(), tc.class.Channel(), tc.class.Login(), tc.keyDead, tc.chann, tc.login)
		}
	}
}

func TestMigrateTo(t *testing.T) {
	for _, tc := range []struct {
		err    error
		dc     int
		wantOK bool
	}{
		{tgerr.New(303, "FILE_MIGRATE_4"), 4, true},
		{fmt.Errorf("part: %w", tgerr.New(303, "FILE_MIGRATE_2")), 2, true},
		{tgerr.New(303, "FILE_MIGRATE"), 0, false},
		{tgerr.New(420, "FLOOD_WAIT_4"), 0, false},
		{errors.New("FILE_MIGRATE_4"), 0, false},
		{nil, 0, false},
	} {
		dc, ok := MigrateTo(tc.err)
		if dc != tc.dc || ok != tc.wantOK {
			t.Errorf("MigrateTo(%v) = %d, %v; want %d, %v", tc.err, dc, ok, tc.dc, tc.wantOK)
		}
	}
}

// rpcString finds Telegram error strings in Go source: the argument of
// tgerr.New and tgerr.Is, and every quoted upper-case word of a tgerr.Is
// list.
var (
	rpcCall   = regexp.MustCompile(`tgerr\.(?:New|Is|AsType)\([^)]*\)`)
	rpcString = regexp.MustCompile(`"([A-Z][A-Z0-9]*(?:_[A-Z0-9]+)+)(?:_%d)?"`)
	argument  = regexp.MustCompile(`_[0-9]+$`)
)

// TestEveryKnownStringIsListed: every Telegram error the tree names in a
// tgerr call (the fake's answers, the tests' faults) is in the table above,
// so that its class is decided here.
func TestEveryKnownStringIsListed(t *testing.T) {
	listed := map[string]bool{}
	for _, tc := range known {
		listed[argument.ReplaceAllString(tc.msg, "")] = true
	}
	root := filepath.Join("..", "..")
	seen := 0
	err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && (d.Name() == "node_modules" || strings.HasPrefix(d.Name(), ".")) && path != root {
			return filepath.SkipDir
		}
		if d.IsDir() || !strings.HasSuffix(path, ".go") {
			return nil
		}
		src, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		for _, call := range rpcCall.FindAllString(string(src), -1) {
			for _, m := range rpcString.FindAllStringSubmatch(call, -1) {
				seen++
				if name := argument.ReplaceAllString(m[1], ""); !listed[name] {
					t.Errorf("%s: %s is not in the table of known errors", path, name)
				}
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	for typ := range byType {
		if !listed[typ] {
			t.Errorf("%s has a rule but no row in the table", typ)
		}
	}
	if seen == 0 {
		t.Fatal("no tgerr call found in the tree: the walk looks in the wrong place")
	}
}
