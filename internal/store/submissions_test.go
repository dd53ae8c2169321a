package store_test

import (
	"context"
	"strconv"
	"testing"

	"gorm.io/gorm"

	"github.com/toasoan/toasoan/internal/models"
	"github.com/toasoan/toasoan/internal/store"
	"github.com/toasoan/toasoan/internal/testdb"
)

func TestSubmissionWritesCommitWithTheirAuditEntry(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *gorm.DB) {
		ctx := context.Background()
		st := store.New(db, testdb.NewClock(testdb.Epoch).Now)
		editor, err := st.CreateUser(ctx, store.System, store.NewUser{Email: "bientap@mattran.org.vn", Name: "Biên tập", Role: models.RoleEditor, PasswordHash: "h"})
		if err != nil {
			t.Fatal(err)
		}
		var sub models.Submission // the one created below; its tracking code is the store's
		submission := func(*testing.T) any {
			var row models.Submission
			db.Where("tracking_code = ?", sub.TrackingCode).Limit(1).Find(&row)
			var notes []models.SubmissionNote
			db.Where("submission_id = ?", row.ID).Order("id").Find(&notes)
			return []any{row, notes}
		}
		tables := []string{"submissions", "submission_notes", "media", "media_links", "search_index", "mail_outbox"}
		reader := store.Actor{IP: "198.51.100.4", RequestID: "req-reader"}
		testAuditedWrites(t, db, reader, tables, []auditedWrite{
			{name: "create", event: models.EventSubmissionReceived,
				grows: map[string]int64{"submissions": 1, "media": 1, "media_links": 1, "search_index": 1},
				audit: store.Audit{Action: "submission.create", TargetType: "submission", Detail: "status=" + models.SubmissionReceived + " attachments=1"},
				write: func() (_ int64, err error) {
					files := []models.Media{{Key: "2026/08/anh.png", Name: "ảnh.png", Mime: "image/png", Size: 77}}
					sub, err = st.CreateSubmission(ctx, reader, store.NewSubmission{Name: " Bạn đọc ", Email: "bandoc@example.vn",
						Subject: "Đường hỏng", Content: "Nội dung\x00"}, files)
					return sub.ID, err
				},
				state: submission,
				check: func(t *testing.T, _ int64) {
					if sub.Name != "Bạn đọc" || sub.Content != "Nội dung\uFFFD" || sub.Status != models.SubmissionReceived || sub.Version != 1 {
						t.Errorf("created %+v: want the text cleaned, received, version 1", sub)
					}
				}},
		})
		editing := store.Actor{UserID: editor.ID, Role: models.RoleEditor, IP: "203.0.113.8", RequestID: "req-editor"}
		reply, note := " Cảm ơn bạn. ", "Đã chuyển."
		testAuditedWrites(t, db, editing, tables, []auditedWrite{
			// The reply's mail to the reader is in the outbox if and only if the reply committed.
			{name: "update", grows: map[string]int64{"submission_notes": 1, "mail_outbox": 1},
				audit: store.Audit{Action: "submission.update", TargetType: "submission",
					Detail: "status=answered assignee=" + strconv.FormatInt(editor.ID, 10) + " note reply"},
				write: func() (_ int64, err error) {
					sub, err = st.UpdateSubmission(ctx, editing, sub.ID, 1,
						store.SubmissionPatch{Reply: &reply, Note: &note, Assignee: models.Value(editor.ID)})
					return sub.ID, err
				},
				state: submission,
				check: func(t *testing.T, _ int64) {
					if sub.Reply != "Cảm ơn bạn." || sub.Status != models.SubmissionAnswered || sub.RepliedAt == nil ||
						sub.AssigneeID == nil || *sub.AssigneeID != editor.ID || sub.Version != 2 {
						t.Errorf("updated %+v", sub)
					}
				}},
		})
		if _, err := st.UpdateSubmission(ctx, editing, sub.ID, 1, store.SubmissionPatch{Note: &note}); models.ErrorCode(err) != models.CodeVersionMismatch {
			t.Errorf("update at a stale version: %v, want version_mismatch", err)
		}
	})
}
