package models

import (
	"crypto/rand"
	"strings"
	"time"
)

// Statuses of a reader submission.
const (
	SubmissionReceived = "received"
	SubmissionInReview = "in_review"
	SubmissionAnswered = "answered"
	SubmissionClosed   = "closed"
	SubmissionSpam     = "spam"
)

// SubmissionStatuses lists every status, in the order a submission usually goes through them.
var SubmissionStatuses = []string{SubmissionReceived, SubmissionInReview, SubmissionAnswered, SubmissionClosed, SubmissionSpam}

// OwnerSubmission is the owner type of a submission's attachments in media_links.
const OwnerSubmission = "submission"

// Submission is a message from a reader to the editorial board ("Gửi ban biên tập"). Name, email,
// phone and content are personal data: they are shown to editors only and never logged.
type Submission struct {
	ID           int64  `gorm:"primaryKey"`
	TrackingCode string `gorm:"size:20;not null;uniqueIndex"`
	Name         string `gorm:"size:200;not null"`
	Email        string `gorm:"size:254;not null"`
	Phone        string `gorm:"size:20;not null"`
	Subject      string `gorm:"size:300;not null"`
	Content      string `gorm:"not null"`
	Status       string `gorm:"size:20;not null;index"`
	AssigneeID   *int64 `gorm:"index"`
	Reply        string `gorm:"not null"` // shown to the submitter by tracking code; "" until answered
	RepliedAt    *time.Time
	Version      int       `gorm:"not null;default:1"`
	CreatedAt    time.Time `gorm:"index"`
	UpdatedAt    time.Time
}

// SubmissionNote is an editor's internal note on a submission, never shown to the submitter.
type SubmissionNote struct {
	ID           int64  `gorm:"primaryKey"`
	SubmissionID int64  `gorm:"not null;index"`
	AuthorID     int64  `gorm:"not null"`
	Body         string `gorm:"not null"`
	CreatedAt    time.Time
}

// trackingAlphabet leaves out 0/O and 1/I/L, which readers confuse when they copy a code by hand.
const trackingAlphabet = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"

// trackingCodeLen characters of 31 give 59 bits: a code cannot be guessed.
const trackingCodeLen = 12

// NewTrackingCode is a fresh code by which a reader follows their submission.
func NewTrackingCode() string {
	code := make([]byte, 0, trackingCodeLen)
	buf := make([]byte, 2*trackingCodeLen)
	for len(code) < trackingCodeLen {
		_, _ = rand.Read(buf) // never fails (crypto/rand panics when the system has no randomness)
		for _, b := range buf {
			// Bytes from 248 = 8×31 up are dropped, so every character is equally likely.
			if b < 248 && len(code) < trackingCodeLen {
				code = append(code, trackingAlphabet[int(b)%len(trackingAlphabet)])
			}
		}
	}
	return string(code)
}

// NormalTrackingCode accepts a code typed in lower case or with spaces around; "" when it
// cannot be one.
func NormalTrackingCode(raw string) string {
	code := strings.ToUpper(strings.TrimSpace(raw))
	if len(code) != trackingCodeLen || strings.Trim(code, trackingAlphabet) != "" {
		return ""
	}
	return code
}
