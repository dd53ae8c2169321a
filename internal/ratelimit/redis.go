package ratelimit

import (
	"context"
	"time"

	"github.com/redis/go-redis/v9"
)

// Redis is a Counter shared by every replica that uses the same Redis.
type Redis struct {
	client *redis.Client
	prefix string
	window time.Duration
	now    func() time.Time
}

// NewRedis counts in Redis under keys starting with prefix, in windows of the given length.
func NewRedis(client *redis.Client, prefix string, window time.Duration, now func() time.Time) *Redis {
	return &Redis{client: client, prefix: prefix, window: window, now: now}
}

// addScript counts an event; the first event of a window sets its expiry. It returns the count
// and the milliseconds left in the window, atomically.
var addScript = redis.NewScript(`
local n = redis.call('INCR', KEYS[1])
if n == 1 then redis.call('PEXPIRE', KEYS[1], ARGV[1]) end
return {n, redis.call('PTTL', KEYS[1])}`)

// Add implements Counter.
func (r *Redis) Add(ctx context.Context, key string) (int, time.Time, error) {
	res, err := addScript.Run(ctx, r.client, []string{r.prefix + key}, r.window.Milliseconds()).Int64Slice()
	if err != nil {
		return 0, time.Time{}, err
	}
	return int(res[0]), r.now().Add(time.Duration(res[1]) * time.Millisecond), nil
}

// releaseScript takes one event back; a key whose window already ended is left alone, so no
// key is ever created without an expiry.
var releaseScript = redis.NewScript(`
if redis.call('EXISTS', KEYS[1]) == 0 then return 0 end
local n = redis.call('DECR', KEYS[1])
if n <= 0 then redis.call('DEL', KEYS[1]) end
return n`)

// Release implements Counter.
func (r *Redis) Release(ctx context.Context, key string) error {
	return releaseScript.Run(ctx, r.client, []string{r.prefix + key}).Err()
}

// Peek implements Counter.
func (r *Redis) Peek(ctx context.Context, key string) (int, time.Time, error) {
	k := r.prefix + key
	var get *redis.StringCmd
	var ttl *redis.DurationCmd
	_, err := r.client.TxPipelined(ctx, func(p redis.Pipeliner) error {
		get = p.Get(ctx, k)
		ttl = p.PTTL(ctx, k)
		return nil
	})
	if err == redis.Nil {
		return 0, time.Time{}, nil
	}
	if err != nil {
		return 0, time.Time{}, err
	}
	n, err := get.Int()
	if err != nil {
		return 0, time.Time{}, err
	}
	return n, r.now().Add(ttl.Val()), nil
}

// Reset implements Counter.
func (r *Redis) Reset(ctx context.Context, key string) error {
	return r.client.Del(ctx, r.prefix+key).Err()
}
