package nctest

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"net/http"
	"net/mail"
	"path"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"
)

// The OCS Share API of the files_sharing app
// (/ocs/v2.php/apps/files_sharing/api/v1/shares, Nextcloud's
// ShareAPIController): shares of the files the files stand-in holds, with
// its file ids, answered in OCS envelopes with the statuses the API uses.

const (
	shareUser      = 0
	shareGroup     = 1
	shareLink      = 3
	shareEmail     = 4
	shareFederated = 6
	shareCircle    = 7
	shareTalk      = 10
	shareDeck      = 12

	sharePermRead   = 1
	sharePermUpdate = 2
	sharePermCreate = 4
	sharePermDelete = 8
	sharePermAll    = 31
)

type shareRec struct {
	id           int
	typ          int
	initiator    string // uid_owner: who made the share
	fileOwner    string
	path         string // in the file owner's files, no leading slash
	fileID       int64
	isDir        bool
	mime         string
	shareWith    string
	permissions  int
	stime        int64
	expiration   string // YYYY-MM-DD or ""
	token        string
	note         string
	label        string
	passwordHash string
	hideDownload bool
	// left lists group members who removed a group share for themselves.
	left map[string]bool
}

type sharingStandIn struct {
	s      *Server
	mu     sync.Mutex
	nextID int
	shares map[int]*shareRec
}

func (s *Server) registerSharing() {
	sh := &sharingStandIn{s: s, nextID: 20, shares: map[int]*shareRec{}}
	s.apps.sharing = sh
	for _, v := range []string{"v1", "v2"} {
		p := "/ocs/" + v + ".php/apps/files_sharing/api/v1/shares"
		s.mux.HandleFunc("GET "+p, sh.list)
		s.mux.HandleFunc("POST "+p, sh.create)
		s.mux.HandleFunc("GET "+p+"/{id}", sh.get)
		s.mux.HandleFunc("PUT "+p+"/{id}", sh.update)
		s.mux.HandleFunc("DELETE "+p+"/{id}", sh.delete)
	}
}

func shareTruthy(s string) bool { return s == "1" || strings.EqualFold(s, "true") }

func shareToken() string {
	return randomString("abcdefghijkmnopqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789", 15)
}

func shareHash(pw string) string {
	sum := sha256.Sum256([]byte(pw))
	return "$2y$10$" + hex.EncodeToString(sum[:])[:53]
}

// shareDate checks a YYYY-MM-DD expiry date; it returns the OCS status
// and message of a bad one.
func shareDate(s string) (string, int, string) {
	d, err := time.Parse("2006-01-02", s)
	if err != nil {
		// Nextcloud also takes a full date-time; the date part counts.
		t, err2 := time.Parse(time.RFC3339, s)
		if err2 != nil {
			return "", http.StatusNotFound, "Invalid date. Format must be YYYY-MM-DD"
		}
		d = time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, time.UTC)
	}
	today := time.Now().UTC().Truncate(24 * time.Hour)
	if d.Before(today) {
		return "", http.StatusNotFound, "Expiration date is in the past"
	}
	return d.Format("2006-01-02"), 0, ""
}

// recipient reports whether user receives the share.
func (sh *sharingStandIn) recipient(rec *shareRec, user string) bool {
	switch rec.typ {
	case shareUser:
		return rec.shareWith == user
	case shareGroup:
		u := sh.s.apps.users
		return u != nil && u.inGroup(user, rec.shareWith) && !rec.left[user] && rec.initiator != user && rec.fileOwner != user
	}
	return false
}

func (sh *sharingStandIn) format(rec *shareRec, me string) map[string]any {
	ownerName := sh.s.displayNameOr(rec.initiator)
	fileOwnerName := sh.s.displayNameOr(rec.fileOwner)
	target := "/" + path.Base(rec.path)
	p := "/" + rec.path
	if me != rec.fileOwner && me != rec.initiator {
		p = target
	}
	itemType := "file"
	if rec.isDir {
		itemType = "folder"
	}
	m := map[string]any{
		"id": strconv.Itoa(rec.id), "share_type": rec.typ,
		"uid_owner": rec.initiator, "displayname_owner": ownerName,
		"permissions": rec.permissions, "can_edit": me == rec.initiator || me == rec.fileOwner,
		"can_delete": true, "stime": rec.stime, "parent": nil, "expiration": nil, "token": nil,
		"uid_file_owner": rec.fileOwner, "displayname_file_owner": fileOwnerName,
		"note": rec.note, "label": rec.label, "path": p, "item_type": itemType, "mimetype": rec.mime,
		"has_preview": false, "storage_id": "home::" + rec.fileOwner, "storage": 1,
		"item_source": rec.fileID, "file_source": rec.fileID, "file_parent": 0, "file_target": target,
		"item_permissions": rec.permissions,
		"share_with":       rec.shareWith, "share_with_displayname": rec.shareWith, "share_with_displayname_unique": rec.shareWith,
		"mail_send": 0, "hide_download": 0, "attributes": nil,
	}
	if rec.expiration != "" {
		m["expiration"] = rec.expiration + " 00:00:00"
	}
	if rec.hideDownload {
		m["hide_download"] = 1
	}
	switch rec.typ {
	case shareUser:
		name := sh.s.displayNameOr(rec.shareWith)
		m["share_with_displayname"] = name
		m["share_with_displayname_unique"] = rec.shareWith + "@example.com"
		m["mail_send"] = 1
	case shareGroup:
		if u := sh.s.apps.users; u != nil {
			m["share_with_displayname"] = u.groupDisplay(rec.shareWith)
		}
	case shareLink, shareEmail:
		m["token"] = rec.token
		m["url"] = sh.s.URL + "/s/" + rec.token
		if rec.passwordHash != "" && (me == rec.initiator || me == rec.fileOwner) {
			m["password"] = rec.passwordHash
		}
		m["send_password_by_talk"] = false
		if rec.typ == shareLink {
			m["share_with"] = nil
			m["share_with_displayname"] = "(Shared link)"
			if rec.passwordHash != "" {
				m["share_with"] = rec.passwordHash
			}
		}
	}
	return m
}

func (sh *sharingStandIn) list(w http.ResponseWriter, r *http.Request) {
	me := UserOf(r)
	q := paramsOf(r).strings()
	sharedWithMe, reshares, subfiles := shareTruthy(q["shared_with_me"]), shareTruthy(q["reshares"]), shareTruthy(q["subfiles"])
	rel := strings.Trim(q["path"], "/")
	var node extrasNode
	if q["path"] != "" && !sharedWithMe {
		var ok bool
		if node, ok = sh.s.filesStat(me, rel); !ok {
			writeOCS(w, r, http.StatusNotFound, 404, "Wrong path, file/folder does not exist", nil)
			return
		}
		if subfiles && !node.IsDir {
			writeOCS(w, r, http.StatusBadRequest, 400, "Not a directory", nil)
			return
		}
	}
	sh.mu.Lock()
	var recs []*shareRec
	for _, rec := range sh.shares {
		keep := false
		switch {
		case sharedWithMe:
			keep = sh.recipient(rec, me) && (q["path"] == "" || "/"+path.Base(rec.path) == "/"+rel)
		case q["path"] != "" && subfiles:
			keep = rec.fileOwner == me && path.Dir("/"+rec.path) == "/"+node.Path && (reshares || rec.initiator == me)
		case q["path"] != "":
			keep = rec.fileID == node.ID && (rec.initiator == me || (reshares && rec.fileOwner == me))
		default:
			keep = rec.initiator == me || (reshares && rec.fileOwner == me)
		}
		if keep {
			recs = append(recs, rec)
		}
	}
	sort.Slice(recs, func(i, j int) bool { return recs[i].id < recs[j].id })
	out := []any{}
	for _, rec := range recs {
		out = append(out, sh.format(rec, me))
	}
	sh.mu.Unlock()
	writeOCS(w, r, http.StatusOK, 200, "OK", out)
}

// visible returns a share the user made, owns the file of, or receives;
// the caller holds sh.mu.
func (sh *sharingStandIn) visible(r *http.Request, me string) *shareRec {
	id, err := strconv.Atoi(r.PathValue("id"))
	if err != nil {
		return nil
	}
	rec := sh.shares[id]
	if rec == nil || (rec.initiator != me && rec.fileOwner != me && !sh.recipient(rec, me)) {
		return nil
	}
	return rec
}

// visibleOr404 is visible, answering OCS's 404 when the share is not.
func (sh *sharingStandIn) visibleOr404(w http.ResponseWriter, r *http.Request, me string) *shareRec {
	rec := sh.visible(r, me)
	if rec == nil {
		writeShareNotFound(w, r)
	}
	return rec
}

func writeShareNotFound(w http.ResponseWriter, r *http.Request) {
	writeOCS(w, r, http.StatusNotFound, 404, "Wrong share ID, share does not exist", nil)
}

func (sh *sharingStandIn) get(w http.ResponseWriter, r *http.Request) {
	me := UserOf(r)
	sh.mu.Lock()
	rec := sh.visible(r, me)
	var out map[string]any
	if rec != nil {
		out = sh.format(rec, me)
	}
	sh.mu.Unlock()
	if rec == nil {
		writeShareNotFound(w, r)
		return
	}
	writeOCS(w, r, http.StatusOK, 200, "OK", []any{out})
}

// checkPermissions applies Nextcloud's rules for a share's permissions.
func checkSharePermissions(perms, typ int, isDir bool) (int, string) {
	if perms < 0 || perms > sharePermAll {
		return http.StatusBadRequest, "Invalid permissions"
	}
	if !isDir && perms&sharePermCreate != 0 {
		return http.StatusBadRequest, "Files cannot be shared with create permissions"
	}
	if !isDir && perms&sharePermDelete != 0 {
		return http.StatusBadRequest, "Files cannot be shared with delete permissions"
	}
	fileDrop := typ == shareLink && isDir && perms == sharePermCreate
	if perms&sharePermRead == 0 && !fileDrop {
		return http.StatusBadRequest, "Share must have READ permission"
	}
	if (typ == shareLink || typ == shareEmail) && perms&sharePermUpdate != 0 && !isDir && perms != sharePermRead|sharePermUpdate {
		return http.StatusBadRequest, "Public links to files can only be read or edited"
	}
	return 0, ""
}

// sharingParams reads a request's parameters as strings; a body that
// cannot be read gets OCS's 400.
func sharingParams(w http.ResponseWriter, r *http.Request) (map[string]string, bool) {
	p, err := readParams(r)
	if err != nil {
		writeOCS(w, r, http.StatusBadRequest, 400, "Invalid request body", nil)
		return nil, false
	}
	return p.strings(), true
}

func (sh *sharingStandIn) create(w http.ResponseWriter, r *http.Request) {
	me := UserOf(r)
	q, ok := sharingParams(w, r)
	if !ok {
		return
	}
	if q["shareType"] == strconv.Itoa(shareDeck) && sh.s.apps.deck != nil && !sh.s.isDisabled("deck") {
		// Nextcloud's share manager hands these to Deck's share provider.
		sh.s.apps.deck.shareWithCard(w, r)
		return
	}
	if q["path"] == "" {
		writeOCS(w, r, http.StatusNotFound, 404, "Please specify a file or folder path", nil)
		return
	}
	node, ok := sh.s.filesStat(me, q["path"])
	if !ok {
		writeOCS(w, r, http.StatusNotFound, 404, "Wrong path, file/folder does not exist", nil)
		return
	}
	if node.Path == "" {
		writeOCS(w, r, http.StatusForbidden, 403, "You cannot share your root folder", nil)
		return
	}
	typ, err := strconv.Atoi(q["shareType"])
	if err != nil {
		typ = -1
	}
	rec := &shareRec{typ: typ, initiator: me, fileOwner: me, path: node.Path, fileID: node.ID, isDir: node.IsDir, mime: node.Mime,
		shareWith: strings.TrimSpace(q["shareWith"]), stime: time.Now().Unix(), note: q["note"]}
	perms := sharePermAll
	if typ == shareLink || typ == shareEmail {
		perms = sharePermRead
	}
	if v, ok := q["permissions"]; ok && v != "" {
		if perms, err = strconv.Atoi(v); err != nil {
			writeOCS(w, r, http.StatusBadRequest, 400, "Invalid permissions", nil)
			return
		}
	}
	if shareTruthy(q["publicUpload"]) {
		if !node.IsDir {
			writeOCS(w, r, http.StatusNotFound, 404, "Public upload is only possible for publicly shared folders", nil)
			return
		}
		perms = sharePermRead | sharePermUpdate | sharePermCreate | sharePermDelete
	}
	if !node.IsDir {
		// Single file shares never carry create or delete permissions.
		perms &^= sharePermCreate | sharePermDelete
	}
	if status, msg := checkSharePermissions(perms, typ, node.IsDir); status != 0 {
		writeOCS(w, r, status, status, msg, nil)
		return
	}
	rec.permissions = perms

	switch typ {
	case shareUser:
		if _, exists := sh.s.userDisplay(rec.shareWith); rec.shareWith == "" || !exists {
			writeOCS(w, r, http.StatusNotFound, 404, "Please specify a valid account to share with", nil)
			return
		}
		if rec.shareWith == me {
			writeOCS(w, r, http.StatusForbidden, 403, "Cannot share with yourself", nil)
			return
		}
	case shareGroup:
		if u := sh.s.apps.users; rec.shareWith == "" || u == nil || !u.groupExists(rec.shareWith) {
			writeOCS(w, r, http.StatusNotFound, 404, "Please specify a valid group", nil)
			return
		}
	case shareLink:
		rec.shareWith = ""
		rec.token = shareToken()
		rec.label = q["label"]
	case shareEmail:
		if a, err := mail.ParseAddress(rec.shareWith); err != nil || a.Address != rec.shareWith {
			writeOCS(w, r, http.StatusBadRequest, 400, fmt.Sprintf("Invalid email address %q", rec.shareWith), nil)
			return
		}
		rec.token = shareToken()
		rec.label = q["label"]
	case shareFederated:
		at := strings.LastIndex(rec.shareWith, "@")
		if at <= 0 || at == len(rec.shareWith)-1 {
			writeOCS(w, r, http.StatusBadRequest, 400, "Invalid Federated Cloud ID", nil)
			return
		}
	case shareCircle:
		writeOCS(w, r, http.StatusNotFound, 404, "You cannot share to a Team if the app is not enabled", nil)
		return
	case shareTalk:
		if sh.s.isDisabled("spreed") {
			writeOCS(w, r, http.StatusForbidden, 403, fmt.Sprintf("Sharing %s failed because the back end does not support room shares", path.Base(node.Path)), nil)
			return
		}
		if rec.shareWith == "" {
			writeOCS(w, r, http.StatusNotFound, 404, "Please specify a valid conversation", nil)
			return
		}
	default:
		writeOCS(w, r, http.StatusBadRequest, 400, "Unknown share type", nil)
		return
	}
	if pw := q["password"]; pw != "" && (typ == shareLink || typ == shareEmail) {
		rec.passwordHash = shareHash(pw)
	}
	if d := q["expireDate"]; d != "" {
		date, status, msg := shareDate(d)
		if status != 0 {
			writeOCS(w, r, status, status, msg, nil)
			return
		}
		rec.expiration = date
	}
	sh.mu.Lock()
	defer sh.mu.Unlock()
	if typ == shareUser || typ == shareGroup {
		for _, o := range sh.shares {
			if o.fileID == rec.fileID && o.typ == typ && o.shareWith == rec.shareWith {
				kind := "account"
				if typ == shareGroup {
					kind = "group"
				}
				writeOCS(w, r, http.StatusForbidden, 403, fmt.Sprintf("Sharing %s failed, because this item is already shared with %s %s", path.Base(rec.path), kind, rec.shareWith), nil)
				return
			}
		}
	}
	sh.nextID++
	rec.id = sh.nextID
	sh.shares[rec.id] = rec
	writeOCS(w, r, http.StatusOK, 200, "OK", sh.format(rec, me))
}

func (sh *sharingStandIn) update(w http.ResponseWriter, r *http.Request) {
	me := UserOf(r)
	q, ok := sharingParams(w, r)
	if !ok {
		return
	}
	sh.mu.Lock()
	defer sh.mu.Unlock()
	rec := sh.visibleOr404(w, r, me)
	if rec == nil {
		return
	}
	if rec.initiator != me && rec.fileOwner != me {
		writeOCS(w, r, http.StatusForbidden, 403, "You are not allowed to edit incoming shares", nil)
		return
	}
	known := []string{"permissions", "password", "expireDate", "note", "label", "hideDownload", "publicUpload", "sendPasswordByTalk", "attributes"}
	anyGiven := false
	for _, k := range known {
		if _, ok := q[k]; ok {
			anyGiven = true
		}
	}
	if !anyGiven {
		writeOCS(w, r, http.StatusBadRequest, 400, "Wrong or no update parameter given", nil)
		return
	}
	next := *rec
	if v, ok := q["permissions"]; ok {
		p, err := strconv.Atoi(v)
		if err != nil {
			writeOCS(w, r, http.StatusBadRequest, 400, "Invalid permissions", nil)
			return
		}
		if status, msg := checkSharePermissions(p, rec.typ, rec.isDir); status != 0 {
			writeOCS(w, r, status, status, msg, nil)
			return
		}
		next.permissions = p
	}
	if v, ok := q["publicUpload"]; ok && rec.typ == shareLink {
		if shareTruthy(v) {
			if !rec.isDir {
				writeOCS(w, r, http.StatusBadRequest, 400, "Public upload is only possible for publicly shared folders", nil)
				return
			}
			next.permissions = sharePermRead | sharePermUpdate | sharePermCreate | sharePermDelete
		} else {
			next.permissions = sharePermRead
		}
	}
	if v, ok := q["password"]; ok && (rec.typ == shareLink || rec.typ == shareEmail) {
		next.passwordHash = ""
		if v != "" {
			next.passwordHash = shareHash(v)
		}
	}
	if v, ok := q["expireDate"]; ok {
		next.expiration = ""
		if v != "" {
			date, status, msg := shareDate(v)
			if status != 0 {
				if status == http.StatusNotFound && strings.HasPrefix(msg, "Invalid date") {
					status = http.StatusBadRequest
				}
				writeOCS(w, r, status, status, msg, nil)
				return
			}
			next.expiration = date
		}
	}
	if v, ok := q["note"]; ok {
		next.note = v
	}
	if v, ok := q["label"]; ok && (rec.typ == shareLink || rec.typ == shareEmail) {
		next.label = v
	}
	if v, ok := q["hideDownload"]; ok && (rec.typ == shareLink || rec.typ == shareEmail) {
		next.hideDownload = shareTruthy(v)
	}
	*rec = next
	writeOCS(w, r, http.StatusOK, 200, "OK", sh.format(rec, me))
}

func (sh *sharingStandIn) delete(w http.ResponseWriter, r *http.Request) {
	me := UserOf(r)
	sh.mu.Lock()
	defer sh.mu.Unlock()
	rec := sh.visibleOr404(w, r, me)
	if rec == nil {
		return
	}
	if rec.initiator != me && rec.fileOwner != me && rec.typ == shareGroup {
		// A group member leaves the share for themselves only.
		if rec.left == nil {
			rec.left = map[string]bool{}
		}
		rec.left[me] = true
	} else {
		delete(sh.shares, rec.id)
	}
	writeOCS(w, r, http.StatusOK, 200, "OK", nil)
}
