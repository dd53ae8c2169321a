package testdb

import (
	"database/sql"
	"fmt"
	"net"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib" // the "pgx" driver of database/sql
)

// Cluster is a throwaway PostgreSQL server of the test's own (initdb + pg_ctl on a free port),
// for tests that stop or stall a database: the shared one must never be stopped.
type Cluster struct {
	URL string // postgres://postgres@127.0.0.1:PORT/postgres?sslmode=disable
	t   testing.TB
	bin string
	dir string
	log string
	// sockets is the directory of the cluster's Unix socket (and of dir and log).
	sockets string
}

// NewCluster initialises and starts a cluster, stopped and removed after the test. Without an
// initdb the test is skipped, or fails when TOASOAN_TEST_REQUIRE_POSTGRES=1.
func NewCluster(t testing.TB) *Cluster {
	t.Helper()
	bin := postgresBin()
	if bin == "" {
		if os.Getenv("TOASOAN_TEST_REQUIRE_POSTGRES") == "1" {
			t.Fatal("TOASOAN_TEST_REQUIRE_POSTGRES=1 but no initdb under /usr/lib/postgresql/*/bin or on PATH")
		}
		skip(t, "throwaway PostgreSQL tests skipped: no initdb under /usr/lib/postgresql/*/bin or on PATH")
	}
	c := newCluster(t, bin)
	c.run("initdb", "-D", c.dir, "-U", "postgres", "--auth=trust", "--no-sync", "-E", "UTF8", "--locale=C")
	// A standby (Standby) streams from it: replication from 127.0.0.1 is trusted like the rest.
	if err := appendFile(filepath.Join(c.dir, "pg_hba.conf"), "host replication all 127.0.0.1/32 trust\n"); err != nil {
		t.Fatal(err)
	}
	c.configure("wal_level = replica\nmax_wal_senders = 5\n")
	c.Start()
	t.Cleanup(func() { c.pgCtl("stop", "-m", "immediate") })
	return c
}

// Standby makes a streaming replica of c (pg_basebackup -R: a copy of c that replays c's WAL)
// on a port of its own, starts it, and waits until it answers reads in recovery. It is stopped
// and removed after the test, before c.
func (c *Cluster) Standby(t testing.TB) *Cluster {
	t.Helper()
	s := newCluster(t, c.bin)
	s.run("pg_basebackup", "-D", s.dir, "-d", c.URL, "-R", "-X", "stream", "-c", "fast", "--no-sync")
	s.configure("")
	s.Start()
	t.Cleanup(func() { s.pgCtl("stop", "-m", "immediate") })
	db, err := sql.Open("pgx", s.URL)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	WaitFor(t, 30*time.Second, "the standby answers in recovery", func() bool {
		var inRecovery bool
		return db.QueryRow("SELECT pg_is_in_recovery()").Scan(&inRecovery) == nil && inRecovery
	})
	return s
}

// newCluster is a cluster's directories, not initialised yet. PostgreSQL refuses to run as
// root: the cluster belongs to user postgres then, in a directory of its own that it may write.
func newCluster(t testing.TB, bin string) *Cluster {
	t.Helper()
	dir, err := os.MkdirTemp("", "toasoan-pg-")
	if err != nil {
		t.Fatal(err)
	}
	c := &Cluster{t: t, bin: bin, dir: filepath.Join(dir, "data"), log: filepath.Join(dir, "server.log"), sockets: dir}
	t.Cleanup(func() { _ = os.RemoveAll(dir) })
	if os.Geteuid() == 0 {
		u, err := user.Lookup("postgres")
		if err != nil {
			t.Fatalf("running as root, and no user postgres to run a throwaway cluster: %v", err)
		}
		uid, _ := strconv.Atoi(u.Uid)
		gid, _ := strconv.Atoi(u.Gid)
		if err := os.Chown(dir, uid, gid); err != nil {
			t.Fatal(err)
		}
	}
	return c
}

// configure gives the cluster a free port and its settings, and extra ones (the last value of
// a setting wins, so a standby's copied settings are replaced).
func (c *Cluster) configure(extra string) {
	c.t.Helper()
	port := freePort(c.t)
	conf := fmt.Sprintf("port = %d\nlisten_addresses = '127.0.0.1'\nunix_socket_directories = '%s'\nfsync = off\nmax_connections = 40\n", port, c.sockets)
	if err := appendFile(filepath.Join(c.dir, "postgresql.conf"), conf+extra); err != nil {
		c.t.Fatal(err)
	}
	c.URL = fmt.Sprintf("postgres://postgres@127.0.0.1:%d/postgres?sslmode=disable", port)
}

// Start starts the server and waits until it accepts connections.
func (c *Cluster) Start() { c.t.Helper(); c.run("pg_ctl", "-D", c.dir, "-l", c.log, "-w", "start") }

// Stop shuts the server down at once (clients are disconnected, as in a crash or a failover).
func (c *Cluster) Stop() { c.t.Helper(); c.run("pg_ctl", "-D", c.dir, "-w", "-m", "immediate", "stop") }

func (c *Cluster) pgCtl(args ...string) {
	_ = c.command("pg_ctl", append([]string{"-D", c.dir}, args...)...).Run()
}

func (c *Cluster) run(tool string, args ...string) {
	c.t.Helper()
	if out, err := c.command(tool, args...).CombinedOutput(); err != nil {
		log, _ := os.ReadFile(c.log)
		c.t.Fatalf("%s %s: %v\n%s\n%s", tool, strings.Join(args, " "), err, out, log)
	}
}

func (c *Cluster) command(tool string, args ...string) *exec.Cmd {
	path := filepath.Join(c.bin, tool)
	if os.Geteuid() == 0 {
		return exec.Command("runuser", append([]string{"-u", "postgres", "--", path}, args...)...)
	}
	return exec.Command(path, args...)
}

// postgresBin is the directory of initdb and pg_ctl: the newest /usr/lib/postgresql/N/bin
// (Debian and Ubuntu keep them off PATH), else the directory of initdb on PATH.
func postgresBin() string {
	dirs, _ := filepath.Glob("/usr/lib/postgresql/*/bin")
	sort.Slice(dirs, func(i, j int) bool { return version(dirs[i]) > version(dirs[j]) })
	for _, d := range dirs {
		if _, err := os.Stat(filepath.Join(d, "initdb")); err == nil {
			return d
		}
	}
	if p, err := exec.LookPath("initdb"); err == nil {
		return filepath.Dir(p)
	}
	return ""
}

func version(binDir string) int {
	n, _ := strconv.Atoi(filepath.Base(filepath.Dir(binDir)))
	return n
}

func freePort(t testing.TB) int {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

func appendFile(path, text string) error {
	f, err := os.OpenFile(path, os.O_APPEND|os.O_WRONLY, 0)
	if err != nil {
		return err
	}
	if _, err := f.WriteString(text); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}
