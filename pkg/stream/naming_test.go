package stream

import "testing"

func TestMediaTypeAndName(t *testing.T) {
	tests := []struct {
		mime, name string
		kind       Kind
		wantType   string
		wantName   string // for message 42
	}{
		{"video/mp4", "a.bin", KindVideo, "video/mp4", "a.bin"},
		{"VIDEO/MP4", "", KindVideo, "video/mp4", "video_42.mp4"},
		{"audio/mpeg", "", KindAudio, "audio/mpeg", "audio_42.mp3"},
		{"text/plain; charset=utf-8", "", KindDocument, "text/plain; charset=utf-8", "document_42.txt"},
		{"application/pdf", "x.mp4", KindDocument, "application/pdf", "x.mp4"},
		{"", "movie.mp4", KindDocument, "video/mp4", "movie.mp4"},
		{"", "pic.PNG", KindDocument, "image/png", "pic.PNG"},
		{"bogus", "song.mp3", KindAudio, "audio/mpeg", "song.mp3"},
		{"video/mp4\r\nX-Evil: 1", "a.webm", KindVideo, "video/webm", "a.webm"},
		{"", "a.MKV", KindVideo, "video/x-matroska", "a.MKV"},
		{"", "voice.opus", KindVoice, "audio/ogg", "voice.opus"},
		// A voice note without MIME type or name is an .ogg, as the README says.
		{"", "", KindVoice, "audio/ogg", "voice_42.ogg"},
		{"application/octet-stream", "", KindVoice, "audio/ogg", "voice_42.ogg"},
		{"application/octet-stream", "a.zip", KindDocument, "application/zip", "a.zip"},
		{"application/octet-stream", "x.bin", KindDocument, "application/octet-stream", "x.bin"},
		{"", "noext", KindVoice, "audio/ogg", "noext"},
		{"", "", KindPhoto, "image/jpeg", "photo_42.jpg"},
		{"", "", KindVideoNote, "video/mp4", "video_note_42.mp4"},
		{"", "", KindSticker, "image/webp", "sticker_42.webp"},
		// A nameless HTML file is .html, not the system table's first (".ehtml").
		{"text/html", "", KindDocument, "text/html", "document_42.html"},
		{"application/json", "", KindDocument, "application/json", "document_42.json"},
		{"", "noext", KindDocument, "application/octet-stream", "noext"},
		{"", "", KindDocument, "application/octet-stream", "document_42.bin"},
		{"application/octet-stream", "  ", KindDocument, "application/octet-stream", "document_42.bin"},
		{"", "", "", "application/octet-stream", "document_42.bin"},
	}
	for _, tt := range tests {
		f := NewFile(File{MessageID: 42, MIMEType: tt.mime, Name: tt.name, Kind: tt.kind}, nil)
		if f.MIMEType != tt.wantType || f.Name != tt.wantName {
			t.Errorf("(%q, %q, %q): %q %q, want %q %q", tt.mime, tt.name, tt.kind, f.MIMEType, f.Name, tt.wantType, tt.wantName)
		}
	}
}
