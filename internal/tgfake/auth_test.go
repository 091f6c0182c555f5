package tgfake

import (
	"context"
	"fmt"
	"log/slog"
	"reflect"
	"strings"
	"testing"

	"github.com/gotd/td/telegram"
	"github.com/gotd/td/tg"
)

func TestBotLogin(t *testing.T) {
	srv := NewTest(t, Options{})
	srv.AddMessage("hello", nil)

	runLoggedIn(t, srv, func(ctx context.Context, c *telegram.Client) error {
		status, err := c.Auth().Status(ctx)
		if err != nil {
			return fmt.Errorf("auth status: %w", err)
		}
		if !status.Authorized || !status.User.Bot || status.User.ID != 123456 {
			return fmt.Errorf("status = %+v, want the bot 123456", status)
		}
		if _, err := inputChannel(ctx, c.API(), DefaultChannelID); err != nil {
			return err
		}
		// help.getConfig advertises the addresses clients were given, so
		// connections made from it go through the Server's proxies too.
		cfg, err := c.API().HelpGetConfig(ctx)
		if err != nil {
			return err
		}
		addrs := func(opts []tg.DCOption) (out []string) {
			for _, o := range opts {
				out = append(out, fmt.Sprintf("%d=%s:%d", o.ID, o.IPAddress, o.Port))
			}
			return out
		}
		if got, want := addrs(cfg.DCOptions), addrs(srv.DCList().Options); cfg.ThisDC != srv.HomeDC() || !reflect.DeepEqual(got, want) {
			return fmt.Errorf("help.getConfig: this DC %d, options %v, want %v", cfg.ThisDC, got, want)
		}
		return nil
	})
	if got := srv.Logins(); got != 1 {
		t.Errorf("Logins() = %d, want 1", got)
	}
}

func TestLoginRefused(t *testing.T) {
	srv := NewTest(t, Options{})
	tests := []struct {
		name    string
		apiID   int
		apiHash string
		token   string
		code    int
		typ     string
	}{
		{"wrong token", DefaultAPIID, DefaultAPIHash, "123456:WRONG", 400, "ACCESS_TOKEN_INVALID"},
		{"other bot", DefaultAPIID, DefaultAPIHash, "654321:TESTTOKEN", 400, "ACCESS_TOKEN_INVALID"},
		{"empty token", DefaultAPIID, DefaultAPIHash, "", 400, "ACCESS_TOKEN_INVALID"},
		{"wrong api id", 1, DefaultAPIHash, DefaultBotToken, 400, "API_ID_INVALID"},
		{"wrong api hash", DefaultAPIID, "nope", DefaultBotToken, 400, "API_ID_INVALID"},
	}
	run(t, srv, func(ctx context.Context, c *telegram.Client) error {
		for _, tt := range tests {
			_, err := c.API().AuthImportBotAuthorization(ctx, &tg.AuthImportBotAuthorizationRequest{
				APIID: tt.apiID, APIHash: tt.apiHash, BotAuthToken: tt.token,
			})
			if err := wantRPCError(err, tt.code, tt.typ); err != nil {
				return fmt.Errorf("%s: %w", tt.name, err)
			}
		}
		// Still not logged in.
		_, err := c.API().ChannelsGetChannels(ctx, []tg.InputChannelClass{&tg.InputChannel{ChannelID: DefaultChannelID}})
		return wantRPCError(err, 401, "AUTH_KEY_UNREGISTERED")
	})
	if got := srv.Logins(); got != 0 {
		t.Errorf("Logins() = %d, want 0", got)
	}
}

func TestUnauthorizedCallsRefused(t *testing.T) {
	srv := NewTest(t, Options{})
	id := srv.AddMessage("code", &Media{Kind: KindDocument, Name: "a.bin", Content: Pattern(1, 4096)})
	run(t, srv, func(ctx context.Context, c *telegram.Client) error {
		api := c.API()
		calls := []struct {
			name string
			call func() error
		}{
			{"channels.getChannels", func() error {
				_, err := api.ChannelsGetChannels(ctx, []tg.InputChannelClass{&tg.InputChannel{ChannelID: DefaultChannelID}})
				return err
			}},
			{"channels.getMessages", func() error {
				_, err := api.ChannelsGetMessages(ctx, &tg.ChannelsGetMessagesRequest{
					Channel: &tg.InputChannel{ChannelID: DefaultChannelID},
					ID:      []tg.InputMessageClass{&tg.InputMessageID{ID: id}},
				})
				return err
			}},
			{"upload.getFile", func() error {
				_, err := getFile(ctx, api, &tg.InputDocumentFileLocation{ID: 1}, 0, 4096)
				return err
			}},
			{"auth.exportAuthorization", func() error {
				_, err := api.AuthExportAuthorization(ctx, DefaultOtherDC)
				return err
			}},
			{"users.getFullUser (not implemented, still 401)", func() error {
				_, err := api.UsersGetFullUser(ctx, &tg.InputUserSelf{})
				return err
			}},
		}
		for _, call := range calls {
			if err := wantRPCError(call.call(), 401, "AUTH_KEY_UNREGISTERED"); err != nil {
				return fmt.Errorf("%s: %w", call.name, err)
			}
		}
		return nil
	})
}

// A client whose home DC is wrong is sent to the bot's DC and logs in there.
func TestLoginOnOtherDCMigrates(t *testing.T) {
	srv := NewTest(t, Options{})
	ctx := t.Context()
	c := newClient(srv, srv.OtherDC())
	if err := c.Run(ctx, func(ctx context.Context) error {
		if _, err := c.Auth().Bot(ctx, DefaultBotToken); err != nil {
			return fmt.Errorf("bot login: %w", err)
		}
		_, err := inputChannel(ctx, c.API(), DefaultChannelID)
		return err
	}); err != nil {
		t.Fatal(err)
	}
	if got := srv.Calls(tg.AuthImportBotAuthorizationRequestTypeID); got != 2 {
		t.Errorf("auth.importBotAuthorization calls = %d, want 2 (refused on DC %d, then on %d)", got, srv.OtherDC(), srv.HomeDC())
	}
	if got := srv.Logins(); got != 1 {
		t.Errorf("Logins() = %d, want 1", got)
	}
}

func TestImportAuthorizationChecksBytes(t *testing.T) {
	srv := NewTest(t, Options{})
	runLoggedIn(t, srv, func(ctx context.Context, c *telegram.Client) error {
		// A DC pool runs export → import and can then read.
		pool, err := c.DC(ctx, srv.OtherDC(), 1)
		if err != nil {
			return fmt.Errorf("client.DC: %w", err)
		}
		defer pool.Close()
		other := tg.NewClient(pool)
		if _, err := inputChannel(ctx, other, DefaultChannelID); err != nil {
			return fmt.Errorf("on DC %d: %w", srv.OtherDC(), err)
		}

		// Bytes exported for the other DC are refused on the home DC, forged
		// bytes everywhere, and exporting to oneself is invalid.
		exp, err := c.API().AuthExportAuthorization(ctx, srv.OtherDC())
		if err != nil {
			return fmt.Errorf("export: %w", err)
		}
		_, err = c.API().AuthImportAuthorization(ctx, &tg.AuthImportAuthorizationRequest{ID: exp.ID, Bytes: exp.Bytes})
		if err := wantRPCError(err, 400, "AUTH_BYTES_INVALID"); err != nil {
			return fmt.Errorf("import on the wrong DC: %w", err)
		}
		_, err = other.AuthImportAuthorization(ctx, &tg.AuthImportAuthorizationRequest{ID: exp.ID, Bytes: []byte("forged")})
		if err := wantRPCError(err, 400, "AUTH_BYTES_INVALID"); err != nil {
			return fmt.Errorf("forged bytes: %w", err)
		}
		_, err = c.API().AuthExportAuthorization(ctx, srv.HomeDC())
		if err := wantRPCError(err, 400, "DC_ID_INVALID"); err != nil {
			return fmt.Errorf("export to self: %w", err)
		}
		return nil
	})
}

// Debug logs show methods and outcomes, never the token or the API hash.
func TestLogsHoldNoSecrets(t *testing.T) {
	var buf LogBuffer
	srv := NewTest(t, Options{
		BotToken: "42:SECRETTOKEN",
		APIHash:  "secrethash",
		Logger:   slog.New(slog.NewTextHandler(&buf, &slog.HandlerOptions{Level: slog.LevelDebug})),
	})
	c := telegram.NewClient(DefaultAPIID, "secrethash", clientOptions(srv, srv.HomeDC()))
	if err := c.Run(t.Context(), func(ctx context.Context) error {
		if _, err := c.Auth().Bot(ctx, "42:WRONGSECRET"); err == nil {
			return fmt.Errorf("wrong token accepted")
		}
		_, err := c.Auth().Bot(ctx, "42:SECRETTOKEN")
		return err
	}); err != nil {
		t.Fatal(err)
	}
	if err := srv.Close(); err != nil {
		t.Fatal(err)
	}
	logs := buf.String()
	if !strings.Contains(logs, "auth.importBotAuthorization") {
		t.Fatalf("no debug log of the login:\n%s", logs)
	}
	for _, secret := range []string{"SECRETTOKEN", "WRONGSECRET", "secrethash"} {
		if strings.Contains(logs, secret) {
			t.Errorf("logs contain %q", secret)
		}
	}
}
