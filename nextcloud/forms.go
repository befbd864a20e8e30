package nextcloud

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
)

// Forms app, OCS API v3 (docs/API_v3.md and docs/DataStructure.md of
// nextcloud/forms): /ocs/v2.php/apps/forms/api/v3/forms/...; changes are
// PATCHes of {"keyValuePairs": {...}} answering the changed id.

// FormsClient is the Forms app's API.
type FormsClient struct{ app App }

// Forms returns the Forms API of the user.
func (c *Client) Forms() *FormsClient { return &FormsClient{app: c.AppOf(FormsApp, nil)} }

const formsBase = "/ocs/v2.php/apps/forms/api/v3/forms"

// Form is a form; the list endpoints fill only the partial fields (ID,
// Hash, Title, Expires, Permissions, State).
type Form struct {
	ID             int64          `json:"id"`
	Hash           string         `json:"hash"`
	Title          string         `json:"title"`
	Description    string         `json:"description"`
	OwnerID        string         `json:"ownerId"`
	Created        int64          `json:"created"`
	Expires        int64          `json:"expires"`
	IsAnonymous    bool           `json:"isAnonymous"`
	SubmitMultiple bool           `json:"submitMultiple"`
	CanSubmit      bool           `json:"canSubmit"`
	State          int            `json:"state"`
	Permissions    []string       `json:"permissions"`
	Questions      []FormQuestion `json:"questions"`
	// SubmissionCount is only sent to those who may see results.
	SubmissionCount int `json:"submissionCount"`
}

// FormQuestion is a question with its options.
type FormQuestion struct {
	ID          int64        `json:"id"`
	FormID      int64        `json:"formId"`
	Order       int          `json:"order"`
	Type        string       `json:"type"`
	IsRequired  bool         `json:"isRequired"`
	Text        string       `json:"text"`
	Description string       `json:"description"`
	Name        string       `json:"name"`
	Options     []FormOption `json:"options"`
}

// FormOption is one choice of a multiple, multiple_unique or dropdown
// question.
type FormOption struct {
	ID         int64  `json:"id"`
	QuestionID int64  `json:"questionId"`
	Text       string `json:"text"`
}

// FormSubmission is one filled-in form.
type FormSubmission struct {
	ID              int64        `json:"id"`
	FormID          int64        `json:"formId"`
	UserID          string       `json:"userId"`
	UserDisplayName string       `json:"userDisplayName"`
	Timestamp       int64        `json:"timestamp"`
	Answers         []FormAnswer `json:"answers"`
}

// FormAnswer is one answer (one value; a multiple choice gives several).
type FormAnswer struct {
	ID         int64  `json:"id"`
	QuestionID int64  `json:"questionId"`
	Text       string `json:"text"`
}

// FormSubmissions is a page of submissions with the form's questions.
type FormSubmissions struct {
	Submissions []FormSubmission `json:"submissions"`
	Questions   []FormQuestion   `json:"questions"`
	Total       int              `json:"filteredSubmissionsCount"`
}

func formPath(id int64) string { return formsBase + "/" + strconv.FormatInt(id, 10) }

func questionPath(formID, questionID int64) string {
	return formPath(formID) + "/questions/" + strconv.FormatInt(questionID, 10)
}

// List returns the forms the user owns (shared false) or that are shared
// with the user (shared true).
func (f *FormsClient) List(ctx context.Context, shared bool) ([]Form, error) {
	typ := map[bool]string{false: "owned", true: "shared"}[shared]
	return fetch[[]Form](ctx, f.app, Request{Method: http.MethodGet, Path: formsBase, Query: url.Values{"type": {typ}}, OCS: true}, "list "+typ+" forms")
}

// Get returns a form with its questions.
func (f *FormsClient) Get(ctx context.Context, id int64) (*Form, error) {
	return fetchOne[Form](ctx, f.app, Request{Method: http.MethodGet, Path: formPath(id), OCS: true}, fmt.Sprintf("get form %d", id))
}

// Create adds an empty form.
func (f *FormsClient) Create(ctx context.Context) (*Form, error) {
	return fetchOne[Form](ctx, f.app, Request{Method: http.MethodPost, Path: formsBase, OCS: true}, "create form")
}

// Update sets fields of a form (title, description, expires ...).
func (f *FormsClient) Update(ctx context.Context, id int64, fields map[string]any) error {
	return send(ctx, f.app, Request{Method: http.MethodPatch, Path: formPath(id), Body: map[string]any{"keyValuePairs": fields}, OCS: true}, fmt.Sprintf("update form %d", id))
}

// AddQuestion adds a question of a type (short, long, multiple,
// multiple_unique, dropdown, date, time ...) at the end of a form.
func (f *FormsClient) AddQuestion(ctx context.Context, formID int64, typ, text string) (*FormQuestion, error) {
	body := map[string]string{"type": typ, "text": text}
	return fetchOne[FormQuestion](ctx, f.app, Request{Method: http.MethodPost, Path: formPath(formID) + "/questions", Body: body, OCS: true}, fmt.Sprintf("add question to form %d", formID))
}

// UpdateQuestion sets fields of a question (text, description,
// isRequired ...).
func (f *FormsClient) UpdateQuestion(ctx context.Context, formID, questionID int64, fields map[string]any) error {
	body := map[string]any{"keyValuePairs": fields}
	return send(ctx, f.app, Request{Method: http.MethodPatch, Path: questionPath(formID, questionID), Body: body, OCS: true}, fmt.Sprintf("update question %d of form %d", questionID, formID))
}

// AddOptions adds choices to a question.
func (f *FormsClient) AddOptions(ctx context.Context, formID, questionID int64, texts []string) ([]FormOption, error) {
	body := map[string]any{"optionTexts": texts}
	return fetch[[]FormOption](ctx, f.app, Request{Method: http.MethodPost, Path: questionPath(formID, questionID) + "/options", Body: body, OCS: true}, fmt.Sprintf("add options to question %d of form %d", questionID, formID))
}

// Submissions returns submissions, newest first; limit 0 means all.
func (f *FormsClient) Submissions(ctx context.Context, formID int64, query string, limit, offset int) (*FormSubmissions, error) {
	q := url.Values{"offset": {strconv.Itoa(offset)}}
	setQuery(q, "limit", limit)
	setQuery(q, "query", query)
	return fetchOne[FormSubmissions](ctx, f.app, Request{Method: http.MethodGet, Path: formPath(formID) + "/submissions", Query: q, OCS: true}, fmt.Sprintf("list submissions of form %d", formID))
}

// ExportCSV returns all submissions as the app's CSV file, at most max
// bytes (truncated reports a longer one).
func (f *FormsClient) ExportCSV(ctx context.Context, formID int64, max int64) (csv []byte, truncated bool, err error) {
	var raw []byte
	_, err = f.app.Call(ctx, Request{Method: http.MethodGet, Path: formPath(formID) + "/submissions",
		Query: url.Values{"fileFormat": {"csv"}}, Raw: &raw, Limit: max + 1}, nil)
	if err != nil {
		return nil, false, fmt.Errorf("export submissions of form %d: %w", formID, err)
	}
	if int64(len(raw)) > max {
		return raw[:max], true, nil
	}
	return raw, false, nil
}

// Submit sends one submission: answers maps a question id to its values
// (option ids, as numbers, for choice questions; the text otherwise).
func (f *FormsClient) Submit(ctx context.Context, formID int64, answers map[string][]any) error {
	body := map[string]any{"answers": answers}
	return send(ctx, f.app, Request{Method: http.MethodPost, Path: formPath(formID) + "/submissions", Body: body, OCS: true}, fmt.Sprintf("submit form %d", formID))
}
