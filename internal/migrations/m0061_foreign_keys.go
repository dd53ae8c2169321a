package migrations

import (
	"fmt"
	"strings"

	"github.com/go-gormigrate/gormigrate/v2"
	"gorm.io/gorm"
)

// m0061ForeignKeys makes the database keep the references between tables, which the store
// kept by hand before (documents.type_id had the only foreign key). Two references are left to
// the store because no foreign key can express them: media_links' owner (owner_type, owner_id)
// and search_index's item (kind, item_id) point into a different table for each type.
//
// Rows an older toasoan may have left pointing at nothing are settled first, by the key's
// orphans rule: owned rows are deleted (their parent's deletion would have taken them), optional
// references are cleared, and a required reference of content (an article's category or author,
// a note's author) refuses the migration: moving or deleting content is the newsroom's call,
// not a migration's, and the error says which rows to fix.
//
// PostgreSQL adds each constraint with ALTER TABLE, validated at once: NOT VALID and VALIDATE
// would only shorten the locks if they ran in two transactions, and one migration is one
// transaction; the child tables here are scanned in seconds. SQLite cannot add a constraint to
// a table, so each table is rebuilt as https://www.sqlite.org/lang_altertable.html prescribes
// (section 7): with foreign keys off on the connection (migrate turns them off for this
// migration, outside its transaction, and on again after), create the new table, copy, drop
// the old one, rename, recreate its indexes and triggers, then foreign_key_check before the
// commit. The new table's definition is the live one from sqlite_master with the constraints
// appended, so columns added by any earlier migration (0055, 0060) are kept as they are.
var m0061ForeignKeys = &gormigrate.Migration{
	ID: "0061_foreign_keys",
	Migrate: func(tx *gorm.DB) error {
		for _, k := range m0061Keys {
			if err := k.settleOrphans(tx); err != nil {
				return err
			}
		}
		var err error
		if tx.Dialector.Name() == "postgres" {
			err = m0061AddPostgres(tx)
		} else {
			err = m0061RebuildSQLite(tx)
		}
		if err != nil {
			return err
		}
		// Deleting a parent looks up its children by the referencing column, and every such column
		// has an index already but this one, searched when a media item is deleted. The columns
		// referencing users (uploaded_by, revisions' actor_id, notes' author_id) and webhook events
		// (deliveries' event_id) get none: the API deletes neither, and an index costs every write.
		return tx.Exec(`CREATE INDEX idx_articles_cover_media_id ON articles (cover_media_id)`).Error
	},
}

// m0061Key is a foreign key: child.column references parent(id).
type m0061Key struct {
	child, column, parent string
	onDelete              string // CASCADE, RESTRICT or SET NULL
	orphans               string // what is done with rows whose parent is missing: delete, clear or refuse
}

// The keys, in an order in which settling orphans deletes a parent's orphans before its
// children's (sessions before refresh tokens, deliveries before attempts). Accounts are
// deactivated, never deleted, through the API: the users rules say what a deletion by hand does.
var m0061Keys = []m0061Key{
	// A session and its refresh tokens are the user's.
	{"sessions", "user_id", "users", "CASCADE", "delete"},
	{"refresh_tokens", "session_id", "sessions", "CASCADE", "delete"},
	// The audit log and the library outlive an account: the entry stays, without its actor.
	{"audit_log", "actor_id", "users", "SET NULL", "clear"},
	{"media", "uploaded_by", "users", "SET NULL", "clear"},
	// Media in use cannot be deleted (DeleteMedia answers 409 with the number of uses); a link
	// to a file that no longer exists is a use of nothing, and goes.
	{"media_links", "media_id", "media", "RESTRICT", "delete"},
	// A category with sub-categories or articles cannot be deleted (DeleteCategory answers 409
	// first); a category whose parent is gone becomes a root.
	{"categories", "parent_id", "categories", "RESTRICT", "clear"},
	{"articles", "category_id", "categories", "RESTRICT", "refuse"},
	// An article keeps its author.
	{"articles", "author_id", "users", "RESTRICT", "refuse"},
	// The cover is also a media link, which already keeps the media from deletion; a cover that
	// is gone is no cover.
	{"articles", "cover_media_id", "media", "RESTRICT", "clear"},
	// An article's tags and revisions are the article's; deleting a tag takes it off every
	// article (DeleteTag); a revision stays when its actor's account goes.
	{"article_tags", "article_id", "articles", "CASCADE", "delete"},
	{"article_tags", "tag_id", "tags", "CASCADE", "delete"},
	{"article_revisions", "article_id", "articles", "CASCADE", "delete"},
	{"article_revisions", "actor_id", "users", "SET NULL", "clear"},
	// An assignment is optional; the notes are the submission's, and each keeps its author.
	{"submissions", "assignee_id", "users", "SET NULL", "clear"},
	{"submission_notes", "submission_id", "submissions", "CASCADE", "delete"},
	{"submission_notes", "author_id", "users", "RESTRICT", "refuse"},
	// A delivery is its webhook's and its event's (DeleteWebhook takes the deliveries with it),
	// an attempt its delivery's.
	{"webhook_deliveries", "webhook_id", "webhooks", "CASCADE", "delete"},
	{"webhook_deliveries", "event_id", "webhook_events", "CASCADE", "delete"},
	{"webhook_attempts", "delivery_id", "webhook_deliveries", "CASCADE", "delete"},
}

// name follows GORM's, as documents' fk_documents_type does: fk_<table>_<column without _id>.
func (k m0061Key) name() string {
	return "fk_" + k.child + "_" + strings.TrimSuffix(k.column, "_id")
}

func (k m0061Key) clause() string {
	return fmt.Sprintf("CONSTRAINT %s FOREIGN KEY (%s) REFERENCES %s (id) ON DELETE %s", k.name(), k.column, k.parent, k.onDelete)
}

// settleOrphans deletes, clears or refuses the rows whose reference names no parent.
func (k m0061Key) settleOrphans(tx *gorm.DB) error {
	orphan := fmt.Sprintf("%[1]s.%[2]s IS NOT NULL AND NOT EXISTS (SELECT 1 FROM %[3]s p WHERE p.id = %[1]s.%[2]s)", k.child, k.column, k.parent)
	switch k.orphans {
	case "delete":
		return tx.Exec(`DELETE FROM ` + k.child + ` WHERE ` + orphan).Error
	case "clear":
		return tx.Exec(`UPDATE ` + k.child + ` SET ` + k.column + ` = NULL WHERE ` + orphan).Error
	}
	var ids []int64
	if err := tx.Raw(`SELECT id FROM ` + k.child + ` WHERE ` + orphan + ` ORDER BY id LIMIT 20`).Scan(&ids).Error; err != nil {
		return err
	}
	if len(ids) > 0 {
		return fmt.Errorf("%s %v (first 20 at most) name a %s that does not exist in %s.%s: give them an existing one, then start toasoan again",
			k.child, ids, strings.TrimSuffix(k.column, "_id"), k.child, k.column)
	}
	return nil
}

func m0061AddPostgres(tx *gorm.DB) error {
	for _, k := range m0061Keys {
		if err := tx.Exec(`ALTER TABLE ` + k.child + ` ADD ` + k.clause()).Error; err != nil {
			return err
		}
	}
	return nil
}

func m0061RebuildSQLite(tx *gorm.DB) error {
	// With foreign keys on, DROP TABLE would delete the old table's rows first, and with them,
	// through the new cascades, the rows of the tables already rebuilt.
	var on int
	if err := tx.Raw(`PRAGMA foreign_keys`).Scan(&on).Error; err != nil {
		return err
	}
	if on != 0 {
		return fmt.Errorf("SQLite tables must be rebuilt with foreign keys off")
	}
	var tables []string
	clauses := map[string][]string{}
	for _, k := range m0061Keys {
		if clauses[k.child] == nil {
			tables = append(tables, k.child)
		}
		clauses[k.child] = append(clauses[k.child], k.clause())
	}
	for _, table := range tables {
		if err := m0061Rebuild(tx, table, clauses[table]); err != nil {
			return fmt.Errorf("rebuild %s: %w", table, err)
		}
	}
	var violations []struct{ Table string }
	if err := tx.Raw(`PRAGMA foreign_key_check`).Scan(&violations).Error; err != nil {
		return err
	}
	if len(violations) > 0 {
		return fmt.Errorf("foreign_key_check: %d rows of %s reference nothing", len(violations), violations[0].Table)
	}
	return nil
}

// m0061Rebuild gives a SQLite table the constraints: its live definition with the constraints
// appended, its rows, its indexes and triggers (whatever earlier migrations left), and its
// AUTOINCREMENT counter, so the ids of deleted rows are not handed out again.
func m0061Rebuild(tx *gorm.DB, table string, constraints []string) error {
	var def string
	if err := tx.Raw(`SELECT sql FROM sqlite_master WHERE type = 'table' AND name = ?`, table).Scan(&def).Error; err != nil {
		return err
	}
	open, end := strings.Index(def, "("), strings.LastIndex(def, ")")
	if open < 0 || end < open {
		return fmt.Errorf("unexpected definition %q", def)
	}
	fresh := table + "_m0061"
	create := `CREATE TABLE "` + fresh + `" ` + def[open:end] + ",\n" + strings.Join(constraints, ",\n") + ")"
	var extras []string // indexes and triggers; the automatic indexes of constraints have no sql
	if err := tx.Raw(`SELECT sql FROM sqlite_master WHERE tbl_name = ? AND type IN ('index', 'trigger') AND sql IS NOT NULL ORDER BY type, name`, table).
		Scan(&extras).Error; err != nil {
		return err
	}
	var seq []int64
	if err := tx.Raw(`SELECT seq FROM sqlite_sequence WHERE name = ?`, table).Scan(&seq).Error; err != nil {
		return err
	}
	statements := []string{
		create,
		`INSERT INTO "` + fresh + `" SELECT * FROM "` + table + `"`,
		`DROP TABLE "` + table + `"`,
		`ALTER TABLE "` + fresh + `" RENAME TO "` + table + `"`,
	}
	if err := execAll(tx, append(statements, extras...)...); err != nil {
		return err
	}
	if len(seq) == 0 {
		return nil
	}
	// The copy made the new table's counter its highest id (none if it is empty).
	if err := tx.Exec(`DELETE FROM sqlite_sequence WHERE name = ?`, table).Error; err != nil {
		return err
	}
	return tx.Exec(`INSERT INTO sqlite_sequence (name, seq) VALUES (?, ?)`, table, seq[0]).Error
}
