package sessions

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/redis/go-redis/v9"
)

// What else a bot keeps in the store beside its sessions: which webhook
// updates were handled, so that a redelivery reaching another instance is
// not handled twice, and small sealed notes (the link bot's copies of
// files). Telegram stops redelivering an update after 24 hours.
const (
	updateTTL = 24 * time.Hour
	memoTTL   = 90 * 24 * time.Hour
)

// FirstDelivery records webhook update id and reports whether this is the
// first time any instance sharing the store saw it.
func (p *Pool) FirstDelivery(ctx context.Context, updateID int64) (bool, error) {
	ctx, cancel := context.WithTimeout(ctx, p.store.opts.OpTimeout)
	defer cancel()
	first, err := p.store.rdb.SetNX(ctx, p.key("u:"+strconv.FormatInt(updateID, 10)), 1, updateTTL).Result()
	if err != nil {
		return false, fmt.Errorf("session store: %w", scrub(err))
	}
	return first, nil
}

// Remember keeps value under name, sealed (names are hashed: a name may be
// as telling as its value).
func (p *Pool) Remember(ctx context.Context, name string, value []byte) error {
	key := p.memoKey(name)
	ctx, cancel := context.WithTimeout(ctx, p.store.opts.OpTimeout)
	defer cancel()
	if err := p.store.rdb.Set(ctx, key, p.seal.seal(key, value), memoTTL).Err(); err != nil {
		return fmt.Errorf("session store: %w", scrub(err))
	}
	return nil
}

// Recall is what Remember kept under name; ok is false if nothing (or
// nothing this bot's secret opens) is there.
func (p *Pool) Recall(ctx context.Context, name string) (value []byte, ok bool, err error) {
	key := p.memoKey(name)
	ctx, cancel := context.WithTimeout(ctx, p.store.opts.OpTimeout)
	defer cancel()
	blob, err := p.store.rdb.Get(ctx, key).Bytes()
	if errors.Is(err, redis.Nil) {
		return nil, false, nil
	}
	if err != nil {
		return nil, false, fmt.Errorf("session store: %w", scrub(err))
	}
	value, err = p.seal.open(key, blob)
	if err != nil {
		return nil, false, nil
	}
	return value, true, nil
}

func (p *Pool) memoKey(name string) string {
	h := sha256.Sum256([]byte(name))
	return p.key("m:" + hex.EncodeToString(h[:16]))
}
