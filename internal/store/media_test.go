package store_test

import (
	"context"
	"errors"
	"reflect"
	"testing"

	"gorm.io/gorm"

	"github.com/toasoan/toasoan/internal/models"
	"github.com/toasoan/toasoan/internal/store"
	"github.com/toasoan/toasoan/internal/testdb"
)

// A media item's row and its audit entry are written, and deleted, together.
func TestMediaWritesRollBackWithTheirAuditEntry(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *gorm.DB) {
		ctx := context.Background()
		st := store.New(db, testdb.NewClock(testdb.Epoch).Now)
		author := newActor(t, db, models.RoleAuthor)
		rows := func(t *testing.T, id int64) (media []models.Media, audits int64) {
			t.Helper()
			if err := db.Where("id = ?", id).Find(&media).Error; err != nil {
				t.Fatal(err)
			}
			return media, counts(t, db, "audit_log")["audit_log"]
		}

		t.Run("create", func(t *testing.T) {
			in := store.MediaInput{Key: "2026/08/k3v7q2m4.png", Name: "ảnh.png", Mime: "image/png", Size: 183, Width: 16, Height: 9, Checksum: "abc"}
			stop := failAuditWrites(t, db)
			if _, err := st.CreateMedia(ctx, author, in); !errors.Is(err, errInjected) {
				t.Fatalf("with the audit entry failing: %v, want the injected failure", err)
			}
			if n := counts(t, db, "media", "audit_log"); n["media"] != 0 || n["audit_log"] != 0 {
				t.Fatalf("a failed create left %v", n)
			}
			stop()
			m, err := st.CreateMedia(ctx, author, in)
			if err != nil {
				t.Fatal(err)
			}
			saved, audits := rows(t, m.ID)
			if len(saved) != 1 || saved[0].Key != in.Key || saved[0].UploadedBy == nil || *saved[0].UploadedBy != author.UserID || audits != 1 {
				t.Fatalf("rows %+v, %d audit entries", saved, audits)
			}
			if e := checkAudited(t, db, author, "media.create", "media", m.ID); e.Detail != "mime=image/png size=183" {
				t.Errorf("detail %q", e.Detail)
			}
		})

		t.Run("delete", func(t *testing.T) {
			m := testImage(t, db, "2026/08/xoa.jpg")
			beforeMedia, beforeAudits := rows(t, m.ID)
			stop := failAuditWrites(t, db)
			if _, err := st.DeleteMedia(ctx, author, m.ID); !errors.Is(err, errInjected) {
				t.Fatalf("with the audit entry failing: %v, want the injected failure", err)
			}
			if media, audits := rows(t, m.ID); len(beforeMedia) != 1 || !reflect.DeepEqual(media, beforeMedia) || audits != beforeAudits {
				t.Fatalf("a failed delete left %+v and %d audit entries, had %+v and %d", media, audits, beforeMedia, beforeAudits)
			}
			stop()
			deleted, err := st.DeleteMedia(ctx, author, m.ID)
			if err != nil {
				t.Fatal(err)
			}
			if media, audits := rows(t, m.ID); deleted.Key != m.Key || len(media) != 0 || audits != beforeAudits+1 {
				t.Fatalf("deleted %+v, left %+v and %d audit entries", deleted, media, audits)
			}
			if e := checkAudited(t, db, author, "media.delete", "media", m.ID); e.Detail != "mime=image/jpeg" {
				t.Errorf("detail %q", e.Detail)
			}
		})
	})
}
