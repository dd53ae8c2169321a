package handlers

import (
	"time"

	"github.com/toasoan/toasoan/internal/models"
)

// Helpers shared by the content handlers: articles, categories and tags.

// positiveID says what is wrong with an id a client sent, or "".
func positiveID(id *int64) string {
	if id != nil && *id < 1 {
		return "must be a positive id"
	}
	return ""
}

// newsroomTime shows a time in the newsroom's zone (+07:00), whichever database it came from.
func newsroomTime(t time.Time) time.Time { return t.In(models.NewsroomZone) }

// newsroomTimePtr is newsroomTime for an optional time.
func newsroomTimePtr(t *time.Time) *time.Time {
	if t == nil {
		return nil
	}
	v := newsroomTime(*t)
	return &v
}
