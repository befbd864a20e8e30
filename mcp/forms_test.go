package mcp

import (
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/mark3labs/mcp-go/client"

	"github.com/nextcloud-mcp/nextcloud-mcp-server/tests/nctest"
)

type formsFixture struct {
	nc                     *nctest.Server
	c                      *client.Client // connected in-process as admin
	survey, bobForm, old   int64
	qName, qColor, qExtras int64
	red, blue              int64
	bobQ                   int64
}

func formsSeed(t *testing.T) formsFixture {
	t.Helper()
	nc := commsNC(t)
	f := formsFixture{nc: nc, c: connect(t, newTestServer(t, nc), "inprocess")}
	f.survey = nc.AddForm("admin", "Team survey", "Tell us")
	f.qName, _ = nc.AddFormQuestion(f.survey, "short", "Your name", true)
	var opts []int64
	f.qColor, opts = nc.AddFormQuestion(f.survey, "multiple_unique", "Favourite colour", false, "Red", "Blue")
	f.red, f.blue = opts[0], opts[1]
	f.qExtras, _ = nc.AddFormQuestion(f.survey, "multiple", "Extras", false, "Cake", "Coffee")
	nc.SetFormSharing(f.survey, []string{"bob"}, false, 0)
	nc.AddFormSubmission(f.survey, "bob", map[int64][]string{f.qName: {"Bob"}, f.qColor: {"Blue"}, f.qExtras: {"Cake", "Coffee"}})
	f.bobForm = nc.AddForm("bob", "Bob's form", "")
	f.bobQ, _ = nc.AddFormQuestion(f.bobForm, "long", "Feedback", true)
	nc.SetFormSharing(f.bobForm, []string{"admin"}, true, 0)
	f.old = nc.AddForm("bob", "Expired", "")
	nc.SetFormSharing(f.old, []string{"admin"}, false, time.Now().Add(-time.Hour).Unix())
	return f
}

func TestFormsToolsetListing(t *testing.T) {
	kinds := map[string]Kind{"nc_forms_list": Read, "nc_forms_get": Read, "nc_forms_list_submissions": Read,
		"nc_forms_export_submissions": Read, "nc_forms_create": Create, "nc_forms_add_question": Create,
		"nc_forms_update_question": Write, "nc_forms_submit": Create}
	commsCheckToolset(t, commsNC(t), "forms", kinds, toolScopes("forms", kinds))
}

func TestFormsReading(t *testing.T) {
	f := formsSeed(t)
	list := call[formsListOut](t, f.c, "nc_forms_list", map[string]any{})
	want := []formListItem{{f.survey, "Team survey", true, "", true}, {f.bobForm, "Bob's form", false, "", false}}
	if !reflect.DeepEqual(list.Forms, want) {
		t.Fatalf("forms %+v", list.Forms)
	}
	list = call[formsListOut](t, f.c, "nc_forms_list", map[string]any{"which": "shared"})
	if len(list.Forms) != 1 || list.Forms[0].ID != f.bobForm {
		t.Fatalf("shared %+v", list.Forms)
	}

	res := callTool(t, f.c, "nc_forms_get", map[string]any{"form_id": f.survey})
	form := fresh(t, res, formOut{})
	if form.Title != "Team survey" || form.Description != "Tell us" || !form.MayEdit || !form.MaySeeResults || form.SubmissionCount != 1 || len(form.Questions) != 3 {
		t.Fatalf("form %+v", form)
	}
	if q := form.Questions[1]; q.ID != f.qColor || q.Type != "multiple_unique" || q.Required || !reflect.DeepEqual(q.Options, []formOptionOut{{f.red, "Red"}, {f.blue, "Blue"}}) {
		t.Fatalf("colour question %+v", q)
	}
	if !form.Questions[0].Required || !strings.Contains(resultText(res), "[short] Your name (required)") {
		t.Fatalf("summary %s", resultText(res))
	}

	subs := call[formSubmissionsOut](t, f.c, "nc_forms_list_submissions", map[string]any{"form_id": f.survey})
	if subs.Total != 1 || len(subs.Submissions) != 1 {
		t.Fatalf("submissions %+v", subs)
	}
	wantAnswers := []formAnswerOut{{f.qName, "Your name", []string{"Bob"}}, {f.qColor, "Favourite colour", []string{"Blue"}},
		{f.qExtras, "Extras", []string{"Cake", "Coffee"}}}
	if s := subs.Submissions[0]; s.User != "bob" || !reflect.DeepEqual(s.Answers, wantAnswers) {
		t.Fatalf("submission %+v", s)
	}
	exp := call[formsExportOut](t, f.c, "nc_forms_export_submissions", map[string]any{"form_id": f.survey})
	lines := strings.Split(strings.TrimSpace(exp.CSV), "\n")
	if len(lines) != 2 || lines[0] != "User ID,User display name,Timestamp,Your name,Favourite colour,Extras" ||
		!strings.HasPrefix(lines[1], "bob,bob,") || !strings.HasSuffix(lines[1], ",Bob,Blue,Cake; Coffee") || exp.Truncated {
		t.Fatalf("csv %q", exp.CSV)
	}
	exp = call[formsExportOut](t, f.c, "nc_forms_export_submissions", map[string]any{"form_id": f.survey, "max_bytes": 10})
	if exp.CSV != "User ID,Us" || !exp.Truncated {
		t.Fatalf("cut csv %+v", exp)
	}
}

func TestFormsSubmissionPaging(t *testing.T) {
	f := formsSeed(t)
	for _, n := range []string{"Ann", "Cid", "Dee"} {
		f.nc.AddFormSubmission(f.survey, "admin", map[int64][]string{f.qName: {n}})
	}
	page := call[formSubmissionsOut](t, f.c, "nc_forms_list_submissions", map[string]any{"form_id": f.survey, "limit": 3})
	if page.Total != 4 || len(page.Submissions) != 3 || page.NextOffset != 3 || page.Submissions[0].Answers[0].Values[0] != "Dee" {
		t.Fatalf("page 1 %+v", page)
	}
	page = call[formSubmissionsOut](t, f.c, "nc_forms_list_submissions", map[string]any{"form_id": f.survey, "limit": 3, "offset": 3})
	if len(page.Submissions) != 1 || page.NextOffset != 0 || page.Submissions[0].User != "bob" {
		t.Fatalf("page 2 %+v", page)
	}
	page = call[formSubmissionsOut](t, f.c, "nc_forms_list_submissions", map[string]any{"form_id": f.survey, "query": "cid"})
	if page.Total != 1 || page.Submissions[0].Answers[0].Values[0] != "Cid" {
		t.Fatalf("query %+v", page)
	}
}

func TestFormsWrites(t *testing.T) {
	f := formsSeed(t)

	before := f.nc.FormsState()
	created := call[formOut](t, f.c, "nc_forms_create", map[string]any{"title": "Lunch order", "description": "By noon",
		"questions": []map[string]any{
			{"type": "dropdown", "text": "Dish", "required": true, "options": []string{"Soup", "Salad"}},
			{"type": "long", "text": "Notes", "description": "Allergies?"},
		}})
	if created.ID == 0 || created.Title != "Lunch order" || len(created.Questions) != 2 || len(created.Questions[0].Options) != 2 {
		t.Fatalf("created %+v", created)
	}
	after := f.nc.FormsState()
	newKeys := []string{"form " + itoa64(created.ID), "question " + itoa64(created.Questions[0].ID), "question " + itoa64(created.Questions[1].ID)}
	othersUnchanged(t, before, after, newKeys...)
	if got := after[newKeys[0]]; got != "admin|Lunch order|By noon|false" {
		t.Fatalf("stored form %q", got)
	}
	if got := after[newKeys[1]]; got != "form "+itoa64(created.ID)+"|dropdown|Dish||required=true|[Soup Salad]" {
		t.Fatalf("stored question %q", got)
	}
	if got := after[newKeys[2]]; got != "form "+itoa64(created.ID)+"|long|Notes|Allergies?|required=false|[]" {
		t.Fatalf("stored question %q", got)
	}

	before = after
	added := call[formQuestionResult](t, f.c, "nc_forms_add_question", map[string]any{"form_id": f.survey, "type": "date", "text": "Birthday"})
	after = f.nc.FormsState()
	qKey := "question " + itoa64(added.Question.ID)
	othersUnchanged(t, before, after, qKey)
	if after[qKey] != "form "+itoa64(f.survey)+"|date|Birthday||required=false|[]" {
		t.Fatalf("added %q", after[qKey])
	}

	before = after
	upd := call[formQuestionResult](t, f.c, "nc_forms_update_question", map[string]any{"form_id": f.survey, "question_id": f.qColor,
		"text": "Colour", "required": true})
	if upd.Question.Text != "Colour" || !upd.Question.Required || len(upd.Question.Options) != 2 {
		t.Fatalf("updated %+v", upd)
	}
	after = f.nc.FormsState()
	othersUnchanged(t, before, after, "question "+itoa64(f.qColor))

	// Submit to bob's form (shared with admin, several submissions allowed).
	before = after
	sub := call[formsSubmitOut](t, f.c, "nc_forms_submit", map[string]any{"form_id": f.bobForm,
		"answers": []map[string]any{{"question_id": f.bobQ, "values": []string{"Great"}}}})
	after = f.nc.FormsState()
	var newSub []string
	for k := range after {
		if _, ok := before[k]; !ok {
			newSub = append(newSub, k)
		}
	}
	if len(newSub) != 1 || !strings.HasPrefix(newSub[0], "submission ") || after[newSub[0]] != "form "+itoa64(f.bobForm)+"|admin|[{"+itoa64(f.bobQ)+" Great}]" {
		t.Fatalf("new submission %v: %q", newSub, after[newSub[0]])
	}
	othersUnchanged(t, before, after, newSub...)

	// bob submits the survey's choice question by option text.
	bc := connect(t, newTestServer(t, f.nc, asUser(f.nc, t, "bob")), "inprocess")
	f.nc.SetFormSharing(f.survey, []string{"bob"}, true, 0)
	sub = call[formsSubmitOut](t, bc, "nc_forms_submit", map[string]any{"form_id": f.survey, "answers": []map[string]any{
		{"question_id": f.qName, "values": []string{"Bob"}}, {"question_id": f.qColor, "values": []string{"red"}},
		{"question_id": f.qExtras, "values": []string{"Coffee", itoa64(f.nc.FormOptionID(f.qExtras, "Cake"))}}}})
	want := []formAnswerOut{{f.qName, "Your name", []string{"Bob"}}, {f.qColor, "Colour", []string{"Red"}}, {f.qExtras, "Extras", []string{"Coffee", "Cake"}}}
	if !reflect.DeepEqual(sub.Answers, want) {
		t.Fatalf("bob's answers %+v", sub.Answers)
	}
}

func TestFormsBadInput(t *testing.T) {
	f := formsSeed(t)
	bc := connect(t, newTestServer(t, f.nc, asUser(f.nc, t, "bob")), "inprocess")
	before := f.nc.FormsState()
	one := func(q int64, v ...string) []map[string]any { return []map[string]any{{"question_id": q, "values": v}} }
	cases := []struct {
		name  string
		c     bool // as bob
		tool  string
		args  map[string]any
		wants []string
	}{
		{"which", false, "nc_forms_list", map[string]any{"which": "mine"}, []string{"which must be"}},
		{"no id", false, "nc_forms_get", map[string]any{}, []string{"form_id"}},
		{"missing", false, "nc_forms_get", map[string]any{"form_id": 4242}, []string{"form 4242 not found", "nc_forms_list"}},
		{"missing as bob", true, "nc_forms_get", map[string]any{"form_id": f.old + 100}, []string{"not found"}},
		{"title", false, "nc_forms_create", map[string]any{"title": ""}, []string{"title must not be empty"}},
		{"qtype", false, "nc_forms_create", map[string]any{"title": "x", "questions": []map[string]any{{"type": "essay", "text": "x"}}}, []string{"questions[0].type must be one of"}},
		{"choices", false, "nc_forms_add_question", map[string]any{"form_id": f.survey, "type": "dropdown", "text": "x"}, []string{"options", "needs choices"}},
		{"no choices", false, "nc_forms_add_question", map[string]any{"form_id": f.survey, "type": "short", "text": "x", "options": []string{"a"}}, []string{"has no choices"}},
		{"other's form", false, "nc_forms_add_question", map[string]any{"form_id": f.bobForm, "type": "short", "text": "x"}, []string{"403", "edit"}},
		{"nothing", false, "nc_forms_update_question", map[string]any{"form_id": f.survey, "question_id": f.qName}, []string{"say what to change"}},
		{"wrong form", false, "nc_forms_update_question", map[string]any{"form_id": f.survey, "question_id": f.bobQ, "text": "y"}, []string{"not part of the given form"}},
		{"results", true, "nc_forms_list_submissions", map[string]any{"form_id": f.survey}, []string{"403", "results"}},
		{"limit", false, "nc_forms_list_submissions", map[string]any{"form_id": f.survey, "limit": 1000}, []string{"limit"}},
		{"export results", true, "nc_forms_export_submissions", map[string]any{"form_id": f.survey}, []string{"403"}},
		{"no answers", false, "nc_forms_submit", map[string]any{"form_id": f.bobForm, "answers": []any{}}, []string{"answers is empty"}},
		{"required", false, "nc_forms_submit", map[string]any{"form_id": f.survey, "answers": one(f.qColor, "Red")}, []string{"question " + itoa64(f.qName), "is required"}},
		{"no choice", false, "nc_forms_submit", map[string]any{"form_id": f.survey, "answers": append(one(f.qName, "A"), one(f.qColor, "Green")...)}, []string{`"Green" is no choice`, `"Red", "Blue"`}},
		{"one value", false, "nc_forms_submit", map[string]any{"form_id": f.survey, "answers": append(one(f.qName, "A"), one(f.qColor, "Red", "Blue")...)}, []string{"takes one value"}},
		{"foreign question", false, "nc_forms_submit", map[string]any{"form_id": f.bobForm, "answers": one(f.qName, "A")}, []string{"has no question " + itoa64(f.qName)}},
		{"already", true, "nc_forms_submit", map[string]any{"form_id": f.survey, "answers": one(f.qName, "Bob")}, []string{"already submitted"}},
		{"expired", false, "nc_forms_submit", map[string]any{"form_id": f.old, "answers": one(f.qName, "x")}, []string{"expired"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			cl := f.c
			if tc.c {
				cl = bc
			}
			wantError(t, callTool(t, cl, tc.tool, tc.args), tc.wants...)
		})
	}
	othersUnchanged(t, before, f.nc.FormsState())
}

func TestFormsAppMissing(t *testing.T) {
	f := formsSeed(t)
	calls := []toolCall{
		{"nc_forms_list", map[string]any{}},
		{"nc_forms_get", map[string]any{"form_id": f.survey}},
		{"nc_forms_create", map[string]any{"title": "x"}},
		{"nc_forms_add_question", map[string]any{"form_id": f.survey, "type": "short", "text": "x"}},
		{"nc_forms_update_question", map[string]any{"form_id": f.survey, "question_id": f.qName, "text": "x"}},
		{"nc_forms_list_submissions", map[string]any{"form_id": f.survey}},
		{"nc_forms_export_submissions", map[string]any{"form_id": f.survey}},
		{"nc_forms_submit", map[string]any{"form_id": f.bobForm, "answers": []map[string]any{{"question_id": f.bobQ, "values": []string{"x"}}}}},
	}
	appMissingChecks(t, f.nc, "forms", "Forms", "/ocs/v2.php/apps/forms/", calls, func() any { return f.nc.FormsState() })
}
