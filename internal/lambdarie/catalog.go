package lambdarie

import (
	"fmt"
	"strings"

	"github.com/filetolink/filetolink/internal/tgfake"
	"github.com/filetolink/filetolink/pkg/links"
)

// File is one message of a Catalog.
type File struct {
	ID      int
	Caption string // the code of its links
	Name    string
	Data    tgfake.Content // nil where the checks read no bytes
}

// DL is the file's download link, as the service writes it.
func (f File) DL() string { return links.Download("", f.ID, links.Code(f.Caption)) }

// Player is the file's player page.
func (f File) Player() string { return links.Player("", f.ID, links.Code(f.Caption)) }

// Bytes are the file's bytes first to last.
func (f File) Bytes(tb tgfake.TB, first, last int64) []byte {
	tb.Helper()
	return tgfake.ReadRange(tb, f.Data, first, last)
}

// All are all of the file's bytes.
func (f File) All(tb tgfake.TB) []byte {
	tb.Helper()
	return f.Bytes(tb, 0, f.Data.Size()-1)
}

// Catalog is what CheckSite finds in a fake Telegram.
type Catalog struct {
	Fake       *tgfake.Server
	Video, XSS File // the demo catalog's video and its file with markup in the name
	Big        File // the demo catalog's 64 MiB file, over every cap
	Edge       File // 3 MiB + 123 bytes, for ranges at the 1 MiB edges
	Small      File // binary, whole under every cap; its code needs escaping in a link
	Escaped    File // valid UTF-8 full of bytes JSON escapes 6-fold: a buffered adapter must still send it base64-encoded
	Text       File // a message without media
}

// PostCatalog posts the demo catalog and the checks' files to fake.
func PostCatalog(fake *tgfake.Server) (*Catalog, error) {
	c := &Catalog{Fake: fake}
	for _, it := range fake.AddTestCatalog() {
		f := File{ID: it.MessageID, Caption: it.Caption, Name: it.Name}
		switch it.Caption {
		case "demo-video":
			c.Video = f
		case "demo-xss":
			c.XSS = f
		case "demo-big":
			if it.Size != tgfake.DemoBigSize {
				continue
			}
			f.Data = tgfake.Pattern(64, tgfake.DemoBigSize)
			c.Big = f
		}
	}
	if c.Big.Data == nil || c.Video.ID == 0 || c.XSS.ID == 0 {
		return nil, fmt.Errorf("the demo catalog changed: no demo-video, demo-xss or demo-big of %d bytes", tgfake.DemoBigSize)
	}
	post := func(caption, name string, data tgfake.Content) File {
		f := File{Caption: caption, Name: name, Data: data}
		var m *tgfake.Media
		if data != nil {
			m = &tgfake.Media{Kind: tgfake.KindDocument, Name: name, MIMEType: "application/octet-stream", Content: data}
		}
		f.ID = fake.AddMessage(caption, m)
		return f
	}
	c.Edge = post("edge-code", "edge.bin", tgfake.Pattern(7, 3<<20+123))
	c.Small = post(`small;code "quoted"`, "small.bin", tgfake.Bytes([]byte("hello from the log channel\n\x00\x01\x02 binary tail \xff\xfe")))
	c.Escaped = post("small-code", "escaped.bin", tgfake.Bytes([]byte(strings.Repeat("\x00<>&\x01", 1000))))
	c.Text = post("just text", "", nil)
	return c, nil
}

// Secrets are what no function may write to its log: the bot token, the
// API hash and the codes of the files.
func (c *Catalog) Secrets() []string {
	return []string{tgfake.DefaultBotToken, "TESTTOKEN", tgfake.DefaultAPIHash,
		c.Edge.Caption, c.Small.Caption, c.Escaped.Caption, c.Big.Caption, c.Video.Caption}
}
