package loop

import (
	"context"
	"sync"
	"testing"
	"testing/synctest"
	"time"
)

// In a synctest bubble the ticker runs on the bubble's fake clock: no test waits in real time.
func TestEveryTicksWakesAndStops(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		ctx, cancel := context.WithCancel(context.Background())
		wake := make(chan struct{})
		var mu sync.Mutex
		var calls []time.Duration
		start := time.Now()
		done := make(chan struct{})
		go func() {
			defer close(done)
			Every(ctx, time.Minute, wake, func() {
				mu.Lock()
				calls = append(calls, time.Since(start))
				mu.Unlock()
			})
		}()
		time.Sleep(150 * time.Second) // fake time: two ticks
		synctest.Wait()
		wake <- struct{}{}
		synctest.Wait()
		cancel()
		<-done
		time.Sleep(time.Hour) // no call after Every returned
		mu.Lock()
		defer mu.Unlock()
		want := []time.Duration{time.Minute, 2 * time.Minute, 150 * time.Second}
		if len(calls) != len(want) {
			t.Fatalf("calls at %v, want %v", calls, want)
		}
		for i := range want {
			if calls[i] != want[i] {
				t.Errorf("call %d at %v, want %v", i, calls[i], want[i])
			}
		}
	})
}

// A call under way when ctx ends is finished before Every returns.
func TestEveryFinishesTheCallUnderWay(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		ctx, cancel := context.WithCancel(context.Background())
		wake := make(chan struct{})
		inCall, release := make(chan struct{}), make(chan struct{})
		finished := false
		done := make(chan struct{})
		go func() {
			defer close(done)
			Every(ctx, time.Hour, wake, func() {
				close(inCall)
				<-release
				finished = true
			})
		}()
		wake <- struct{}{}
		<-inCall
		cancel()
		synctest.Wait()
		select {
		case <-done:
			t.Fatal("Every returned during a call")
		default:
		}
		close(release)
		<-done
		if !finished {
			t.Error("the call under way was cut short")
		}
	})
}
