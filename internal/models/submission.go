package models

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
