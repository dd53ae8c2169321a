package handlers

import (
	"bufio"
	"context"
	"database/sql"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/toasoan/toasoan/internal/config"
	"github.com/toasoan/toasoan/internal/store"
	"github.com/toasoan/toasoan/internal/testdb"
)

// Through the router, with the response cache on and a real streaming standby: public GETs read
// the standby, editorial ones the primary; an edit is seen by the next public GET even while
// the standby's replay is paused (the purged page is refilled from the primary, not from the
// standby that lacks the edit); a stopped standby costs no public GET an error.
func TestPublicReadsOnAReplica(t *testing.T) {
	primary := testdb.NewCluster(t)
	db := openMigrated(t, store.OpenOptions{DatabaseURL: primary.URL, Retry: 5 * time.Second, StatementTimeout: config.StatementTimeout(config.DefaultRequestTimeout)})
	standby := primary.Standby(t)
	ts := newTestServer(t, db).withUsers()
	if err := ts.store.UseReplicas(store.ReplicaOptions{URLs: []string{standby.URL}, Poll: 50 * time.Millisecond}); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(ts.store.CloseReplicas)
	ts.withCache(5 * time.Minute)
	ctx, stop := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { defer close(done); ts.store.WatchReplicas(ctx) }()
	t.Cleanup(func() { stop(); <-done })
	replica, err := sql.Open("pgx", standby.URL)
	if err != nil {
		t.Fatal(err)
	}
	defer replica.Close()

	cat := ts.createCategory("Thời sự", 0)
	a := ts.published(map[string]any{"title": "Tin đầu tiên", "category_id": cat})
	testdb.WaitFor(t, 10*time.Second, "the standby is usable", func() bool {
		return ts.metric(`toasoan_database_replica_usable{replica="0"}`) == 1
	})
	onReplica := ts.metric(`toasoan_database_reads_total{target="replica"}`)
	article := decode[publicArticleResponse](t, ts.getOK("/api/v1/articles/"+a.Slug))
	if article.Data.Title != "Tin đầu tiên" {
		t.Fatalf("public article %+v", article.Data)
	}
	if ts.metric(`toasoan_database_reads_total{target="replica"}`) == onReplica {
		t.Error("a public GET did not read the standby")
	}
	onReplica = ts.metric(`toasoan_database_reads_total{target="replica"}`)
	if res := ts.do(http.MethodGet, "/api/v1/admin/articles/"+itoa(a.ID), nil, "editor", nil); res.Code != http.StatusOK {
		t.Fatalf("editorial GET: %d %s", res.Code, res.Body)
	}
	if got := ts.metric(`toasoan_database_reads_total{target="replica"}`); got != onReplica {
		t.Errorf("an editorial GET read the standby (%v reads)", got-onReplica)
	}

	if _, err := replica.Exec("SELECT pg_wal_replay_pause()"); err != nil {
		t.Fatal(err)
	}
	edited := ts.do(http.MethodPatch, "/api/v1/admin/articles/"+itoa(a.ID), map[string]any{"title": "Tin đã sửa"}, "editor", map[string]string{"If-Match": `"` + itoa(int64(a.Version)) + `"`})
	if edited.Code != http.StatusOK {
		t.Fatalf("edit: %d %s", edited.Code, edited.Body)
	}
	if got := decode[publicArticleResponse](t, ts.getOK("/api/v1/articles/"+a.Slug)).Data.Title; got != "Tin đã sửa" {
		t.Fatalf("public GET after the edit, the standby paused: title %q, want the edit", got)
	}
	if got := decode[publicArticleListResponse](t, ts.getOK("/api/v1/articles")).Data; len(got) != 1 || got[0].Title != "Tin đã sửa" {
		t.Fatalf("public list after the edit, the standby paused: %+v", got)
	}
	if _, err := replica.Exec("SELECT pg_wal_replay_resume()"); err != nil {
		t.Fatal(err)
	}
	testdb.WaitFor(t, 10*time.Second, "the standby is usable again once it has replayed the edit", func() bool {
		return ts.metric(`toasoan_database_replica_usable{replica="0"}`) == 1
	})

	standby.Stop()
	for i := range 10 { // each a miss of the cache: a search of its own
		if res := ts.do(http.MethodGet, "/api/v1/search?q=tin+"+strconv.Itoa(i), nil, "", nil); res.Code != http.StatusOK {
			t.Fatalf("public GET with the standby stopped: %d %s", res.Code, res.Body)
		}
	}
	testdb.WaitFor(t, 10*time.Second, "the stopped standby is not usable", func() bool {
		return ts.metric(`toasoan_database_replica_usable{replica="0"}`) == 0
	})
	standby.Start()
	testdb.WaitFor(t, 10*time.Second, "the restarted standby is usable", func() bool {
		return ts.metric(`toasoan_database_replica_usable{replica="0"}`) == 1
	})
	onReplica = ts.metric(`toasoan_database_reads_total{target="replica"}`)
	ts.getOK("/api/v1/search?q=da+sua")
	if ts.metric(`toasoan_database_reads_total{target="replica"}`) == onReplica {
		t.Error("the restarted standby is not read")
	}
}

func (ts *testServer) getOK(path string) *httptest.ResponseRecorder {
	ts.t.Helper()
	res := ts.do(http.MethodGet, path, nil, "", nil)
	if res.Code != http.StatusOK {
		ts.t.Fatalf("GET %s: %d %s", path, res.Code, res.Body)
	}
	return res
}

// metric is the value of one sample of /metrics, named as it is written there.
func (ts *testServer) metric(sample string) float64 {
	ts.t.Helper()
	res := ts.do(http.MethodGet, "/metrics", nil, "", nil)
	sc := bufio.NewScanner(res.Body)
	for sc.Scan() {
		if v, ok := strings.CutPrefix(sc.Text(), sample+" "); ok {
			f, err := strconv.ParseFloat(v, 64)
			if err != nil {
				ts.t.Fatal(err)
			}
			return f
		}
	}
	ts.t.Fatalf("/metrics has no %s", sample)
	return 0
}
