package tgclient

import (
	"context"
	"fmt"
	"time"

	"github.com/gotd/td/tg"
)

// With a session pool, a download connection to another DC is a gotd
// client of its own whose home is that DC, its key kept in the stored
// session (lanes.go). gotd's client.DC cannot do this: it keeps other-DC
// keys in memory only (its per-DC sessions map is unexported, and
// session.Storage holds the primary DC alone), so every new process would
// export the authorization again (auth.exportAuthorization, which
// flood-waits when repeated). A client whose home is DC 4, restored from a
// stored DC-4 key, needs no export: one export per DC per stored session,
// for its whole life. Without a session pool the export is made once per
// process and DC, and every connection to that DC shares the key.

// transfer authorizes dc's key with the home key
// (auth.exportAuthorization, auth.importAuthorization).
func (r *connection) transfer(ctx context.Context, to tg.Invoker, dc int) error {
	exp, err := tg.NewClient(r.raw).AuthExportAuthorization(ctx, dc)
	if err != nil {
		return fmt.Errorf("export authorization to DC %d: %w", dc, err)
	}
	req := &tg.AuthImportAuthorizationRequest{}
	req.FillFrom(exp)
	if _, err := tg.NewClient(r.policies(to, dc)).AuthImportAuthorization(ctx, req); err != nil {
		return fmt.Errorf("import authorization on DC %d: %w", dc, err)
	}
	r.opts.Logger.Info("telegram: authorized a stored key for another DC", "dc", dc)
	return nil
}

// watchLease retires the connection as soon as its lease is known lost, so that
// the next call takes another session without first failing on this one.
// Owned by the connection.
func (r *connection) watchLease(ctx context.Context) {
	defer r.wg.Done()
	select {
	case <-ctx.Done():
	case <-r.lease.Lost():
		r.opts.Logger.Warn("telegram session lease lost to another instance; taking another session", "session", r.lease.ID())
		r.c.discard(r, false)
	}
}

// saveLoop writes the session to the pool whenever gotd changed it (a new
// key for a DC, a new salt). Owned by the connection.
func (r *connection) saveLoop(ctx context.Context) {
	defer r.wg.Done()
	for {
		select {
		case <-ctx.Done():
			return
		case <-r.blob.dirty:
		}
		if err := r.lease.Save(ctx, r.blob.marshal()); err != nil && ctx.Err() == nil {
			r.opts.Logger.Warn("session not saved to the store", "err", err)
			r.blob.changed() // try again on the next change or below
			t := time.NewTimer(time.Second)
			select {
			case <-ctx.Done():
				t.Stop()
				return
			case <-t.C:
			}
		}
	}
}

// endLease hands the session back when the connection ends: saved and released
// for the next instance, or removed when Telegram rejected its key or the
// login never succeeded.
func (r *connection) endLease(loggedIn bool) {
	if r.lease == nil {
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
	defer cancel()
	if r.rejected.Load() || (!loggedIn && r.lease.NewLogin) {
		if err := r.lease.Remove(ctx); err != nil {
			r.opts.Logger.Warn("rejected session not removed from the store", "err", err)
		}
		return
	}
	select {
	case <-r.blob.dirty:
		if err := r.lease.Save(ctx, r.blob.marshal()); err != nil {
			r.opts.Logger.Warn("session not saved to the store", "err", err)
		}
	default:
	}
	if err := r.lease.Release(ctx); err != nil {
		r.opts.Logger.Warn("session lease not released", "err", err)
	}
}
