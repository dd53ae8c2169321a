package migrations

import (
	"context"

	"gorm.io/gorm"
)

// RunBefore applies the migrations before the one named: a database as an older toasoan left it.
func RunBefore(ctx context.Context, db *gorm.DB, id string) error { return run(ctx, db, id) }
