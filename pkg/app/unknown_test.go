package app_test

import (
	"net/http"
	"testing"
	"testing/synctest"

	"github.com/gotd/td/tg"
	"github.com/gotd/td/tgerr"

	"github.com/filetolink/filetolink/internal/tgfake"
)

// An error Telegram gives that this service does not know is a 503 with
// Retry-After (README: API), on the message lookup and on the bytes.
func TestUnknownTelegramErrorIs503(t *testing.T) {
	t.Parallel()
	synctest.Test(t, func(t *testing.T) {
		s := newMemSite(t, nil)
		content := tgfake.Pattern(9, 1000)
		id := s.add("u code", &tgfake.Media{Kind: tgfake.KindDocument, Name: "u.bin", Content: content})
		for _, method := range []uint32{tg.ChannelsGetMessagesRequestTypeID, tg.UploadGetFileRequestTypeID} {
			if method == tg.UploadGetFileRequestTypeID {
				// Resolve it first: only the bytes fail.
				checkExact(t, s.get(t, requestTimeout, dlPath(id, "u code"), "Range", "bytes=0-0"), http.StatusPartialContent, tgfake.ReadRange(t, content, 0, 0))
			}
			s.fake.FailNext(method, tgerr.New(400, "SOMETHING_NEW_IN_TELEGRAM"), 100)
			res := s.get(t, requestTimeout, dlPath(id, "u code"))
			s.fake.FailNext(method, nil, 0)
			checkUnavailable(t, res, 0)
		}
	})
}
