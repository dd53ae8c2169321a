package store_test

import (
	"context"
	"testing"
	"time"

	"gorm.io/gorm"

	"github.com/toasoan/toasoan/internal/docnumber"
	"github.com/toasoan/toasoan/internal/models"
	"github.com/toasoan/toasoan/internal/store"
	"github.com/toasoan/toasoan/internal/testdb"
)

// attachedTables are the tables a write of an announcement or a document touches besides its own.
var attachedTables = []string{"search_index", "media_links"}

// allRows reads every row of table, for the state of a write.
func allRows(db *gorm.DB, table string) func(*testing.T) any {
	return func(t *testing.T) any { return rows(t, db.Table(table).Order("id")) }
}

func TestAnnouncementWritesRollBackWhole(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *gorm.DB) {
		ctx := context.Background()
		st := store.New(db, testdb.NewClock(testdb.Epoch).Now)
		pdf := models.Media{Key: "thong-bao.pdf", Name: "thong-bao.pdf", Mime: "application/pdf", Size: 10}
		if err := db.Create(&pdf).Error; err != nil {
			t.Fatal(err)
		}
		var id int64
		version := 1
		editor := newActor(t, db, "editor")
		state := allRows(db, "announcements")
		testAuditedWrites(t, db, editor, append([]string{"announcements"}, attachedTables...), []auditedWrite{
			{name: "create", state: state, event: models.EventAnnouncementPublished,
				grows: map[string]int64{"announcements": 1, "search_index": 1, "media_links": 1},
				audit: store.Audit{Action: "announcement.create", TargetType: "announcement", Detail: "status=published"},
				write: func() (int64, error) {
					a, err := st.CreateAnnouncement(ctx, editor, store.AnnouncementInput{Title: "Thông báo lịch tiếp công dân",
						Body: "<p>Lịch tiếp công dân tháng 9</p>", Status: models.PublicationPublished, AttachmentIDs: []int64{pdf.ID}})
					id = a.ID
					return a.ID, err
				}},
			{name: "update", state: state, grows: map[string]int64{"media_links": -1},
				audit: store.Audit{Action: "announcement.update", TargetType: "announcement", Detail: "status=published"},
				write: func() (int64, error) {
					title := "Thông báo lịch tiếp công dân tháng 9"
					a, err := st.UpdateAnnouncement(ctx, editor, id, version, store.AnnouncementPatch{Title: &title,
						EndsAt: models.Value(testdb.Epoch.Add(30 * 24 * time.Hour)), AttachmentIDs: &[]int64{}})
					if err == nil {
						version = a.Version
					}
					return id, err
				}},
			// Deleting moves it to the trash: its row and links stay, its search entry goes.
			{name: "trash", state: state, grows: map[string]int64{"search_index": -1},
				event: models.EventAnnouncementUnpublished,
				audit: store.Audit{Action: "announcement.trash", TargetType: "announcement", Detail: "status=published"},
				write: func() (int64, error) { return id, st.DeleteAnnouncement(ctx, editor, id, version) }},
			{name: "untrash", state: state, grows: map[string]int64{"search_index": 1},
				audit: store.Audit{Action: "announcement.untrash", TargetType: "announcement", Detail: "version=4"},
				write: func() (int64, error) {
					_, err := st.RestoreAnnouncement(ctx, editor, id, version+1)
					return id, err
				}},
		})
	})
}

func TestDocumentWritesRollBackWhole(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *gorm.DB) {
		ctx := context.Background()
		st := store.New(db, testdb.NewClock(testdb.Epoch).Now)
		number, err := docnumber.Parse("05/2024/QĐ-MTTW")
		if err != nil {
			t.Fatal(err)
		}
		var id int64
		version := 1
		editor := newActor(t, db, "editor")
		state := allRows(db, "documents")
		detail := "number=05/2024/QĐ-MTTW,status=published"
		testAuditedWrites(t, db, editor, append([]string{"documents"}, attachedTables...), []auditedWrite{
			{name: "create", state: state, event: models.EventDocumentPublished,
				grows: map[string]int64{"documents": 1, "search_index": 1},
				audit: store.Audit{Action: "document.create", TargetType: "document", Detail: detail},
				write: func() (int64, error) {
					d, err := st.CreateDocument(ctx, editor, store.DocumentInput{Number: number, Title: "Quyết định ban hành Quy chế làm việc",
						Type: "Quyết định", Issuer: "Ủy ban Trung ương MTTQ Việt Nam", IssuedOn: models.NewDate(2024, 5, 10),
						Status: models.PublicationPublished})
					id = d.ID
					return d.ID, err
				}},
			{name: "update", state: state,
				audit: store.Audit{Action: "document.update", TargetType: "document", Detail: detail},
				write: func() (int64, error) {
					signer := "Đỗ Văn Chiến"
					d, err := st.UpdateDocument(ctx, editor, id, version, store.DocumentPatch{Signer: &signer,
						ExpiresOn: models.Value(models.NewDate(2029, 5, 10))})
					if err == nil {
						version = d.Version
					}
					return id, err
				}},
			// Deleting moves it to the trash: its row stays, its search entry goes.
			{name: "trash", state: state, grows: map[string]int64{"search_index": -1},
				audit: store.Audit{Action: "document.trash", TargetType: "document", Detail: "status=published"},
				write: func() (int64, error) { return id, st.DeleteDocument(ctx, editor, id, version) }},
			{name: "untrash", state: state, grows: map[string]int64{"search_index": 1},
				audit: store.Audit{Action: "document.untrash", TargetType: "document", Detail: "version=4"},
				write: func() (int64, error) {
					_, err := st.RestoreDocument(ctx, editor, id, version+1)
					return id, err
				}},
		})
	})
}

func TestDocumentTypeWritesRollBackWhole(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *gorm.DB) {
		ctx := context.Background()
		st := store.New(db, testdb.NewClock(testdb.Epoch).Now)
		var id int64
		version := 1
		editor := newActor(t, db, "editor")
		state := allRows(db, "document_types")
		testAuditedWrites(t, db, editor, append([]string{"document_types"}, attachedTables...), []auditedWrite{
			{name: "create", state: state, grows: map[string]int64{"document_types": 1},
				audit: store.Audit{Action: "document_type.create", TargetType: "document_type", Detail: "Công điện"},
				write: func() (int64, error) {
					dt, err := st.CreateDocumentType(ctx, editor, store.DocumentTypeInput{Name: "Công điện", Code: "CĐ"})
					id = dt.ID
					return dt.ID, err
				}},
			{name: "update", state: state,
				audit: store.Audit{Action: "document_type.update", TargetType: "document_type", Detail: "Công điện khẩn"},
				write: func() (int64, error) {
					name := "Công điện khẩn"
					dt, err := st.UpdateDocumentType(ctx, editor, id, version, store.DocumentTypePatch{Name: &name})
					if err == nil {
						version = dt.Version
					}
					return id, err
				}},
			{name: "delete", state: state, grows: map[string]int64{"document_types": -1},
				audit: store.Audit{Action: "document_type.delete", TargetType: "document_type"},
				write: func() (int64, error) { return id, st.DeleteDocumentType(ctx, editor, id, version) }},
		})
	})
}
