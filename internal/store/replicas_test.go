package store_test

import (
	"bytes"
	"context"
	"database/sql"
	"log/slog"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"gorm.io/gorm"

	"github.com/toasoan/toasoan/internal/migrations"
	"github.com/toasoan/toasoan/internal/models"
	"github.com/toasoan/toasoan/internal/store"
	"github.com/toasoan/toasoan/internal/testdb"
)

// replicated is a store on a throwaway primary with one real streaming standby, as
// TOASOAN_DATABASE_REPLICA_URLS gives the server, with the options o (its URLs filled in).
type replicated struct {
	st      *store.Store
	primary *testdb.Cluster
	standby *testdb.Cluster
	replica *sql.DB       // a plain connection to the standby, to pause its replay
	clock   *testdb.Clock // the store's, on which replicas' lag is measured
}

func newReplicated(t *testing.T, o store.ReplicaOptions) replicated {
	t.Helper()
	primary := testdb.NewCluster(t)
	db := openPostgres(t, primary.URL)
	if err := migrations.Run(context.Background(), db); err != nil {
		t.Fatal(err)
	}
	standby := primary.Standby(t)
	clock := testdb.NewClock(testdb.Epoch)
	st := store.New(db, clock.Now)
	o.URLs = []string{standby.URL}
	if err := st.UseReplicas(o); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(st.CloseReplicas)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { defer close(done); st.WatchReplicas(ctx) }()
	t.Cleanup(func() { cancel(); <-done })
	replica, err := sql.Open("pgx", standby.URL)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = replica.Close() })
	return replicated{st: st, primary: primary, standby: standby, replica: replica, clock: clock}
}

func openPostgres(t *testing.T, url string) *gorm.DB {
	t.Helper()
	db, err := store.Open(context.Background(), store.OpenOptions{DatabaseURL: url, Retry: 5 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if sqlDB, err := db.DB(); err == nil {
			_ = sqlDB.Close()
		}
	})
	return db
}

// onStandby reports whether a read with ctx runs on the standby (in recovery) or the primary.
func (r replicated) onStandby(t *testing.T, ctx context.Context) bool {
	t.Helper()
	var inRecovery bool
	if err := r.st.DB().WithContext(ctx).Raw("SELECT pg_is_in_recovery()").Row().Scan(&inRecovery); err != nil {
		t.Fatalf("read: %v", err)
	}
	return inRecovery
}

func (r replicated) exec(t *testing.T, query string) {
	t.Helper()
	if _, err := r.replica.Exec(query); err != nil {
		t.Fatalf("%s: %v", query, err)
	}
}

func hasCategory(t *testing.T, st *store.Store, ctx context.Context, name string) bool {
	t.Helper()
	list, err := st.Categories(ctx)
	if err != nil {
		t.Fatalf("categories: %v", err)
	}
	// Categories may come from the store's memo: the table, read where the routing says, must
	// agree with it.
	inMemo := slices.ContainsFunc(list, func(c models.Category) bool { return c.Name == name })
	if inRow := hasCategoryRow(t, st, ctx, name); inRow != inMemo {
		t.Fatalf("category %q: in Categories %v, in the table %v", name, inMemo, inRow)
	}
	return inMemo
}

// hasCategoryRow is hasCategory read from the table every time: Categories comes from the
// store's memo once read, and runs no query.
func hasCategoryRow(t *testing.T, st *store.Store, ctx context.Context, name string) bool {
	t.Helper()
	var n int64
	if err := st.DB().WithContext(ctx).Model(&models.Category{}).Where("name = ?", name).Count(&n).Error; err != nil {
		t.Fatalf("categories: %v", err)
	}
	return n > 0
}

// Public reads run on the standby once it is polled; everything else on the primary: reads
// without the mark, writes and transactions, even in a public read's context.
func TestReplicaServesOnlyPublicReads(t *testing.T) {
	r := newReplicated(t, store.ReplicaOptions{Poll: 50 * time.Millisecond})
	ctx := context.Background()
	public := store.PublicRead(ctx)
	testdb.WaitFor(t, 10*time.Second, "a public read runs on the standby", func() bool { return r.onStandby(t, public) })
	if r.onStandby(t, ctx) {
		t.Error("a read without the public mark ran on the standby")
	}
	if _, err := r.st.CreateCategory(public, store.System, store.CategoryInput{Name: "Tin tức"}); err != nil {
		t.Fatalf("a write in a public read's context: %v", err)
	}
	err := r.st.DB().WithContext(public).Transaction(func(tx *gorm.DB) error {
		var inRecovery bool
		if err := tx.Raw("SELECT pg_is_in_recovery()").Row().Scan(&inRecovery); err != nil {
			return err
		}
		if inRecovery {
			t.Error("a transaction in a public read's context ran on the standby")
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	// The write sent public reads to the primary until the standby replays it.
	testdb.WaitFor(t, 10*time.Second, "public reads are back on the standby", func() bool { return r.onStandby(t, public) })
	if !hasCategory(t, r.st, public, "Tin tức") {
		t.Error("the standby, back in use, lacks the write")
	}
}

// A public read after a write (this process's, or another's heard through ListenPurges) sees it
// even while the standby's replay is paused: it goes to the primary until the standby has
// replayed the write, then back to the standby.
func TestReplicaBehindAPurgeIsNotRead(t *testing.T) {
	r := newReplicated(t, store.ReplicaOptions{Poll: 50 * time.Millisecond})
	ctx := context.Background()
	public := store.PublicRead(ctx)
	testdb.WaitFor(t, 10*time.Second, "a public read runs on the standby", func() bool { return r.onStandby(t, public) })

	r.exec(t, "SELECT pg_wal_replay_pause()")
	if _, err := r.st.CreateCategory(ctx, store.System, store.CategoryInput{Name: "Thời sự"}); err != nil {
		t.Fatal(err)
	}
	if !hasCategory(t, r.st, public, "Thời sự") {
		t.Fatal("a public read right after this process's write does not see it (read on the paused standby)")
	}
	if r.onStandby(t, public) {
		t.Error("a public read ran on the standby that has not replayed the write")
	}

	// Another process writes; this one hears of it through ListenPurges.
	listenCtx, stop := context.WithCancel(ctx)
	defer stop()
	ready := make(chan struct{})
	heard := make(chan []string, 10)
	r.st.OnPurge(func(keys []string) { heard <- keys })
	go func() { _ = r.st.ListenPurges(listenCtx, r.primary.URL, slog.New(slog.DiscardHandler), ready) }()
	<-ready
	other := store.New(openPostgres(t, r.primary.URL), testdb.NewClock(testdb.Epoch).Now)
	if _, err := other.CreateCategory(ctx, store.System, store.CategoryInput{Name: "Pháp luật"}); err != nil {
		t.Fatal(err)
	}
	select {
	case <-heard:
	case <-time.After(10 * time.Second):
		t.Fatal("the other process's purge was not heard")
	}
	if !hasCategory(t, r.st, public, "Pháp luật") {
		t.Fatal("a public read right after another process's purge does not see its write")
	}

	r.exec(t, "SELECT pg_wal_replay_resume()")
	testdb.WaitFor(t, 10*time.Second, "public reads go back to the standby once it has replayed", func() bool { return r.onStandby(t, public) })
	if !hasCategory(t, r.st, public, "Thời sự") || !hasCategory(t, r.st, public, "Pháp luật") {
		t.Error("the standby, back in use, lacks the writes")
	}
}

// A standby that is down is left out by the next poll, and its reads run on the primary; once
// it is back it is read again.
func TestReplicaDownIsSkipped(t *testing.T) {
	r := newReplicated(t, store.ReplicaOptions{Poll: 50 * time.Millisecond})
	ctx := context.Background()
	public := store.PublicRead(ctx)
	if _, err := r.st.CreateCategory(ctx, store.System, store.CategoryInput{Name: "Văn hoá"}); err != nil {
		t.Fatal(err)
	}
	testdb.WaitFor(t, 10*time.Second, "a public read runs on the standby", func() bool { return r.onStandby(t, public) })
	if r.metric(t, "toasoan_database_reads_total", "replica") == 0 {
		t.Error("reads on the standby not counted")
	}

	r.standby.Stop()
	testdb.WaitFor(t, 10*time.Second, "the stopped standby is not usable", func() bool {
		return r.metric(t, "toasoan_database_replica_usable", "0") == 0
	})
	primaryReads := r.metric(t, "toasoan_database_reads_total", "primary")
	for range 5 {
		if r.onStandby(t, public) || !hasCategoryRow(t, r.st, public, "Văn hoá") {
			t.Fatal("a public read did not run on the primary with the standby down")
		}
	}
	if got := r.metric(t, "toasoan_database_reads_total", "primary") - primaryReads; got != 10 {
		t.Errorf("%v reads counted on the primary, want the 10 made", got)
	}

	r.standby.Start()
	testdb.WaitFor(t, 10*time.Second, "the standby, restarted, is read again", func() bool { return r.onStandby(t, public) })
	if r.metric(t, "toasoan_database_replica_usable", "0") != 1 {
		t.Error("the standby read again is not usable in /metrics")
	}
}

// A standby further behind the primary than MaxLag is not read, even when no purge says what it
// lacks (writes that change nothing public); once it catches up it is read again.
func TestReplicaLaggingIsSkipped(t *testing.T) {
	r := newReplicated(t, store.ReplicaOptions{Poll: 50 * time.Millisecond, MaxLag: 500 * time.Millisecond})
	public := store.PublicRead(context.Background())
	testdb.WaitFor(t, 10*time.Second, "a public read runs on the standby", func() bool { return r.onStandby(t, public) })
	r.exec(t, "SELECT pg_wal_replay_pause()")
	if err := r.st.DB().Exec("CREATE TABLE lag_probe (n int)").Error; err != nil {
		t.Fatal(err)
	}
	// The lag is measured on the store's clock: the write is behind the standby by as long as
	// the clock moves on (a poll must first see the primary's new position).
	testdb.WaitFor(t, 10*time.Second, "public reads leave the lagging standby", func() bool {
		r.clock.Advance(100 * time.Millisecond)
		return !r.onStandby(t, public)
	})
	if lag := r.metric(t, "toasoan_database_replica_lag_seconds", "0"); lag < 0.5 {
		t.Errorf("lag in /metrics %.3fs, want at least the 0.5s it took to be left out", lag)
	}
	r.exec(t, "SELECT pg_wal_replay_resume()")
	testdb.WaitFor(t, 10*time.Second, "public reads go back to the standby", func() bool { return r.onStandby(t, public) })
}

// metric is the value of the replicas' metric name whose one label has the value label.
func (r replicated) metric(t *testing.T, name, label string) float64 {
	t.Helper()
	reg := prometheus.NewRegistry()
	reg.MustRegister(r.st.ReplicaMetrics())
	families, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range families {
		if f.GetName() != name {
			continue
		}
		for _, m := range f.GetMetric() {
			if len(m.GetLabel()) == 1 && m.GetLabel()[0].GetValue() == label {
				if m.GetCounter() != nil {
					return m.GetCounter().GetValue()
				}
				return m.GetGauge().GetValue()
			}
		}
	}
	t.Fatalf("no metric %s{%s}", name, label)
	return 0
}

// A read the standby cannot answer (it went down since the last poll, which is an hour away
// here) is run again on the primary.
func TestReplicaFailingReadGoesToThePrimary(t *testing.T) {
	r := newReplicated(t, store.ReplicaOptions{Poll: time.Hour})
	public := store.PublicRead(context.Background())
	testdb.WaitFor(t, 10*time.Second, "a public read runs on the standby", func() bool { return r.onStandby(t, public) })
	r.standby.Stop()
	for range 3 {
		if r.onStandby(t, public) {
			t.Fatal("a public read ran on the stopped standby")
		}
	}
}

// A replica that is unreachable from the start stops nothing: it is logged (by index, not by its
// URL, which holds a password) and public reads run on the primary.
func TestReplicaUnreachableFromTheStart(t *testing.T) {
	st := store.New(testdb.New(t, store.Postgres), testdb.NewClock(testdb.Epoch).Now)
	var logs lockedBuffer
	err := st.UseReplicas(store.ReplicaOptions{
		URLs: []string{"postgres://reader:sekrit@127.0.0.1:1/toasoan?sslmode=disable"}, Poll: 50 * time.Millisecond,
		Logger: slog.New(slog.NewTextHandler(&logs, nil)),
	})
	if err != nil {
		t.Fatal(err)
	}
	defer st.CloseReplicas()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { defer close(done); st.WatchReplicas(ctx) }()
	if _, err := st.CreateCategory(ctx, store.System, store.CategoryInput{Name: "Kinh tế"}); err != nil {
		t.Fatal(err)
	}
	if !hasCategory(t, st, store.PublicRead(ctx), "Kinh tế") {
		t.Error("a public read with the replica unreachable")
	}
	testdb.WaitFor(t, 10*time.Second, "the unreachable replica is logged", func() bool { return strings.Contains(logs.String(), "left out") })
	cancel()
	<-done
	if text := logs.String(); !strings.Contains(text, "database replica left out") || !strings.Contains(text, "replica=0") || strings.Contains(text, "sekrit") {
		t.Errorf("log: %s", text)
	}
}

// lockedBuffer is a log written by the poller while the test reads it.
type lockedBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *lockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *lockedBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// Without replicas nothing changes, and on SQLite UseReplicas refuses.
func TestReplicasNeedPostgres(t *testing.T) {
	st := store.New(testdb.New(t, store.SQLite), testdb.NewClock(testdb.Epoch).Now)
	if err := st.UseReplicas(store.ReplicaOptions{}); err != nil {
		t.Errorf("no replicas: %v", err)
	}
	if st.ReplicaMetrics() != nil {
		t.Error("metrics without replicas")
	}
	if err := st.UseReplicas(store.ReplicaOptions{URLs: []string{"postgres://127.0.0.1/x"}}); err == nil {
		t.Error("replicas of an SQLite database accepted")
	}
}
