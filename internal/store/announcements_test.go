package store_test

import (
	"context"
	"errors"
	"strconv"
	"testing"
	"time"

	"gorm.io/gorm"

	"github.com/toasoan/toasoan/internal/docnumber"
	"github.com/toasoan/toasoan/internal/models"
	"github.com/toasoan/toasoan/internal/store"
	"github.com/toasoan/toasoan/internal/testdb"
)

// rollbackTables are the rows a write of announcements or documents leaves besides its own.
var rollbackTables = []string{"search_index", "webhook_events", "audit_log", "media_links"}

// writeStep is one write of a rollback test: run makes it; table and id say which row it is about.
type writeStep struct {
	name   string
	action string // the audit action it records
	event  bool   // whether it enqueues a webhook event
	run    func(ctx context.Context, st *store.Store) (int64, error)
}

// checkRollback runs each step, made by editor, twice: first with the audit entry failing (the last statement of
// the transaction), when nothing it wrote may remain and table's rows must be as before; then
// for real, when its audit entry, with the whole actor, must exist.
func checkRollback(t *testing.T, db *gorm.DB, st *store.Store, editor store.Actor, table string, steps []writeStep) {
	t.Helper()
	ctx := context.Background()
	for _, step := range steps {
		tables := append([]string{table}, rollbackTables...)
		before := counts(t, db, tables...)
		var rowsBefore []map[string]any
		db.Table(table).Order("id").Find(&rowsBefore)
		stop := failAuditWrites(t, db)
		if _, err := step.run(ctx, st); !errors.Is(err, errInjected) {
			t.Fatalf("%s with the audit entry failing: %v, want the injected failure", step.name, err)
		}
		stop()
		if after := counts(t, db, tables...); !equalCounts(before, after) {
			t.Errorf("%s rolled back: counts %v, want %v", step.name, after, before)
		}
		var rowsAfter []map[string]any
		db.Table(table).Order("id").Find(&rowsAfter)
		if len(rowsAfter) != len(rowsBefore) || (len(rowsAfter) > 0 && rowsAfter[len(rowsAfter)-1]["version"] != rowsBefore[len(rowsBefore)-1]["version"]) {
			t.Errorf("%s rolled back: %s rows changed", step.name, table)
		}
		events := before["webhook_events"]
		id, err := step.run(ctx, st)
		if err != nil {
			t.Fatalf("%s: %v", step.name, err)
		}
		var entry models.AuditEntry
		if err := db.Where("action = ?", step.action).Order("id DESC").Take(&entry).Error; err != nil {
			t.Fatalf("%s: no audit entry %s: %v", step.name, step.action, err)
		}
		if entry.ActorID == nil || *entry.ActorID != editor.UserID || entry.ActorRole != editor.Role || entry.IP != editor.IP ||
			entry.RequestID != editor.RequestID || entry.TargetID != itoa(id) {
			t.Errorf("%s: audit entry %+v, want the actor %+v on target %d", step.name, entry, editor, id)
		}
		if got := counts(t, db, "webhook_events")["webhook_events"]; (got > events) != step.event {
			t.Errorf("%s: webhook events %d → %d, want an event: %v", step.name, events, got, step.event)
		}
	}
}

func equalCounts(a, b map[string]int64) bool {
	for k, v := range a {
		if b[k] != v {
			return false
		}
	}
	return true
}

func itoa(id int64) string { return strconv.FormatInt(id, 10) }

func TestAnnouncementWritesRollBackWhole(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *gorm.DB) {
		st := store.New(db, testdb.NewClock(testdb.Epoch).Now)
		pdf := models.Media{Key: "thong-bao.pdf", Name: "thong-bao.pdf", Mime: "application/pdf", Size: 10}
		if err := db.Create(&pdf).Error; err != nil {
			t.Fatal(err)
		}
		var id int64
		version := 1
		editor := newActor(t, db, "editor")
		checkRollback(t, db, st, editor, "announcements", []writeStep{
			{name: "create", action: "announcement.create", event: true, run: func(ctx context.Context, st *store.Store) (int64, error) {
				a, err := st.CreateAnnouncement(ctx, editor, store.AnnouncementInput{Title: "Thông báo lịch tiếp công dân",
					Body: "<p>Lịch tiếp công dân tháng 9</p>", Status: models.PublicationPublished, AttachmentIDs: []int64{pdf.ID}})
				id = a.ID
				return a.ID, err
			}},
			{name: "update", action: "announcement.update", run: func(ctx context.Context, st *store.Store) (int64, error) {
				title := "Thông báo lịch tiếp công dân tháng 9"
				a, err := st.UpdateAnnouncement(ctx, editor, id, version, store.AnnouncementPatch{Title: &title,
					EndsAt: models.Value(testdb.Epoch.Add(30 * 24 * time.Hour)), AttachmentIDs: &[]int64{}})
				if err == nil {
					version = a.Version
				}
				return id, err
			}},
			{name: "delete", action: "announcement.delete", run: func(ctx context.Context, st *store.Store) (int64, error) {
				return id, st.DeleteAnnouncement(ctx, editor, id, version)
			}},
		})
	})
}

func TestDocumentWritesRollBackWhole(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *gorm.DB) {
		st := store.New(db, testdb.NewClock(testdb.Epoch).Now)
		number, err := docnumber.Parse("05/2024/QĐ-MTTW")
		if err != nil {
			t.Fatal(err)
		}
		var id int64
		version := 1
		editor := newActor(t, db, "editor")
		checkRollback(t, db, st, editor, "documents", []writeStep{
			{name: "create", action: "document.create", event: true, run: func(ctx context.Context, st *store.Store) (int64, error) {
				d, err := st.CreateDocument(ctx, editor, store.DocumentInput{Number: number, Title: "Quyết định ban hành Quy chế làm việc",
					Type: "Quyết định", Issuer: "Ủy ban Trung ương MTTQ Việt Nam", IssuedOn: models.NewDate(2024, 5, 10),
					Status: models.PublicationPublished})
				id = d.ID
				return d.ID, err
			}},
			{name: "update", action: "document.update", run: func(ctx context.Context, st *store.Store) (int64, error) {
				signer := "Đỗ Văn Chiến"
				d, err := st.UpdateDocument(ctx, editor, id, version, store.DocumentPatch{Signer: &signer,
					ExpiresOn: models.Value(models.NewDate(2029, 5, 10))})
				if err == nil {
					version = d.Version
				}
				return id, err
			}},
			{name: "delete", action: "document.delete", run: func(ctx context.Context, st *store.Store) (int64, error) {
				return id, st.DeleteDocument(ctx, editor, id, version)
			}},
		})
	})
}

func TestDocumentTypeWritesRollBackWhole(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *gorm.DB) {
		st := store.New(db, testdb.NewClock(testdb.Epoch).Now)
		var id int64
		version := 1
		editor := newActor(t, db, "editor")
		checkRollback(t, db, st, editor, "document_types", []writeStep{
			{name: "create", action: "document_type.create", run: func(ctx context.Context, st *store.Store) (int64, error) {
				dt, err := st.CreateDocumentType(ctx, editor, store.DocumentTypeInput{Name: "Công điện", Code: "CĐ"})
				id = dt.ID
				return dt.ID, err
			}},
			{name: "update", action: "document_type.update", run: func(ctx context.Context, st *store.Store) (int64, error) {
				name := "Công điện khẩn"
				dt, err := st.UpdateDocumentType(ctx, editor, id, version, store.DocumentTypePatch{Name: &name})
				if err == nil {
					version = dt.Version
				}
				return id, err
			}},
			{name: "delete", action: "document_type.delete", run: func(ctx context.Context, st *store.Store) (int64, error) {
				return id, st.DeleteDocumentType(ctx, editor, id, version)
			}},
		})
	})
}
