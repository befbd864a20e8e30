package nextcloud

import (
	"context"
	"fmt"
	"net/http"
	"strconv"
	"time"
)

// Editing and deleting file comments, deleting system tags, deleting from
// and emptying the trash bin, and file reminders (the files_reminders app).

// davPropPatch sets properties (the XML inside <d:prop>, namespaces d, oc,
// nc, cal and card declared) and fails when any is refused.
func (c *Client) davPropPatch(ctx context.Context, path, props string) error {
	body := `<?xml version="1.0"?><d:propertyupdate ` + davNamespaces + ` xmlns:cal="urn:ietf:params:xml:ns:caldav" xmlns:card="urn:ietf:params:xml:ns:carddav" xmlns:x1="http://apple.com/ns/ical/">` +
		`<d:set><d:prop>` + props + `</d:prop></d:set></d:propertyupdate>`
	rs, err := c.davMultistatusCall(ctx, "PROPPATCH", path, "", body)
	if err != nil {
		return err
	}
	for _, r := range rs {
		for _, ps := range r.Propstats {
			if !davStatusOK(ps.Status) {
				return fmt.Errorf("nextcloud PROPPATCH %s: property refused (%s)", path, ps.Status)
			}
		}
	}
	return nil
}

func commentPath(fileID, commentID int64) string {
	return fmt.Sprintf("/remote.php/dav/comments/files/%d/%d", fileID, commentID)
}

// EditComment replaces the text of one of the user's comments.
func (f *FilesClient) EditComment(ctx context.Context, fileID, commentID int64, message string) error {
	if err := f.c.davPropPatch(ctx, commentPath(fileID, commentID), "<oc:message>"+xmlText(message)+"</oc:message>"); err != nil {
		return fmt.Errorf("edit comment %d on file %d: %w", commentID, fileID, err)
	}
	return nil
}

// DeleteComment deletes one of the user's comments.
func (f *FilesClient) DeleteComment(ctx context.Context, fileID, commentID int64) error {
	if _, _, err := f.c.davCall(ctx, http.MethodDelete, commentPath(fileID, commentID), nil, nil); err != nil {
		return fmt.Errorf("delete comment %d on file %d: %w", commentID, fileID, err)
	}
	return nil
}

// DeleteSystemTag deletes a tag and takes it off every file (admins only).
func (f *FilesClient) DeleteSystemTag(ctx context.Context, tagID int64) error {
	if _, _, err := f.c.davCall(ctx, http.MethodDelete, fmt.Sprintf("/remote.php/dav/systemtags/%d", tagID), nil, nil); err != nil {
		return fmt.Errorf("delete tag %d: %w", tagID, err)
	}
	return nil
}

// DeleteFromTrash deletes one item of the trash bin for good.
func (f *FilesClient) DeleteFromTrash(ctx context.Context, trashName string) error {
	p, err := f.trashItem("trash", trashName)
	if err != nil {
		return err
	}
	if _, _, err := f.c.davCall(ctx, http.MethodDelete, p, nil, nil); err != nil {
		return fmt.Errorf("delete %q from the trash bin: %w", trashName, err)
	}
	return nil
}

// EmptyTrash deletes everything in the trash bin for good.
func (f *FilesClient) EmptyTrash(ctx context.Context) error {
	trash, err := f.trashFolder("trash")
	if err != nil {
		return err
	}
	if _, _, err := f.c.davCall(ctx, http.MethodDelete, trash, nil, nil); err != nil {
		return davTrashError("empty the trash bin", err)
	}
	return nil
}

// RemindersClient is the files_reminders OCS API.
type RemindersClient struct{ app App }

// Reminders returns the file reminders API of the user.
func (c *Client) Reminders() *RemindersClient {
	return &RemindersClient{app: c.AppOf(RemindersApp, nil)}
}

func reminderPath(fileID int64) string {
	return "/ocs/v2.php/apps/files_reminders/api/v1/" + strconv.FormatInt(fileID, 10)
}

// Get returns the due time of the user's reminder on a file; ok is false
// when there is none.
func (r *RemindersClient) Get(ctx context.Context, fileID int64) (due time.Time, ok bool, err error) {
	var out struct {
		DueDate *string `json:"dueDate"`
	}
	if _, err := r.app.Call(ctx, Request{Method: http.MethodGet, Path: reminderPath(fileID), OCS: true}, &out); err != nil {
		return time.Time{}, false, fmt.Errorf("get the reminder on file %d: %w", fileID, err)
	}
	if out.DueDate == nil || *out.DueDate == "" {
		return time.Time{}, false, nil
	}
	due, err = time.Parse(time.RFC3339, *out.DueDate)
	if err != nil {
		return time.Time{}, false, fmt.Errorf("get the reminder on file %d: due date %q is not ISO 8601", fileID, *out.DueDate)
	}
	return due, true, nil
}

// Set sets (or moves) the user's reminder on a file; created is false
// when an earlier reminder was replaced.
func (r *RemindersClient) Set(ctx context.Context, fileID int64, due time.Time) (created bool, err error) {
	body := map[string]string{"dueDate": due.UTC().Format(time.RFC3339)}
	rep, err := r.app.Call(ctx, Request{Method: http.MethodPut, Path: reminderPath(fileID), Body: body, OCS: true}, nil)
	if err != nil {
		return false, fmt.Errorf("set a reminder on file %d: %w", fileID, err)
	}
	return rep.Status == http.StatusCreated, nil
}

// Remove deletes the user's reminder on a file.
func (r *RemindersClient) Remove(ctx context.Context, fileID int64) error {
	if _, err := r.app.Call(ctx, Request{Method: http.MethodDelete, Path: reminderPath(fileID), OCS: true}, nil); err != nil {
		return fmt.Errorf("remove the reminder on file %d: %w", fileID, err)
	}
	return nil
}
