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
func (c *Client) Forms() *FormsClient { return &FormsClient{app: c.App("forms", "Forms", nil)} }

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

func (f *FormsClient) call(ctx context.Context, method, path string, q url.Values, body, out any, what string) error {
	if _, err := f.app.Call(ctx, Request{Method: method, Path: path, Query: q, Body: body, OCS: true}, out); err != nil {
		return fmt.Errorf("%s: %w", what, err)
	}
	return nil
}

// List returns the forms the user owns (shared false) or that are shared
// with the user (shared true).
func (f *FormsClient) List(ctx context.Context, shared bool) ([]Form, error) {
	typ := map[bool]string{false: "owned", true: "shared"}[shared]
	var out []Form
	err := f.call(ctx, http.MethodGet, formsBase, url.Values{"type": {typ}}, nil, &out, "list "+typ+" forms")
	return out, err
}

// Get returns a form with its questions.
func (f *FormsClient) Get(ctx context.Context, id int64) (*Form, error) {
	var out Form
	if err := f.call(ctx, http.MethodGet, formPath(id), nil, nil, &out, fmt.Sprintf("get form %d", id)); err != nil {
		return nil, err
	}
	return &out, nil
}

// Create adds an empty form.
func (f *FormsClient) Create(ctx context.Context) (*Form, error) {
	var out Form
	if err := f.call(ctx, http.MethodPost, formsBase, nil, nil, &out, "create form"); err != nil {
		return nil, err
	}
	return &out, nil
}

// Update sets fields of a form (title, description, expires ...).
func (f *FormsClient) Update(ctx context.Context, id int64, fields map[string]any) error {
	return f.call(ctx, http.MethodPatch, formPath(id), nil, map[string]any{"keyValuePairs": fields}, nil, fmt.Sprintf("update form %d", id))
}

// AddQuestion adds a question of a type (short, long, multiple,
// multiple_unique, dropdown, date, time ...) at the end of a form.
func (f *FormsClient) AddQuestion(ctx context.Context, formID int64, typ, text string) (*FormQuestion, error) {
	var out FormQuestion
	if err := f.call(ctx, http.MethodPost, formPath(formID)+"/questions", nil, map[string]string{"type": typ, "text": text}, &out,
		fmt.Sprintf("add question to form %d", formID)); err != nil {
		return nil, err
	}
	return &out, nil
}

// UpdateQuestion sets fields of a question (text, description,
// isRequired ...).
func (f *FormsClient) UpdateQuestion(ctx context.Context, formID, questionID int64, fields map[string]any) error {
	return f.call(ctx, http.MethodPatch, questionPath(formID, questionID), nil, map[string]any{"keyValuePairs": fields}, nil,
		fmt.Sprintf("update question %d of form %d", questionID, formID))
}

// AddOptions adds choices to a question.
func (f *FormsClient) AddOptions(ctx context.Context, formID, questionID int64, texts []string) ([]FormOption, error) {
	var out []FormOption
	err := f.call(ctx, http.MethodPost, questionPath(formID, questionID)+"/options", nil, map[string]any{"optionTexts": texts}, &out,
		fmt.Sprintf("add options to question %d of form %d", questionID, formID))
	return out, err
}

// Submissions returns submissions, newest first; limit 0 means all.
func (f *FormsClient) Submissions(ctx context.Context, formID int64, query string, limit, offset int) (*FormSubmissions, error) {
	q := url.Values{"offset": {strconv.Itoa(offset)}}
	if limit > 0 {
		q.Set("limit", strconv.Itoa(limit))
	}
	if query != "" {
		q.Set("query", query)
	}
	var out FormSubmissions
	if err := f.call(ctx, http.MethodGet, formPath(formID)+"/submissions", q, nil, &out, fmt.Sprintf("list submissions of form %d", formID)); err != nil {
		return nil, err
	}
	return &out, nil
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
	return f.call(ctx, http.MethodPost, formPath(formID)+"/submissions", nil, map[string]any{"answers": answers}, nil,
		fmt.Sprintf("submit form %d", formID))
}
