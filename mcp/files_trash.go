package mcp

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/nextcloud-mcp/nextcloud-mcp-server/nextcloud"
)

type filesTrashListIn struct{}

type filesTrashEntry struct {
	TrashName        string `json:"trash_name" jsonschema:"the item's name in the trash bin; pass it to nc_files_trash_restore"`
	Name             string `json:"name" jsonschema:"the original file or folder name"`
	OriginalLocation string `json:"original_location" jsonschema:"where it was deleted from, relative to the files root"`
	DeletedAt        string `json:"deleted_at,omitempty" jsonschema:"when it was deleted, RFC 3339"`
	Type             string `json:"type" jsonschema:"file or folder"`
	Size             int64  `json:"size" jsonschema:"size in bytes"`
	MimeType         string `json:"mime_type,omitempty" jsonschema:"MIME type of a file"`
}

func filesTrashEntryOf(it *nextcloud.TrashItem) filesTrashEntry {
	e := filesTrashEntry{TrashName: it.TrashName, Name: it.Name, OriginalLocation: it.OriginalLocation, Type: "file", Size: it.Size, MimeType: it.ContentType}
	if it.IsDir {
		e.Type, e.MimeType = "folder", ""
	}
	if !it.DeletedAt.IsZero() {
		e.DeletedAt = it.DeletedAt.Format(time.RFC3339)
	}
	return e
}

type filesTrashListOut struct {
	Items []filesTrashEntry `json:"items" jsonschema:"deleted items, most recently deleted first"`
	Count int               `json:"count" jsonschema:"number of items"`
}

func (o filesTrashListOut) Summary() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%d items in the trash bin:\n", o.Count)
	for _, e := range o.Items {
		fmt.Fprintf(&b, "- %s (%s, from /%s, deleted %s) trash_name %q\n", e.Name, e.Type, e.OriginalLocation, e.DeletedAt, e.TrashName)
	}
	return b.String()
}

func filesTrashList() Tool {
	return NewTool(Spec{Name: "nc_files_trash_list", Title: "List trash bin",
		Description: "List deleted files and folders in the trash bin with where they were deleted from and when.",
		Scope:       "files:read", Kind: Read},
		func(ctx context.Context, nc *nextcloud.Client, _ filesTrashListIn) (filesTrashListOut, error) {
			items, err := nc.Files().Trash(ctx)
			if err != nil {
				return filesTrashListOut{}, err
			}
			sort.SliceStable(items, func(i, j int) bool { return items[i].DeletedAt.After(items[j].DeletedAt) })
			return filesTrashListOut{Items: mapAll(items, filesTrashEntryOf), Count: len(items)}, nil
		})
}

// filesTrashItem finds an item of the trash bin by its trash name.
func filesTrashItem(ctx context.Context, nc *nextcloud.Client, name string) (*nextcloud.TrashItem, error) {
	items, err := nc.Files().Trash(ctx)
	if err != nil {
		return nil, err
	}
	for i := range items {
		if items[i].TrashName == name {
			return &items[i], nil
		}
	}
	return nil, fmt.Errorf("no item %q in the trash bin; nc_files_trash_list shows the trash_name of each item: %w", name, nextcloud.ErrNotFound)
}

type filesTrashRestoreIn struct {
	TrashName string `json:"trash_name" jsonschema:"the trash_name from nc_files_trash_list"`
}

func (in *filesTrashRestoreIn) Validate() error {
	if err := textHintArg("trash_name", in.TrashName, "nc_files_trash_list shows the names"); err != nil {
		return err
	}
	if strings.Contains(in.TrashName, "/") {
		return fmt.Errorf("trash_name %q is a path; give the trash_name from nc_files_trash_list", in.TrashName)
	}
	_, err := filesCleanArg("trash_name", in.TrashName, false)
	return err
}

type filesTrashRestoreOut struct {
	TrashName        string `json:"trash_name" jsonschema:"the restored trash bin item"`
	OriginalLocation string `json:"original_location" jsonschema:"where it was deleted from"`
	RestoredTo       string `json:"restored_to,omitempty" jsonschema:"where it is now, when confirmed"`
}

func (o filesTrashRestoreOut) Summary() string {
	if o.RestoredTo != "" {
		return fmt.Sprintf("Restored %q to /%s.", o.TrashName, o.RestoredTo)
	}
	return fmt.Sprintf("Restored %q; it was deleted from /%s, but Nextcloud put it elsewhere (that folder is gone or the name is taken): search for it with nc_files_search.", o.TrashName, o.OriginalLocation)
}

func filesTrashRestore() Tool {
	return NewTool(Spec{Name: "nc_files_trash_restore", Title: "Restore from trash bin",
		Description: "Restore a deleted file or folder from the trash bin to where it was deleted from. Use the trash_name from nc_files_trash_list.",
		Scope:       "files:write", Kind: Create},
		func(ctx context.Context, nc *nextcloud.Client, in filesTrashRestoreIn) (filesTrashRestoreOut, error) {
			item, err := filesTrashItem(ctx, nc, in.TrashName)
			if err != nil {
				return filesTrashRestoreOut{}, err
			}
			if err := nc.Files().RestoreFromTrash(ctx, in.TrashName); err != nil {
				return filesTrashRestoreOut{}, err
			}
			out := filesTrashRestoreOut{TrashName: in.TrashName, OriginalLocation: item.OriginalLocation}
			if fi, err := nc.Files().Stat(ctx, item.OriginalLocation); err == nil && (item.FileID == 0 || fi.FileID == item.FileID) {
				out.RestoredTo = fi.Path
			}
			return out, nil
		})
}

type filesTrashDeletedOut struct {
	Deleted []string `json:"deleted" jsonschema:"trash names of the items deleted for good"`
	Count   int      `json:"count"`
}

func (o filesTrashDeletedOut) Summary() string {
	if o.Count == 0 {
		return "The trash bin was empty already."
	}
	return fmt.Sprintf("Deleted %d items from the trash bin for good: %s", o.Count, strings.Join(o.Deleted, ", "))
}

func filesTrashDelete() Tool {
	return NewTool(Spec{Name: "nc_files_trash_delete", Title: "Delete from trash bin",
		Description: "Delete one item of the trash bin for good; it cannot be restored afterwards. Use the trash_name from nc_files_trash_list.",
		Scope:       "files:write", Kind: Destroy},
		func(ctx context.Context, nc *nextcloud.Client, in filesTrashRestoreIn) (filesTrashDeletedOut, error) {
			// Listing first tells a missing item from a missing trash bin app.
			if _, err := filesTrashItem(ctx, nc, in.TrashName); err != nil {
				return filesTrashDeletedOut{}, err
			}
			if err := nc.Files().DeleteFromTrash(ctx, in.TrashName); err != nil {
				return filesTrashDeletedOut{}, explainNotFound(err, "trash bin item "+in.TrashName, "not found; nc_files_trash_list shows the trash_name of each item")
			}
			return filesTrashDeletedOut{Deleted: []string{in.TrashName}, Count: 1}, nil
		})
}

type filesTrashEmptyIn struct{}

func filesTrashEmpty() Tool {
	return NewTool(Spec{Name: "nc_files_trash_empty", Title: "Empty trash bin",
		Description: "Delete everything in the trash bin for good; nothing in it can be restored afterwards. nc_files_trash_list shows what would go.",
		Scope:       "files:write", Kind: Destroy},
		func(ctx context.Context, nc *nextcloud.Client, _ filesTrashEmptyIn) (filesTrashDeletedOut, error) {
			items, err := nc.Files().Trash(ctx)
			if err != nil {
				return filesTrashDeletedOut{}, err
			}
			if err := nc.Files().EmptyTrash(ctx); err != nil {
				return filesTrashDeletedOut{}, err
			}
			out := filesTrashDeletedOut{Deleted: make([]string, 0, len(items)), Count: len(items)}
			for _, it := range items {
				out.Deleted = append(out.Deleted, it.TrashName)
			}
			return out, nil
		})
}
