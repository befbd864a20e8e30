package mcp

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/nextcloud-mcp/nextcloud-mcp-server/nextcloud"
)

// TasksToolset offers the user's tasks (VTODO in calendars) over CalDAV.
func TasksToolset(env *Env) Toolset {
	dav := newCalDAV()
	return Toolset{
		Name:        "tasks",
		Description: "Nextcloud Tasks (VTODO over CalDAV): task lists and tasks",
		Tools: []Tool{
			tasksListLists(dav),
			tasksList(dav),
			tasksGet(dav),
			tasksCreate(dav),
			tasksUpdate(dav),
			tasksComplete(dav),
			tasksDelete(dav),
		},
	}
}

// taskFields are the settable fields of a task; nil leaves a field alone on
// update, an empty string clears it.
type taskFields struct {
	Description     *string   `json:"description,omitempty" jsonschema:"notes, may span lines; empty clears it"`
	Due             *string   `json:"due,omitempty" jsonschema:"due 2025-03-10, 2025-03-10T17:00:00 (in timezone) or RFC 3339; empty clears it"`
	Start           *string   `json:"start,omitempty" jsonschema:"start date or time, like due"`
	TimeZone        *string   `json:"timezone,omitempty" jsonschema:"IANA zone for due/start times without offset (default UTC)"`
	Priority        *int      `json:"priority,omitempty" jsonschema:"0 none, 1 highest to 9 lowest (1-4 high, 5 medium, 6-9 low)"`
	PercentComplete *int      `json:"percent_complete,omitempty" jsonschema:"0 to 100; 100 completes the task"`
	Status          *string   `json:"status,omitempty" jsonschema:"NEEDS-ACTION, IN-PROCESS, COMPLETED or CANCELLED"`
	Categories      *[]string `json:"categories,omitempty" jsonschema:"tags; replaces the list"`
	Parent          *string   `json:"parent,omitempty" jsonschema:"id or UID of the parent task (same list); empty removes it"`
}

func (f taskFields) input(summary *string) nextcloud.TaskInput {
	return nextcloud.TaskInput{Summary: summary, Description: f.Description, Due: f.Due, Start: f.Start, TimeZone: f.TimeZone,
		Priority: f.Priority, PercentComplete: f.PercentComplete, Status: f.Status, Categories: f.Categories, Parent: f.Parent}
}

func (f taskFields) check() error {
	if err := checkWhen(f.TimeZone, map[string]*string{"due": f.Due, "start": f.Start}); err != nil {
		return err
	}
	if f.Priority != nil && (*f.Priority < 0 || *f.Priority > 9) {
		return fmt.Errorf("priority must be between 0 and 9, not %d", *f.Priority)
	}
	if f.PercentComplete != nil && (*f.PercentComplete < 0 || *f.PercentComplete > 100) {
		return fmt.Errorf("percent_complete must be between 0 and 100, not %d", *f.PercentComplete)
	}
	return nil
}

type taskListsOut struct {
	Lists []nextcloud.Calendar `json:"lists" jsonschema:"calendars that hold tasks"`
}

func (o taskListsOut) Summary() string { return collectionsText("task lists", o.Lists, false) }

func tasksListLists(dav calDAV) Tool {
	return NewTool(Spec{Name: "nc_tasks_list_lists", Title: "List task lists",
		Description: "List the calendars that hold tasks (task lists), own and shared, with whether they are read-only.",
		Scope:       "tasks:read", Kind: Read},
		func(ctx context.Context, nc *nextcloud.Client, _ noIn) (taskListsOut, error) {
			lists, err := dav.detailed(ctx, nc, "VTODO")
			if err != nil {
				return taskListsOut{}, err
			}
			return taskListsOut{Lists: lists}, nil
		})
}

type tasksOut struct {
	Tasks []nextcloud.Task `json:"tasks" jsonschema:"tasks of this page: open first, then by due date, priority and title"`
	pageOut
	Skipped []nextcloud.BrokenObject `json:"skipped,omitempty" jsonschema:"objects on the server that could not be read and were left out"`
}

func taskLine(t nextcloud.Task) string {
	box := "[ ]"
	if t.Completed {
		box = "[x]"
	}
	s := fmt.Sprintf("- %s %s [list %s, id %s", box, t.Summary, t.List, t.ID)
	if t.Due != "" {
		s += ", due " + t.Due
	}
	if t.Priority > 0 {
		s += fmt.Sprintf(", priority %d", t.Priority)
	}
	if t.PercentComplete > 0 && !t.Completed {
		s += fmt.Sprintf(", %d%%", t.PercentComplete)
	}
	if t.Parent != "" {
		s += ", subtask of " + t.Parent
	}
	return s + "]\n"
}

func (o tasksOut) Summary() string {
	return pageText("tasks", o.pageOut, o.Tasks, taskLine, o.Skipped)
}

type taskOut struct {
	nextcloud.Task
	Action string `json:"action,omitempty" jsonschema:"what was done"`
}

func (o taskOut) Summary() string {
	b := itemText("Task", o.Action, taskLine(o.Task))
	if o.Description != "" {
		b.WriteString(o.Description + "\n")
	}
	fmt.Fprintf(b, "status %s, etag %s", o.Status, o.ETag)
	return b.String()
}

type listTasksIn struct {
	List      string `json:"list,omitempty" jsonschema:"task list (calendar) id from nc_tasks_list_lists; default: all lists"`
	Status    string `json:"status,omitempty" jsonschema:"open (default: not completed or cancelled), completed or all"`
	DueBefore string `json:"due_before,omitempty" jsonschema:"only tasks due before this date or time"`
	DueAfter  string `json:"due_after,omitempty" jsonschema:"only tasks due at or after this date or time"`
	Priority  string `json:"priority,omitempty" jsonschema:"high (1-4), medium (5), low (6-9), none, or a number 1-9"`
	Query     string `json:"query,omitempty" jsonschema:"text to find in title, description or categories"`
	TimeZone  string `json:"timezone,omitempty" jsonschema:"IANA zone for dates in the filters and for showing times"`
	Limit     int    `json:"limit,omitempty" jsonschema:"tasks per page, 1 to 500 (default 100)"`
	Offset    int    `json:"offset,omitempty" jsonschema:"index of the first task to return, from next_offset"`
}

func (in *listTasksIn) filter(loc *time.Location) (nextcloud.TaskFilter, error) {
	f := nextcloud.TaskFilter{Status: strings.ToLower(strings.TrimSpace(in.Status)), Priority: in.Priority, Text: in.Query}
	if err := f.Validate(); err != nil {
		return f, err
	}
	if in.DueBefore != "" {
		t, _, err := nextcloud.ParseTimeInput(in.DueBefore, loc)
		if err != nil {
			return f, fmt.Errorf("due_before: %w", err)
		}
		f.DueBefore = t
	}
	if in.DueAfter != "" {
		t, _, err := nextcloud.ParseTimeInput(in.DueAfter, loc)
		if err != nil {
			return f, fmt.Errorf("due_after: %w", err)
		}
		f.DueAfter = t
	}
	return f, nil
}

func (in *listTasksIn) Validate() error {
	loc, err := zoneArg(in.TimeZone)
	if err != nil {
		return err
	}
	if _, err := in.filter(locOr(loc)); err != nil {
		return err
	}
	return checkPage(in.Limit, in.Offset, 500)
}

func tasksList(dav calDAV) Tool {
	return NewTool(Spec{Name: "nc_tasks_list", Title: "List tasks",
		Description: "List tasks of one or all task lists, open ones by default, filtered by status, due date, priority and text; open first, then by due date and priority.",
		Scope:       "tasks:read", Kind: Read},
		func(ctx context.Context, nc *nextcloud.Client, in listTasksIn) (tasksOut, error) {
			out, _ := zoneArg(in.TimeZone)
			f, _ := in.filter(locOr(out))
			d, lists, err := dav.collections(ctx, nc, in.List, "VTODO")
			if err != nil {
				return tasksOut{}, err
			}
			res, err := d.Tasks(ctx, lists, f, out)
			if err != nil {
				return tasksOut{}, err
			}
			ts, page := pageOf(res.Tasks, in.Offset, orDefault(in.Limit, 100))
			return tasksOut{Tasks: ts, pageOut: page, Skipped: res.Broken}, nil
		})
}

type taskRefIn struct {
	List   string `json:"list" jsonschema:"task list (calendar) id"`
	TaskID string `json:"task_id" jsonschema:"the task's id (or UID) from nc_tasks_list"`
}

func (in *taskRefIn) Validate() error {
	return requireBoth("list", in.List, "task_id", in.TaskID)
}

func tasksGet(dav calDAV) Tool {
	return NewTool(Spec{Name: "nc_tasks_get", Title: "Get task",
		Description: "Get one task with all its fields and its etag.",
		Scope:       "tasks:read", Kind: Read},
		func(ctx context.Context, nc *nextcloud.Client, in taskRefIn) (taskOut, error) {
			d, c, err := taskList(ctx, nc, dav, in.List)
			if err != nil {
				return taskOut{}, err
			}
			t, err := d.GetTask(ctx, c, in.TaskID)
			if err != nil {
				return taskOut{}, err
			}
			return taskOut{Task: t}, nil
		})
}

type createTaskIn struct {
	List    string `json:"list,omitempty" jsonschema:"task list (calendar) id; default: the first list of the user's own"`
	Summary string `json:"summary" jsonschema:"title"`
	taskFields
}

func (in *createTaskIn) Validate() error {
	if err := textArg("summary", in.Summary); err != nil {
		return err
	}
	return in.taskFields.check()
}

func tasksCreate(dav calDAV) Tool {
	return NewTool(Spec{Name: "nc_tasks_create", Title: "Create task",
		Description: "Create a task, optionally with due date, start, priority, categories, description, or as a subtask of another task (parent).",
		Scope:       "tasks:write", Kind: Create},
		func(ctx context.Context, nc *nextcloud.Client, in createTaskIn) (taskOut, error) {
			var d *nextcloud.CalDAV
			var c nextcloud.Calendar
			var err error
			if strings.TrimSpace(in.List) == "" {
				var cals []nextcloud.Calendar
				if d, cals, err = dav.all(ctx, nc); err != nil {
					return taskOut{}, err
				}
				c, err = defaultCalendar(cals, "VTODO", "tasks", "personal")
				if err != nil {
					return taskOut{}, err
				}
			} else if d, c, err = taskList(ctx, nc, dav, in.List); err != nil {
				return taskOut{}, err
			}
			t, err := d.CreateTask(ctx, c, in.taskFields.input(&in.Summary))
			if err != nil {
				return taskOut{}, err
			}
			return taskOut{Task: t, Action: "created in list " + c.ID}, nil
		})
}

type updateTaskIn struct {
	List    string  `json:"list" jsonschema:"task list (calendar) id"`
	TaskID  string  `json:"task_id" jsonschema:"the task's id (or UID)"`
	ETag    string  `json:"etag,omitempty" jsonschema:"the etag read before; refused if the task changed since"`
	Summary *string `json:"summary,omitempty" jsonschema:"title"`
	taskFields
}

func (in *updateTaskIn) Validate() error {
	return changeArgs(requireBoth("list", in.List, "task_id", in.TaskID), in.Summary == nil && noFieldGiven(in.taskFields),
		"give at least one field to change (summary, due, priority, status, ...)", in.taskFields.check)
}

func tasksUpdate(dav calDAV) Tool {
	return NewTool(Spec{Name: "nc_tasks_update", Title: "Update task",
		Description: "Change a task: only the fields given change. Setting status COMPLETED or percent_complete 100 completes it. Refused with a conflict if the task changed meanwhile (ETag).",
		Scope:       "tasks:write", Kind: Write},
		func(ctx context.Context, nc *nextcloud.Client, in updateTaskIn) (taskOut, error) {
			d, c, err := taskList(ctx, nc, dav, in.List)
			if err != nil {
				return taskOut{}, err
			}
			t, err := d.UpdateTask(ctx, c, in.TaskID, in.taskFields.input(in.Summary), in.ETag)
			if err != nil {
				return taskOut{}, err
			}
			return taskOut{Task: t, Action: "updated"}, nil
		})
}

type completeTaskIn struct {
	List      string `json:"list" jsonschema:"task list (calendar) id"`
	TaskID    string `json:"task_id" jsonschema:"the task's id (or UID)"`
	Completed *bool  `json:"completed,omitempty" jsonschema:"true (default) marks it done; false reopens it"`
}

func (in *completeTaskIn) Validate() error {
	return requireBoth("list", in.List, "task_id", in.TaskID)
}

func tasksComplete(dav calDAV) Tool {
	return NewTool(Spec{Name: "nc_tasks_complete", Title: "Complete task",
		Description: "Mark a task as done (status COMPLETED, 100%, completion time now), or with completed false reopen it.",
		Scope:       "tasks:write", Kind: Write},
		func(ctx context.Context, nc *nextcloud.Client, in completeTaskIn) (taskOut, error) {
			d, c, err := taskList(ctx, nc, dav, in.List)
			if err != nil {
				return taskOut{}, err
			}
			status, action := "COMPLETED", "completed"
			ti := nextcloud.TaskInput{Status: &status}
			if in.Completed != nil && !*in.Completed {
				status, action = "NEEDS-ACTION", "reopened"
				zero := 0
				ti.PercentComplete = &zero
				ti.Status = &status
			}
			t, err := d.UpdateTask(ctx, c, in.TaskID, ti, "")
			if err != nil {
				return taskOut{}, err
			}
			return taskOut{Task: t, Action: action}, nil
		})
}

type deleteTaskIn struct {
	List   string `json:"list" jsonschema:"task list (calendar) id"`
	TaskID string `json:"task_id" jsonschema:"the task's id (or UID)"`
	ETag   string `json:"etag,omitempty" jsonschema:"the etag read before; if the task changed since, nothing is deleted"`
}

func (in *deleteTaskIn) Validate() error {
	return requireBoth("list", in.List, "task_id", in.TaskID)
}

func tasksDelete(dav calDAV) Tool {
	return NewTool(Spec{Name: "nc_tasks_delete", Title: "Delete task",
		Description: "Delete a task. Its subtasks stay (without parent in apps that cannot find it).",
		Scope:       "tasks:write", Kind: Destroy},
		func(ctx context.Context, nc *nextcloud.Client, in deleteTaskIn) (deletedOut, error) {
			d, c, err := taskList(ctx, nc, dav, in.List)
			if err != nil {
				return deletedOut{}, err
			}
			if err := d.DeleteTask(ctx, c, in.TaskID, in.ETag); err != nil {
				return deletedOut{}, err
			}
			return deletedOut{Deleted: in.TaskID, Message: fmt.Sprintf("Task %s deleted from list %s.", in.TaskID, c.ID)}, nil
		})
}

// taskList opens CalDAV and finds the task list ref names (the first list
// holding tasks when ref is empty).
func taskList(ctx context.Context, nc *nextcloud.Client, dav calDAV, ref string) (*nextcloud.CalDAV, nextcloud.Calendar, error) {
	d, cals, err := dav.collections(ctx, nc, ref, "VTODO")
	if err != nil {
		return nil, nextcloud.Calendar{}, err
	}
	if len(cals) == 0 {
		return nil, nextcloud.Calendar{}, &ArgError{Msg: "the user has no task list; create a calendar holding VTODO with nc_calendar_create_calendar"}
	}
	return d, cals[0], nil
}
