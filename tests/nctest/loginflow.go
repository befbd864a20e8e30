package nctest

import (
	"net/http"
	"strings"
)

// Login Flow v2 as documented in Nextcloud's developer manual: POST
// /index.php/login/v2 starts a flow; polling /index.php/login/v2/poll with
// the token answers 404 until the user approves, then the credentials
// exactly once.

type loginFlow struct {
	token    string // poll token
	login    string // set when approved
	password string
}

func (s *Server) registerLoginFlow() {
	s.mux.HandleFunc("POST /index.php/login/v2", func(w http.ResponseWriter, r *http.Request) {
		flowID := randHex(16)
		f := &loginFlow{token: randHex(32)}
		s.mu.Lock()
		if s.apps.loginFlows == nil {
			s.apps.loginFlows = map[string]*loginFlow{}
		}
		s.apps.loginFlows[flowID] = f
		s.mu.Unlock()
		writeJSON(w, http.StatusOK, map[string]any{
			"poll":  map[string]any{"token": f.token, "endpoint": s.URL + "/index.php/login/v2/poll"},
			"login": s.URL + "/index.php/login/v2/flow/" + flowID,
		})
	})
	s.mux.HandleFunc("POST /index.php/login/v2/poll", func(w http.ResponseWriter, r *http.Request) {
		_ = r.ParseForm()
		token := r.PostForm.Get("token")
		s.mu.Lock()
		var login, password string
		for id, f := range s.apps.loginFlows {
			if f.token == token && token != "" && f.login != "" {
				login, password = f.login, f.password
				delete(s.apps.loginFlows, id) // handed out once
			}
		}
		s.mu.Unlock()
		if login == "" {
			writeJSON(w, http.StatusNotFound, []any{})
			return
		}
		writeJSON(w, http.StatusOK, map[string]any{"server": s.URL, "loginName": login, "appPassword": password})
	})
	s.mux.HandleFunc("DELETE /ocs/v2.php/core/apppassword", func(w http.ResponseWriter, r *http.Request) {
		login, pass, _ := r.BasicAuth()
		s.mu.Lock()
		defer s.mu.Unlock()
		list := s.apps.appPasswords[login]
		for i, p := range list {
			if p == pass {
				s.apps.appPasswords[login] = append(list[:i:i], list[i+1:]...)
				writeOCS(w, r, http.StatusOK, 200, "OK", nil)
				return
			}
		}
		writeOCS(w, r, http.StatusForbidden, 403, "Password confirmation is required", nil)
	})
}

// ApproveLoginFlow plays the user approving the flow behind loginURL as
// login: an app password is created, and the next poll returns it.
func (s *Server) ApproveLoginFlow(loginURL, login string) bool {
	id := loginURL[strings.LastIndex(loginURL, "/")+1:]
	pass := strings.ToUpper(randHex(4)) + "-" + randHex(12)
	s.mu.Lock()
	f, ok := s.apps.loginFlows[id]
	if ok {
		f.login, f.password = login, pass
		if s.apps.appPasswords == nil {
			s.apps.appPasswords = map[string][]string{}
		}
		s.apps.appPasswords[login] = append(s.apps.appPasswords[login], pass)
	}
	s.mu.Unlock()
	return ok
}

// AppPasswordCount tells how many app passwords login has.
func (s *Server) AppPasswordCount(login string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.apps.appPasswords[login])
}

// PendingLoginFlows lists the login URLs of flows not yet approved.
func (s *Server) PendingLoginFlows() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []string
	for id, f := range s.apps.loginFlows {
		if f.login == "" {
			out = append(out, s.URL+"/index.php/login/v2/flow/"+id)
		}
	}
	return out
}
