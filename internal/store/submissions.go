package store

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"gorm.io/gorm"

	"github.com/toasoan/toasoan/internal/models"
)

// NewSubmission is what a reader sends; Spam files it silently (webhooks do not hear of it).
type NewSubmission struct {
	Name, Email, Phone, Subject, Content string
	Spam                                 bool
}

// CreateSubmission records a reader's submission with its attachments (files already in
// storage) in one transaction: the media rows, the submission and the links between them.
func (s *Store) CreateSubmission(ctx context.Context, actor Actor, in NewSubmission, attachments []models.Media) (models.Submission, error) {
	sub := models.Submission{
		TrackingCode: models.NewTrackingCode(),
		Name:         models.CleanText(in.Name),
		Email:        models.CleanText(in.Email),
		Phone:        models.CleanText(in.Phone),
		Subject:      models.CleanText(in.Subject),
		Content:      models.CleanText(in.Content),
		Status:       models.SubmissionReceived,
	}
	if in.Spam {
		sub.Status = models.SubmissionSpam
	}
	attachments = slices.Clone(attachments) // given their ids here, not in the caller's slice
	err := s.write(ctx, actor, func(tx *gorm.DB) (Audit, error) {
		if len(attachments) > 0 {
			if err := tx.Create(&attachments).Error; err != nil {
				return Audit{}, err
			}
		}
		if err := tx.Create(&sub).Error; err != nil {
			return Audit{}, err
		}
		if err := indexSearch(tx, submissionSearchEntry(sub)); err != nil {
			return Audit{}, err
		}
		if sub.Status != models.SubmissionSpam {
			if err := enqueueEvent(tx, models.EventSubmissionReceived, submissionEventData(sub)); err != nil {
				return Audit{}, err
			}
		}
		ids := make([]int64, len(attachments))
		for i, m := range attachments {
			ids[i] = m.ID
		}
		if err := setMediaLinks(tx, models.OwnerSubmission, sub.ID, models.LinkAttachment, ids, "files"); err != nil {
			return Audit{}, err
		}
		// Ids and counts only: what a reader wrote is personal data and stays out of the audit log.
		return Audit{Action: "submission.create", TargetType: "submission", TargetID: strconv.FormatInt(sub.ID, 10),
			Detail: fmt.Sprintf("status=%s attachments=%d", sub.Status, len(attachments))}, nil
	})
	return sub, err
}

// submissionSearchEntry is what editors' q finds a submission by: its subject, content, name,
// email and tracking code. It is never public: public search only reads public entries.
func submissionSearchEntry(sub models.Submission) SearchEntry {
	return SearchEntry{
		Kind:     KindSubmission,
		ItemID:   sub.ID,
		Title:    sub.Subject,
		Body:     strings.Join([]string{sub.Content, sub.Name, sub.Email, sub.TrackingCode}, " "),
		SortTime: sub.CreatedAt,
	}
}

// SubmissionByCode finds a submission by its tracking code.
func (s *Store) SubmissionByCode(ctx context.Context, code string) (models.Submission, error) {
	var sub models.Submission
	err := s.db.WithContext(ctx).Where("tracking_code = ?", code).Take(&sub).Error
	return sub, notFound(err, "submission")
}

// SubmissionByID finds a submission.
func (s *Store) SubmissionByID(ctx context.Context, id int64) (models.Submission, error) {
	var sub models.Submission
	err := s.db.WithContext(ctx).Take(&sub, id).Error
	return sub, notFound(err, "submission")
}

// SubmissionFilter narrows the editors' list of submissions.
type SubmissionFilter struct {
	Status     string // "": every status but spam
	Query      string // words of the searchable text; the last may be the start of a word
	AssigneeID int64  // 0: anyone's
	Unassigned bool
}

// ListSubmissions returns a page of submissions, newest first, and the total.
func (s *Store) ListSubmissions(ctx context.Context, f SubmissionFilter, p models.Page) ([]models.Submission, int64, error) {
	q := s.db.WithContext(ctx).Model(&models.Submission{})
	if f.Status != "" {
		q = q.Where("status = ?", f.Status)
	} else {
		q = q.Where("status <> ?", models.SubmissionSpam)
	}
	switch {
	case f.Unassigned:
		q = q.Where("assignee_id IS NULL")
	case f.AssigneeID != 0:
		q = q.Where("assignee_id = ?", f.AssigneeID)
	}
	if f.Query != "" {
		q = s.matchSearch(ctx, q, "id", KindSubmission, f.Query)
	}
	var total int64
	if err := q.Count(&total).Error; err != nil {
		return nil, 0, err
	}
	var out []models.Submission
	err := q.Order("created_at DESC, id DESC").Limit(p.PerPage).Offset(p.Offset()).Find(&out).Error
	return out, total, err
}

// SubmissionNotes returns the internal notes of a submission, oldest first.
func (s *Store) SubmissionNotes(ctx context.Context, id int64) ([]models.SubmissionNote, error) {
	var notes []models.SubmissionNote
	err := s.db.WithContext(ctx).Where("submission_id = ?", id).Order("id").Find(&notes).Error
	return notes, err
}

// SubmissionAttachments returns the files a reader sent with a submission, in their order.
func (s *Store) SubmissionAttachments(ctx context.Context, id int64) ([]models.Media, error) {
	byOwner, err := s.mediaOf(ctx, models.OwnerSubmission, models.LinkAttachment, []int64{id})
	return byOwner[id], err
}

// UserNames maps the given user ids to names, in one query.
func (s *Store) UserNames(ctx context.Context, ids []int64) (map[int64]string, error) {
	out := make(map[int64]string, len(ids))
	if len(ids) == 0 {
		return out, nil
	}
	var users []models.User
	if err := s.db.WithContext(ctx).Select("id", "name").Where("id IN ?", ids).Find(&users).Error; err != nil {
		return nil, err
	}
	for _, u := range users {
		out[u.ID] = u.Name
	}
	return out, nil
}

// SubmissionPatch is an editor's change to a submission; nil fields stay as they are.
type SubmissionPatch struct {
	Status   *string
	Assignee models.Nullable[int64] // null unassigns
	Note     *string                // appended as an internal note by the actor
	Reply    *string                // shown to the submitter; sets replied_at, and status answered unless Status is given
}

// UpdateSubmission applies an editor's change at the version they read, with the row locked. The
// assignee must be an active editor or admin. Every change, a note too, is a new version. A
// reply puts a mail to the submitter in the outbox, in the same transaction (see mail.go).
func (s *Store) UpdateSubmission(ctx context.Context, actor Actor, id int64, version int, p SubmissionPatch) (models.Submission, error) {
	var sub models.Submission
	err := s.write(ctx, actor, func(tx *gorm.DB) (Audit, error) {
		if err := s.lockAt(tx, &sub, "submission", id, version); err != nil {
			return Audit{}, err
		}
		if p.Assignee.Value != nil {
			var assignee models.User
			err := tx.Where("id = ? AND active = ? AND role IN ?", *p.Assignee.Value, true, []string{models.RoleAdmin, models.RoleEditor}).
				Take(&assignee).Error
			if errors.Is(err, gorm.ErrRecordNotFound) {
				return Audit{}, models.InvalidField("assignee_id", "must be the id of an active editor or admin")
			}
			if err != nil {
				return Audit{}, err
			}
		}
		now := tx.NowFunc().UTC()
		// A note alone is internal: the submitter's status page keeps its updated_at.
		updates := map[string]any{"updated_at": sub.UpdatedAt.UTC()}
		if p.Reply != nil {
			updates["reply"], updates["replied_at"], updates["updated_at"] = models.CleanText(*p.Reply), now, now
			if p.Status == nil {
				updates["status"] = models.SubmissionAnswered
			}
		}
		if p.Status != nil {
			updates["status"], updates["updated_at"] = *p.Status, now
		}
		if p.Assignee.Set {
			updates["assignee_id"], updates["updated_at"] = p.Assignee.Value, now
		}
		if err := updateVersioned(tx, &models.Submission{}, "submission", id, version, updates); err != nil {
			return Audit{}, err
		}
		if p.Note != nil {
			note := models.SubmissionNote{SubmissionID: id, AuthorID: actor.UserID, Body: models.CleanText(*p.Note), CreatedAt: now}
			if err := tx.Create(&note).Error; err != nil {
				return Audit{}, err
			}
		}
		if err := tx.Take(&sub, id).Error; err != nil {
			return Audit{}, err
		}
		// The reader hears of a reply by mail, if they gave an address; not a spammer.
		if p.Reply != nil && sub.Email != "" && sub.Status != models.SubmissionSpam {
			m, err := replyMail(sub, s.trackingURL(sub.TrackingCode))
			if err != nil {
				return Audit{}, err
			}
			if err := enqueueMail(tx, m); err != nil {
				return Audit{}, err
			}
		}
		return Audit{Action: "submission.update", TargetType: "submission", TargetID: strconv.FormatInt(id, 10), Detail: p.describe(sub)}, nil
	})
	return sub, err
}

// describe is the audit detail of a change: what changed, never what was written.
func (p SubmissionPatch) describe(after models.Submission) string {
	var parts []string
	if p.Status != nil || p.Reply != nil {
		parts = append(parts, "status="+after.Status)
	}
	if p.Assignee.Set {
		assignee := "none"
		if p.Assignee.Value != nil {
			assignee = strconv.FormatInt(*p.Assignee.Value, 10)
		}
		parts = append(parts, "assignee="+assignee)
	}
	if p.Note != nil {
		parts = append(parts, "note")
	}
	if p.Reply != nil {
		parts = append(parts, "reply")
	}
	return strings.Join(parts, " ")
}
