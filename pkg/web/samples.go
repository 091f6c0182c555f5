package web

import (
	"github.com/filetolink/filetolink/pkg/links"
	"github.com/filetolink/filetolink/templates"
)

// Sample is one file the index page links to: the demo's samples.
type Sample struct {
	MessageID int
	Code      string
	// Name is the name the file is served under; Kind its stream.Kind.
	Name string
	Kind string
	Size int64
}

func samplesFor(in []Sample) []templates.Sample {
	out := make([]templates.Sample, len(in))
	for i, s := range in {
		out[i] = templates.Sample{
			Kind:         s.Kind,
			Name:         cleanName(s.Name),
			Size:         templates.FormatBytes(s.Size),
			StreamPath:   links.Player("", s.MessageID, links.Code(s.Code)),
			DownloadPath: links.Download("", s.MessageID, links.Code(s.Code)),
		}
	}
	return out
}
