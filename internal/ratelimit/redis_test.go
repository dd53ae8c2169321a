package ratelimit

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"testing"
	"time"

	"github.com/toasoan/toasoan/internal/testdb"
)

// Shared counting needs a Redis: TOASOAN_TEST_REDIS_URL (CI sets it to the local one).
func TestRedisCounter(t *testing.T) {
	client := testdb.Redis(t)
	ctx := context.Background()
	b := make([]byte, 6)
	_, _ = rand.Read(b)
	prefix := "toasoan-test:" + hex.EncodeToString(b) + ":"
	now := time.Now()
	// Two counters on the same Redis stand for two replicas.
	a := NewRedis(client, prefix, 300*time.Millisecond, time.Now)
	other := NewRedis(client, prefix, 300*time.Millisecond, time.Now)

	if n, _, err := a.Peek(ctx, "k"); n != 0 || err != nil {
		t.Fatalf("Peek empty: %d %v", n, err)
	}
	for i := 1; i <= 3; i++ {
		n, reset, err := a.Add(ctx, "k")
		if err != nil || n != i || reset.Before(now) || reset.After(now.Add(time.Second)) {
			t.Fatalf("Add %d: %d %v %v", i, n, reset, err)
		}
	}
	if n, _, _ := other.Add(ctx, "k"); n != 4 {
		t.Fatalf("the other replica counted %d, want 4", n)
	}
	if err := other.Release(ctx, "k"); err != nil {
		t.Fatal(err)
	}
	if n, _, _ := a.Peek(ctx, "k"); n != 3 {
		t.Fatalf("count after a release: %d, want 3", n)
	}
	if err := a.Release(ctx, "never-added"); err != nil {
		t.Fatal(err)
	}
	if n, _, _ := a.Peek(ctx, "never-added"); n != 0 {
		t.Fatalf("a release below zero counted: %d", n)
	}
	// The window ends on Redis's clock (the key's expiry), which the test cannot move: wait for it.
	testdb.WaitFor(t, 5*time.Second, "the count ends with its window", func() bool {
		n, _, _ := a.Peek(ctx, "k")
		return n == 0
	})
	a.Add(ctx, "k")
	if err := other.Reset(ctx, "k"); err != nil {
		t.Fatal(err)
	}
	if n, _, _ := a.Peek(ctx, "k"); n != 0 {
		t.Fatalf("count after reset: %d", n)
	}

	// Reservations are atomic across replicas: of 30 at once, 5 are within a limit of 5.
	long := NewRedis(client, prefix, time.Minute, time.Now)
	defer long.Reset(ctx, "race")
	if got := reserveConcurrently(t, long, "race", 30, 5); got != 5 {
		t.Fatalf("30 concurrent reservations, limit 5: %d allowed", got)
	}
	if n, _, _ := long.Peek(ctx, "race"); n != 5 {
		t.Fatalf("after the rejected ones were released the count is %d, want 5", n)
	}
	if err := long.Release(ctx, "gone"); err != nil {
		t.Fatal(err)
	}
	if client.Exists(ctx, prefix+"gone").Val() != 0 {
		t.Fatal("releasing a missing key created it")
	}
}
