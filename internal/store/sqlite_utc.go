package store

import (
	"context"
	"database/sql"
	"time"

	"gorm.io/gorm"
)

// utcPool hands every statement to SQLite with its time arguments in UTC. SQLite has no time
// type: the driver writes times as text in their own offset, and text compares correctly only
// when every value has the same offset. A time from a client in +07:00 stored beside one in
// UTC would make "published_at <= now" wrong, so all are turned to UTC on the way in.
type utcPool struct{ db *sql.DB }

var (
	_ gorm.ConnPool         = (*utcPool)(nil)
	_ gorm.ConnPoolBeginner = (*utcPool)(nil)
	_ gorm.GetDBConnector   = (*utcPool)(nil)
	_ gorm.TxCommitter      = (*utcTx)(nil)
	_ gorm.ConnPool         = (*utcTx)(nil)
)

func (p *utcPool) PrepareContext(ctx context.Context, query string) (*sql.Stmt, error) {
	return p.db.PrepareContext(ctx, query)
}

func (p *utcPool) ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error) {
	return p.db.ExecContext(ctx, query, utcArgs(args)...)
}

func (p *utcPool) QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	return p.db.QueryContext(ctx, query, utcArgs(args)...)
}

func (p *utcPool) QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row {
	return p.db.QueryRowContext(ctx, query, utcArgs(args)...)
}

// BeginTx starts a transaction whose statements get the same treatment.
func (p *utcPool) BeginTx(ctx context.Context, opts *sql.TxOptions) (gorm.ConnPool, error) {
	tx, err := p.db.BeginTx(ctx, opts)
	if err != nil {
		return nil, err
	}
	return &utcTx{tx}, nil
}

// GetDBConn gives GORM's db.DB() the pool underneath.
func (p *utcPool) GetDBConn() (*sql.DB, error) { return p.db, nil }

type utcTx struct{ *sql.Tx }

func (t *utcTx) ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error) {
	return t.Tx.ExecContext(ctx, query, utcArgs(args)...)
}

func (t *utcTx) QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	return t.Tx.QueryContext(ctx, query, utcArgs(args)...)
}

func (t *utcTx) QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row {
	return t.Tx.QueryRowContext(ctx, query, utcArgs(args)...)
}

func utcArgs(args []any) []any {
	for i, a := range args {
		switch v := a.(type) {
		case time.Time:
			args[i] = v.UTC()
		case *time.Time:
			if v != nil {
				args[i] = v.UTC()
			}
		}
	}
	return args
}
