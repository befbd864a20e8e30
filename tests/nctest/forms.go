package nctest

import (
	"bytes"
	"encoding/csv"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"
)

// Forms stand-in following docs/API_v3.md of nextcloud/forms and its
// lib/Controller/ApiController.php (v3 routes): OCS v2 below
// /ocs/v2.php/apps/forms/api/v3/forms; created things answer 201; PATCH
// takes {"keyValuePairs": {...}} and answers the id; a missing form is
// 404 "Could not find form", a form one may not use 403; a submission is
// {"answers": {"<questionId>": [values]}} with option ids for choice
// questions, refused with 400 when invalid and 403 "Already submitted";
// GET .../submissions?fileFormat=csv is a CSV download, not OCS.
// Not verified: the exact wording of validateSubmission's refusals.

const formsPrefix = "/ocs/v2.php/apps/forms/"

type formsStandIn struct {
	s           *Server
	mu          sync.Mutex
	nextID      int64
	forms       map[int64]*formRec
	questions   map[int64]*formQuestionRec
	options     map[int64]*formOptionRec
	submissions map[int64]*formSubmissionRec
}

type formRec struct {
	id                 int64
	owner, hash, title string
	description        string
	created, expires   int64
	submitMultiple     bool
	sharedWith         []string
}

type formQuestionRec struct {
	id, formID  int64
	order       int
	typ, text   string
	description string
	required    bool
}

type formOptionRec struct {
	id, questionID int64
	text           string
}

type formSubmissionRec struct {
	id, formID int64
	user       string
	timestamp  int64
	// answers are (question id, text) pairs in order.
	answers []formAnswerRec
}

type formAnswerRec struct {
	questionID int64
	text       string
}

var formQuestionTypes = []string{"short", "long", "multiple", "multiple_unique", "dropdown", "date", "datetime", "time", "file", "linearscale", "color"}

func isChoice(typ string) bool {
	return typ == "multiple" || typ == "multiple_unique" || typ == "dropdown"
}

func (s *Server) registerForms() {
	f := &formsStandIn{s: s, forms: map[int64]*formRec{}, questions: map[int64]*formQuestionRec{},
		options: map[int64]*formOptionRec{}, submissions: map[int64]*formSubmissionRec{}}
	s.apps.forms = f
	b := formsPrefix + "api/v3/forms"
	h := func(status int, fn apiFn) http.HandlerFunc {
		return lockedHandler(&f.mu, fn, func(w http.ResponseWriter, r *http.Request, data any) {
			if b, ok := data.(csvDownload); ok {
				w.Header().Set("Content-Type", "text/csv;charset=UTF-8")
				w.Header().Set("Content-Disposition", `attachment; filename="`+b.name+`"`)
				_, _ = w.Write(b.data)
				return
			}
			writeOCS(w, r, status, status, "OK", data)
		}, func(w http.ResponseWriter, r *http.Request, e *apiErr) {
			writeOCS(w, r, e.status, e.status, e.msg, nil)
		})
	}
	s.mux.HandleFunc("GET "+b, h(http.StatusOK, f.list))
	s.mux.HandleFunc("POST "+b, h(http.StatusCreated, f.create))
	s.mux.HandleFunc("GET "+b+"/{id}", h(http.StatusOK, on(f.holding("submit"), f.get)))
	s.mux.HandleFunc("PATCH "+b+"/{id}", h(http.StatusOK, f.update))
	s.mux.HandleFunc("POST "+b+"/{id}/questions", h(http.StatusCreated, on(f.holding("edit"), f.addQuestion)))
	s.mux.HandleFunc("PATCH "+b+"/{id}/questions/{qid}", h(http.StatusOK, f.updateQuestion))
	s.mux.HandleFunc("POST "+b+"/{id}/questions/{qid}/options", h(http.StatusCreated, on(f.holding("edit"), f.addOptions)))
	s.mux.HandleFunc("GET "+b+"/{id}/submissions", h(http.StatusOK, on(f.holding("results"), f.listSubmissions)))
	s.mux.HandleFunc("POST "+b+"/{id}/submissions", h(http.StatusCreated, f.submit))
	s.mux.HandleFunc(formsPrefix, func(w http.ResponseWriter, r *http.Request) { writeOCSInvalid(w, r) })
}

type csvDownload struct {
	name string
	data []byte
}

func (f *formsStandIn) permissions(fm *formRec, uid string) []string {
	if fm.owner == uid {
		return []string{"edit", "results", "results_delete", "submit"}
	}
	if slices.Contains(fm.sharedWith, uid) {
		return []string{"submit"}
	}
	return nil
}

func (f *formsStandIn) expired(fm *formRec) bool {
	return fm.expires != 0 && fm.expires < time.Now().Unix()
}

// find gives the form of the path's id if uid holds perm on it.
func (f *formsStandIn) find(r *http.Request, uid, perm string) (*formRec, *apiErr) {
	fm := f.forms[pathID(r, "id")]
	if fm == nil {
		return nil, errStatus(http.StatusNotFound, "Could not find form")
	}
	if !slices.Contains(f.permissions(fm, uid), perm) {
		return nil, errStatus(http.StatusForbidden, "This form is not owned by the current user and user has no `%s` permission", perm)
	}
	return fm, nil
}

// holding finds the path's form if the user holds perm on it.
func (f *formsStandIn) holding(perm string) func(r *http.Request, uid string) (*formRec, *apiErr) {
	return func(r *http.Request, uid string) (*formRec, *apiErr) { return f.find(r, uid, perm) }
}

func (f *formsStandIn) partial(fm *formRec, uid string) map[string]any {
	return map[string]any{"id": fm.id, "hash": fm.hash, "title": fm.title, "expires": fm.expires,
		"permissions": f.permissions(fm, uid), "partial": true, "state": 0, "lastUpdated": fm.created}
}

func (f *formsStandIn) questionJSON(q *formQuestionRec) map[string]any {
	opts := []any{}
	for _, o := range recordsByID(f.options, func(o *formOptionRec) bool { return o.questionID == q.id }) {
		opts = append(opts, map[string]any{"id": o.id, "questionId": o.questionID, "text": o.text, "order": nil})
	}
	return map[string]any{"id": q.id, "formId": q.formID, "order": q.order, "type": q.typ, "isRequired": q.required,
		"text": q.text, "description": q.description, "name": "", "options": opts, "accept": []any{}, "extraSettings": map[string]any{}}
}

func (f *formsStandIn) questionsOf(formID int64) []*formQuestionRec {
	return recordsByID(f.questions, func(q *formQuestionRec) bool { return q.formID == formID })
}

func (f *formsStandIn) canSubmit(fm *formRec, uid string) bool {
	if f.expired(fm) || !slices.Contains(f.permissions(fm, uid), "submit") {
		return false
	}
	if fm.submitMultiple {
		return true
	}
	for _, sub := range f.submissions {
		if sub.formID == fm.id && sub.user == uid {
			return false
		}
	}
	return true
}

func (f *formsStandIn) questionsJSON(fm *formRec) []any {
	return jsonList(f.questionsOf(fm.id), func(q *formQuestionRec) any { return f.questionJSON(q) })
}

func (f *formsStandIn) full(fm *formRec, uid string) map[string]any {
	m := map[string]any{"id": fm.id, "hash": fm.hash, "title": fm.title, "description": fm.description, "ownerId": fm.owner,
		"created": fm.created, "access": map[string]any{"permitAllUsers": false, "showToAllUsers": false}, "expires": fm.expires,
		"isAnonymous": false, "submitMultiple": fm.submitMultiple, "allowEditSubmissions": false, "showExpiration": false,
		"canSubmit": f.canSubmit(fm, uid), "state": 0, "permissions": f.permissions(fm, uid), "questions": f.questionsJSON(fm), "shares": []any{},
		"submissionMessage": ""}
	if fm.owner == uid {
		n := 0
		for _, sub := range f.submissions {
			if sub.formID == fm.id {
				n++
			}
		}
		m["submissionCount"] = n
	}
	return m
}

func (f *formsStandIn) list(r *http.Request, uid string, p params) (any, *apiErr) {
	typ := p.str("type")
	if typ == "" {
		typ = "owned"
	}
	if typ != "owned" && typ != "shared" {
		return nil, errBad("wrong form type supplied")
	}
	var picked []*formRec
	for _, fm := range f.forms {
		if (typ == "owned" && fm.owner == uid) || (typ == "shared" && fm.owner != uid && slices.Contains(fm.sharedWith, uid) && !f.expired(fm)) {
			picked = append(picked, fm)
		}
	}
	// Newest first.
	slices.SortFunc(picked, func(a, b *formRec) int { return int(b.id - a.id) })
	return jsonList(picked, func(fm *formRec) any { return f.partial(fm, uid) }), nil
}

func (f *formsStandIn) create(r *http.Request, uid string, _ params) (any, *apiErr) {
	fm := f.addForm(uid, "", "")
	return f.full(fm, uid), nil
}

func (f *formsStandIn) addForm(owner, title, description string) *formRec {
	f.nextID++
	fm := &formRec{id: f.nextID, owner: owner, hash: randHex(8), title: title, description: description, created: time.Now().Unix()}
	f.forms[fm.id] = fm
	return fm
}

func (f *formsStandIn) get(_ *http.Request, uid string, _ params, fm *formRec) (any, *apiErr) {
	return f.full(fm, uid), nil
}

// editable gives the path's form, if uid may edit it, and the PATCH's
// keyValuePairs.
func (f *formsStandIn) editable(r *http.Request, uid string, p params) (*formRec, params, *apiErr) {
	fm, e := f.find(r, uid, "edit")
	if e != nil {
		return nil, nil, e
	}
	kv, e := keyValuePairs(p)
	return fm, kv, e
}

func keyValuePairs(p params) (params, *apiErr) {
	kv, ok := p["keyValuePairs"].(map[string]any)
	if !ok || len(kv) == 0 {
		return nil, errStatus(http.StatusForbidden, "Empty keyValuePairs, will not update.")
	}
	return params(kv), nil
}

// patch applies a PATCH's keyValuePairs through set, which reports whether
// it knows a key: Forms refuses the fixed keys (403) and unknown ones (400)
// of what it updates.
func patch(kv params, what string, fixed []string, set func(k string) bool) *apiErr {
	for k := range kv {
		if slices.Contains(fixed, k) {
			return errStatus(http.StatusForbidden, "Not allowed to update %s", k)
		}
		if !set(k) {
			return errBad("unknown %s property %s", what, k)
		}
	}
	return nil
}

func (f *formsStandIn) update(r *http.Request, uid string, p params) (any, *apiErr) {
	fm, kv, e := f.editable(r, uid, p)
	if e != nil {
		return nil, e
	}
	e = patch(kv, "form", []string{"id", "hash", "created", "ownerId"}, func(k string) bool {
		switch k {
		case "title":
			fm.title = kv.str(k)
		case "description":
			fm.description = kv.str(k)
		case "submitMultiple":
			fm.submitMultiple = kv.bool(k)
		case "expires":
			fm.expires, _ = kv.int(k, 0)
		default:
			return false
		}
		return true
	})
	if e != nil {
		return nil, e
	}
	return fm.id, nil
}

func (f *formsStandIn) addQuestion(_ *http.Request, _ string, p params, fm *formRec) (any, *apiErr) {
	typ := p.str("type")
	if !slices.Contains(formQuestionTypes, typ) {
		return nil, errBad("Invalid type")
	}
	if typ == "datetime" {
		return nil, errBad("Datetime question type no longer supported")
	}
	q := f.addQ(fm.id, typ, p.str("text"), false)
	return f.questionJSON(q), nil
}

func (f *formsStandIn) addQ(formID int64, typ, text string, required bool) *formQuestionRec {
	f.nextID++
	q := &formQuestionRec{id: f.nextID, formID: formID, order: len(f.questionsOf(formID)) + 1, typ: typ, text: text, required: required}
	f.questions[q.id] = q
	return q
}

func (f *formsStandIn) question(r *http.Request, fm *formRec) (*formQuestionRec, *apiErr) {
	q := f.questions[pathID(r, "qid")]
	if q == nil {
		return nil, errStatus(http.StatusNotFound, "Could not find question")
	}
	if q.formID != fm.id {
		return nil, errBad("This question is not part of the given form")
	}
	return q, nil
}

func (f *formsStandIn) updateQuestion(r *http.Request, uid string, p params) (any, *apiErr) {
	fm, kv, e := f.editable(r, uid, p)
	if e != nil {
		return nil, e
	}
	q, e := f.question(r, fm)
	if e != nil {
		return nil, e
	}
	e = patch(kv, "question", []string{"id", "formId", "order"}, func(k string) bool {
		switch k {
		case "text":
			q.text = kv.str(k)
		case "description":
			q.description = kv.str(k)
		case "isRequired":
			q.required = kv.bool(k)
		default:
			return false
		}
		return true
	})
	if e != nil {
		return nil, e
	}
	return q.id, nil
}

func (f *formsStandIn) addOptions(r *http.Request, _ string, p params, fm *formRec) (any, *apiErr) {
	q, e := f.question(r, fm)
	if e != nil {
		return nil, e
	}
	texts, ok := p["optionTexts"].([]any)
	if !ok || len(texts) == 0 {
		return nil, errBad("optionTexts must be a list of texts")
	}
	out := []any{}
	for _, t := range texts {
		o := f.addOpt(q.id, paramString(t))
		out = append(out, map[string]any{"id": o.id, "questionId": q.id, "text": o.text, "order": nil})
	}
	return out, nil
}

func (f *formsStandIn) addOpt(questionID int64, text string) *formOptionRec {
	f.nextID++
	o := &formOptionRec{id: f.nextID, questionID: questionID, text: text}
	f.options[o.id] = o
	return o
}

func (f *formsStandIn) submissionJSON(sub *formSubmissionRec) map[string]any {
	ans := []any{}
	for i, a := range sub.answers {
		ans = append(ans, map[string]any{"id": sub.id*1000 + int64(i), "submissionId": sub.id, "questionId": a.questionID, "text": a.text})
	}
	return map[string]any{"id": sub.id, "formId": sub.formID, "userId": sub.user, "timestamp": sub.timestamp,
		"answers": ans, "userDisplayName": f.s.displayNameOr(sub.user)}
}

func (f *formsStandIn) listSubmissions(_ *http.Request, _ string, p params, fm *formRec) (any, *apiErr) {
	subs := recordsByID(f.submissions, func(s *formSubmissionRec) bool { return s.formID == fm.id })
	slices.Reverse(subs) // newest first
	if format := p.str("fileFormat"); format != "" {
		if format != "csv" {
			return nil, errBad("unsupported file format %s", format)
		}
		return csvDownload{name: fm.title + " (responses).csv", data: f.csv(fm, subs)}, nil
	}
	query := strings.ToLower(p.str("query"))
	if query != "" {
		subs = slices.DeleteFunc(subs, func(s *formSubmissionRec) bool {
			return !slices.ContainsFunc(s.answers, func(a formAnswerRec) bool { return strings.Contains(strings.ToLower(a.text), query) })
		})
	}
	total := len(subs)
	offset, _ := p.int("offset", 0)
	limit, _ := p.int("limit", 0)
	subs = subs[min(int(offset), len(subs)):]
	if limit > 0 {
		subs = subs[:min(int(limit), len(subs))]
	}
	return map[string]any{
		"submissions":              jsonList(subs, func(s *formSubmissionRec) any { return f.submissionJSON(s) }),
		"questions":                f.questionsJSON(fm),
		"filteredSubmissionsCount": total,
	}, nil
}

func (f *formsStandIn) csv(fm *formRec, subs []*formSubmissionRec) []byte {
	var b bytes.Buffer
	w := csv.NewWriter(&b)
	qs := f.questionsOf(fm.id)
	head := []string{"User ID", "User display name", "Timestamp"}
	for _, q := range qs {
		head = append(head, q.text)
	}
	_ = w.Write(head)
	for _, s := range subs {
		row := []string{s.user, f.s.displayNameOr(s.user), time.Unix(s.timestamp, 0).UTC().Format(time.RFC3339)}
		for _, q := range qs {
			var vals []string
			for _, a := range s.answers {
				if a.questionID == q.id {
					vals = append(vals, a.text)
				}
			}
			row = append(row, strings.Join(vals, "; "))
		}
		_ = w.Write(row)
	}
	w.Flush()
	return b.Bytes()
}

func (f *formsStandIn) submit(r *http.Request, uid string, p params) (any, *apiErr) {
	fm := f.forms[pathID(r, "id")]
	if fm == nil {
		return nil, errStatus(http.StatusNotFound, "Could not find form")
	}
	if !slices.Contains(f.permissions(fm, uid), "submit") {
		return nil, errStatus(http.StatusForbidden, "Not allowed to access this form")
	}
	if f.expired(fm) {
		return nil, errStatus(http.StatusForbidden, "This form is no longer taking answers")
	}
	raw, ok := p["answers"].(map[string]any)
	if !ok {
		return nil, errBad("answers must be an object of question ids")
	}
	var answers []formAnswerRec
	for _, q := range f.questionsOf(fm.id) {
		vals, given := raw[strconv.FormatInt(q.id, 10)].([]any)
		if !given || len(vals) == 0 {
			if q.required {
				return nil, errBad("Question \"%s\" is required.", q.text)
			}
			continue
		}
		if (q.typ == "multiple_unique" || q.typ == "dropdown" || !isChoice(q.typ)) && len(vals) > 1 {
			return nil, errBad("Question \"%s\" can only have one answer.", q.text)
		}
		for _, v := range vals {
			text := paramString(v)
			if isChoice(q.typ) {
				id, ok := scalarInt(v)
				o := f.options[id]
				if !ok || o == nil || o.questionID != q.id {
					return nil, errBad("Answer \"%s\" for question \"%s\" is not a valid option.", text, q.text)
				}
				text = o.text
			}
			answers = append(answers, formAnswerRec{questionID: q.id, text: text})
		}
	}
	for k := range raw {
		if id, err := strconv.ParseInt(k, 10, 64); err != nil || f.questions[id] == nil || f.questions[id].formID != fm.id {
			return nil, errBad("Invalid question id %s", k)
		}
	}
	if !f.canSubmit(fm, uid) {
		return nil, errStatus(http.StatusForbidden, "Already submitted")
	}
	f.addSubmission(fm.id, uid, answers)
	return nil, nil
}

func (f *formsStandIn) addSubmission(formID int64, user string, answers []formAnswerRec) int64 {
	f.nextID++
	sub := &formSubmissionRec{id: f.nextID, formID: formID, user: user, timestamp: time.Now().Unix() + f.nextID, answers: answers}
	f.submissions[sub.id] = sub
	return sub.id
}

// AddForm adds a form owned by owner and returns its id.
func (s *Server) AddForm(owner, title, description string) int64 {
	f := s.apps.forms
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.addForm(owner, title, description).id
}

// SetFormSharing shares a form with users (who may then submit) and sets
// whether one user may submit more than once and its expiry (Unix time, 0
// none).
func (s *Server) SetFormSharing(formID int64, users []string, submitMultiple bool, expires int64) {
	f := s.apps.forms
	f.mu.Lock()
	defer f.mu.Unlock()
	fm := f.forms[formID]
	fm.sharedWith, fm.submitMultiple, fm.expires = users, submitMultiple, expires
}

// AddFormQuestion adds a question with its options (for choice types)
// and returns the question id and the option ids.
func (s *Server) AddFormQuestion(formID int64, typ, text string, required bool, options ...string) (int64, []int64) {
	f := s.apps.forms
	f.mu.Lock()
	defer f.mu.Unlock()
	q := f.addQ(formID, typ, text, required)
	var ids []int64
	for _, o := range options {
		ids = append(ids, f.addOpt(q.id, o).id)
	}
	return q.id, ids
}

// AddFormSubmission stores user's answers, by question id (option texts
// for choice questions), and returns the submission id.
func (s *Server) AddFormSubmission(formID int64, user string, answers map[int64][]string) int64 {
	f := s.apps.forms
	f.mu.Lock()
	defer f.mu.Unlock()
	var list []formAnswerRec
	for _, q := range f.questionsOf(formID) {
		for _, t := range answers[q.id] {
			list = append(list, formAnswerRec{questionID: q.id, text: t})
		}
	}
	return f.addSubmission(formID, user, list)
}

// FormsState renders every form, question and submission as text, for
// tests that check what changed.
func (s *Server) FormsState() map[string]string {
	f := s.apps.forms
	f.mu.Lock()
	defer f.mu.Unlock()
	out := map[string]string{}
	for id, fm := range f.forms {
		out[fmt.Sprintf("form %d", id)] = fmt.Sprintf("%s|%s|%s|%v", fm.owner, fm.title, fm.description, fm.submitMultiple)
	}
	for id, q := range f.questions {
		var opts []string
		for _, o := range recordsByID(f.options, func(o *formOptionRec) bool { return o.questionID == id }) {
			opts = append(opts, o.text)
		}
		out[fmt.Sprintf("question %d", id)] = fmt.Sprintf("form %d|%s|%s|%s|required=%v|%v", q.formID, q.typ, q.text, q.description, q.required, opts)
	}
	for id, sub := range f.submissions {
		out[fmt.Sprintf("submission %d", id)] = fmt.Sprintf("form %d|%s|%v", sub.formID, sub.user, sub.answers)
	}
	return out
}

// FormOptionID gives the id of a question's option by its text (0: none).
func (s *Server) FormOptionID(questionID int64, text string) int64 {
	f := s.apps.forms
	f.mu.Lock()
	defer f.mu.Unlock()
	return firstID(f.options, func(o *formOptionRec) bool { return o.questionID == questionID && o.text == text })
}
