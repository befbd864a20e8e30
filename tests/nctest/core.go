package nctest

import (
	"context"
	"net/http"
)

type ctxKey struct{}

func withUser(ctx context.Context, user string) context.Context {
	return context.WithValue(ctx, ctxKey{}, user)
}

// UserOf returns the authenticated user id of a request.
func UserOf(r *http.Request) string {
	u, _ := r.Context().Value(ctxKey{}).(string)
	return u
}

// appState holds each app's stand-in, set when the app's routes are
// registered; seed methods reach an app's store through it.
type appState struct {
	appPasswords map[string][]string
	loginFlows   map[string]*loginFlow

	notes       *notesState
	files       *fdavServer
	extras      *extrasStandIn
	sharing     *sharingStandIn
	search      *searchStandIn
	users       *usersStandIn
	dav         *davStore
	deck        *deckHandlers
	tables      *tablesHandlers
	talk        *talkStandIn
	mail        *mailStandIn
	news        *newsStandIn
	collectives *collectivesStandIn
	cookbook    *cookbookStandIn
	bookmarks   *bookmarksStandIn
	polls       *pollsStandIn
	forms       *formsStandIn
	teams       *teamsStandIn

	// Everyday apps (issue 20).
	notifications *notificationsStandIn
	userStatus    *userStatusStandIn
	activity      *activityStandIn
	announcements *announcementsStandIn
	admin         *adminStandIn
}

func (s *Server) appPasswordsLocked(login string) []string {
	return s.apps.appPasswords[login]
}

// AddAppPassword lets login also sign in with pass (Login Flow v2 results).
func (s *Server) AddAppPassword(login, pass string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.apps.appPasswords == nil {
		s.apps.appPasswords = map[string][]string{}
	}
	s.apps.appPasswords[login] = append(s.apps.appPasswords[login], pass)
}

func (s *Server) registerCore() {
	s.mux.HandleFunc("GET /status.php", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, http.StatusOK, map[string]any{"installed": true, "maintenance": false, "needsDbUpgrade": false, "version": "31.0.5.1", "versionstring": "31.0.5", "edition": "", "productname": "Nextcloud", "extendedSupport": false})
	})
	caps := func(w http.ResponseWriter, r *http.Request) {
		c := map[string]any{
			"core":          map[string]any{"pollinterval": 60, "webdav-root": "remote.php/webdav"},
			"files":         map[string]any{"bigfilechunking": true, "undelete": true, "versioning": true},
			"files_sharing": map[string]any{"api_enabled": true, "public": map[string]any{"enabled": true}},
			"dav":           map[string]any{"chunking": "1.0"},
		}
		for app, capKey := range appCapabilities {
			if !s.isDisabled(app) {
				c[capKey] = map[string]any{"enabled": true, "version": appVersions[app]}
			}
		}
		writeOCS(w, r, http.StatusOK, 200, "OK", map[string]any{
			"version":      map[string]any{"major": 31, "minor": 0, "micro": 5, "string": "31.0.5", "edition": "", "extendedSupport": false},
			"capabilities": c,
		})
	}
	s.mux.HandleFunc("GET /ocs/v2.php/cloud/capabilities", caps)
	s.mux.HandleFunc("GET /ocs/v1.php/cloud/capabilities", caps)
	s.mux.HandleFunc("GET /ocs/v2.php/cloud/user", func(w http.ResponseWriter, r *http.Request) {
		id := UserOf(r)
		writeOCS(w, r, http.StatusOK, 200, "OK", map[string]any{
			"id": id, "display-name": id, "email": id + "@example.com", "enabled": true,
			"quota":  map[string]any{"free": 1 << 30, "used": 1024, "total": 1<<30 + 1024, "relative": 0.01, "quota": -3},
			"groups": []string{"users"}, "language": "en",
		})
	})
}

// appCapabilities maps an app id to the key it adds under capabilities.
var appCapabilities = map[string]string{
	"bookmarks":   "bookmarks",
	"polls":       "polls",
	"forms":       "forms",
	"circles":     "circles",
	"notes":       "notes",
	"deck":        "deck",
	"tables":      "tables",
	"spreed":      "spreed",
	"mail":        "mail",
	"news":        "news",
	"collectives": "collectives",
	"cookbook":    "cookbook",

	// Everyday apps (issue 20).
	"notifications": "notifications",
	"user_status":   "user_status",
	"activity":      "activity",
}

var appVersions = map[string]string{
	"notes": "4.11.0", "deck": "1.15.0", "tables": "0.9.1", "spreed": "21.0.0",
	"mail": "5.0.0", "news": "25.0.0", "collectives": "2.16.0", "cookbook": "0.11.2",
	"bookmarks": "15.1.0", "polls": "8.1.0", "forms": "5.1.0", "circles": "31.0.0",
	"notifications": "31.0.0", "user_status": "1.11.0", "activity": "4.0.0",
}

// SetFault installs (or with nil removes) the fault hook while requests
// may be in flight.
func (s *Server) SetFault(f func(w http.ResponseWriter, r *http.Request) bool) {
	s.mu.Lock()
	s.Fault = f
	s.mu.Unlock()
}
