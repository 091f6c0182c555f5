package tgclient

import (
	"context"
	"testing"
	"time"

	"github.com/gotd/td/tg"

	"github.com/filetolink/filetolink/internal/tgfake"
	"github.com/filetolink/filetolink/pkg/tgerrclass"
)

// TestLaneReturnsFileMigrate: a file on the other DC asked for on the home
// DC's download connections answers FILE_MIGRATE_X to the caller; gotd
// does not follow it through a sub-connection of its own (no
// auth.exportAuthorization per lane). The other DC's connections, opened
// with one export, then carry TG_INFLIGHT_PER_CONN calls each.
func TestLaneReturnsFileMigrate(t *testing.T) {
	srv := tgfake.NewTest(t, tgfake.Options{})
	other := srv.OtherDC()
	id := srv.AddMessage("c", &tgfake.Media{Kind: tgfake.KindDocument, Name: "f", Content: tgfake.Pattern(1, 64<<10), DC: other})
	const conns = 2
	c := fakeClient(t, srv, func(o *Options) { o.ConnsPerDC = conns })
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	loc, home := fileAPI(ctx, t, c, srv, id)
	exports := func() int { return srv.Calls(tg.AuthExportAuthorizationRequestTypeID) }
	before := exports()
	for range 2 * conns { // every home lane, more than once
		_, err := home.UploadGetFile(ctx, &tg.UploadGetFileRequest{Precise: true, Location: loc, Limit: 4096})
		if dc, ok := tgerrclass.MigrateTo(err); !ok || dc != other {
			t.Fatalf("getFile on the home DC of a file on DC %d: %v, want FILE_MIGRATE_%d", other, err, other)
		}
	}
	if n := exports() - before; n != 0 {
		t.Errorf("%d auth.exportAuthorization for FILE_MIGRATE answers, want 0 (no gotd sub-connection)", n)
	}

	api, err := c.DC(ctx, other)
	if err != nil {
		t.Fatal(err)
	}
	onOther := func() (n, most int) {
		for _, cs := range srv.ConnStats() {
			if cs.DC == other {
				n++
				most = max(most, cs.MaxInFlight)
			}
		}
		return n, most
	}
	for deadline := time.Now().Add(60 * time.Second); ; { // every lane joins
		if err := getFiles(ctx, api, loc, 8, 8, 4096); err != nil {
			t.Fatal(err)
		}
		n, _ := onOther()
		if n == conns {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d download connections on DC %d answered after 60 s, want %d", n, other, conns)
		}
	}
	srv.SetLatency(200 * time.Millisecond) // long enough that every call is in flight together
	srv.ResetCalls()
	if err := getFiles(ctx, api, loc, 8*conns, 2*conns*DefaultInFlightPerConn, 4096); err != nil {
		t.Fatal(err)
	}
	if n, most := onOther(); n != conns || most != DefaultInFlightPerConn {
		t.Errorf("DC %d: %d connections, at most %d calls in flight on one; want %d and %d", other, n, most, conns, DefaultInFlightPerConn)
	}
	if n := len(srv.ConnStats()); n != conns {
		t.Errorf("%d connections answered getFile, want the %d of DC %d", n, conns, other)
	}
	if n := exports(); n != 0 {
		t.Errorf("%d auth.exportAuthorization while DC %d's connections served, want 0", n, other)
	}
}
