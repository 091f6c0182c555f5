package bot

import (
	"github.com/filetolink/filetolink/pkg/links"
	"github.com/filetolink/filetolink/pkg/stream"
)

// Links are the links of one log-channel message; the grammar is pkg/links'.
type Links struct {
	Download, Stream         string // Stream is "" for kinds the player does not play
	FastDownload, FastStream string // on WORKER_BASE_URL; "" without one
}

// MakeLinks builds the links of message id with code on base, and on
// worker when it is not "". Stream links are made for playable kinds
// (video, video note, animation, audio, voice) or when kind is "" (unknown).
func MakeLinks(base, worker string, id int, code string, kind stream.Kind) Links {
	return MakeGrantLinks(base, worker, id, links.Code(code), kind)
}

// MakeGrantLinks is MakeLinks for any grant.
func MakeGrantLinks(base, worker string, id int, g links.Grant, kind stream.Kind) Links {
	l := Links{Download: links.Download(base, id, g)}
	stream := kind == "" || playable(kind)
	if stream {
		l.Stream = links.Stream(base, id, g)
	}
	if worker != "" {
		l.FastDownload = links.Download(worker, id, g)
		if stream {
			l.FastStream = links.Stream(worker, id, g)
		}
	}
	return l
}

// WholeOnWorker moves the Download link to the Worker when one response
// here cannot carry the file: size (0 when Telegram did not say) over
// maxBytes, the deployment's cap (0: none). The Worker serves such files
// whole; a plain tool (curl, wget) given the origin's link would get a
// redirect or a slice. Fast Download, then the same link, is dropped.
func (l Links) WholeOnWorker(size, maxBytes int64) Links {
	if l.FastDownload == "" || maxBytes <= 0 || (size > 0 && size <= maxBytes) {
		return l
	}
	l.Download, l.FastDownload = l.FastDownload, ""
	return l
}

// Link is one labelled link.
type Link struct{ Label, URL string }

// List is the links that are set, labelled, in display order.
func (l Links) List() []Link {
	var out []Link
	for _, x := range []Link{{"Download", l.Download}, {"Stream", l.Stream}, {"Fast Download", l.FastDownload}, {"Fast Stream", l.FastStream}} {
		if x.URL != "" {
			out = append(out, x)
		}
	}
	return out
}

// keyboard is the links as buttons, two per row.
func (l Links) keyboard() InlineKeyboardMarkup {
	var rows [][]InlineKeyboardButton
	var row []InlineKeyboardButton
	for _, x := range l.List() {
		row = append(row, InlineKeyboardButton{Text: x.Label, URL: x.URL})
		if len(row) == 2 {
			rows = append(rows, row)
			row = nil
		}
	}
	if row != nil {
		rows = append(rows, row)
	}
	return InlineKeyboardMarkup{InlineKeyboard: rows}
}
