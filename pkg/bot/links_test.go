package bot

import "testing"

func TestWholeOnWorker(t *testing.T) {
	const base, worker = "https://o.example", "https://w.example"
	for _, tt := range []struct {
		name           string
		worker         string
		size, maxBytes int64
		download, fast string
	}{
		{"no cap", worker, 10 << 20, 0, base + "/dl/7?code=c", worker + "/dl/7?code=c"},
		{"within the cap", worker, 4 << 20, 4 << 20, base + "/dl/7?code=c", worker + "/dl/7?code=c"},
		{"over the cap", worker, 4<<20 + 1, 4 << 20, worker + "/dl/7?code=c", ""},
		{"size unknown", worker, 0, 4 << 20, worker + "/dl/7?code=c", ""},
		{"no worker", "", 10 << 20, 4 << 20, base + "/dl/7?code=c", ""},
	} {
		t.Run(tt.name, func(t *testing.T) {
			l := MakeLinks(base, tt.worker, 7, "c", "").WholeOnWorker(tt.size, tt.maxBytes)
			if l.Download != tt.download || l.FastDownload != tt.fast {
				t.Errorf("Download %q Fast %q, want %q %q", l.Download, l.FastDownload, tt.download, tt.fast)
			}
		})
	}
}
