package sessions

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/redis/go-redis/v9"
)

// errMalformed is a reply of a shape its script never returns: a broken
// proxy, an incompatible server or a tampered connection. Callers get it
// wrapped in ErrStoreUnreachable and fall back as for a store that does
// not answer: the store is not to be trusted on anything it said.
var errMalformed = errors.New("malformed reply")

// runSlice runs script (see run) and returns its array reply.
func (p *Pool) runSlice(ctx context.Context, op string, script *redis.Script, keys []string, args ...any) ([]any, error) {
	v, err := p.run(ctx, op, script, keys, args...).Result()
	if err != nil {
		return nil, err
	}
	res, ok := v.([]any)
	if !ok {
		return nil, malformed(op, "want an array, got %T", v)
	}
	return res, nil
}

// runInt runs script (see run) and returns its integer reply.
func (p *Pool) runInt(ctx context.Context, op string, script *redis.Script, keys []string, args ...any) (int64, error) {
	v, err := p.run(ctx, op, script, keys, args...).Result()
	if err != nil {
		return 0, err
	}
	n, ok := v.(int64)
	if !ok {
		return 0, malformed(op, "want an integer, got %T", v)
	}
	return n, nil
}

func malformed(op, format string, args ...any) error {
	return fmt.Errorf("%w: %s: %w: %s", ErrStoreUnreachable, op, errMalformed, fmt.Sprintf(format, args...))
}

// acquireReply is acquireScript's answer: a lease (id != "") or why none.
type acquireReply struct {
	id, token, blob string
	stored          int
	quiet           time.Duration // -1: no session in its quiet period
}

// decodeAcquire checks {id, token, blob} or {"", stored, leased, quiet ms}.
func decodeAcquire(res []any) (acquireReply, error) {
	if len(res) == 0 {
		return acquireReply{}, malformed("acquire", "empty array")
	}
	id, ok := res[0].(string)
	if !ok {
		return acquireReply{}, malformed("acquire", "id is %T", res[0])
	}
	if id != "" {
		if len(res) != 3 {
			return acquireReply{}, malformed("acquire", "%d elements for a lease, want 3", len(res))
		}
		token, ok1 := res[1].(string)
		blob, ok2 := res[2].(string)
		if !ok1 || !ok2 || token == "" {
			return acquireReply{}, malformed("acquire", "token or session of a wrong type")
		}
		return acquireReply{id: id, token: token, blob: blob}, nil
	}
	if len(res) != 4 {
		return acquireReply{}, malformed("acquire", "%d elements for a refusal, want 4", len(res))
	}
	ints, err := int64s("acquire", res[1:])
	if err != nil {
		return acquireReply{}, err
	}
	r := acquireReply{stored: int(ints[0]), quiet: time.Duration(ints[2]) * time.Millisecond}
	if ints[2] < 0 {
		r.quiet = -1
	}
	return r, nil
}

// grantReply is grantLoginScript's answer.
type grantReply struct {
	outcome string // "ok", "blocked" or "budget"
	token   string // ok
	wait    time.Duration
	code    string // blocked: the block's code (see BlockLogins)
}

// decodeGrant checks {"ok", token}, {"blocked", ms, code} or {"budget", ms, used}.
func decodeGrant(res []any) (grantReply, error) {
	if len(res) == 0 {
		return grantReply{}, malformed("login budget", "empty array")
	}
	outcome, _ := res[0].(string)
	switch {
	case outcome == "ok" && len(res) == 2:
		token, ok := res[1].(string)
		if !ok || token == "" {
			return grantReply{}, malformed("login budget", "token is %T", res[1])
		}
		return grantReply{outcome: outcome, token: token}, nil
	case outcome == "blocked" && len(res) == 3:
		ms, ok1 := res[1].(int64)
		code, ok2 := res[2].(string)
		if !ok1 || !ok2 {
			return grantReply{}, malformed("login budget", "block of a wrong type")
		}
		return grantReply{outcome: outcome, wait: max(time.Duration(ms)*time.Millisecond, 0), code: code}, nil
	case outcome == "budget" && len(res) == 3:
		ints, err := int64s("login budget", res[1:])
		if err != nil {
			return grantReply{}, err
		}
		return grantReply{outcome: outcome, wait: max(time.Duration(ints[0])*time.Millisecond, 0)}, nil
	}
	return grantReply{}, malformed("login budget", "%d elements starting %.20q", len(res), fmt.Sprint(res[0]))
}

// statusReply is statusScript's answer.
type statusReply struct {
	stored, leased, logins int
	blocked                time.Duration
	blockCode, authCode    string
}

// decodeStatus checks {stored, leased, logins, block ms, block code, auth error code}.
func decodeStatus(res []any) (statusReply, error) {
	if len(res) != 6 {
		return statusReply{}, malformed("status", "%d elements, want 6", len(res))
	}
	ints, err := int64s("status", res[:4])
	if err != nil {
		return statusReply{}, err
	}
	block, ok1 := res[4].(string)
	auth, ok2 := res[5].(string)
	if !ok1 || !ok2 {
		return statusReply{}, malformed("status", "codes of a wrong type")
	}
	return statusReply{stored: int(ints[0]), leased: int(ints[1]), logins: int(ints[2]),
		blocked: time.Duration(ints[3]) * time.Millisecond, blockCode: block, authCode: auth}, nil
}

// int64s checks that every element of vs is an integer.
func int64s(op string, vs []any) ([]int64, error) {
	out := make([]int64, len(vs))
	for i, v := range vs {
		n, ok := v.(int64)
		if !ok {
			return nil, malformed(op, "element %d is %T, want an integer", i, v)
		}
		out[i] = n
	}
	return out, nil
}
