package nextcloud

import (
	"context"
	"errors"
	"net/url"
	"reflect"
	"strings"
	"testing"
)

func TestSetGivenAndNonZero(t *testing.T) {
	title, no := "T", false
	body := map[string]any{}
	SetGiven(body, "title", &title)
	SetGiven(body, "hidden", &no)
	SetGiven[string](body, "url", nil)
	setNonZero(body, "note", "")
	setNonZero(body, "permissions", 0)
	setNonZero(body, "label", "L")
	setNonZero(body, "shareType", 3)
	want := map[string]any{"title": "T", "hidden": false, "label": "L", "shareType": 3}
	if !reflect.DeepEqual(body, want) {
		t.Fatalf("body %v, want %v", body, want)
	}
}

func TestFetchAndSend(t *testing.T) {
	ctx := context.Background()
	type item struct {
		ID int `json:"id"`
	}
	ok := appWith(t, answer{200, "application/json", `{"id":7}`}, nil, nil)
	if got, err := fetch[item](ctx, ok, Request{Method: "GET", Path: "/x"}, "get item"); err != nil || got.ID != 7 {
		t.Fatalf("fetch: %+v %v", got, err)
	}
	if got, err := fetchOne[item](ctx, ok, Request{Method: "GET", Path: "/x"}, "get item"); err != nil || got == nil || got.ID != 7 {
		t.Fatalf("fetchOne: %+v %v", got, err)
	}
	if err := send(ctx, ok, Request{Method: "DELETE", Path: "/x"}, "delete item"); err != nil {
		t.Fatalf("send: %v", err)
	}
	gone := appWith(t, answer{404, "application/json", `{"message":"no such item"}`}, nil, nil)
	if got, err := fetchOne[item](ctx, gone, Request{Method: "GET", Path: "/x"}, "get item 7"); got != nil || !errors.Is(err, ErrNotFound) || !strings.HasPrefix(err.Error(), "get item 7: ") {
		t.Fatalf("fetchOne of a missing item: %+v %v", got, err)
	}
	if err := send(ctx, gone, Request{Method: "DELETE", Path: "/x"}, "delete item 7"); !errors.Is(err, ErrNotFound) || !strings.HasPrefix(err.Error(), "delete item 7: ") {
		t.Fatalf("send to a missing item: %v", err)
	}
}

func TestSetQuery(t *testing.T) {
	q := url.Values{}
	setQuery(q, "limit", 0)
	setQuery(q, "page", -1)
	setQuery(q, "sortby", "")
	setQuery(q, "since", int64(42))
	setQuery(q, "filter", "files")
	if want := "filter=files&since=42"; q.Encode() != want {
		t.Fatalf("query %q, want %q", q.Encode(), want)
	}
}
