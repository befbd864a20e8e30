package nctest

import (
	"bytes"
	"encoding/base64"
	"fmt"
	"mime"
	"mime/multipart"
	"net/http"
	"net/textproto"
	"strings"
	"time"
)

// The raw source of a message, as Mail's MessagesController::getSource
// answers it: {"source": "<RFC 5322 text>"} (403 for messages the user
// does not have, as onMessage answers). The stand-in builds the source
// from the seeded message; attachments make it multipart/mixed.

func (m *mailStandIn) source(w http.ResponseWriter, _ *http.Request, _ string, msg *mailMsg) {
	writeJSON(w, http.StatusOK, map[string]any{"source": mailSourceOf(msg)})
}

func mailAddrHeader(as []map[string]string) string {
	out := make([]string, 0, len(as))
	for _, a := range as {
		if a["label"] != "" && a["label"] != a["email"] {
			out = append(out, mime.QEncoding.Encode("utf-8", a["label"])+" <"+a["email"]+">")
		} else {
			out = append(out, a["email"])
		}
	}
	return strings.Join(out, ", ")
}

func mailSourceOf(msg *mailMsg) string {
	var b bytes.Buffer
	h := func(k, v string) {
		if v != "" {
			fmt.Fprintf(&b, "%s: %s\r\n", k, v)
		}
	}
	h("From", mailAddrHeader(msg.from))
	h("To", mailAddrHeader(msg.to))
	h("Cc", mailAddrHeader(msg.cc))
	h("Subject", mime.QEncoding.Encode("utf-8", msg.subject))
	h("Date", time.Unix(msg.date, 0).UTC().Format(time.RFC1123Z))
	h("Message-ID", msg.messageID)
	h("In-Reply-To", msg.inReplyTo)
	b.WriteString("MIME-Version: 1.0\r\n")
	text := strings.ReplaceAll(msg.text, "\n", "\r\n")
	if len(msg.attachments) == 0 {
		b.WriteString("Content-Type: text/plain; charset=utf-8\r\n\r\n" + text)
		return b.String()
	}
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	fmt.Fprintf(&b, "Content-Type: multipart/mixed; boundary=%s\r\n\r\n", mw.Boundary())
	pw, _ := mw.CreatePart(textproto.MIMEHeader{"Content-Type": {"text/plain; charset=utf-8"}})
	_, _ = pw.Write([]byte(text))
	for _, a := range msg.attachments {
		pw, _ := mw.CreatePart(textproto.MIMEHeader{"Content-Type": {a.Mime}, "Content-Disposition": {mime.FormatMediaType("attachment", map[string]string{"filename": a.Name})},
			"Content-Transfer-Encoding": {"base64"}})
		_, _ = pw.Write([]byte(mailBase64Lines(a.Content)))
	}
	_ = mw.Close()
	b.Write(body.Bytes())
	return b.String()
}

// mailBase64Lines is b in base64, 76 characters a line (RFC 2045 6.8).
func mailBase64Lines(b []byte) string {
	s := base64.StdEncoding.EncodeToString(b)
	var out strings.Builder
	for len(s) > 76 {
		out.WriteString(s[:76] + "\r\n")
		s = s[76:]
	}
	out.WriteString(s)
	return out.String()
}
