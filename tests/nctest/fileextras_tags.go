package nctest

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"sort"
	"strconv"
	"strings"
)

// System tags (/remote.php/dav/systemtags and systemtags-relations).

func (st *extrasStandIn) isAdmin(user string) bool {
	u := st.s.apps.users
	return u != nil && u.inGroup(user, "admin")
}

// visibleTag returns a tag the user may see; the caller holds st.mu.
func (st *extrasStandIn) visibleTag(user string, id int) *extrasTag {
	t := st.tags[id]
	if t == nil || (!t.visible && !st.isAdmin(user)) {
		return nil
	}
	return t
}

func (st *extrasStandIn) tagResponse(href string, t *extrasTag, user string) extrasResponse {
	canAssign := t.assignable || st.isAdmin(user)
	return extrasResponse{href: href, props: []extrasProp{
		{extrasNSOC, "id", strconv.Itoa(t.id)},
		{extrasNSOC, "display-name", t.name},
		{extrasNSOC, "user-visible", extrasBool(t.visible)},
		{extrasNSOC, "user-assignable", extrasBool(t.assignable)},
		{extrasNSOC, "can-assign", extrasBool(canAssign)},
	}}
}

func (st *extrasStandIn) sortedTagIDs(keep func(*extrasTag) bool) []int {
	var ids []int
	for id, t := range st.tags {
		if keep(t) {
			ids = append(ids, id)
		}
	}
	sort.Ints(ids)
	return ids
}

func (st *extrasStandIn) listTags(w http.ResponseWriter, r *http.Request) {
	user := UserOf(r)
	rs := []extrasResponse{{href: extrasTagsRoot + "/", collection: true}}
	if r.Header.Get("Depth") != "0" {
		st.mu.Lock()
		for _, id := range st.sortedTagIDs(func(t *extrasTag) bool { return st.visibleTag(user, t.id) != nil }) {
			rs = append(rs, st.tagResponse(fmt.Sprintf("%s/%d", extrasTagsRoot, id), st.tags[id], user))
		}
		st.mu.Unlock()
	}
	extrasWriteMultistatus(w, rs)
}

func (st *extrasStandIn) getTag(w http.ResponseWriter, r *http.Request) {
	id, _ := strconv.Atoi(r.PathValue("tagid"))
	st.mu.Lock()
	defer st.mu.Unlock()
	t := st.visibleTag(UserOf(r), id)
	if t == nil {
		extrasSabreError(w, http.StatusNotFound, "NotFound", "Tag with id "+r.PathValue("tagid")+" not found")
		return
	}
	extrasWriteMultistatus(w, []extrasResponse{st.tagResponse(fmt.Sprintf("%s/%d", extrasTagsRoot, id), t, UserOf(r))})
}

func (st *extrasStandIn) createTag(w http.ResponseWriter, r *http.Request) {
	var in struct {
		Name           string `json:"name"`
		UserVisible    *bool  `json:"userVisible"`
		UserAssignable *bool  `json:"userAssignable"`
	}
	if err := json.NewDecoder(io.LimitReader(r.Body, 1<<20)).Decode(&in); err != nil {
		extrasSabreError(w, http.StatusBadRequest, "BadRequest", "Invalid JSON: "+err.Error())
		return
	}
	name := strings.TrimSpace(in.Name)
	if name == "" {
		extrasSabreError(w, http.StatusBadRequest, "BadRequest", `Missing "name" attribute`)
		return
	}
	visible, assignable := in.UserVisible == nil || *in.UserVisible, in.UserAssignable == nil || *in.UserAssignable
	if (!visible || !assignable) && !st.isAdmin(UserOf(r)) {
		extrasSabreError(w, http.StatusBadRequest, "BadRequest", "Not sufficient permissions")
		return
	}
	st.mu.Lock()
	for _, t := range st.tags {
		if strings.EqualFold(t.name, name) {
			st.mu.Unlock()
			extrasSabreError(w, http.StatusConflict, "Conflict", "Tag already exists")
			return
		}
	}
	st.nextTag++
	t := &extrasTag{id: st.nextTag, name: name, visible: visible, assignable: assignable}
	st.tags[t.id] = t
	st.mu.Unlock()
	w.Header().Set("Content-Location", fmt.Sprintf("%s/%d", extrasTagsRoot, t.id))
	w.WriteHeader(http.StatusCreated)
}

func (st *extrasStandIn) fileTags(w http.ResponseWriter, r *http.Request) {
	n, ok := st.fileOf(w, r)
	if !ok {
		return
	}
	user := UserOf(r)
	base := fmt.Sprintf("/remote.php/dav/systemtags-relations/files/%d", n.ID)
	rs := []extrasResponse{{href: base + "/", collection: true}}
	if r.Header.Get("Depth") != "0" {
		st.mu.Lock()
		for _, id := range st.sortedTagIDs(func(t *extrasTag) bool { return st.relations[n.ID][t.id] && st.visibleTag(user, t.id) != nil }) {
			rs = append(rs, st.tagResponse(fmt.Sprintf("%s/%d", base, id), st.tags[id], user))
		}
		st.mu.Unlock()
	}
	extrasWriteMultistatus(w, rs)
}

func (st *extrasStandIn) assignTag(w http.ResponseWriter, r *http.Request) {
	st.relateTag(w, r, true)
}

func (st *extrasStandIn) unassignTag(w http.ResponseWriter, r *http.Request) {
	st.relateTag(w, r, false)
}

// relateTag assigns the tag to the file (PUT) or removes it (DELETE),
// with Sabre's answers for a missing tag or relation and for a tag only
// administrators may assign.
func (st *extrasStandIn) relateTag(w http.ResponseWriter, r *http.Request, assign bool) {
	n, ok := st.fileOf(w, r)
	if !ok {
		return
	}
	id, _ := strconv.Atoi(r.PathValue("tagid"))
	user := UserOf(r)
	st.mu.Lock()
	defer st.mu.Unlock()
	t := st.visibleTag(user, id)
	verb := "unassign"
	switch {
	case assign && t == nil:
		extrasSabreError(w, http.StatusPreconditionFailed, "PreconditionFailed", "Tag with id "+r.PathValue("tagid")+" does not exist, cannot assign")
		return
	case !assign && (t == nil || !st.relations[n.ID][id]):
		extrasSabreError(w, http.StatusNotFound, "NotFound", fmt.Sprintf("Tag with id %s not present for object %d", r.PathValue("tagid"), n.ID))
		return
	case assign:
		verb = "assign"
	}
	if !t.assignable && !st.isAdmin(user) {
		extrasSabreError(w, http.StatusForbidden, "Forbidden", fmt.Sprintf("No permission to %s tag %d", verb, id))
		return
	}
	if !assign {
		delete(st.relations[n.ID], id)
		w.WriteHeader(http.StatusNoContent)
		return
	}
	if st.relations[n.ID] == nil {
		st.relations[n.ID] = map[int]bool{}
	}
	st.relations[n.ID][id] = true
	w.WriteHeader(http.StatusCreated)
}
