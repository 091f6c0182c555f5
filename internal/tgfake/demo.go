package tgfake

import (
	"crypto/sha256"
	_ "embed"
	"encoding/hex"
	"io"
	"strconv"
)

// Sample media made with ffmpeg; see samples/README.md.
var (
	//go:embed samples/video.mp4
	sampleVideo []byte
	//go:embed samples/audio.ogg
	sampleAudio []byte
	//go:embed samples/image.jpg
	sampleImage []byte
)

// DemoItem describes one message AddSamples or AddTestCatalog posted. Caption is the code of its
// links; Name is the file name Telegram holds ("" for photos and voice notes).
type DemoItem struct {
	MessageID int
	Caption   string
	Name      string
	Kind      string
	MIMEType  string
	Size      int64
	// SHA256 is the hex digest of the bytes, computed from the content
	// itself (not through any download path), for tests to compare against.
	SHA256 string
}

// DemoBigSize is the size of the demo's large binary document.
const DemoBigSize = 64 << 20

const demoText = `FileToLink demo

This text file lives in a message of the fake Telegram's log channel.
Its link is /dl/{message id}?code={caption}.
`

// AddSamples posts what `server -demo` shows a newcomer, and describes it,
// in order: a video that browsers play, an audio file, a photo and a
// 64 MiB binary document.
func (s *Server) AddSamples() []DemoItem {
	return s.post([]demoMessage{
		{"demo-video", Media{Kind: KindVideo, Name: "testsrc.mp4", MIMEType: "video/mp4",
			Content: Bytes(sampleVideo), Width: 320, Height: 180, Duration: 10, Thumb: Bytes(sampleImage)}},
		{"demo-audio", Media{Kind: KindAudio, Name: "tone.ogg", MIMEType: "audio/ogg",
			Content: Bytes(sampleAudio), Duration: 5}},
		{"demo-photo", Media{Kind: KindPhoto, MIMEType: "image/jpeg",
			Content: Bytes(sampleImage), Width: 640, Height: 360}},
		{"demo-big", Media{Kind: KindDocument, Name: "big.bin", MIMEType: "application/octet-stream",
			Content: Pattern(64, DemoBigSize)}},
	})
}

// AddTestCatalog posts the samples (AddSamples) and then the fixtures the
// browser, platform and benchmark tests need, and describes them all, in
// order: the four samples, a small text document, a video stored on
// OtherDC, a video whose name is an HTML injection attempt, and a voice
// note without a name or a MIME type of its own.
func (s *Server) AddTestCatalog() []DemoItem {
	items := s.AddSamples()
	return append(items, s.post([]demoMessage{
		{"demo-text", Media{Kind: KindDocument, Name: "readme.txt", MIMEType: "text/plain",
			Content: Bytes([]byte(demoText))}},
		{"demo-dc" + strconv.Itoa(s.opts.OtherDC), Media{Kind: KindVideo, Name: "testsrc-other-dc.mp4", MIMEType: "video/mp4",
			Content: Bytes(sampleVideo), DC: s.opts.OtherDC, Width: 320, Height: 180, Duration: 10}},
		{"demo-xss", Media{Kind: KindVideo, Name: "<img src=x onerror=alert(1)>.mp4", MIMEType: "video/mp4",
			Content: Bytes(sampleVideo), Width: 320, Height: 180, Duration: 10}},
		// As Telegram has a voice note sent without a type.
		{"demo-voice", Media{Kind: KindVoice, MIMEType: "application/octet-stream", Content: Bytes(sampleAudio), Duration: 5}},
	})...)
}

// AddFile posts one more file, with caption as its code, and describes it
// (server -demo -demo-file: the real-clients tests' video over the cap).
func (s *Server) AddFile(caption string, m Media) DemoItem {
	return s.post([]demoMessage{{caption, m}})[0]
}

type demoMessage struct {
	caption string
	media   Media
}

func (s *Server) post(items []demoMessage) []DemoItem {
	out := make([]DemoItem, 0, len(items))
	for _, it := range items {
		m := it.media
		id := s.AddMessage(it.caption, &m)
		out = append(out, DemoItem{
			MessageID: id,
			Caption:   it.caption,
			Name:      m.Name,
			Kind:      m.Kind,
			MIMEType:  m.MIMEType,
			Size:      m.Content.Size(),
			SHA256:    contentSHA256(m.Content),
		})
	}
	return out
}

func contentSHA256(c Content) string {
	h := sha256.New()
	if _, err := io.Copy(h, io.NewSectionReader(c, 0, c.Size())); err != nil {
		panic(err) // generators and byte slices do not fail
	}
	return hex.EncodeToString(h.Sum(nil))
}
