package mail

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/toasoan/toasoan/internal/migrations"
	"github.com/toasoan/toasoan/internal/models"
	"github.com/toasoan/toasoan/internal/store"
	"github.com/toasoan/toasoan/internal/testdb"
)

// Two processes on one database, their workers stepping at the same time, send every mail
// once: each claim takes mails the other has not (FOR UPDATE SKIP LOCKED on PostgreSQL, the
// write lock on SQLite).
func TestTwoWorkersSendEachMailOnce(t *testing.T) {
	testdb.EachDialect(t, func(t *testing.T, dialect string) {
		url := testdb.FreshURL(t, dialect)
		first := testdb.Open(t, dialect, url)
		if err := migrations.Run(context.Background(), first); err != nil {
			t.Fatal(err)
		}
		clock := testdb.NewClock(testdb.Epoch)
		const mails = 3 * batch
		for i := range mails {
			err := first.Create(&models.OutboxMail{IdempotencyKey: fmt.Sprintf("test:%d", i), ToAddress: "ban.doc@example.vn",
				Subject: "Thư", BodyText: "Nội dung", Status: models.MailPending, NextAttemptAt: testdb.Epoch, CreatedAt: testdb.Epoch}).Error
			if err != nil {
				t.Fatal(err)
			}
		}
		var mu sync.Mutex
		sent := map[int64]int{}
		worker := func(st *store.Store) *Worker {
			w, err := New(st, Options{Now: clock.Now})
			if err != nil {
				t.Fatal(err)
			}
			w.send = func(_ context.Context, m models.OutboxMail) error {
				time.Sleep(5 * time.Millisecond) // long enough for the other worker to claim meanwhile
				mu.Lock()
				sent[m.ID]++
				mu.Unlock()
				return nil
			}
			return w
		}
		workers := []*Worker{worker(store.New(first, clock.Now)), worker(store.New(testdb.Open(t, dialect, url), clock.Now))}
		var wg sync.WaitGroup
		for _, w := range workers {
			wg.Go(func() {
				for more := true; more; {
					var err error
					if more, err = w.Step(context.Background()); err != nil {
						t.Error(err)
						return
					}
				}
			})
		}
		wg.Wait()
		if len(sent) != mails {
			t.Errorf("%d mails sent, want %d", len(sent), mails)
		}
		for id, n := range sent {
			if n != 1 {
				t.Errorf("mail %d sent %d times", id, n)
			}
		}
		queued, err := workers[0].store.MailsQueued(context.Background())
		if err != nil || queued != 0 {
			t.Errorf("%d queued (%v), want 0", queued, err)
		}
	})
}

func TestMaskAddress(t *testing.T) {
	for in, want := range map[string]string{
		"bichngoc.tran@example.vn": "b***@example.vn",
		"đức@example.vn":           "đ***@example.vn",
		"@example.vn":              "***",
		"not-an-address":           "***",
	} {
		if got := MaskAddress(in); got != want {
			t.Errorf("MaskAddress(%q) = %q, want %q", in, got, want)
		}
	}
}
