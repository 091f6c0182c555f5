package tgfake

import (
	"context"
	"fmt"
	"sync"
	"testing"

	"github.com/gotd/td/tg"
)

func BenchmarkPatternReadAt(b *testing.B) {
	p := Pattern(1, 64*mib)
	buf := make([]byte, mib)
	b.SetBytes(mib)
	for i := 0; b.Loop(); i++ {
		if _, err := p.ReadAt(buf, int64(i%63)*mib+3); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkGetFile is the fake's own ceiling: 1 MiB upload.getFile calls over
// n connections of one pool, no injected latency.
func BenchmarkGetFile(b *testing.B) {
	for _, conns := range []int{1, 4} {
		b.Run(fmt.Sprintf("conns=%d", conns), func(b *testing.B) {
			srv := NewTest(b, Options{})
			id := srv.AddMessage("code", &Media{Kind: KindDocument, Content: Pattern(1, 64*mib)})
			c := newClient(srv, srv.HomeDC())
			err := c.Run(b.Context(), func(ctx context.Context) error {
				if _, err := c.Auth().Bot(ctx, DefaultBotToken); err != nil {
					return err
				}
				doc, err := channelDocument(ctx, c.API(), id)
				if err != nil {
					return err
				}
				pool, err := c.Pool(int64(conns))
				if err != nil {
					return err
				}
				defer pool.Close()
				api := tg.NewClient(pool)
				loc := docLocation(doc)

				b.SetBytes(mib)
				b.ResetTimer()
				parts := make(chan int64)
				var wg sync.WaitGroup
				errs := make(chan error, conns)
				for range conns {
					wg.Go(func() {
						for off := range parts {
							if _, err := getFile(ctx, api, loc, off, mib); err != nil {
								errs <- err
								return
							}
						}
					})
				}
				for i := range b.N {
					parts <- int64(i%64) * mib
				}
				close(parts)
				wg.Wait()
				close(errs)
				return <-errs
			})
			if err != nil {
				b.Fatal(err)
			}
		})
	}
}
