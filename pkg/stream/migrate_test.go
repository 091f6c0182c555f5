package stream

import (
	"bytes"
	"context"
	"testing"
	"time"

	"github.com/gotd/td/tg"

	"github.com/filetolink/filetolink/internal/tgfake"
)

// TestFileMigrateMovesToTheTargetConnections: a stream that believes its
// file is on the home DC meets FILE_MIGRATE_4 on the home DC's download
// connections and moves to DC 4's: every part is fetched there, with
// every connection carrying two calls at once as at home, and DC 4 is
// authorized once (its connections' key), not once per connection or part
// as gotd's own following of FILE_MIGRATE does (a one-connection pool with
// its own auth.exportAuthorization per gotd client).
func TestFileMigrateMovesToTheTargetConnections(t *testing.T) {
	e := newEnv(t, envOptions{})
	content := tgfake.Pattern(8, 24*mib)
	f, _ := e.add(t, "c", &tgfake.Media{Kind: "document", Name: "a", Content: content, DC: e.fake.OtherDC()})
	wrong := *f
	wrong.DC = e.fake.HomeDC()
	e.fake.SetLatency(100 * time.Millisecond) // long enough that the window fills
	e.fake.ResetCalls()
	got, err := readRange(context.Background(), e.svc, NewFile(wrong, f.Location()), 0, content.Size()-1)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, tgfake.ReadRange(t, content, 0, content.Size()-1)) {
		t.Fatal("bytes differ after the move")
	}
	if n := e.fake.Calls(tg.AuthExportAuthorizationRequestTypeID); n != 1 {
		t.Errorf("%d auth.exportAuthorization, want 1 (DC %d's connections share one key)", n, e.fake.OtherDC())
	}
	other, most := 0, 0
	for _, cs := range e.fake.ConnStats() {
		if cs.Parts == 0 {
			continue // answered FILE_MIGRATE only
		}
		if cs.DC != e.fake.OtherDC() {
			t.Errorf("%d parts fetched on DC %d, want all on DC %d", cs.Parts, cs.DC, e.fake.OtherDC())
			continue
		}
		other++
		most = max(most, cs.MaxInFlight)
	}
	// DC 4's other connections join as they connect (on a loaded machine
	// the read may end first: pkg/tgclient's TestLaneReturnsFileMigrate
	// waits for all of them); every one carries two calls.
	if other < 1 || most != 2 {
		t.Errorf("DC %d: %d connections, at most %d calls in flight on one; want ≥ 1 and 2", e.fake.OtherDC(), other, most)
	}
	// The parts in flight when the move was met were answered
	// FILE_MIGRATE, each once: the first round trip's two.
	if n, parts := e.fake.Calls(tg.UploadGetFileRequestTypeID), len(planParts(0, content.Size()-1)); n > parts+initialLimit {
		t.Errorf("%d getFile calls for %d parts, want ≤ %d", n, parts, parts+initialLimit)
	}
}
