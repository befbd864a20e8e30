package nextcloud

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/emersion/go-ical"
)

// Task is a VTODO.
type Task struct {
	List            string   `json:"list" jsonschema:"id of the task list (calendar) holding the task"`
	ID              string   `json:"id" jsonschema:"task id within the list (the object name), for update, complete and delete"`
	UID             string   `json:"uid" jsonschema:"iCalendar UID; subtasks name their parent by it"`
	ETag            string   `json:"etag,omitempty" jsonschema:"version tag; pass it to update or delete to refuse changes made meanwhile"`
	Summary         string   `json:"summary" jsonschema:"title"`
	Description     string   `json:"description,omitempty"`
	Status          string   `json:"status" jsonschema:"NEEDS-ACTION, IN-PROCESS, COMPLETED or CANCELLED"`
	Completed       bool     `json:"completed"`
	CompletedAt     string   `json:"completed_at,omitempty" jsonschema:"when it was completed (RFC 3339)"`
	PercentComplete int      `json:"percent_complete"`
	Priority        int      `json:"priority" jsonschema:"0 none, 1 highest to 9 lowest (1-4 high, 5 medium, 6-9 low)"`
	Due             string   `json:"due,omitempty" jsonschema:"due date (YYYY-MM-DD) or time (RFC 3339)"`
	Start           string   `json:"start,omitempty" jsonschema:"start date or time"`
	Categories      []string `json:"categories,omitempty"`
	Parent          string   `json:"parent,omitempty" jsonschema:"UID of the parent task, for subtasks"`
	RRule           string   `json:"rrule,omitempty" jsonschema:"recurrence rule, for repeating tasks"`

	due, start time.Time
}

// TaskInput holds the fields of a task to set; nil leaves a field as it
// is, an empty value clears it.
type TaskInput struct {
	Summary         *string
	Description     *string
	Due             *string
	Start           *string
	TimeZone        *string
	Priority        *int
	PercentComplete *int
	Status          *string
	Categories      *[]string
	// Parent is the UID of the parent task ("" removes it).
	Parent *string
}

var taskStatuses = []string{"NEEDS-ACTION", "IN-PROCESS", "COMPLETED", "CANCELLED"}

func taskFromComponent(comp *ical.Component, tz *tzResolver, floating, out *time.Location) (Task, error) {
	t := Task{
		UID:         textOf(comp.Props.Get(ical.PropUID)),
		Summary:     textOf(comp.Props.Get(ical.PropSummary)),
		Description: textOf(comp.Props.Get(ical.PropDescription)),
		Status:      strings.ToUpper(textOf(comp.Props.Get(ical.PropStatus))),
		Categories:  textsOf(comp.Props.Values(ical.PropCategories)),
	}
	if strings.TrimSpace(t.UID) == "" {
		// RFC 5545 requires a UID; without one the task cannot be
		// addressed, so it is reported as unreadable.
		return Task{}, errors.New("the task has no UID")
	}
	if t.Status == "" {
		t.Status = "NEEDS-ACTION"
	}
	if p := comp.Props.Get(ical.PropPercentComplete); p != nil {
		n, err := strconv.Atoi(strings.TrimSpace(p.Value))
		if err == nil && n >= 0 && n <= 100 {
			t.PercentComplete = n
		}
	}
	if p := comp.Props.Get(ical.PropPriority); p != nil {
		n, err := strconv.Atoi(strings.TrimSpace(p.Value))
		if err == nil && n >= 0 && n <= 9 {
			t.Priority = n
		}
	}
	if p := comp.Props.Get(ical.PropDue); p != nil {
		v, err := parseICalTime(p, tz, floating)
		if err != nil {
			return Task{}, fmt.Errorf("task %q: bad DUE: %w", t.UID, err)
		}
		t.due, t.Due = v.T, formatTime(v.T, v.IsDate, out)
	}
	if p := comp.Props.Get(ical.PropDateTimeStart); p != nil {
		v, err := parseICalTime(p, tz, floating)
		if err != nil {
			return Task{}, fmt.Errorf("task %q: bad DTSTART: %w", t.UID, err)
		}
		t.start, t.Start = v.T, formatTime(v.T, v.IsDate, out)
	}
	if p := comp.Props.Get(ical.PropCompleted); p != nil {
		if v, err := parseICalTime(p, tz, floating); err == nil {
			t.CompletedAt = formatTime(v.T, false, out)
		}
	}
	// A completion time with no known status still means done.
	t.Completed = t.Status == "COMPLETED" || (t.CompletedAt != "" && !slices.Contains(taskStatuses, t.Status))
	for _, p := range comp.Props.Values(ical.PropRelatedTo) {
		rel := strings.ToUpper(p.Params.Get(ical.ParamRelationshipType))
		if rel == "" || rel == "PARENT" {
			t.Parent = strings.TrimSpace(textOf(&p))
			break
		}
	}
	if p := comp.Props.Get(ical.PropRecurrenceRule); p != nil {
		t.RRule = strings.TrimSpace(p.Value)
	}
	return t, nil
}

// NewTaskCalendar builds the iCalendar object for a new task.
func NewTaskCalendar(uid string, in TaskInput, now time.Time) (*ical.Calendar, error) {
	if in.Summary == nil || strings.TrimSpace(*in.Summary) == "" {
		return nil, errors.New("a task needs a summary (title)")
	}
	cal, td := newCalendarWith(ical.CompToDo, uid, now)
	if in.Status == nil && in.PercentComplete == nil {
		s := "NEEDS-ACTION"
		in.Status = &s
	}
	if err := applyTaskInput(cal, td, in, now); err != nil {
		return nil, err
	}
	return cal, nil
}

// UpdateTaskCalendar applies in to the task of cal.
func UpdateTaskCalendar(cal *ical.Calendar, in TaskInput, now time.Time) error {
	if cal == nil || cal.Component == nil {
		return errors.New("no task data")
	}
	td := masterComponent(cal, ical.CompToDo)
	if td == nil {
		return errors.New("the object holds no task (VTODO)")
	}
	return applyTaskInput(cal, td, in, now)
}

func applyTaskInput(cal *ical.Calendar, td *ical.Component, in TaskInput, now time.Time) error {
	if in.Summary != nil && strings.TrimSpace(*in.Summary) == "" {
		return errors.New("summary cannot be empty")
	}
	setOrDelText(td.Props, ical.PropSummary, in.Summary, false)
	setOrDelText(td.Props, ical.PropDescription, in.Description, true)
	if in.Categories != nil {
		setCategories(td.Props, *in.Categories)
	}
	if in.Priority != nil {
		if *in.Priority < 0 || *in.Priority > 9 {
			return fmt.Errorf("priority %d is not between 0 (none) and 9 (1 is highest)", *in.Priority)
		}
		if *in.Priority == 0 {
			td.Props.Del(ical.PropPriority)
		} else {
			setInt(td.Props, ical.PropPriority, *in.Priority)
		}
	}
	if in.Parent != nil {
		// Only the parent relation is replaced; SIBLING, CHILD and other
		// relations another client wrote stay.
		var kept []ical.Prop
		for _, p := range td.Props.Values(ical.PropRelatedTo) {
			if rel := strings.ToUpper(p.Params.Get(ical.ParamRelationshipType)); rel != "" && rel != "PARENT" {
				kept = append(kept, p)
			}
		}
		td.Props.Del(ical.PropRelatedTo)
		if p := cleanValue(*in.Parent); p != "" {
			if p == textOf(td.Props.Get(ical.PropUID)) {
				return errors.New("a task cannot be its own parent")
			}
			rp := ical.NewProp(ical.PropRelatedTo)
			rp.SetText(p)
			rp.Params.Set(ical.ParamRelationshipType, "PARENT")
			kept = append([]ical.Prop{*rp}, kept...)
		}
		if len(kept) > 0 {
			td.Props[ical.PropRelatedTo] = kept
		}
	}
	loc := time.UTC
	if in.TimeZone != nil && strings.TrimSpace(*in.TimeZone) != "" {
		l, err := LoadZone(*in.TimeZone)
		if err != nil {
			return err
		}
		loc = l
	}
	if err := setTaskTime(cal, td, ical.PropDue, in.Due, loc); err != nil {
		return err
	}
	if err := setTaskTime(cal, td, ical.PropDateTimeStart, in.Start, loc); err != nil {
		return err
	}
	tz := newTZResolver(cal)
	if ds, du := td.Props.Get(ical.PropDateTimeStart), td.Props.Get(ical.PropDue); ds != nil && du != nil {
		s, err1 := parseICalTime(ds, tz, time.UTC)
		d, err2 := parseICalTime(du, tz, time.UTC)
		if err1 == nil && err2 == nil && d.T.Before(s.T) {
			return fmt.Errorf("due (%s) is before start (%s)", formatTime(d.T, d.IsDate, nil), formatTime(s.T, s.IsDate, nil))
		}
	}
	if in.Due != nil {
		// DUE and DURATION exclude each other.
		td.Props.Del(ical.PropDuration)
	}
	status := ""
	if in.Status != nil {
		status = strings.ToUpper(strings.TrimSpace(*in.Status))
		if status == "" {
			status = "NEEDS-ACTION"
		}
		if !slices.Contains(taskStatuses, status) {
			return fmt.Errorf("status %q is not one of %s", *in.Status, strings.Join(taskStatuses, ", "))
		}
	}
	if in.PercentComplete != nil {
		pc := *in.PercentComplete
		if pc < 0 || pc > 100 {
			return fmt.Errorf("percent_complete %d is not between 0 and 100", pc)
		}
		setInt(td.Props, ical.PropPercentComplete, pc)
		if status == "" {
			cur := strings.ToUpper(textOf(td.Props.Get(ical.PropStatus)))
			switch {
			case pc == 100:
				status = "COMPLETED"
			case cur == "COMPLETED" && pc > 0:
				status = "IN-PROCESS"
			case cur == "COMPLETED":
				status = "NEEDS-ACTION"
			case pc > 0 && (cur == "" || cur == "NEEDS-ACTION"):
				status = "IN-PROCESS"
			}
		}
	}
	if status != "" {
		td.Props.SetText(ical.PropStatus, status)
		if status == "COMPLETED" {
			td.Props.SetDateTime(ical.PropCompleted, now.UTC())
			setInt(td.Props, ical.PropPercentComplete, 100)
		} else {
			td.Props.Del(ical.PropCompleted)
			if in.PercentComplete == nil && textOf(td.Props.Get(ical.PropPercentComplete)) == "100" {
				td.Props.Del(ical.PropPercentComplete)
			}
		}
	}
	touch(td, now)
	return nil
}

func setInt(props ical.Props, name string, n int) {
	p := ical.NewProp(name)
	p.Value = strconv.Itoa(n)
	props.Set(p)
}

func setTaskTime(cal *ical.Calendar, td *ical.Component, name string, v *string, loc *time.Location) error {
	if v == nil {
		return nil
	}
	if strings.TrimSpace(*v) == "" {
		td.Props.Del(name)
		return nil
	}
	t, dateOnly, err := ParseTimeInput(*v, loc)
	if err != nil {
		return fmt.Errorf("%s: %w", strings.ToLower(map[string]string{ical.PropDue: "due", ical.PropDateTimeStart: "start"}[name]), err)
	}
	if dateOnly {
		setICalTime(td.Props, name, t, true)
		return nil
	}
	t = t.In(loc)
	setICalTime(td.Props, name, t, false)
	if loc != time.UTC {
		ensureVTimezone(cal, loc, t.Year())
	}
	return nil
}

// TaskFilter selects tasks in Tasks.
type TaskFilter struct {
	// Status is "open" (default: not completed or cancelled),
	// "completed" or "all".
	Status    string
	DueBefore time.Time
	DueAfter  time.Time
	// Priority is "high" (1-4), "medium" (5), "low" (6-9), "none" (0) or
	// a number 1-9.
	Priority string
	Text     string
}

// Validate checks the filter's words.
func (f TaskFilter) Validate() error {
	switch strings.ToLower(f.Status) {
	case "", "open", "completed", "all":
	default:
		return fmt.Errorf("status filter %q is not open, completed or all", f.Status)
	}
	switch p := strings.ToLower(strings.TrimSpace(f.Priority)); p {
	case "", "high", "medium", "low", "none":
	default:
		if n, err := strconv.Atoi(p); err != nil || n < 1 || n > 9 {
			return fmt.Errorf("priority filter %q is not high, medium, low, none or 1-9", f.Priority)
		}
	}
	return nil
}

func (f TaskFilter) match(t Task) bool {
	done := t.Status == "COMPLETED" || t.Status == "CANCELLED" || t.Completed
	switch strings.ToLower(f.Status) {
	case "", "open":
		if done {
			return false
		}
	case "completed":
		if t.Status != "COMPLETED" && !t.Completed {
			return false
		}
	}
	if !f.DueBefore.IsZero() && (t.due.IsZero() || !t.due.Before(f.DueBefore)) {
		return false
	}
	if !f.DueAfter.IsZero() && (t.due.IsZero() || t.due.Before(f.DueAfter)) {
		return false
	}
	switch p := strings.ToLower(strings.TrimSpace(f.Priority)); p {
	case "":
	case "high":
		if t.Priority < 1 || t.Priority > 4 {
			return false
		}
	case "medium":
		if t.Priority != 5 {
			return false
		}
	case "low":
		if t.Priority < 6 {
			return false
		}
	case "none":
		if t.Priority != 0 {
			return false
		}
	default:
		if n, _ := strconv.Atoi(p); t.Priority != n {
			return false
		}
	}
	if needle := strings.ToLower(strings.TrimSpace(f.Text)); needle != "" {
		hit := strings.Contains(strings.ToLower(t.Summary), needle) || strings.Contains(strings.ToLower(t.Description), needle)
		for _, c := range t.Categories {
			hit = hit || strings.Contains(strings.ToLower(c), needle)
		}
		if !hit {
			return false
		}
	}
	return true
}

// TaskList is the result of Tasks.
type TaskList struct {
	Tasks  []Task
	Broken []BrokenObject
}

// Tasks lists the tasks of the given task lists matching f, open ones
// first, then by due date, priority and title. out is the zone times are
// shown in (nil: each task's own).
func (d *CalDAV) Tasks(ctx context.Context, lists []Calendar, f TaskFilter, out *time.Location) (TaskList, error) {
	var res TaskList
	for _, cal := range lists {
		if !cal.Supports(ical.CompToDo) {
			continue
		}
		objs, broken, err := d.All(ctx, cal, ical.CompToDo)
		if err != nil {
			return TaskList{}, err
		}
		res.Broken = append(res.Broken, broken...)
		for _, o := range objs {
			td := masterComponent(o.Data, ical.CompToDo)
			if td == nil {
				continue
			}
			t, err := taskFromComponent(td, newTZResolver(o.Data), time.UTC, out)
			if err != nil {
				res.Broken = append(res.Broken, BrokenObject{Href: o.Href, Error: err.Error()})
				continue
			}
			if !f.match(t) {
				continue
			}
			t.List, t.ID, t.ETag = cal.ID, lastSegment(o.Href), o.ETag
			res.Tasks = append(res.Tasks, t)
		}
	}
	sort.SliceStable(res.Tasks, func(i, j int) bool {
		a, b := res.Tasks[i], res.Tasks[j]
		if a.Completed != b.Completed {
			return !a.Completed
		}
		if a.due.IsZero() != b.due.IsZero() {
			return !a.due.IsZero()
		}
		if !a.due.Equal(b.due) {
			return a.due.Before(b.due)
		}
		pa, pb := a.Priority, b.Priority
		if pa == 0 {
			pa = 10
		}
		if pb == 0 {
			pb = 10
		}
		if pa != pb {
			return pa < pb
		}
		return strings.ToLower(a.Summary) < strings.ToLower(b.Summary)
	})
	return res, nil
}

func taskOf(cal Calendar, o CalObject, out *time.Location) (Task, error) {
	td := masterComponent(o.Data, ical.CompToDo)
	if td == nil {
		return Task{}, fmt.Errorf("%s holds no task (VTODO); it may be an event", o.Href)
	}
	t, err := taskFromComponent(td, newTZResolver(o.Data), time.UTC, out)
	if err != nil {
		return Task{}, fmt.Errorf("the task %s on the server is malformed: %w", o.Href, err)
	}
	t.List, t.ID, t.ETag = cal.ID, lastSegment(o.Href), o.ETag
	return t, nil
}

// GetTask fetches a task by id (object name) or UID.
func (d *CalDAV) GetTask(ctx context.Context, cal Calendar, id string) (Task, error) {
	o, err := d.Object(ctx, cal, ical.CompToDo, id)
	if err != nil {
		return Task{}, err
	}
	return taskOf(cal, o, nil)
}

// resolveParent turns a parent given as task id or UID into a UID of a
// task in the same list.
func (d *CalDAV) resolveParent(ctx context.Context, cal Calendar, in *TaskInput) error {
	if in.Parent == nil || strings.TrimSpace(*in.Parent) == "" {
		return nil
	}
	o, err := d.Object(ctx, cal, ical.CompToDo, *in.Parent)
	if err != nil {
		if errors.Is(err, ErrNotFound) {
			return fmt.Errorf("parent task %q not found in list %s; a parent must be in the same list: %w", *in.Parent, cal.ID, err)
		}
		return err
	}
	uid := objectUID(o.Data)
	in.Parent = &uid
	return nil
}

// checkParentCycle refuses to make task a subtask of parent when parent
// is already below task.
func (d *CalDAV) checkParentCycle(ctx context.Context, cal Calendar, task, parent string) error {
	if parent == "" || task == "" {
		return nil
	}
	if parent == task {
		return inputErr(errors.New("a task cannot be its own parent"))
	}
	objs, _, err := d.All(ctx, cal, ical.CompToDo)
	if err != nil {
		return err
	}
	parentOf := map[string]string{}
	for _, o := range objs {
		if td := masterComponent(o.Data, ical.CompToDo); td != nil {
			if t, err := taskFromComponent(td, nil, time.UTC, nil); err == nil {
				parentOf[t.UID] = t.Parent
			}
		}
	}
	for cur, n := parent, 0; cur != "" && n <= len(parentOf); cur, n = parentOf[cur], n+1 {
		if cur == task {
			return inputErr(fmt.Errorf("task %s cannot become a subtask of %s: %s is already one of its subtasks (that would make a cycle)", task, parent, parent))
		}
	}
	return nil
}

// CreateTask stores a new task in cal and returns it as stored.
func (d *CalDAV) CreateTask(ctx context.Context, cal Calendar, in TaskInput) (Task, error) {
	if !cal.Supports(ical.CompToDo) {
		return Task{}, fmt.Errorf("calendar %s does not hold tasks (it holds %s); pick a list from nc_tasks_list_lists", cal.ID, strings.Join(cal.Components, ", "))
	}
	if err := d.resolveParent(ctx, cal, &in); err != nil {
		return Task{}, err
	}
	return createObject(ctx, d, cal.Href, cal.ID, ".ics", "task",
		func(uid string) (*ical.Calendar, error) { return NewTaskCalendar(uid, in, time.Now()) },
		func(o CalObject) (Task, error) { return taskOf(cal, o, nil) })
}

// UpdateTask changes the fields given; etag, when set, must match.
func (d *CalDAV) UpdateTask(ctx context.Context, cal Calendar, id string, in TaskInput, etag string) (Task, error) {
	o, err := d.Object(ctx, cal, ical.CompToDo, id)
	if err != nil {
		return Task{}, err
	}
	if staleETag(etag, o.ETag) {
		return Task{}, conflictError(o.Href, "task")
	}
	if err := d.resolveParent(ctx, cal, &in); err != nil {
		return Task{}, err
	}
	if in.Parent != nil {
		if err := d.checkParentCycle(ctx, cal, objectUID(o.Data), *in.Parent); err != nil {
			return Task{}, err
		}
	}
	if o, err = d.editable(ctx, o); err != nil {
		return Task{}, err
	}
	if err := UpdateTaskCalendar(o.Data, in, time.Now()); err != nil {
		return Task{}, inputErr(err)
	}
	return saveObject(ctx, d.Get, o.Href, "task", func() error { return d.put(ctx, o, firstNonEmpty(etag, o.ETag)) },
		func(o CalObject) (Task, error) { return taskOf(cal, o, nil) })
}

// DeleteTask deletes a task; etag, when set, must match.
func (d *CalDAV) DeleteTask(ctx context.Context, cal Calendar, id, etag string) error {
	o, err := d.Object(ctx, cal, ical.CompToDo, id)
	if err != nil {
		return err
	}
	if masterComponent(o.Data, ical.CompToDo) == nil {
		return fmt.Errorf("%s is not a task", o.Href)
	}
	return writeErr(d.Delete(ctx, o.Href, firstNonEmpty(etag, o.ETag)), http.MethodDelete, "delete", "task", o.Href)
}
