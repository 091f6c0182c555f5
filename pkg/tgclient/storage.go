package tgclient

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
	// pending holds other-DC keys made but not yet authorized: they are
	// stored only once the transfer succeeded (commitDC).
	pending map[int][]byte
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

// commitDC stores dc's key made by a client whose authorization transfer
// has just succeeded.
func (b *blob) commitDC(dc int) {
	b.mu.Lock()
	if k, ok := b.pending[dc]; ok {
		b.s.DCs[dc] = k
		delete(b.pending, dc)
	}
	b.mu.Unlock()
	b.changed()
}

// storagePending is storage(dc) for a client whose key is not authorized
// yet: what gotd stores waits for commitDC.
func (b *blob) storagePending(dc int) session.Storage {
	b.mu.Lock()
	if b.pending == nil {
		b.pending = map[int][]byte{}
	}
	delete(b.s.DCs, dc)
	b.mu.Unlock()
	return &blobStorage{b: b, dc: dc, pending: true}
}

// storage is the session.Storage gotd uses for dc (0: the home DC).
func (b *blob) storage(dc int) session.Storage { return &blobStorage{b: b, dc: dc} }

type blobStorage struct {
	b       *blob
	dc      int
	pending bool
}

func (s *blobStorage) LoadSession(context.Context) ([]byte, error) {
	s.b.mu.Lock()
	defer s.b.mu.Unlock()
	data := s.b.s.Home
	switch {
	case s.dc != 0 && s.pending && s.b.pending[s.dc] != nil:
		data = s.b.pending[s.dc]
	case s.dc != 0:
		data = s.b.s.DCs[s.dc]
	}
	if len(data) == 0 {
		return nil, session.ErrNotFound
	}
	return append([]byte(nil), data...), nil
}

func (s *blobStorage) StoreSession(_ context.Context, data []byte) error {
	s.b.mu.Lock()
	switch {
	case s.dc == 0:
		s.b.s.Home = append([]byte(nil), data...)
	case s.pending && s.b.pending != nil:
		if _, committed := s.b.s.DCs[s.dc]; !committed {
			s.b.pending[s.dc] = append([]byte(nil), data...)
			s.b.mu.Unlock()
			return nil
		}
		s.b.s.DCs[s.dc] = append([]byte(nil), data...)
	default:
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
