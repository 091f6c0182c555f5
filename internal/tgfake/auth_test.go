package tgfake

// The login rules, in memory: tokens, API credentials, the exported
// authorization bytes, and what an unauthorized key may call. Logins over
// MTProto are in wire_test.go.

import (
	"context"
	"fmt"
	"testing"

	"github.com/gotd/td/tg"
)

func TestLoginRefused(t *testing.T) {
	t.Parallel()
	srv := newMemory(t, Options{})
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
	api := tg.NewClient(srv.Invoker(srv.HomeDC()))
	ctx := t.Context()
	for _, tt := range tests {
		_, err := api.AuthImportBotAuthorization(ctx, &tg.AuthImportBotAuthorizationRequest{
			APIID: tt.apiID, APIHash: tt.apiHash, BotAuthToken: tt.token,
		})
		if err := wantRPCError(err, tt.code, tt.typ); err != nil {
			t.Errorf("%s: %v", tt.name, err)
		}
	}
	// Still not logged in.
	_, err := api.ChannelsGetChannels(ctx, []tg.InputChannelClass{&tg.InputChannel{ChannelID: DefaultChannelID}})
	if err := wantRPCError(err, 401, "AUTH_KEY_UNREGISTERED"); err != nil {
		t.Error(err)
	}
	if got := srv.Logins(); got != 0 {
		t.Errorf("Logins() = %d, want 0", got)
	}
}

func TestUnauthorizedCallsRefused(t *testing.T) {
	t.Parallel()
	srv := newMemory(t, Options{})
	id := srv.AddMessage("code", &Media{Kind: KindDocument, Name: "a.bin", Content: Pattern(1, 4096)})
	ctx := t.Context()
	api := tg.NewClient(srv.Invoker(srv.HomeDC())) // not logged in
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
			t.Errorf("%s: %v", call.name, err)
		}
	}
}

// Exported authorization bytes work on the DC they were made for:
// export → import authorizes a connection there; bytes for the other DC
// are refused on the home DC, forged bytes everywhere, and exporting to
// oneself is invalid.
func TestImportAuthorizationChecksBytes(t *testing.T) {
	t.Parallel()
	srv := newMemory(t, Options{})
	runMemory(t, srv, DefaultBotToken, func(ctx context.Context, api *tg.Client) error {
		other, err := memOnDC(ctx, srv, api, srv.OtherDC())
		if err != nil {
			return err
		}
		if _, err := inputChannel(ctx, other, DefaultChannelID); err != nil {
			return fmt.Errorf("on DC %d: %w", srv.OtherDC(), err)
		}

		exp, err := api.AuthExportAuthorization(ctx, srv.OtherDC())
		if err != nil {
			return fmt.Errorf("export: %w", err)
		}
		_, err = api.AuthImportAuthorization(ctx, &tg.AuthImportAuthorizationRequest{ID: exp.ID, Bytes: exp.Bytes})
		if err := wantRPCError(err, 400, "AUTH_BYTES_INVALID"); err != nil {
			return fmt.Errorf("import on the wrong DC: %w", err)
		}
		fresh := tg.NewClient(srv.Invoker(srv.OtherDC()))
		for name, api := range map[string]*tg.Client{"authorized": other, "new": fresh} {
			_, err = api.AuthImportAuthorization(ctx, &tg.AuthImportAuthorizationRequest{ID: exp.ID, Bytes: []byte("forged")})
			if err := wantRPCError(err, 400, "AUTH_BYTES_INVALID"); err != nil {
				return fmt.Errorf("forged bytes on a %s connection: %w", name, err)
			}
		}
		// The forged import authorized nothing.
		if _, err := inputChannel(ctx, fresh, DefaultChannelID); wantRPCError(err, 401, "AUTH_KEY_UNREGISTERED") != nil {
			return fmt.Errorf("after a forged import: %v", err)
		}
		_, err = api.AuthExportAuthorization(ctx, srv.HomeDC())
		if err := wantRPCError(err, 400, "DC_ID_INVALID"); err != nil {
			return fmt.Errorf("export to self: %w", err)
		}
		return nil
	})
}
