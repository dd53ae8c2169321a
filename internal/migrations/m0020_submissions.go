package migrations

import (
	"time"

	"github.com/go-gormigrate/gormigrate/v2"
	"gorm.io/gorm"
)

// m0020Submissions creates reader submissions ("Gửi ban biên tập") and editors' internal notes
// on them. Attachments are media, linked through media_links.
var m0020Submissions = &gormigrate.Migration{
	ID: "0020_submissions",
	Migrate: func(tx *gorm.DB) error {
		type submission struct {
			ID           int64  `gorm:"primaryKey"`
			TrackingCode string `gorm:"size:20;not null;uniqueIndex"`
			Name         string `gorm:"size:200;not null"`
			Email        string `gorm:"size:254;not null"`
			Phone        string `gorm:"size:20;not null"`
			Subject      string `gorm:"size:300;not null"`
			Content      string `gorm:"not null"`
			Status       string `gorm:"size:20;not null;index"`
			AssigneeID   *int64 `gorm:"index"`
			Reply        string `gorm:"not null"`
			RepliedAt    *time.Time
			CreatedAt    time.Time `gorm:"index"`
			UpdatedAt    time.Time
		}
		type submissionNote struct {
			ID           int64  `gorm:"primaryKey"`
			SubmissionID int64  `gorm:"not null;index"`
			AuthorID     int64  `gorm:"not null"`
			Body         string `gorm:"not null"`
			CreatedAt    time.Time
		}
		if err := tx.Table("submissions").AutoMigrate(&submission{}); err != nil {
			return err
		}
		return tx.Table("submission_notes").AutoMigrate(&submissionNote{})
	},
}
