package mcp

import (
	"context"
	"fmt"
	"net/url"
	"strconv"
	"strings"

	mcpgo "github.com/mark3labs/mcp-go/mcp"

	"github.com/nextcloud-mcp/nextcloud-mcp-server/nextcloud"
)

// Files a note embeds (images pasted into it, mostly), read through the
// Notes API 1.4; as a tool and as nextcloud://notes/{id}/attachments/{path}.

type notesAttachmentIn struct {
	ID   int64  `json:"note_id" jsonschema:"the note id, from nc_notes_list"`
	Path string `json:"path" jsonschema:"the attachment's path as the note's Markdown links it, relative to the note, e.g. .attachments.42/photo.png"`
}

func (in *notesAttachmentIn) Validate() error {
	if err := idArg("note_id", in.ID, "nc_notes_list"); err != nil {
		return err
	}
	p := strings.TrimSpace(in.Path)
	if p == "" {
		return fmt.Errorf("path is empty; take it from a link in the note's content, like .attachments.%d/photo.png", in.ID)
	}
	if strings.HasPrefix(p, "/") || strings.Contains("/"+p+"/", "/../") {
		return fmt.Errorf("path %q must be relative to the note, without \"..\", like .attachments.%d/photo.png", in.Path, in.ID)
	}
	return nil
}

func notesAttachmentError(err error, id int64, p string) error {
	return explainNotFound(err, fmt.Sprintf("note %d or its attachment %q", id, p), "not found; the note's content links its attachments")
}

func notesGetAttachment(env *Env) Tool {
	return NewTool(Spec{Name: "nc_notes_get_attachment", Title: "Get note attachment",
		Description: "Read a file a note embeds (an image or document linked from its Markdown, like ![](.attachments.42/photo.png)): text comes back as text, other files base64-encoded (large ones are cut).",
		Scope:       "notes:read", Kind: Read},
		func(ctx context.Context, nc *nextcloud.Client, in notesAttachmentIn) (mailAttachmentDataOut, error) {
			d, err := nc.Notes().Attachment(ctx, in.ID, strings.TrimSpace(in.Path), env.maxRead())
			if err != nil {
				return mailAttachmentDataOut{}, notesAttachmentError(err, in.ID, in.Path)
			}
			return downloadOut(d), nil
		})
}

const notesAttachmentURI = "nextcloud://notes/{id}/attachments/{path}"

func notesAttachmentResource(env *Env) ResourceTemplate {
	return ResourceTemplate{
		Template: mcpgo.NewResourceTemplate(notesAttachmentURI, "Nextcloud note attachment",
			mcpgo.WithTemplateDescription("A file a note embeds, by note id and its URI-encoded path relative to the note, e.g. nextcloud://notes/42/attachments/.attachments.42%2Fphoto.png")),
		Scope: "notes:read",
		Handler: func(ctx context.Context, nc *nextcloud.Client, req mcpgo.ReadResourceRequest) ([]mcpgo.ResourceContents, error) {
			rest, _ := strings.CutPrefix(req.Params.URI, "nextcloud://notes/")
			idPart, rawPath, ok := strings.Cut(rest, "/attachments/")
			id, err := strconv.ParseInt(idPart, 10, 64)
			p, perr := url.PathUnescape(rawPath)
			if !ok || err != nil || perr != nil {
				return nil, Argf("%q is not a note attachment URI like nextcloud://notes/42/attachments/.attachments.42%%2Fphoto.png", req.Params.URI)
			}
			in := notesAttachmentIn{ID: id, Path: p}
			if err := in.Validate(); err != nil {
				return nil, Argf("%v", err)
			}
			d, err := nc.Notes().Attachment(ctx, id, p, env.maxRead())
			if err != nil {
				return nil, notesAttachmentError(err, id, p)
			}
			if d.Truncated {
				return nil, filesTooLarge(p, d.Size, env.maxRead())
			}
			out := downloadOut(d)
			if out.Text != "" || out.Base64 == "" {
				return []mcpgo.ResourceContents{mcpgo.TextResourceContents{URI: req.Params.URI, MIMEType: d.Mime, Text: out.Text}}, nil
			}
			return []mcpgo.ResourceContents{mcpgo.BlobResourceContents{URI: req.Params.URI, MIMEType: d.Mime, Blob: out.Base64}}, nil
		},
	}
}
