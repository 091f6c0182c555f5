package sessions

import (
	"context"
	"fmt"

	"github.com/redis/go-redis/v9"
)

// The store's rules run as Lua scripts so that each decision is atomic
// across every instance sharing the store. Keys of one bot share the hash
// tag {bot} (one slot on a cluster). Layout, with P = "ftl:{<bot>}:":
//
//	P ids        set of session ids
//	P s:<id>     the sealed session
//	P l:<id>     its lease: "<instance>:<n>" while held (PX = lease TTL),
//	             "q:<instance>" for the quiet period after a release
//	P fence      counter that makes every lease token unique
//	P logins     sorted set of login times (ms), the last hour
//	P block      a FLOOD_WAIT on login: its reason, PX = the wait
//	P autherr    the last auth error an instance saw (no secret)
//	P seed       digest of the TG_SESSION that seeded the pool

// run runs script within Options.OpTimeout. A failure is
// ErrStoreUnreachable naming op, with the store's reason scrubbed of
// anything secret.
func (p *Pool) run(ctx context.Context, op string, script *redis.Script, keys []string, args ...any) *redis.Cmd {
	ctx, cancel := context.WithTimeout(ctx, p.store.opts.OpTimeout)
	defer cancel()
	cmd := script.Run(ctx, p.store.rdb, keys, args...)
	if err := cmd.Err(); err != nil {
		cmd.SetErr(fmt.Errorf("%w: %s: %w", ErrStoreUnreachable, op, scrub(err)))
	}
	return cmd
}

// acquireScript leases a stored session: the preferred one if free, else
// any free one. A session in its quiet period is free only for the
// instance that released it (same source address, so no duplicate use).
// ARGV: prefix, instance, preferred id, ttl ms.
// Returns {id, token, blob} or {"", stored, leased, quiet ms (-1: none)}.
var acquireScript = redis.NewScript(`
local p, inst, pref, ttl = ARGV[1], ARGV[2], ARGV[3], tonumber(ARGV[4])
local ids = p .. 'ids'
local function try(id)
  local lk = p .. 'l:' .. id
  local cur = redis.call('GET', lk)
  if cur ~= false and cur ~= ('q:' .. inst) then return nil end
  local blob = redis.call('GET', p .. 's:' .. id)
  if blob == false then
    redis.call('SREM', ids, id)
    return nil
  end
  local tok = inst .. ':' .. redis.call('INCR', p .. 'fence')
  redis.call('SET', lk, tok, 'PX', ttl)
  return {id, tok, blob}
end
if pref ~= '' and redis.call('SISMEMBER', ids, pref) == 1 then
  local r = try(pref)
  if r then return r end
end
local members = redis.call('SMEMBERS', ids)
local leased, quiet = 0, -1
for _, id in ipairs(members) do
  local r = try(id)
  if r then return r end
  local cur = redis.call('GET', p .. 'l:' .. id)
  if cur and string.sub(cur, 1, 2) == 'q:' then
    local t = redis.call('PTTL', p .. 'l:' .. id)
    if quiet < 0 or t < quiet then quiet = t end
  elseif cur then
    leased = leased + 1
  end
end
return {'', redis.call('SCARD', ids), leased, quiet}
`)

// grantLoginScript spends one unit of the login budget and leases the id
// the new session will be stored under, unless a FLOOD_WAIT blocks logins
// or the budget of the last window is spent.
// ARGV: prefix, instance, budget, ttl ms, window ms, new id.
// Returns {"ok", token} or {"blocked", ms left, reason} or {"budget", ms until a unit frees, used}.
var grantLoginScript = redis.NewScript(`
local p, inst, budget, ttl, window, id = ARGV[1], ARGV[2], tonumber(ARGV[3]), tonumber(ARGV[4]), tonumber(ARGV[5]), ARGV[6]
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local blk = redis.call('PTTL', p .. 'block')
if blk > 0 then return {'blocked', blk, redis.call('GET', p .. 'block') or ''} end
local lk = p .. 'logins'
redis.call('ZREMRANGEBYSCORE', lk, '-inf', now - window)
local used = redis.call('ZCARD', lk)
if used >= budget then
  local oldest = redis.call('ZRANGE', lk, 0, 0, 'WITHSCORES')
  local wait = window
  if oldest[2] then wait = tonumber(oldest[2]) + window - now end
  return {'budget', wait, used}
end
redis.call('ZADD', lk, now, id)
redis.call('PEXPIRE', lk, window)
local tok = inst .. ':' .. redis.call('INCR', p .. 'fence')
redis.call('SET', p .. 'l:' .. id, tok, 'PX', ttl)
return {'ok', tok}
`)

// renewScript extends a lease its holder still has. A lease that lapsed
// without anyone taking it is taken again (its holder sent nothing since
// its lease lapsed locally, before it lapsed here). Someone else's lease,
// a quiet period or a removed session means the lease is lost.
// KEYS: lease, session. ARGV: token, ttl ms. Returns 1 renewed, 2 retaken, 0 lost.
var renewScript = redis.NewScript(`
local cur = redis.call('GET', KEYS[1])
if cur == ARGV[1] then
  redis.call('PEXPIRE', KEYS[1], ARGV[2])
  return 1
end
if cur == false and (redis.call('EXISTS', KEYS[2]) == 1 or ARGV[3] == 'new') then
  redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
  return 2
end
return 0
`)

// holderScript is a script that does body only for the holder of a lease:
// KEYS[1] is the lease, ARGV[1] the holder's token. It returns 0 for
// anyone else, else what body returns.
func holderScript(body string) *redis.Script {
	return redis.NewScript("if redis.call('GET', KEYS[1]) ~= ARGV[1] then return 0 end\n" + body)
}

// saveScript stores a session, only for the holder of its lease.
// KEYS: lease, session, ids. ARGV: token, blob, id. Returns 1 or 0.
var saveScript = holderScript(`
redis.call('SET', KEYS[2], ARGV[2])
redis.call('SADD', KEYS[3], ARGV[3])
return 1
`)

// releaseScript ends a lease with a quiet period that keeps the key silent
// for a while before another instance may use it.
// KEYS: lease. ARGV: token, instance, quiet ms. Returns 1 or 0.
var releaseScript = holderScript(`
redis.call('SET', KEYS[1], 'q:' .. ARGV[2], 'PX', ARGV[3])
return 1
`)

// removeScript deletes a session whose key Telegram rejected, only for the
// holder of its lease. KEYS: lease, session, ids. ARGV: token, id.
var removeScript = holderScript(`
redis.call('DEL', KEYS[2], KEYS[1])
redis.call('SREM', KEYS[3], ARGV[2])
return 1
`)

// blockScript records a FLOOD_WAIT on login; a longer block stays.
// KEYS: block. ARGV: reason, ms.
var blockScript = redis.NewScript(`
if redis.call('PTTL', KEYS[1]) >= tonumber(ARGV[2]) then return 0 end
redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
return 1
`)

// statusScript: {stored, leased, logins in window, block ms, block reason, last auth error}.
// ARGV: prefix, window ms.
var statusScript = redis.NewScript(`
local p, window = ARGV[1], tonumber(ARGV[2])
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local members = redis.call('SMEMBERS', p .. 'ids')
local leased = 0
for _, id in ipairs(members) do
  local cur = redis.call('GET', p .. 'l:' .. id)
  if cur and string.sub(cur, 1, 2) ~= 'q:' then leased = leased + 1 end
end
local logins = redis.call('ZCOUNT', p .. 'logins', now - window, '+inf')
local blk = redis.call('PTTL', p .. 'block')
return {#members, leased, logins, blk, redis.call('GET', p .. 'block') or '', redis.call('GET', p .. 'autherr') or ''}
`)

// seedScript stores a seed session once per distinct seed.
// KEYS: seed, session, ids. ARGV: digest, blob, id. Returns 1 if stored.
var seedScript = redis.NewScript(`
if redis.call('GET', KEYS[1]) == ARGV[1] then return 0 end
redis.call('SET', KEYS[1], ARGV[1])
redis.call('SET', KEYS[2], ARGV[2])
redis.call('SADD', KEYS[3], ARGV[3])
return 1
`)
