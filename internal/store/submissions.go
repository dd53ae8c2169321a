package store

import (
	"context"
	"strings"

	"gorm.io/gorm"

	"github.com/toasoan/toasoan/internal/models"
	"github.com/toasoan/toasoan/internal/search"
)

// CreateSubmission records a reader's submission with its attachments (files already in
// storage) in one transaction: the media rows, the submission and the links between them.
func (s *Store) CreateSubmission(ctx context.Context, sub *models.Submission, attachments []models.Media) error {
	sub.SearchText = submissionSearchText(*sub)
	return s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		if len(attachments) > 0 {
			if err := tx.Create(&attachments).Error; err != nil {
				return err
			}
		}
		if err := tx.Create(sub).Error; err != nil {
			return err
		}
		ids := make([]int64, len(attachments))
		for i, m := range attachments {
			ids[i] = m.ID
		}
		return setMediaLinks(tx, models.OwnerSubmission, sub.ID, models.LinkAttachment, ids, "files")
	})
}

// submissionSearchText is what editors' q matches: the folded subject, content, name, email and
// tracking code.
func submissionSearchText(sub models.Submission) string {
	return search.Fold(strings.Join([]string{sub.Subject, sub.Content, sub.Name, sub.Email, sub.TrackingCode}, " "))
}

// SubmissionByCode finds a submission by its tracking code.
func (s *Store) SubmissionByCode(ctx context.Context, code string) (models.Submission, error) {
	var sub models.Submission
	err := s.db.WithContext(ctx).Where("tracking_code = ?", code).Take(&sub).Error
	return sub, notFound(err, "submission")
}
