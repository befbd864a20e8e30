package nextcloud

import (
	"context"
	"errors"
	"strings"
	"testing"
)

func TestDecoded(t *testing.T) {
	type item struct {
		ID int `json:"id"`
	}
	ctx := context.Background()
	a := appWith(t, answer{200, "application/json", `{"id":7}`}, nil, nil)
	got, err := decoded[item](ctx, a, Request{Method: "GET", Path: "/index.php/apps/deck/api/v1.0/boards/7"}, "get item 7")
	if err != nil || got == nil || got.ID != 7 {
		t.Fatalf("decoded = %+v, %v", got, err)
	}
	a = appWith(t, answer{404, "application/json", `{"message":"gone"}`}, nil, nil)
	got, err = decoded[item](ctx, a, Request{Method: "GET", Path: "/index.php/apps/deck/api/v1.0/boards/8"}, "get item 8")
	if got != nil || !errors.Is(err, ErrNotFound) || !strings.HasPrefix(err.Error(), "get item 8: ") {
		t.Fatalf("decoded on 404 = %+v, %v", got, err)
	}
}
