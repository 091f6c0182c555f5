package tgfake

import (
	"bytes"
	"context"
	"errors"
	"testing"
	"testing/synctest"
	"time"

	"github.com/gotd/td/tg"
	"github.com/gotd/td/tgerr"
)

// In memory the fake keeps its rules and hooks: the login rule, the
// channel and the bytes, injected errors, drops, pauses, outages, counters.
func TestMemoryInvoker(t *testing.T) {
	t.Parallel()
	synctest.Test(t, func(t *testing.T) {
		srv, err := NewMemory(Options{})
		if err != nil {
			t.Fatal(err)
		}
		defer srv.Close()
		content := Pattern(21, 2*mib+10)
		id := srv.AddMessage("code", &Media{Kind: KindDocument, Name: "m.bin", Content: content, DC: srv.OtherDC()})
		ctx := context.Background()

		home := tg.NewClient(srv.Invoker(srv.HomeDC()))
		if _, err := channelDocument(ctx, home, id); wantRPCError(err, 401, "AUTH_KEY_UNREGISTERED") != nil {
			t.Fatalf("before login: %v", err)
		}
		if _, err := home.AuthImportBotAuthorization(ctx, &tg.AuthImportBotAuthorizationRequest{APIID: DefaultAPIID, APIHash: DefaultAPIHash, BotAuthToken: "1:wrong"}); wantRPCError(err, 400, "ACCESS_TOKEN_INVALID") != nil {
			t.Fatalf("wrong token: %v", err)
		}
		if _, err := home.AuthImportBotAuthorization(ctx, &tg.AuthImportBotAuthorizationRequest{APIID: DefaultAPIID, APIHash: DefaultAPIHash, BotAuthToken: DefaultBotToken}); err != nil {
			t.Fatal(err)
		}
		doc, err := channelDocument(ctx, home, id)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := getFile(ctx, home, docLocation(doc), 0, mib); wantRPCError(err, 303, "FILE_MIGRATE") != nil {
			t.Fatalf("the other DC's file on the home DC: %v", err)
		}
		exp, err := home.AuthExportAuthorization(ctx, srv.OtherDC())
		if err != nil {
			t.Fatal(err)
		}
		other := tg.NewClient(srv.Invoker(srv.OtherDC()))
		if _, err := other.AuthImportAuthorization(ctx, &tg.AuthImportAuthorizationRequest{ID: exp.ID, Bytes: exp.Bytes}); err != nil {
			t.Fatal(err)
		}
		b, err := getFile(ctx, other, docLocation(doc), mib, mib)
		if err != nil || !bytes.Equal(b, contentAt(content, mib, mib)) {
			t.Fatalf("getFile: %d bytes, %v", len(b), err)
		}

		srv.FailNext(tg.UploadGetFileRequestTypeID, tgerr.New(420, "FLOOD_WAIT_3"), 1)
		if _, err := getFile(ctx, other, docLocation(doc), 0, mib); wantRPCError(err, 420, "FLOOD_WAIT") != nil {
			t.Fatalf("FailNext: %v", err)
		}
		srv.DropNext(tg.UploadGetFileRequestTypeID, 1)
		if _, err := getFile(ctx, other, docLocation(doc), 0, mib); !errors.Is(err, ErrDropped) {
			t.Fatalf("DropNext: %v", err)
		}
		srv.Pause(10 * time.Second)
		start := time.Now()
		if _, err := getFile(ctx, other, docLocation(doc), 0, mib); err != nil || time.Since(start) != 10*time.Second {
			t.Fatalf("Pause: answered after %s: %v", time.Since(start), err)
		}
		short, cancel := context.WithTimeout(ctx, time.Second)
		srv.Pause(10 * time.Second)
		_, err = getFile(short, other, docLocation(doc), 0, mib)
		cancel()
		if !errors.Is(err, context.DeadlineExceeded) {
			t.Fatalf("a paused call whose ctx ends: %v", err)
		}
		time.Sleep(10 * time.Second)
		srv.SetReachable(false)
		if _, err := getFile(ctx, other, docLocation(doc), 0, mib); !errors.Is(err, ErrUnreachable) {
			t.Fatalf("unreachable: %v", err)
		}
		srv.SetReachable(true)
		if got := srv.Calls(tg.UploadGetFileRequestTypeID); got != 6 {
			t.Errorf("%d getFile calls counted, want 6", got)
		}
		if srv.Logins() != 1 {
			t.Errorf("%d logins, want 1", srv.Logins())
		}
	})
}
