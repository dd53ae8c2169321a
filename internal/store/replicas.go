package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/jackc/pgx/v5/pgconn"
	"github.com/prometheus/client_golang/prometheus"
	"gorm.io/driver/postgres"
	"gorm.io/gorm"
	"gorm.io/plugin/dbresolver"

	"github.com/toasoan/toasoan/internal/loop"
)

// Read replicas (TOASOAN_DATABASE_REPLICA_URLS). Only the public reads go to PostgreSQL's
// streaming replicas: a request marks its context with PublicRead (the handlers do it for the
// public cached GETs), and every other statement (writes, transactions, the editors' and the
// admins' reads, auth, the workers) runs on the primary, so an editor always reads their own
// writes. gorm's dbresolver switches the connection pool; the store's one callback, ahead of
// dbresolver's, sends to the primary whatever is not a public read or finds no usable replica.
// No query names where it runs.
//
// A replica is usable while it answered its last poll (WatchReplicas, every replicaPoll), is
// in recovery, lags the primary by at most MaxLag, and has replayed every purged write this
// process has heard of (its own commits and, through ListenPurges, the other processes'): each
// purge first reads the primary's WAL position (pg_current_wal_lsn) into minLSN, and a replica
// behind it is not read until it catches up. So a public read after a purge never refills the
// response cache from a replica that has not replayed the purged write. A read the replica
// cannot answer (it is down or restarting) is sent again to the primary, and the replica left
// out until a poll finds it well; a query it cancels for a conflict with recovery is sent again
// to the primary too.

// PublicRead marks ctx as a public read: its queries may run on a usable replica. Only reads of
// public content, which a reader may see a moment late, should carry it.
func PublicRead(ctx context.Context) context.Context {
	return context.WithValue(ctx, publicReadKey{}, true)
}

type publicReadKey struct{}

func isPublicRead(ctx context.Context) bool {
	if ctx == nil {
		return false
	}
	v, _ := ctx.Value(publicReadKey{}).(bool)
	return v
}

// ReplicaOptions are the replicas of UseReplicas and how much lag they may have.
type ReplicaOptions struct {
	URLs             []string      // postgres://… of each streaming replica
	MaxLag           time.Duration // a replica further behind the primary is not read (0: 5 s)
	StatementTimeout time.Duration // as OpenOptions.StatementTimeout
	Poll             time.Duration // how often WatchReplicas polls (0: replicaPoll)
	Logger           *slog.Logger
}

// replicaPoll is how often each replica's replay position and the primary's WAL position are
// read; a poll waits pollTimeout at most for each answer.
const (
	replicaPoll = 250 * time.Millisecond
	pollTimeout = time.Second
)

// replicaSet is the state of the replicas: what WatchReplicas last saw and the WAL position
// every read from a replica must have replayed.
type replicaSet struct {
	primary  *sql.DB
	replicas []*replica
	maxLag   time.Duration
	poll     time.Duration
	log      *slog.Logger
	now      func() time.Time // the store's clock, which lags are measured on
	// minLSN is the primary's WAL position after the latest purge this process heard of.
	minLSN atomic.Uint64
	// unknown counts purges whose position could not be read (the primary did not answer):
	// no replica is usable until a poll has read a position after them.
	unknown atomic.Int64
	wake    chan struct{} // polls at once: after a purge, or a failed read
	// samples are the primary's WAL positions as polled (only the poller touches them), each
	// with when it was first seen: how long ago the primary had what a replica lacks is its lag.
	samples []lsnSample
	reads   *prometheus.CounterVec // target: primary, replica
}

type lsnSample struct {
	at  time.Time
	lsn uint64
}

type replica struct {
	index   int
	db      *sql.DB
	pool    *replicaPool
	healthy atomic.Bool   // answered its last poll, in recovery, within MaxLag
	judged  atomic.Bool   // has had a verdict (to log a replica that is down from the start)
	replay  atomic.Uint64 // pg_last_wal_replay_lsn at the last poll
	lag     atomic.Int64  // nanoseconds, at the last poll
}

// UseReplicas opens the replicas like the primary and routes public reads (PublicRead) to
// them from then on; call it before serving. They are not read until WatchReplicas has polled
// them, and one that does not answer is not an error: it is skipped until it does.
func (s *Store) UseReplicas(o ReplicaOptions) error {
	if len(o.URLs) == 0 {
		return nil
	}
	if s.Dialect() != Postgres {
		return errors.New("read replicas need PostgreSQL")
	}
	primary, err := s.db.DB()
	if err != nil {
		return err
	}
	rs := &replicaSet{
		primary: primary, maxLag: o.MaxLag, poll: o.Poll, log: o.Logger, now: s.Now, wake: make(chan struct{}, 1),
		reads: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "toasoan_database_reads_total",
			Help: "Reads (SELECT statements) by where they ran: primary, or replica (public reads on a usable replica).",
		}, []string{"target"}),
	}
	rs.reads.WithLabelValues("primary")
	rs.reads.WithLabelValues("replica")
	if rs.maxLag <= 0 {
		rs.maxLag = 5 * time.Second
	}
	if rs.poll <= 0 {
		rs.poll = replicaPoll
	}
	if rs.log == nil {
		rs.log = slog.New(slog.DiscardHandler)
	}
	dialectors := make([]gorm.Dialector, len(o.URLs))
	for i, u := range o.URLs {
		c, err := postgresConfig(u, o.StatementTimeout)
		if err != nil {
			return fmt.Errorf("replica %d: %w", i, err)
		}
		if c.ConnectTimeout == 0 { // a replica that is unreachable is skipped, not waited for
			c.ConnectTimeout = 2 * time.Second
		}
		r := &replica{index: i, db: openPostgres(c)}
		r.db.SetMaxOpenConns(20)
		r.db.SetMaxIdleConns(10)
		r.db.SetConnMaxLifetime(30 * time.Minute)
		r.db.SetConnMaxIdleTime(5 * time.Minute)
		r.pool = &replicaPool{r: r, rs: rs}
		rs.replicas = append(rs.replicas, r)
		// A ConnPool without Ping: gorm.Open does not try the replica, which may be down.
		dialectors[i] = postgres.New(postgres.Config{Conn: r.pool})
	}
	err = s.db.Use(dbresolver.Register(dbresolver.Config{
		Replicas: dialectors,
		Policy:   dbresolver.PolicyFunc(rs.choose),
	}))
	if err != nil {
		rs.close()
		return fmt.Errorf("replicas: %w", err)
	}
	// Before dbresolver's own callback, which then sees the Write clause; Create, Update and
	// Delete always go to the primary already.
	cb := s.db.Callback()
	for _, reg := range []func() error{
		func() error {
			return cb.Query().Before("*").Register("toasoan:route_read", rs.route(true))
		},
		func() error {
			return cb.Row().Before("*").Register("toasoan:route_read", rs.route(true))
		},
		func() error {
			return cb.Raw().Before("*").Register("toasoan:route_read", rs.route(false))
		},
	} {
		if err := reg(); err != nil {
			rs.close()
			return fmt.Errorf("replicas: %w", err)
		}
	}
	s.replicas = rs
	s.purges.mu.Lock()
	s.purges.caughtUp = rs.caughtUp
	s.purges.mu.Unlock()
	return nil
}

// CloseReplicas closes the replicas' pools (the primary's is DB's).
func (s *Store) CloseReplicas() {
	if s.replicas != nil {
		s.replicas.close()
	}
}

func (rs *replicaSet) close() {
	for _, r := range rs.replicas {
		_ = r.db.Close()
	}
}

// route sends a statement to the primary (dbresolver's Write clause) unless it is a public read
// outside a transaction and a replica is usable; count counts the reads.
func (rs *replicaSet) route(count bool) func(*gorm.DB) {
	return func(db *gorm.DB) {
		if _, inTx := db.Statement.ConnPool.(gorm.TxCommitter); inTx {
			if count {
				rs.reads.WithLabelValues("primary").Inc()
			}
			return
		}
		if isPublicRead(db.Statement.Context) && rs.anyUsable() {
			return // dbresolver picks a replica (choose); the replica's pool counts the read
		}
		dbresolver.Write.ModifyStatement(db.Statement) // what db.Clauses(dbresolver.Write) does, in place
		if count {
			rs.reads.WithLabelValues("primary").Inc()
		}
	}
}

// choose is dbresolver's policy when there are several replicas: one of the usable ones at
// random, or the primary if none is usable any more.
func (rs *replicaSet) choose(pools []gorm.ConnPool) gorm.ConnPool {
	usable := make([]gorm.ConnPool, 0, len(pools))
	for _, p := range pools {
		if rp, ok := p.(*replicaPool); ok && rs.usable(rp.r) {
			usable = append(usable, p)
		}
	}
	if len(usable) == 0 {
		rs.reads.WithLabelValues("primary").Inc()
		return rs.primary
	}
	return usable[rand.IntN(len(usable))]
}

func (rs *replicaSet) usable(r *replica) bool {
	return r.healthy.Load() && rs.unknown.Load() == 0 && r.replay.Load() >= rs.minLSN.Load()
}

func (rs *replicaSet) anyUsable() bool {
	for _, r := range rs.replicas {
		if rs.usable(r) {
			return true
		}
	}
	return false
}

// caughtUp raises minLSN to the primary's WAL position, which is past every commit this process
// has heard of; it runs at each purge, before the response cache forgets anything.
func (rs *replicaSet) caughtUp() {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	if lsn, err := walLSN(ctx, rs.primary, "SELECT pg_current_wal_lsn()::text"); err == nil {
		rs.raise(lsn)
	} else {
		rs.unknown.Add(1)
	}
	rs.pollSoon()
}

func (rs *replicaSet) raise(lsn uint64) {
	for {
		cur := rs.minLSN.Load()
		if lsn <= cur || rs.minLSN.CompareAndSwap(cur, lsn) {
			return
		}
	}
}

func (rs *replicaSet) pollSoon() {
	select {
	case rs.wake <- struct{}{}:
	default:
	}
}

// WatchReplicas polls the replicas until ctx is done; without replicas it returns at once.
func (s *Store) WatchReplicas(ctx context.Context) {
	rs := s.replicas
	if rs == nil {
		return
	}
	rs.pollOnce(ctx)
	loop.Every(ctx, rs.poll, rs.wake, func() { rs.pollOnce(ctx) })
}

// pollOnce reads the primary's WAL position, then each replica's replay position, at the store's
// clock (time.Now in production; a test moves its own clock to make a replica lag).
func (rs *replicaSet) pollOnce(ctx context.Context) {
	unknown := rs.unknown.Load()
	pctx, cancel := context.WithTimeout(ctx, pollTimeout)
	lsn, err := walLSN(pctx, rs.primary, "SELECT pg_current_wal_lsn()::text")
	cancel()
	now := rs.now()
	if err == nil {
		if unknown > 0 { // purges whose position was not read happened before this one
			rs.raise(lsn)
			rs.unknown.Add(-unknown)
		}
		rs.sample(now, lsn)
	}
	var wg sync.WaitGroup
	for _, r := range rs.replicas {
		wg.Go(func() {
			rctx, cancel := context.WithTimeout(ctx, pollTimeout)
			defer cancel()
			rs.check(rctx, r, now)
		})
	}
	wg.Wait()
}

func (rs *replicaSet) sample(now time.Time, lsn uint64) {
	if n := len(rs.samples); n == 0 || rs.samples[n-1].lsn != lsn {
		rs.samples = append(rs.samples, lsnSample{at: now, lsn: lsn})
	}
	// Older samples than MaxLag and two polls are not needed to tell a replica too far behind;
	// the newest is always kept, for a primary that has written nothing since.
	keep := now.Add(-rs.maxLag - 2*rs.poll)
	i := 0
	for i < len(rs.samples)-1 && rs.samples[i].at.Before(keep) {
		i++
	}
	rs.samples = rs.samples[i:]
}

// lagOf is how long ago the primary first had WAL past replay (0 when the replica has all it
// was seen to have); with no sample yet, the lag is unknown and too much.
func (rs *replicaSet) lagOf(replay uint64, now time.Time) (time.Duration, bool) {
	if len(rs.samples) == 0 {
		return 0, false
	}
	for _, s := range rs.samples {
		if s.lsn > replay {
			return now.Sub(s.at), true
		}
	}
	return 0, true
}

func (rs *replicaSet) check(ctx context.Context, r *replica, now time.Time) {
	var inRecovery bool
	var replay sql.NullString
	err := r.db.QueryRowContext(ctx, "SELECT pg_is_in_recovery(), pg_last_wal_replay_lsn()::text").Scan(&inRecovery, &replay)
	reason := ""
	switch {
	case err != nil:
		reason = "does not answer: " + err.Error()
	case !inRecovery || !replay.Valid:
		reason = "is not a standby in recovery"
	}
	if reason == "" {
		lsn, perr := parseLSN(replay.String)
		if perr != nil {
			reason = perr.Error()
		} else {
			r.replay.Store(lsn)
			lag, known := rs.lagOf(lsn, now)
			r.lag.Store(int64(lag))
			if !known {
				reason = "lag unknown: the primary's WAL position was not read"
			} else if lag > rs.maxLag {
				reason = "lags " + lag.Round(time.Millisecond).String() + ", more than " + rs.maxLag.String()
			}
		}
	}
	rs.setHealthy(r, reason)
}

// setHealthy records a poll's verdict (reason "" is well) and logs changes.
func (rs *replicaSet) setHealthy(r *replica, reason string) {
	was := r.healthy.Swap(reason == "")
	first := !r.judged.Swap(true)
	switch {
	case (was || first) && reason != "":
		rs.log.Warn("database replica left out: its reads go to the primary", "replica", r.index, "reason", reason)
	case !was && reason == "":
		rs.log.Info("database replica usable", "replica", r.index)
	}
}

// walLSN reads one pg_lsn, as text, into a number.
func walLSN(ctx context.Context, db *sql.DB, query string) (uint64, error) {
	var text string
	if err := db.QueryRowContext(ctx, query).Scan(&text); err != nil {
		return 0, err
	}
	return parseLSN(text)
}

// parseLSN reads PostgreSQL's "16/B374D848" (high and low 32 bits, in hex).
func parseLSN(text string) (uint64, error) {
	hi, lo, ok := strings.Cut(text, "/")
	h, err1 := strconv.ParseUint(hi, 16, 32)
	l, err2 := strconv.ParseUint(lo, 16, 32)
	if !ok || err1 != nil || err2 != nil {
		return 0, fmt.Errorf("not a WAL position: %q", text)
	}
	return h<<32 | l, nil
}

// replicaPool is a replica's pool as dbresolver sees it: it counts the reads, and a read the
// replica cannot answer (it is down, restarting, or cancelled the query for a conflict with
// recovery) is sent to the primary, the replica left out until a poll finds it well.
type replicaPool struct {
	r  *replica
	rs *replicaSet
}

func (p *replicaPool) PrepareContext(ctx context.Context, query string) (*sql.Stmt, error) {
	return p.r.db.PrepareContext(ctx, query)
}

func (p *replicaPool) ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error) {
	res, err := p.r.db.ExecContext(ctx, query, args...)
	if p.failed(ctx, err) {
		return p.rs.primary.ExecContext(ctx, query, args...)
	}
	return res, err
}

func (p *replicaPool) QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	rows, err := p.r.db.QueryContext(ctx, query, args...)
	if p.failed(ctx, err) {
		p.rs.reads.WithLabelValues("primary").Inc()
		return p.rs.primary.QueryContext(ctx, query, args...)
	}
	p.rs.reads.WithLabelValues("replica").Inc()
	return rows, err
}

func (p *replicaPool) QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row {
	row := p.r.db.QueryRowContext(ctx, query, args...)
	if p.failed(ctx, row.Err()) {
		p.rs.reads.WithLabelValues("primary").Inc()
		return p.rs.primary.QueryRowContext(ctx, query, args...)
	}
	p.rs.reads.WithLabelValues("replica").Inc()
	return row
}

// failed reports whether err means the replica could not answer, rather than the query being
// wrong or its request gone; a replica that is unreachable is left out at once.
func (p *replicaPool) failed(ctx context.Context, err error) bool {
	if err == nil || ctx.Err() != nil {
		return false
	}
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) {
		switch {
		case pgErr.Code == "40001" || pgErr.Code == "40P01": // canceled for a conflict with recovery
			return true
		case strings.HasPrefix(pgErr.Code, "08") || strings.HasPrefix(pgErr.Code, "57P"): // connection, shutdown
		default:
			return false
		}
	}
	p.rs.setHealthy(p.r, "a read failed: "+err.Error())
	p.rs.pollSoon()
	return true
}

// ReplicaMetrics are the replicas' metrics for /metrics (nil without replicas): the reads by
// where they ran, and per replica (by its index in TOASOAN_DATABASE_REPLICA_URLS, never its
// URL, which may hold a password) whether it is usable and its lag.
func (s *Store) ReplicaMetrics() prometheus.Collector {
	if s.replicas == nil {
		return nil
	}
	return replicaCollector{s.replicas}
}

var (
	replicaUsableDesc = prometheus.NewDesc("toasoan_database_replica_usable",
		"1 while public reads may go to the replica: it answers, lags at most TOASOAN_DATABASE_REPLICA_MAX_LAG and has replayed the latest purged write.", []string{"replica"}, nil)
	replicaLagDesc = prometheus.NewDesc("toasoan_database_replica_lag_seconds",
		"How long ago the primary had WAL the replica had not replayed, at the last poll that answered.", []string{"replica"}, nil)
)

type replicaCollector struct{ rs *replicaSet }

func (c replicaCollector) Describe(ch chan<- *prometheus.Desc) {
	c.rs.reads.Describe(ch)
	ch <- replicaUsableDesc
	ch <- replicaLagDesc
}

func (c replicaCollector) Collect(ch chan<- prometheus.Metric) {
	c.rs.reads.Collect(ch)
	for _, r := range c.rs.replicas {
		usable := 0.0
		if c.rs.usable(r) {
			usable = 1
		}
		label := strconv.Itoa(r.index)
		ch <- prometheus.MustNewConstMetric(replicaUsableDesc, prometheus.GaugeValue, usable, label)
		ch <- prometheus.MustNewConstMetric(replicaLagDesc, prometheus.GaugeValue, time.Duration(r.lag.Load()).Seconds(), label)
	}
}
