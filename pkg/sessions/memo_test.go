package sessions

import (
	"bytes"
	"testing"

	"github.com/filetolink/filetolink/internal/redistest"
)

// Two instances over one store: an update is first delivered once, a note
// one instance remembers the other recalls, sealed at rest, and a bot with
// another secret cannot read it.
func TestPoolMemo(t *testing.T) {
	srv := redistest.Start(t)
	a, b := newPool(t, srv, nil), newPool(t, srv, nil)
	ctx := ctxT(t)
	for i, tt := range []struct {
		p    *Pool
		id   int64
		want bool
	}{{a, 7, true}, {b, 7, false}, {a, 7, false}, {b, 8, true}} {
		if got, err := tt.p.FirstDelivery(ctx, tt.id); err != nil || got != tt.want {
			t.Errorf("delivery %d of update %d: first %v (%v), want %v", i+1, tt.id, got, err, tt.want)
		}
	}
	if _, ok, err := b.Recall(ctx, "copy:x"); ok || err != nil {
		t.Fatalf("recalled a note nobody kept: %v %v", ok, err)
	}
	secret := []byte(`{"message_id":42,"code":"CODE-SECRET"}`)
	if err := a.Remember(ctx, "copy:x", secret); err != nil {
		t.Fatal(err)
	}
	got, ok, err := b.Recall(ctx, "copy:x")
	if err != nil || !ok || !bytes.Equal(got, secret) {
		t.Fatalf("recall on the other instance: %q %v %v", got, ok, err)
	}
	raw, err := a.store.rdb.Get(ctx, a.memoKey("copy:x")).Bytes()
	if err != nil {
		t.Fatal(err)
	}
	if bytes.Contains(raw, []byte("CODE-SECRET")) || bytes.Contains(raw, []byte("copy:x")) {
		t.Error("note stored in the clear")
	}
	other := newPool(t, srv, func(o *Options) { o.Secret = []byte("another token") })
	if _, ok, err := other.Recall(ctx, "copy:x"); ok || err != nil {
		t.Errorf("another secret read the note: %v %v", ok, err)
	}
}
