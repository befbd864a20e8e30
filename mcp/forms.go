package mcp

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/nextcloud-mcp/nextcloud-mcp-server/nextcloud"
)

// Forms: own and shared forms, questions, submissions (read, CSV export,
// submit).

// FormsToolset offers the Forms app.
func FormsToolset(env *Env) Toolset {
	return Toolset{
		Name:        "forms",
		Description: "Nextcloud Forms: forms, questions and submissions",
		App:         nextcloud.FormsApp,
		Tools: []Tool{
			formsList(env),
			formsGet(env),
			formsCreate(env),
			formsAddQuestion(env),
			formsUpdateQuestion(env),
			formsListSubmissions(env),
			formsExportSubmissions(env),
			formsSubmit(env),
		},
	}
}

// formQuestionTypes are the question types the tools create (the app's
// names); file questions need an upload first and are left out.
var formQuestionTypes = []string{"short", "long", "multiple", "multiple_unique", "dropdown", "date", "time"}

func formChoice(typ string) bool {
	return typ == "multiple" || typ == "multiple_unique" || typ == "dropdown"
}

// formsNotFound explains a 404 from Forms.
func formsNotFound(err error, what string) error {
	return explainNotFound(err, what, "not found (list forms with nc_forms_list)")
}

type formOptionOut struct {
	ID   int64  `json:"id"`
	Text string `json:"text"`
}

type formQuestionOut struct {
	ID          int64           `json:"id" jsonschema:"question id for nc_forms_update_question and nc_forms_submit"`
	Type        string          `json:"type"`
	Text        string          `json:"text"`
	Description string          `json:"description,omitempty"`
	Required    bool            `json:"required"`
	Options     []formOptionOut `json:"options,omitempty" jsonschema:"the choices of multiple, multiple_unique and dropdown questions"`
}

func toFormQuestion(q *nextcloud.FormQuestion) formQuestionOut {
	out := formQuestionOut{ID: q.ID, Type: q.Type, Text: q.Text, Description: q.Description, Required: q.IsRequired}
	for _, o := range q.Options {
		out.Options = append(out.Options, formOptionOut{ID: o.ID, Text: o.Text})
	}
	return out
}

type formOut struct {
	ID              int64             `json:"id" jsonschema:"form id for the other Forms tools"`
	Title           string            `json:"title"`
	Description     string            `json:"description,omitempty"`
	Owner           string            `json:"owner,omitempty"`
	Created         string            `json:"created,omitempty"`
	Expires         string            `json:"expires,omitempty"`
	CanSubmit       bool              `json:"can_submit" jsonschema:"whether you can submit (again)"`
	MayEdit         bool              `json:"may_edit"`
	MaySeeResults   bool              `json:"may_see_results"`
	SubmissionCount int               `json:"submission_count,omitempty"`
	Questions       []formQuestionOut `json:"questions"`
}

func toForm(f *nextcloud.Form) formOut {
	out := formOut{ID: f.ID, Title: cmp.Or(f.Title, "(untitled)"), Description: f.Description, Owner: f.OwnerID, Created: fmtEpoch(f.Created),
		Expires: fmtEpoch(f.Expires), CanSubmit: f.CanSubmit, MayEdit: slices.Contains(f.Permissions, "edit"),
		MaySeeResults: slices.Contains(f.Permissions, "results"), SubmissionCount: f.SubmissionCount, Questions: mapAll(f.Questions, toFormQuestion)}
	return out
}

func formQuestionLine(q formQuestionOut) string {
	s := fmt.Sprintf("- #%d [%s] %s", q.ID, q.Type, q.Text)
	if q.Required {
		s += " (required)"
	}
	if len(q.Options) > 0 {
		var opts []string
		for _, o := range q.Options {
			opts = append(opts, o.Text)
		}
		s += ": " + strings.Join(opts, " | ")
	}
	return s
}

func (o formOut) Summary() string {
	s := fmt.Sprintf("Form #%d %s", o.ID, o.Title)
	if o.Description != "" {
		s += "\n" + o.Description
	}
	return s + "\n" + listSummary(o.Questions, "No questions yet.", "Questions:", formQuestionLine)
}

type formsListIn struct {
	Which string `json:"which,omitempty" jsonschema:"owned, shared (with you) or all (default)"`
}

func (in *formsListIn) Validate() error {
	return choiceArg("which", in.Which, "", "owned", "shared", "all")
}

type formListItem struct {
	ID      int64  `json:"id"`
	Title   string `json:"title"`
	Owned   bool   `json:"owned" jsonschema:"true for your own forms, false for forms shared with you"`
	Expires string `json:"expires,omitempty"`
	MayEdit bool   `json:"may_edit"`
}

type formsListOut struct {
	Forms []formListItem `json:"forms" jsonschema:"newest first, your own before shared ones"`
}

func (o formsListOut) Summary() string {
	return listSummary(o.Forms, "No forms.", fmt.Sprintf("%d forms:", len(o.Forms)), func(f formListItem) string {
		return fmt.Sprintf("- #%d %s (%s)", f.ID, f.Title, map[bool]string{true: "yours", false: "shared with you"}[f.Owned])
	})
}

func formsList(env *Env) Tool {
	return NewTool(Spec{
		Name: "nc_forms_list", Title: "List forms",
		Description: "List the forms you own and the forms shared with you (not yet expired).",
		Scope:       "forms:read", Kind: Read,
	}, func(ctx context.Context, nc *nextcloud.Client, in formsListIn) (formsListOut, error) {
		out := formsListOut{Forms: []formListItem{}}
		for _, shared := range []bool{false, true} {
			if (shared && in.Which == "owned") || (!shared && in.Which == "shared") {
				continue
			}
			list, err := nc.Forms().List(ctx, shared)
			if err != nil {
				return formsListOut{}, err
			}
			for _, f := range list {
				out.Forms = append(out.Forms, formListItem{ID: f.ID, Title: cmp.Or(f.Title, "(untitled)"), Owned: !shared,
					Expires: fmtEpoch(f.Expires), MayEdit: slices.Contains(f.Permissions, "edit")})
			}
		}
		return out, nil
	})
}

type formIDIn struct {
	FormID int64 `json:"form_id" jsonschema:"the form, from nc_forms_list"`
}

func (in *formIDIn) Validate() error {
	return idArg("form_id", in.FormID, "nc_forms_list")
}

func formsGet(env *Env) Tool {
	return NewTool(Spec{
		Name: "nc_forms_get", Title: "Get form",
		Description: "Read a form with its questions and their choices.",
		Scope:       "forms:read", Kind: Read,
	}, func(ctx context.Context, nc *nextcloud.Client, in formIDIn) (formOut, error) {
		f, err := nc.Forms().Get(ctx, in.FormID)
		if err != nil {
			return formOut{}, formsNotFound(err, fmt.Sprintf("form %d", in.FormID))
		}
		return toForm(f), nil
	})
}

// formQuestionIn is a question to add.
type formQuestionIn struct {
	Type        string   `json:"type" jsonschema:"short, long (text), multiple (checkboxes), multiple_unique (radio buttons), dropdown, date or time"`
	Text        string   `json:"text" jsonschema:"the question"`
	Description string   `json:"description,omitempty" jsonschema:"help text shown under the question"`
	Required    bool     `json:"required,omitempty" jsonschema:"whether an answer is required"`
	Options     []string `json:"options,omitempty" jsonschema:"the choices (multiple, multiple_unique and dropdown only)"`
}

func (q formQuestionIn) check(arg string) error {
	if !slices.Contains(formQuestionTypes, q.Type) {
		return fmt.Errorf("%stype must be one of %s, not %q", arg, strings.Join(formQuestionTypes, ", "), q.Type)
	}
	if strings.TrimSpace(q.Text) == "" {
		return fmt.Errorf("%stext is empty", arg)
	}
	if formChoice(q.Type) && len(q.Options) == 0 {
		return fmt.Errorf("%soptions: a %s question needs choices", arg, q.Type)
	}
	if !formChoice(q.Type) && len(q.Options) > 0 {
		return fmt.Errorf("%soptions: a %s question has no choices", arg, q.Type)
	}
	for _, o := range q.Options {
		if strings.TrimSpace(o) == "" {
			return fmt.Errorf("%soptions: a choice is empty", arg)
		}
	}
	return nil
}

// addFormQuestion adds q and its choices and settings to a form.
func addFormQuestion(ctx context.Context, nc *nextcloud.Client, formID int64, q formQuestionIn) (formQuestionOut, error) {
	added, err := nc.Forms().AddQuestion(ctx, formID, q.Type, q.Text)
	if err != nil {
		return formQuestionOut{}, err
	}
	fields := map[string]any{}
	if q.Required {
		fields["isRequired"] = true
	}
	if q.Description != "" {
		fields["description"] = q.Description
	}
	if len(fields) > 0 {
		if err := nc.Forms().UpdateQuestion(ctx, formID, added.ID, fields); err != nil {
			return formQuestionOut{}, fmt.Errorf("question #%d was added, but: %w", added.ID, err)
		}
	}
	out := formQuestionOut{ID: added.ID, Type: added.Type, Text: added.Text, Description: q.Description, Required: q.Required}
	if len(q.Options) > 0 {
		opts, err := nc.Forms().AddOptions(ctx, formID, added.ID, q.Options)
		if err != nil {
			return formQuestionOut{}, fmt.Errorf("question #%d was added, but its choices not: %w", added.ID, err)
		}
		for _, o := range opts {
			out.Options = append(out.Options, formOptionOut{ID: o.ID, Text: o.Text})
		}
	}
	return out, nil
}

type formsCreateIn struct {
	Title       string           `json:"title" jsonschema:"the form's title"`
	Description string           `json:"description,omitempty" jsonschema:"text shown above the questions"`
	Questions   []formQuestionIn `json:"questions,omitempty" jsonschema:"questions to add right away, in order"`
}

func (in *formsCreateIn) Validate() error {
	if err := textArg("title", in.Title); err != nil {
		return err
	}
	for i, q := range in.Questions {
		if err := q.check(fmt.Sprintf("questions[%d].", i)); err != nil {
			return err
		}
	}
	return nil
}

func formsCreate(env *Env) Tool {
	return NewTool(Spec{
		Name: "nc_forms_create", Title: "Create form",
		Description: "Create a form with a title, description and questions. It is private until you share it in the Forms app.",
		Scope:       "forms:write", Kind: Create,
	}, func(ctx context.Context, nc *nextcloud.Client, in formsCreateIn) (formOut, error) {
		f, err := nc.Forms().Create(ctx)
		if err != nil {
			return formOut{}, err
		}
		fields := map[string]any{"title": in.Title}
		if in.Description != "" {
			fields["description"] = in.Description
		}
		if err := nc.Forms().Update(ctx, f.ID, fields); err != nil {
			warnPartial(ctx, "nc_forms_create", fmt.Sprintf("form #%d was created untitled, without its questions", f.ID))
			return formOut{}, fmt.Errorf("form #%d was created (untitled), but: %w", f.ID, err)
		}
		out := toForm(f)
		out.Title, out.Description = in.Title, in.Description
		added, err := addEach(ctx, in.Questions, "questions", func(q formQuestionIn) (formQuestionOut, error) {
			return addFormQuestion(ctx, nc, f.ID, q)
		})
		if err != nil {
			warnPartial(ctx, "nc_forms_create", fmt.Sprintf("form #%d was created with %d of %d questions", f.ID, len(added), len(in.Questions)))
			return formOut{}, fmt.Errorf("form #%d was created with %d of %d questions, then: %w", f.ID, len(added), len(in.Questions), err)
		}
		out.Questions = append(out.Questions, added...)
		return out, nil
	})
}

type formsAddQuestionIn struct {
	FormID int64 `json:"form_id" jsonschema:"the form, from nc_forms_list"`
	formQuestionIn
}

func (in *formsAddQuestionIn) Validate() error {
	if err := idArg("form_id", in.FormID, "nc_forms_list"); err != nil {
		return err
	}
	return in.check("")
}

type formQuestionResult struct {
	FormID   int64           `json:"form_id"`
	Question formQuestionOut `json:"question"`
}

func (o formQuestionResult) Summary() string {
	return fmt.Sprintf("Form #%d: %s", o.FormID, formQuestionLine(o.Question)[2:])
}

func formsAddQuestion(env *Env) Tool {
	return NewTool(Spec{
		Name: "nc_forms_add_question", Title: "Add form question",
		Description: "Add a question (with its choices) at the end of a form you may edit.",
		Scope:       "forms:write", Kind: Create,
	}, func(ctx context.Context, nc *nextcloud.Client, in formsAddQuestionIn) (formQuestionResult, error) {
		q, err := addFormQuestion(ctx, nc, in.FormID, in.formQuestionIn)
		if err != nil {
			return formQuestionResult{}, formsNotFound(err, fmt.Sprintf("form %d", in.FormID))
		}
		return formQuestionResult{FormID: in.FormID, Question: q}, nil
	})
}

type formsUpdateQuestionIn struct {
	FormID      int64   `json:"form_id" jsonschema:"the form, from nc_forms_list"`
	QuestionID  int64   `json:"question_id" jsonschema:"the question, from nc_forms_get"`
	Text        *string `json:"text,omitempty" jsonschema:"new question text"`
	Description *string `json:"description,omitempty" jsonschema:"new help text (\"\" removes it)"`
	Required    *bool   `json:"required,omitempty" jsonschema:"whether an answer is required"`
}

func (in *formsUpdateQuestionIn) Validate() error {
	if err := firstErr(idArg("form_id", in.FormID, "nc_forms_list"), idArg("question_id", in.QuestionID, "nc_forms_get")); err != nil {
		return err
	}
	if in.Text == nil && in.Description == nil && in.Required == nil {
		return fmt.Errorf("say what to change: text, description and/or required")
	}
	if in.Text != nil && strings.TrimSpace(*in.Text) == "" {
		return fmt.Errorf("text must not be empty")
	}
	return nil
}

func formsUpdateQuestion(env *Env) Tool {
	return NewTool(Spec{
		Name: "nc_forms_update_question", Title: "Update form question",
		Description: "Change a question's text, help text or whether it is required; what is not given stays.",
		Scope:       "forms:write", Kind: Write,
	}, func(ctx context.Context, nc *nextcloud.Client, in formsUpdateQuestionIn) (formQuestionResult, error) {
		fields := map[string]any{}
		nextcloud.SetGiven(fields, "text", in.Text)
		nextcloud.SetGiven(fields, "description", in.Description)
		nextcloud.SetGiven(fields, "isRequired", in.Required)
		if err := nc.Forms().UpdateQuestion(ctx, in.FormID, in.QuestionID, fields); err != nil {
			return formQuestionResult{}, formsNotFound(err, fmt.Sprintf("form %d or its question %d", in.FormID, in.QuestionID))
		}
		f, err := nc.Forms().Get(ctx, in.FormID)
		if err != nil {
			return formQuestionResult{}, err
		}
		i := slices.IndexFunc(f.Questions, func(q nextcloud.FormQuestion) bool { return q.ID == in.QuestionID })
		if i < 0 {
			return formQuestionResult{}, fmt.Errorf("question %d is gone from form %d after the change", in.QuestionID, in.FormID)
		}
		return formQuestionResult{FormID: in.FormID, Question: toFormQuestion(&f.Questions[i])}, nil
	})
}

type formsSubmissionsIn struct {
	FormID int64  `json:"form_id" jsonschema:"the form, from nc_forms_list"`
	Query  string `json:"query,omitempty" jsonschema:"only submissions with an answer containing this text"`
	Limit  int    `json:"limit,omitempty" jsonschema:"submissions per page, 1-200 (default 50)"`
	Offset int    `json:"offset,omitempty" jsonschema:"skip this many (for the next page)"`
}

func (in *formsSubmissionsIn) Validate() error {
	return firstErr(idArg("form_id", in.FormID, "nc_forms_list"), checkPage(in.Limit, in.Offset, 200))
}

type formAnswerOut struct {
	QuestionID int64    `json:"question_id"`
	Question   string   `json:"question"`
	Values     []string `json:"values"`
}

type formSubmissionOut struct {
	ID        int64           `json:"id"`
	User      string          `json:"user"`
	Submitted string          `json:"submitted"`
	Answers   []formAnswerOut `json:"answers"`
}

type formSubmissionsOut struct {
	FormID      int64               `json:"form_id"`
	Total       int                 `json:"total" jsonschema:"submissions matching (all pages)"`
	Submissions []formSubmissionOut `json:"submissions" jsonschema:"newest first"`
	NextOffset  int                 `json:"next_offset,omitempty" jsonschema:"pass as offset for more"`
}

func (o formSubmissionsOut) Summary() string {
	return listSummary(o.Submissions, "No (more) submissions.", fmt.Sprintf("%d of %d submissions:", len(o.Submissions), o.Total),
		func(sub formSubmissionOut) string {
			var parts []string
			for _, a := range sub.Answers {
				parts = append(parts, a.Question+": "+strings.Join(a.Values, "; "))
			}
			return fmt.Sprintf("- #%d %s (%s): %s", sub.ID, sub.User, sub.Submitted, strings.Join(parts, " | "))
		}) + moreHint(o.NextOffset, "More: offset=%d")
}

func formsListSubmissions(env *Env) Tool {
	return NewTool(Spec{
		Name: "nc_forms_list_submissions", Title: "List form submissions",
		Description: "Read the submissions of a form whose results you may see, newest first, each answer next to its question.",
		Scope:       "forms:read", Kind: Read,
	}, func(ctx context.Context, nc *nextcloud.Client, in formsSubmissionsIn) (formSubmissionsOut, error) {
		limit := cmp.Or(in.Limit, 50)
		res, err := nc.Forms().Submissions(ctx, in.FormID, in.Query, limit, in.Offset)
		if err != nil {
			return formSubmissionsOut{}, formsNotFound(err, fmt.Sprintf("form %d", in.FormID))
		}
		texts := map[int64]string{}
		for _, q := range res.Questions {
			texts[q.ID] = q.Text
		}
		out := formSubmissionsOut{FormID: in.FormID, Total: res.Total, Submissions: []formSubmissionOut{}}
		for _, sub := range res.Submissions {
			so := formSubmissionOut{ID: sub.ID, User: cmp.Or(sub.UserDisplayName, sub.UserID), Submitted: fmtEpoch(sub.Timestamp), Answers: []formAnswerOut{}}
			for _, a := range sub.Answers {
				if n := len(so.Answers); n > 0 && so.Answers[n-1].QuestionID == a.QuestionID {
					so.Answers[n-1].Values = append(so.Answers[n-1].Values, a.Text)
					continue
				}
				so.Answers = append(so.Answers, formAnswerOut{QuestionID: a.QuestionID, Question: texts[a.QuestionID], Values: []string{a.Text}})
			}
			out.Submissions = append(out.Submissions, so)
		}
		if next := in.Offset + len(res.Submissions); len(res.Submissions) == limit && next < res.Total {
			out.NextOffset = next
		}
		return out, nil
	})
}

type formsExportIn struct {
	FormID   int64 `json:"form_id" jsonschema:"the form, from nc_forms_list"`
	MaxBytes int   `json:"max_bytes,omitempty" jsonschema:"cut the CSV after this many bytes (default 200000)"`
}

func (in *formsExportIn) Validate() error {
	if err := idArg("form_id", in.FormID, "nc_forms_list"); err != nil {
		return err
	}
	if in.MaxBytes < 0 {
		return fmt.Errorf("max_bytes must be positive")
	}
	return nil
}

type formsExportOut struct {
	FormID    int64  `json:"form_id"`
	CSV       string `json:"csv" jsonschema:"all submissions as the app exports them: a header row, then one row per submission"`
	Truncated bool   `json:"truncated,omitempty"`
}

func (o formsExportOut) Summary() string {
	if o.Truncated {
		return o.CSV + "\n[truncated]"
	}
	return o.CSV
}

func formsExportSubmissions(env *Env) Tool {
	return NewTool(Spec{
		Name: "nc_forms_export_submissions", Title: "Export form submissions as CSV",
		Description: "Export all submissions of a form whose results you may see as CSV, as the Forms app's download does.",
		Scope:       "forms:read", Kind: Read,
	}, func(ctx context.Context, nc *nextcloud.Client, in formsExportIn) (formsExportOut, error) {
		data, cut, err := nc.Forms().ExportCSV(ctx, in.FormID, int64(cmp.Or(in.MaxBytes, 200000)))
		if err != nil {
			return formsExportOut{}, formsNotFound(err, fmt.Sprintf("form %d", in.FormID))
		}
		return formsExportOut{FormID: in.FormID, CSV: strings.ToValidUTF8(string(data), ""), Truncated: cut}, nil
	})
}

type formAnswerIn struct {
	QuestionID int64    `json:"question_id" jsonschema:"the question, from nc_forms_get"`
	Values     []string `json:"values" jsonschema:"the answer; for choice questions the chosen options' texts (or ids), several only for multiple"`
}

type formsSubmitIn struct {
	FormID  int64          `json:"form_id" jsonschema:"the form, from nc_forms_list"`
	Answers []formAnswerIn `json:"answers" jsonschema:"one entry per answered question"`
}

func (in *formsSubmitIn) Validate() error {
	if err := idArg("form_id", in.FormID, "nc_forms_list"); err != nil {
		return err
	}
	if len(in.Answers) == 0 {
		return fmt.Errorf("answers is empty")
	}
	return nil
}

type formsSubmitOut struct {
	FormID  int64           `json:"form_id"`
	Answers []formAnswerOut `json:"answers" jsonschema:"what was submitted"`
}

func (o formsSubmitOut) Summary() string {
	return fmt.Sprintf("Submitted form #%d with %d answers.", o.FormID, len(o.Answers))
}

// formAnswers checks answers against the form's questions and gives the
// app's answer map (option ids for choices) and what they say.
func formAnswers(f *nextcloud.Form, answers []formAnswerIn) (map[string][]any, []formAnswerOut, error) {
	byID := map[int64]*nextcloud.FormQuestion{}
	for i := range f.Questions {
		byID[f.Questions[i].ID] = &f.Questions[i]
	}
	send := map[string][]any{}
	var said []formAnswerOut
	for i, a := range answers {
		q := byID[a.QuestionID]
		if q == nil {
			return nil, nil, Argf("answers[%d]: form %d has no question %d; see its questions with nc_forms_get", i, f.ID, a.QuestionID)
		}
		key := strconv.FormatInt(q.ID, 10)
		if _, dup := send[key]; dup {
			return nil, nil, Argf("answers[%d]: question %d is answered twice; give all its values in one entry", i, q.ID)
		}
		if len(a.Values) == 0 {
			return nil, nil, Argf("answers[%d]: values is empty", i)
		}
		if q.Type != "multiple" && len(a.Values) > 1 {
			return nil, nil, Argf("answers[%d]: question %d (%s) takes one value, not %d", i, q.ID, q.Type, len(a.Values))
		}
		var vals []any
		var texts []string
		for _, v := range a.Values {
			if !formChoice(q.Type) {
				vals, texts = append(vals, v), append(texts, v)
				continue
			}
			j := slices.IndexFunc(q.Options, func(o nextcloud.FormOption) bool {
				return strings.EqualFold(o.Text, v) || strconv.FormatInt(o.ID, 10) == v
			})
			if j < 0 {
				var opts []string
				for _, o := range q.Options {
					opts = append(opts, strconv.Quote(o.Text))
				}
				return nil, nil, Argf("answers[%d]: %q is no choice of question %d; choose among %s", i, v, q.ID, strings.Join(opts, ", "))
			}
			vals, texts = append(vals, q.Options[j].ID), append(texts, q.Options[j].Text)
		}
		send[key] = vals
		said = append(said, formAnswerOut{QuestionID: q.ID, Question: q.Text, Values: texts})
	}
	for _, q := range f.Questions {
		if _, ok := send[strconv.FormatInt(q.ID, 10)]; q.IsRequired && !ok {
			return nil, nil, Argf("answers: question %d (%q) is required", q.ID, q.Text)
		}
	}
	return send, said, nil
}

func formsSubmit(env *Env) Tool {
	return NewTool(Spec{
		Name: "nc_forms_submit", Title: "Submit form",
		Description: "Fill in and submit a form as yourself: one answer per question (choices by their text). Forms that take one submission per person refuse a second.",
		Scope:       "forms:write", Kind: Create,
	}, func(ctx context.Context, nc *nextcloud.Client, in formsSubmitIn) (formsSubmitOut, error) {
		f, err := nc.Forms().Get(ctx, in.FormID)
		if err != nil {
			return formsSubmitOut{}, formsNotFound(err, fmt.Sprintf("form %d", in.FormID))
		}
		if !f.CanSubmit {
			return formsSubmitOut{}, Argf("form %d takes no (further) submission from you: it expired, or you already submitted it", in.FormID)
		}
		send, said, err := formAnswers(f, in.Answers)
		if err != nil {
			return formsSubmitOut{}, err
		}
		if err := nc.Forms().Submit(ctx, in.FormID, send); err != nil {
			return formsSubmitOut{}, err
		}
		return formsSubmitOut{FormID: in.FormID, Answers: said}, nil
	})
}
