package tgfake

import (
	"context"
	"crypto/rand"
	"encoding/binary"
	"errors"
	"time"

	"github.com/gotd/td/bin"
	"github.com/gotd/td/crypto"
	"github.com/gotd/td/tg"
	"github.com/gotd/td/tgerr"
	"github.com/gotd/td/tgtest"
)

// The fake without MTProto: the same channel, rules and hooks, reached in
// memory by a tg.Invoker. No listener, key exchange or encryption, and no
// real time but the hooks' own timers, so tests of what sits above the
// client (pkg/app's scenarios) run in milliseconds and under
// testing/synctest, in fake time. MTProto itself (logins over the wire,
// reconnects, dropped connections, the duplicate-key rule) is tested with
// Start.

// ErrDropped is what an in-memory call answers where DropNext closes an
// MTProto connection.
var ErrDropped = errors.New("tgfake: connection dropped on purpose")

// ErrUnreachable is what an in-memory call answers while SetReachable(false)
// holds: the connection is refused.
var ErrUnreachable = errors.New("tgfake: Telegram unreachable")

// NewMemory returns a fake that only Invoker reaches. Close it as a Start
// one.
func NewMemory(opts Options) (*Server, error) { return newServer(opts) }

// Invoker is a new in-memory connection to DC dc with an auth key of its
// own, as a client's key exchange makes one: it must log in (or import an
// authorization) like an MTProto connection before it may call the rest.
// Each call passes the rules and hooks an MTProto call does — counters,
// injected errors, latency, pauses, the limits — and waits for its answer
// until ctx ends.
func (s *Server) Invoker(dc int) tg.Invoker {
	var key crypto.AuthKey
	_, _ = rand.Read(key.ID[:])
	var id [8]byte
	_, _ = rand.Read(id[:])
	return &memoryInvoker{s: s, dc: dc, session: tgtest.Session{ID: int64(binary.LittleEndian.Uint64(id[:])), AuthKey: key}}
}

type memoryInvoker struct {
	s       *Server
	dc      int
	session tgtest.Session
}

func (m *memoryInvoker) Invoke(ctx context.Context, input bin.Encoder, output bin.Decoder) error {
	s := m.s
	if err := ctx.Err(); err != nil {
		return err
	}
	if s.ctx.Err() != nil {
		return ErrUnreachable
	}
	s.mu.Lock()
	unreachable := s.unreachable
	s.mu.Unlock()
	if unreachable {
		return ErrUnreachable
	}
	var buf bin.Buffer
	if err := input.Encode(&buf); err != nil {
		return err
	}
	v, err := s.judge(&tgtest.Request{DC: m.dc, Session: m.session, Buf: &buf, RequestCtx: ctx})
	if err != nil {
		return err
	}
	defer v.finish()
	if v.drop {
		return ErrDropped
	}
	if v.delay > 0 {
		t := time.NewTimer(v.delay)
		defer t.Stop()
		select {
		case <-t.C:
		case <-ctx.Done():
			return ctx.Err()
		case <-s.ctx.Done():
			return ErrUnreachable
		}
	}
	switch {
	case v.unknown:
		return tgerr.New(400, "INPUT_METHOD_INVALID")
	case v.err != nil:
		return v.err
	}
	buf.Reset()
	if err := v.result.Encode(&buf); err != nil {
		return err
	}
	return output.Decode(&buf)
}
