package nextcloud

import (
	"strconv"
	"strings"

	"golang.org/x/net/html"
	"golang.org/x/net/html/atom"
)

// HTMLText turns an HTML fragment or document into readable plain text:
// paragraphs and line breaks are kept, lists get dashes, links show their
// target, scripts and styles are dropped.
func HTMLText(src string) string {
	nodes, err := html.ParseFragment(strings.NewReader(src), &html.Node{Type: html.ElementNode, Data: "body", DataAtom: atom.Body})
	if err != nil {
		return src
	}
	w := &htmlTextWriter{}
	for _, n := range nodes {
		w.node(n)
	}
	return w.String()
}

type htmlTextWriter struct {
	b       strings.Builder
	pre     int
	pending string // separator waiting for the next text: "", " ", "\n", "\n\n"
	started bool
	listNum []int
}

func (w *htmlTextWriter) String() string { return strings.TrimSpace(w.b.String()) }

func (w *htmlTextWriter) brk(sep string) {
	if !w.started {
		return
	}
	if len(sep) > len(w.pending) || w.pending == " " {
		w.pending = sep
	}
}

func (w *htmlTextWriter) text(s string) {
	if w.pre == 0 {
		s = strings.Join(strings.Fields(s), " ")
		if s == "" {
			return
		}
	}
	if w.started && w.pending != "" {
		w.b.WriteString(w.pending)
	}
	w.pending = ""
	w.b.WriteString(s)
	w.started = true
}

// textWithSpaces keeps word boundaries at the edges of a text node.
func (w *htmlTextWriter) textWithSpaces(s string) {
	if w.pre > 0 {
		w.text(s)
		return
	}
	if s != "" && htmlSpace(s[0]) && w.started && w.pending == "" {
		w.pending = " "
	}
	w.text(s)
	if s != "" && htmlSpace(s[len(s)-1]) && w.started && w.pending == "" {
		w.pending = " "
	}
}

func htmlSpace(c byte) bool { return c == ' ' || c == '\n' || c == '\t' || c == '\r' || c == '\f' }

func htmlAttr(n *html.Node, key string) string {
	for _, a := range n.Attr {
		if a.Key == key {
			return a.Val
		}
	}
	return ""
}

func (w *htmlTextWriter) children(n *html.Node) {
	for c := n.FirstChild; c != nil; c = c.NextSibling {
		w.node(c)
	}
}

func (w *htmlTextWriter) node(n *html.Node) {
	switch n.Type {
	case html.TextNode:
		w.textWithSpaces(n.Data)
		return
	case html.DocumentNode:
		w.children(n)
		return
	case html.ElementNode:
	default:
		return
	}
	switch n.DataAtom {
	case atom.Script, atom.Style, atom.Head, atom.Title, atom.Noscript, atom.Template:
		return
	case atom.Br:
		w.started = true
		w.b.WriteString(strings.TrimRight(w.pending, " "))
		w.b.WriteString("\n")
		w.pending = ""
		return
	case atom.Hr:
		w.brk("\n\n")
		w.text("----")
		w.brk("\n\n")
		return
	case atom.Img:
		if alt := strings.TrimSpace(htmlAttr(n, "alt")); alt != "" {
			w.text("[image: " + alt + "]")
		}
		return
	case atom.A:
		href := htmlAttr(n, "href")
		start := w.b.Len()
		w.children(n)
		label := strings.TrimSpace(w.b.String()[start:])
		if href != "" && !strings.HasPrefix(href, "#") && !strings.HasPrefix(strings.ToLower(href), "javascript:") && label != href && strings.TrimPrefix(href, "mailto:") != label {
			if label == "" {
				w.text(href)
			} else {
				w.b.WriteString(" (" + href + ")")
			}
		}
		return
	case atom.Pre:
		w.brk("\n\n")
		w.pre++
		w.children(n)
		w.pre--
		w.brk("\n\n")
		return
	case atom.Ul, atom.Ol:
		w.brk("\n")
		w.listNum = append(w.listNum, map[bool]int{true: 1, false: 0}[n.DataAtom == atom.Ol])
		w.children(n)
		w.listNum = w.listNum[:len(w.listNum)-1]
		if len(w.listNum) > 0 {
			w.brk("\n")
		} else {
			w.brk("\n\n")
		}
		return
	case atom.Li:
		w.brk("\n")
		indent := ""
		if d := len(w.listNum); d > 1 {
			indent = strings.Repeat("  ", d-1)
		}
		marker := "- "
		if d := len(w.listNum); d > 0 && w.listNum[d-1] > 0 {
			marker = strconv.Itoa(w.listNum[d-1]) + ". "
			w.listNum[d-1]++
		}
		if w.started {
			w.b.WriteString(w.pending)
		}
		w.pending = ""
		w.b.WriteString(indent + marker)
		w.started = true
		w.children(n)
		w.brk("\n")
		return
	case atom.Td, atom.Th:
		w.children(n)
		w.pending = " | "
		return
	case atom.Tr:
		w.brk("\n")
		w.children(n)
		w.pending = ""
		w.brk("\n")
		return
	case atom.H1, atom.H2, atom.H3, atom.H4, atom.H5, atom.H6:
		w.brk("\n\n")
		w.children(n)
		w.brk("\n\n")
		return
	case atom.Blockquote:
		w.brk("\n\n")
		if w.started {
			w.b.WriteString(w.pending)
			w.pending = ""
		}
		start := w.b.Len()
		w.children(n)
		quoted := w.b.String()[start:]
		if strings.TrimSpace(quoted) != "" {
			lines := strings.Split(strings.TrimLeft(quoted, "\n"), "\n")
			for i, l := range lines {
				lines[i] = "> " + l
			}
			prefix := w.b.String()[:start]
			w.b.Reset()
			w.b.WriteString(prefix)
			w.b.WriteString(strings.Join(lines, "\n"))
		}
		w.brk("\n\n")
		return
	case atom.P, atom.Div, atom.Section, atom.Article, atom.Header, atom.Footer, atom.Table, atom.Figure, atom.Dl, atom.Dt, atom.Dd, atom.Main, atom.Nav, atom.Aside:
		w.brk("\n\n")
		w.children(n)
		w.brk("\n\n")
		return
	}
	w.children(n)
}
