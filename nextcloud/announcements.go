package nextcloud

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
)

// Announcement center, OCS API v1 (lib/Controller/APIController.php and
// the OCS routes of nextcloud/announcementcenter):
// /ocs/v2.php/apps/announcementcenter/api/v1/announcements. Only
// administrators may post and delete; the app publishes no capabilities.

// AnnouncementsClient is the announcement center's OCS API.
type AnnouncementsClient struct{ app App }

// Announcements returns the announcement center API of the user.
func (c *Client) Announcements() *AnnouncementsClient {
	return &AnnouncementsClient{app: c.AppOf(AnnouncementsApp, nil)}
}

const announcementsBase = "/ocs/v2.php/apps/announcementcenter/api/v1/announcements"

// Announcement is one announcement. Groups is sent to administrators only.
type Announcement struct {
	ID           int64               `json:"id"`
	AuthorID     string              `json:"author_id"`
	Author       string              `json:"author"`
	Time         int64               `json:"time"`
	Subject      string              `json:"subject"`
	Message      string              `json:"message"`
	Groups       []AnnouncementGroup `json:"groups"`
	CommentsRaw  json.RawMessage     `json:"comments"`
	ScheduleTime *int64              `json:"schedule_time"`
	DeleteTime   *int64              `json:"delete_time"`
}

// Comments is the number of comments, -1 when comments are off (the API
// sends false).
func (a *Announcement) Comments() int {
	n, err := strconv.Atoi(string(a.CommentsRaw))
	if err != nil {
		return -1
	}
	return n
}

// AnnouncementGroup is a group an announcement is for ("everyone" too).
type AnnouncementGroup struct {
	ID   string `json:"id"`
	Name string `json:"name"`
}

// List returns up to limit announcements older than the announcement id
// before (0: the newest), newest first.
func (a *AnnouncementsClient) List(ctx context.Context, before int64, limit int) ([]Announcement, error) {
	q := url.Values{"offset": {strconv.FormatInt(before, 10)}}
	if limit > 0 {
		q.Set("limit", strconv.Itoa(limit))
	}
	return fetch[[]Announcement](ctx, a.app, Request{Method: http.MethodGet, Path: announcementsBase, Query: q, OCS: true}, "list announcements")
}

// NewAnnouncement is what Post sends.
type NewAnnouncement struct {
	Subject string `json:"subject"`
	// Message is Markdown; PlainMessage the same as plain text.
	Message       string   `json:"message"`
	PlainMessage  string   `json:"plainMessage"`
	Groups        []string `json:"groups"`
	Activities    bool     `json:"activities"`
	Notifications bool     `json:"notifications"`
	Emails        bool     `json:"emails"`
	Comments      bool     `json:"comments"`
	ScheduleTime  *int64   `json:"scheduleTime"`
	DeleteTime    *int64   `json:"deleteTime"`
}

// Post publishes an announcement (administrators only).
func (a *AnnouncementsClient) Post(ctx context.Context, n NewAnnouncement) (*Announcement, error) {
	return fetchOne[Announcement](ctx, a.app, Request{Method: http.MethodPost, Path: announcementsBase, Body: n, OCS: true}, fmt.Sprintf("post the announcement %q", n.Subject))
}

// Delete removes an announcement (administrators only); the API answers
// success for ids that do not exist.
func (a *AnnouncementsClient) Delete(ctx context.Context, id int64) error {
	path := announcementsBase + "/" + strconv.FormatInt(id, 10)
	return send(ctx, a.app, Request{Method: http.MethodDelete, Path: path, OCS: true}, fmt.Sprintf("delete announcement %d", id))
}

// Find looks id up among the announcements the user sees, a page at a
// time; nil when it is not there.
func (a *AnnouncementsClient) Find(ctx context.Context, id int64) (*Announcement, error) {
	before := int64(0)
	for {
		page, err := a.List(ctx, before, 50)
		if err != nil || len(page) == 0 {
			return nil, err
		}
		prev := before
		for i := range page {
			if page[i].ID == id {
				return &page[i], nil
			}
			if before == 0 || page[i].ID < before {
				before = page[i].ID
			}
		}
		if before == prev || before <= id {
			return nil, nil
		}
	}
}
