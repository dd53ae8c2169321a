package store_test

import (
	"context"
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
		media := func(t *testing.T, where string, arg any) []models.Media {
			t.Helper()
			var out []models.Media
			if err := db.Where(where, arg).Find(&out).Error; err != nil {
				t.Fatal(err)
			}
			return out
		}
		in := store.MediaInput{Key: "2026/08/k3v7q2m4.png", Name: "ảnh.png", Mime: "image/png", Size: 183, Width: 16, Height: 9, Checksum: "abc"}
		old := testImage(t, db, "2026/08/xoa.jpg")
		var deleted models.Media
		testAuditedWrites(t, db, author, []string{"media"}, []auditedWrite{
			{name: "create", grows: map[string]int64{"media": 1},
				audit: store.Audit{Action: "media.create", TargetType: "media", Detail: "mime=image/png size=183"},
				write: func() (int64, error) {
					m, err := st.CreateMedia(ctx, author, in)
					return m.ID, err
				},
				state: func(t *testing.T) any { return media(t, "key = ?", in.Key) },
				check: func(t *testing.T, id int64) {
					saved := media(t, "id = ?", id)
					if len(saved) != 1 || saved[0].Key != in.Key || saved[0].UploadedBy == nil || *saved[0].UploadedBy != author.UserID {
						t.Errorf("rows %+v", saved)
					}
				}},
			{name: "delete", grows: map[string]int64{"media": -1},
				audit: store.Audit{Action: "media.delete", TargetType: "media", Detail: "mime=image/jpeg"},
				write: func() (_ int64, err error) {
					deleted, err = st.DeleteMedia(ctx, author, old.ID)
					return old.ID, err
				},
				state: func(t *testing.T) any { return media(t, "id = ?", old.ID) },
				check: func(t *testing.T, id int64) {
					if left := media(t, "id = ?", id); deleted.Key != old.Key || len(left) != 0 {
						t.Errorf("deleted %+v, left %+v", deleted, left)
					}
				}},
		})
	})
}
