package main

import (
	"context"
	"io"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/toasoan/toasoan/internal/testdb"
)

// run with TOASOAN_DATABASE_REPLICA_URLS serves the public reads from the replica: a real
// standby of a throwaway primary.
func TestRunReadsFromTheReplica(t *testing.T) {
	primary := testdb.NewCluster(t)
	addr := freeAddr(t)
	env := map[string]string{"TOASOAN_ADDR": addr, "TOASOAN_DATA_DIR": t.TempDir(), "TOASOAN_DATABASE_URL": primary.URL}
	seed := []string{"seed", "--articles", "1", "--documents", "0", "--announcements", "0"}
	if err := run(context.Background(), seed, envOf(env), io.Discard, io.Discard); err != nil {
		t.Fatal(err)
	}
	env["TOASOAN_DATABASE_REPLICA_URLS"] = primary.Standby(t).URL
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- run(ctx, nil, envOf(env), io.Discard, io.Discard) }()
	defer func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("run: %v", err)
		}
	}()
	api := "http://" + addr
	metric := func(sample string) float64 {
		res, err := http.Get(api + "/metrics")
		if err != nil {
			return -1
		}
		defer res.Body.Close()
		body, _ := io.ReadAll(res.Body)
		for line := range strings.SplitSeq(string(body), "\n") {
			if v, ok := strings.CutPrefix(line, sample+" "); ok {
				f, _ := strconv.ParseFloat(v, 64)
				return f
			}
		}
		return -1
	}
	testdb.WaitFor(t, 15*time.Second, "the server finds the replica usable", func() bool {
		return metric(`toasoan_database_replica_usable{replica="0"}`) == 1
	})
	before := metric(`toasoan_database_reads_total{target="replica"}`)
	var list struct {
		Data []struct{ Slug string } `json:"data"`
	}
	call(t, "GET", api+"/api/v1/articles", "", nil, 200, &list)
	if len(list.Data) != 1 {
		t.Fatalf("%d articles listed, want the seeded one", len(list.Data))
	}
	if after := metric(`toasoan_database_reads_total{target="replica"}`); after <= before {
		t.Errorf("the public list read nothing from the replica (%v, then %v)", before, after)
	}
}
