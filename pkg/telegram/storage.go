package telegram

import (
	"context"
	"encoding/json"
	"errors"
	"sync"

	"github.com/gotd/td/session"
)

// storedSession is what the session pool keeps of a session: gotd's
// session for the home DC (auth key, DC, salt) and, for every other DC a
// download ever used, that DC's own authorized key, so that a cold start
// needs neither a login nor auth.exportAuthorization.
type storedSession struct {
	V    int            `json:"v"`
	Home []byte         `json:"home"`
	DCs  map[int][]byte `json:"dcs,omitempty"`
}

// blob is a session being used: gotd stores into it (one session.Storage
// per DC), and a saver writes it to the pool when it changed.
type blob struct {
	mu    sync.Mutex
	s     storedSession
	dirty chan struct{} // one pending signal
}

func newBlob(data []byte) (*blob, error) {
	b := &blob{dirty: make(chan struct{}, 1)}
	if len(data) > 0 {
		if err := json.Unmarshal(data, &b.s); err != nil || b.s.V != 1 {
			return nil, errors.New("stored session: unknown format")
		}
	}
	b.s.V = 1
	if b.s.DCs == nil {
		b.s.DCs = map[int][]byte{}
	}
	return b, nil
}

func (b *blob) marshal() []byte {
	b.mu.Lock()
	defer b.mu.Unlock()
	out, _ := json.Marshal(b.s)
	return out
}

func (b *blob) changed() {
	select {
	case b.dirty <- struct{}{}:
	default:
	}
}

// hasDC reports whether a key for dc is stored.
func (b *blob) hasDC(dc int) bool {
	b.mu.Lock()
	defer b.mu.Unlock()
	return len(b.s.DCs[dc]) > 0
}

// forgetDC drops dc's key (Telegram rejected it).
func (b *blob) forgetDC(dc int) {
	b.mu.Lock()
	delete(b.s.DCs, dc)
	b.mu.Unlock()
	b.changed()
}

// storage is the session.Storage gotd uses for dc (0: the home DC).
func (b *blob) storage(dc int) session.Storage { return &blobStorage{b: b, dc: dc} }

type blobStorage struct {
	b  *blob
	dc int
}

func (s *blobStorage) LoadSession(context.Context) ([]byte, error) {
	s.b.mu.Lock()
	defer s.b.mu.Unlock()
	data := s.b.s.Home
	if s.dc != 0 {
		data = s.b.s.DCs[s.dc]
	}
	if len(data) == 0 {
		return nil, session.ErrNotFound
	}
	return append([]byte(nil), data...), nil
}

func (s *blobStorage) StoreSession(_ context.Context, data []byte) error {
	s.b.mu.Lock()
	if s.dc == 0 {
		s.b.s.Home = append([]byte(nil), data...)
	} else {
		s.b.s.DCs[s.dc] = append([]byte(nil), data...)
	}
	s.b.mu.Unlock()
	s.b.changed()
	return nil
}

// EncodeStoredSession turns a TG_SESSION (gotd's home-DC session) into a
// pool entry, for seeding the pool.
func EncodeStoredSession(home []byte) []byte {
	out, _ := json.Marshal(storedSession{V: 1, Home: home})
	return out
}
