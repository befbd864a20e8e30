package nctest

import (
	"net/http"
	"strconv"
	"time"
)

// File reminders (the files_reminders app of nextcloud/server,
// lib/Controller/ApiController.php, OCS routes /api/v1/{fileId} as the
// app's own frontend calls them): GET answers {dueDate: ATOM string or
// null}; PUT dueDate answers 201 when created, 200 when updated, 400 for
// a date PHP's DateTime cannot read, 404 when the user has no such file;
// DELETE answers 200, or 404 when there is no reminder.

const remindersBase = "/ocs/v2.php/apps/files_reminders/api/v1/{fileId}"

func (st *extrasStandIn) registerReminders() {
	mux := st.s.mux
	mux.HandleFunc("GET "+remindersBase, st.reminderAPI(func(r *http.Request, user string, id int64, p params) (int, any) {
		if due, ok := st.reminders[user][id]; ok {
			return http.StatusOK, map[string]any{"dueDate": due.UTC().Format(time.RFC3339)}
		}
		return http.StatusOK, map[string]any{"dueDate": nil}
	}))
	mux.HandleFunc("PUT "+remindersBase, st.reminderAPI(func(r *http.Request, user string, id int64, p params) (int, any) {
		due, err := time.Parse(time.RFC3339, p.str("dueDate"))
		if err != nil {
			return http.StatusBadRequest, []any{}
		}
		if _, exists := st.s.filesByID(user, id); !exists {
			return http.StatusNotFound, []any{}
		}
		if st.reminders[user] == nil {
			st.reminders[user] = map[int64]time.Time{}
		}
		_, had := st.reminders[user][id]
		st.reminders[user][id] = due.UTC()
		if had {
			return http.StatusOK, []any{}
		}
		return http.StatusCreated, []any{}
	}))
	mux.HandleFunc("DELETE "+remindersBase, st.reminderAPI(func(r *http.Request, user string, id int64, p params) (int, any) {
		if _, ok := st.reminders[user][id]; !ok {
			return http.StatusNotFound, []any{}
		}
		delete(st.reminders[user], id)
		return http.StatusOK, []any{}
	}))
}

// reminderAPI runs fn with st.mu held and answers in an OCS envelope; an
// {fileId} that is not an integer is a 404, as the route requirement makes it.
func (st *extrasStandIn) reminderAPI(fn func(r *http.Request, user string, id int64, p params) (int, any)) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		id, err := strconv.ParseInt(r.PathValue("fileId"), 10, 64)
		if err != nil {
			writeOCS(w, r, http.StatusNotFound, 998, "", nil)
			return
		}
		p := paramsOf(r)
		st.mu.Lock()
		status, data := fn(r, UserOf(r), id, p)
		st.mu.Unlock()
		writeOCS(w, r, status, status, "", data)
	}
}

// FileReminder returns user's reminder on a file and whether there is one.
func (s *Server) FileReminder(user string, fileID int64) (time.Time, bool) {
	st := s.apps.extras
	st.mu.Lock()
	defer st.mu.Unlock()
	due, ok := st.reminders[user][fileID]
	return due, ok
}
