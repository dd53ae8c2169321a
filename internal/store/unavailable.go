package store

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"io"
	"net"
	"strings"
	"syscall"

	"github.com/glebarez/go-sqlite"
	"github.com/jackc/pgx/v5/pgconn"
)

// IsUnavailable reports an error that says the database cannot serve now, not that the query or
// the data is wrong: a deadline passed (the request's, a pool exhausted past it, or
// statement_timeout), the server is unreachable, restarting or shutting down, or SQLite stayed
// locked past its busy timeout. The client may try again later (503), it is not a bug (500).
func IsUnavailable(err error) bool {
	if err == nil {
		return false
	}
	if errors.Is(err, context.DeadlineExceeded) || errors.Is(err, driver.ErrBadConn) || errors.Is(err, sql.ErrConnDone) ||
		errors.Is(err, syscall.ECONNREFUSED) || errors.Is(err, syscall.ECONNRESET) || errors.Is(err, syscall.EPIPE) ||
		errors.Is(err, io.ErrUnexpectedEOF) { // pgx, when the server closed the connection mid-query
		return true
	}
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) {
		switch {
		case pgErr.Code == "57014", // query_canceled: statement_timeout, or cancelled at the deadline
			pgErr.Code == "57P01", pgErr.Code == "57P02", pgErr.Code == "57P03", // admin or crash shutdown, cannot connect now
			pgErr.Code == "53300",               // too_many_connections
			pgErr.Code == "55P03",               // lock_not_available (lock_timeout)
			strings.HasPrefix(pgErr.Code, "08"): // connection exceptions
			return true
		}
		return false
	}
	var connectErr *pgconn.ConnectError
	if errors.As(err, &connectErr) || pgconn.Timeout(err) {
		return true
	}
	var netErr net.Error
	if errors.As(err, &netErr) {
		return true
	}
	var liteErr *sqlite.Error
	if errors.As(err, &liteErr) {
		switch liteErr.Code() & 0xff { // primary result code
		case 5, 6: // SQLITE_BUSY, SQLITE_LOCKED: still locked after busy_timeout
			return true
		}
	}
	// database/sql's own error for a closed pool is not exported.
	return strings.Contains(err.Error(), "sql: database is closed")
}
