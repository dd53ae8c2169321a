package handlers

import (
	"encoding/json"
	"maps"
	"slices"
	"testing"

	"github.com/toasoan/toasoan/docs"
	"github.com/toasoan/toasoan/internal/media"
	"github.com/toasoan/toasoan/internal/models"
	"github.com/toasoan/toasoan/internal/store"
)

// documentEnums finds every enum of docs/openapi.json: a schema's property ("Problem.code"), an
// array property's items ("Webhook.events[]"), or an operation's parameter
// ("GET /api/v1/search type[]").
func documentEnums(t *testing.T) map[string][]string {
	t.Helper()
	type schema struct {
		Enum  []string `json:"enum"`
		Items *schema  `json:"items"`
	}
	enumOf := func(where string, s *schema, found map[string][]string) {
		if s == nil {
			return
		}
		if s.Enum != nil {
			found[where] = s.Enum
		}
		if s.Items != nil && s.Items.Enum != nil {
			found[where+"[]"] = s.Items.Enum
		}
	}
	var doc struct {
		Paths map[string]map[string]struct {
			Parameters []struct {
				Name   string  `json:"name"`
				Schema *schema `json:"schema"`
			} `json:"parameters"`
		} `json:"paths"`
		Components struct {
			Schemas map[string]struct {
				Properties map[string]*schema `json:"properties"`
			} `json:"schemas"`
		} `json:"components"`
	}
	if err := json.Unmarshal(docs.OpenAPIJSON, &doc); err != nil {
		t.Fatal(err)
	}
	found := map[string][]string{}
	for name, s := range doc.Components.Schemas {
		for prop, p := range s.Properties {
			enumOf(name+"."+prop, p, found)
		}
	}
	for path, ops := range doc.Paths {
		for method, op := range ops {
			for _, p := range op.Parameters {
				enumOf(method+" "+path+" "+p.Name, p.Schema, found)
			}
		}
	}
	return found
}

// Every enum of docs/openapi.json is the list the code accepts or sends, in the code's order, so
// the document cannot drift from the code: a new status, role, event or code fails here until
// the swag annotation (enums:"…", Enums(…) or a validate oneof) lists it too.
func TestEnumsAreTheCodesLists(t *testing.T) {
	publicSubmissionStatuses := slices.DeleteFunc(slices.Clone(models.SubmissionStatuses), func(s string) bool {
		return s == models.SubmissionSpam // shown as received: spam is filed silently
	})
	deliveredEvents := append(slices.Clone(models.WebhookEvents), models.EventPing)
	mediaKinds := slices.Sorted(maps.Keys(store.MediaKinds))
	mimeTypes := slices.Sorted(maps.Keys(media.Allowed)) // what an upload may be

	lists := map[string][]string{
		"Problem.code": models.ErrorCodes,

		"EditorialArticle.status":                models.ArticleStatuses,
		"EditorialArticleItem.status":            models.ArticleStatuses,
		"ArticlePreview.status":                  models.ArticleStatuses,
		"ArticleSnapshot.status":                 models.ArticleStatuses,
		"WebhookEventData.status":                append(slices.Clone(models.ArticleStatuses), "trashed", "ended"), // of an article, announcement or document; moved to the trash, or an announcement's window ended
		"get /api/v1/admin/articles status":      models.ArticleStatuses,
		"get /api/v1/admin/articles sort":        store.EditorialSorts,
		"Revision.action":                        models.RevisionActions,
		"RevisionItem.action":                    models.RevisionActions,
		"get /api/v1/articles sort":              articleSorts,
		"get /api/v1/articles period":            viewPeriodNames,
		"AdminAnnouncement.status":               models.PublicationStatuses,
		"CreateAnnouncementRequest.status":       models.PublicationStatuses,
		"UpdateAnnouncementRequest.status":       models.PublicationStatuses,
		"get /api/v1/admin/announcements status": models.PublicationStatuses,
		"AdminDocument.status":                   models.PublicationStatuses,
		"CreateDocumentRequest.status":           models.PublicationStatuses,
		"UpdateDocumentRequest.status":           models.PublicationStatuses,
		"get /api/v1/admin/documents status":     models.PublicationStatuses,

		"SubmissionDetail.status":              models.SubmissionStatuses,
		"SubmissionSummary.status":             models.SubmissionStatuses,
		"UpdateSubmissionRequest.status":       models.SubmissionStatuses,
		"get /api/v1/admin/submissions status": models.SubmissionStatuses,
		"SubmissionStatus.status":              publicSubmissionStatuses,
		"SubmissionReceipt.status":             {models.SubmissionReceived},

		"User.role":              models.Roles,
		"CreateUserRequest.role": models.Roles,
		"UpdateUserRequest.role": models.Roles,
		"AuditEntry.actor_role":  append(slices.Clone(models.Roles), ""), // "": a reader or toasoan itself

		"Webhook.events[]":                                  models.WebhookEvents,
		"CreateWebhookRequest.events[]":                     models.WebhookEvents,
		"UpdateWebhookRequest.events[]":                     models.WebhookEvents,
		"WebhookDelivery.event":                             deliveredEvents,
		"WebhookPayload.event":                              deliveredEvents,
		"WebhookDelivery.status":                            models.DeliveryStatuses,
		"get /api/v1/admin/webhooks/{id}/deliveries status": models.DeliveryStatuses,

		"Moved.type":                   redirectKinds,
		"Redirect.type":                redirectKinds,
		"SearchResult.type":            publicSearchKinds,
		"Suggestion.type":              suggestionKinds,
		"get /api/v1/search type[]":    publicSearchKinds,
		"get /api/v1/admin/media type": mediaKinds,
		"MediaItem.mime":               mimeTypes,
		"Attachment.mime":              mimeTypes,
		"ImageVariant.mime":            models.VariantMimes,
		"ArticleWarning.field":         articleWarningFields,
		"ArticleWarning.code":          articleWarningCodes,
		"SyncChange.op":                syncOps,
		"SyncChange.type":              store.SyncKinds,
	}
	// Enums of a single literal of the code, with no list to compare with.
	literals := []string{"TokenPair.token_type", "Status.status"}

	found := documentEnums(t)
	for where, want := range lists {
		got, ok := found[where]
		switch {
		case !ok:
			t.Errorf("%s: no enum in docs/openapi.json; want %q", where, want)
		case !slices.Equal(got, want):
			t.Errorf("%s: enum %q, want the code's %q", where, got, want)
		}
	}
	for where, got := range found {
		if _, ok := lists[where]; !ok && !slices.Contains(literals, where) {
			t.Errorf("%s: enum %q is not compared with the code's list: add it to this test", where, got)
		}
	}
}

// ErrorCodes is every code the error handler maps to a status, so Problem.code lists them all.
func TestErrorCodesAreTheMappedCodes(t *testing.T) {
	mapped := slices.Sorted(maps.Keys(statusOfCode))
	if listed := slices.Sorted(slices.Values(models.ErrorCodes)); !slices.Equal(listed, mapped) {
		t.Errorf("models.ErrorCodes %q, want the codes statusOfCode maps %q", listed, mapped)
	}
}
