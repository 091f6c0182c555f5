package stream

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/gotd/td/bin"
	"github.com/gotd/td/tg"
)

// latencyTelegram answers upload.getFile after a fixed latency with bytes
// from one shared buffer: no MTProto, no crypto. It isolates the reader's
// pipelining from the cost of the in-process MTProto server, whose
// encryption on both ends bounds BenchmarkRangeRead on a small machine.
type latencyTelegram struct {
	latency time.Duration
	block   []byte
}

func (l *latencyTelegram) API(context.Context) (*tg.Client, error) { return tg.NewClient(l), nil }
func (l *latencyTelegram) DC(context.Context, int) (*tg.Client, error) {
	return tg.NewClient(l), nil
}
func (l *latencyTelegram) Connected() bool { return true }

func (l *latencyTelegram) Invoke(ctx context.Context, input bin.Encoder, output bin.Decoder) error {
	req, ok := input.(*tg.UploadGetFileRequest)
	if !ok {
		return fmt.Errorf("unexpected %T", input)
	}
	t := time.NewTimer(l.latency)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
	}
	output.(*tg.UploadFileBox).File = &tg.UploadFile{Type: &tg.StorageFileUnknown{}, Bytes: l.block[:req.Limit]}
	return nil
}

// BenchmarkRangeReadPipeline reads 64 MiB through the windowed reader over
// latencyTelegram; "of-ceiling" is against window × 1 MiB / latency.
func BenchmarkRangeReadPipeline(b *testing.B) {
	const size = 64 * mib
	for _, lat := range []time.Duration{20 * time.Millisecond, 50 * time.Millisecond} {
		b.Run("latency="+lat.String(), func(b *testing.B) {
			t := &latencyTelegram{latency: lat, block: make([]byte, mib)}
			svc := New(t, Options{ChannelID: 1, Window: benchWindow})
			f := NewFile(File{MessageID: 1, Size: size, DC: 2}, &tg.InputDocumentFileLocation{ID: 1})
			b.SetBytes(size)
			for range b.N {
				readWhole(b, svc, f)
			}
			reportCeiling(b, lat, size)
		})
	}
}

// BenchmarkResponseVsRawPipeline is BenchmarkResponseVsRaw over
// latencyTelegram: no MTProto, so no CPU to queue for, only round trips.
// The raw loop keeps 8 calls in flight (gotd's Pool(8): one per
// connection); the reader runs its default window (16: 8 connections × 2
// calls) after starting with two parts, and writes to a loopback socket.
func BenchmarkResponseVsRawPipeline(b *testing.B) {
	t := &latencyTelegram{latency: responseLatency, block: make([]byte, mib)}
	svc := New(t, Options{ChannelID: 1, Window: envInt("BENCH_WINDOW", 0)})
	f := NewFile(File{MessageID: 1, Size: responseSize, DC: 2}, &tg.InputDocumentFileLocation{ID: 1})
	responseVsRaw(b, svc, f, tg.NewClient(t))
}
