package nctest

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
)

func TestKitHelpers(t *testing.T) {
	t.Run("given sets only what was given", func(t *testing.T) {
		title, maybe := "old", true
		p := params{"title": "new", "allowMaybe": nil}
		given(p, "title", &title, params.str)
		given(p, "allowMaybe", &maybe, params.bool)
		given(p, "absent", &title, params.str)
		if title != "new" || !maybe {
			t.Fatalf("title %q, allowMaybe %v", title, maybe)
		}
	})
	t.Run("firstID gives the lowest accepted id", func(t *testing.T) {
		m := map[int64]string{7: "a", 3: "a", 1: "b"}
		if got := firstID(m, func(v string) bool { return v == "a" }); got != 3 {
			t.Fatalf("firstID = %d, want 3", got)
		}
		if got := firstID(m, func(v string) bool { return v == "z" }); got != 0 {
			t.Fatalf("firstID of none = %d, want 0", got)
		}
	})
	t.Run("jsonList of nothing answers []", func(t *testing.T) {
		b, _ := json.Marshal(jsonList([]int(nil), func(i int) any { return i }))
		if string(b) != "[]" {
			t.Fatalf("empty list = %s", b)
		}
		b, _ = json.Marshal(jsonList([]int{1, 2}, func(i int) any { return i * 10 }))
		if string(b) != "[10,20]" {
			t.Fatalf("list = %s", b)
		}
	})
	t.Run("lockedMap converts every record under the lock", func(t *testing.T) {
		var mu sync.Mutex
		got := lockedMap(&mu, map[int64]string{1: "a", 2: "b"}, func(id int64, v string) string {
			if mu.TryLock() {
				t.Error("f runs without the lock held")
				mu.Unlock()
			}
			return v + v
		})
		if len(got) != 2 || got[1] != "aa" || got[2] != "bb" {
			t.Fatalf("lockedMap = %v", got)
		}
		if !mu.TryLock() {
			t.Fatal("lockedMap left the lock held")
		}
	})
	t.Run("on answers the finder's refusal or runs fn on the record", func(t *testing.T) {
		find := func(r *http.Request, _ string) (string, *apiErr) {
			if r.URL.Query().Get("id") == "" {
				return "", errStatus(http.StatusNotFound, "no record")
			}
			return "rec-" + r.URL.Query().Get("id"), nil
		}
		fn := on(find, func(_ *http.Request, uid string, _ params, rec string) (any, *apiErr) { return uid + ":" + rec, nil })
		if _, e := fn(httptest.NewRequest(http.MethodGet, "/x", nil), "alice", nil); e == nil || e.status != http.StatusNotFound {
			t.Fatalf("missing record: %+v", e)
		}
		if got, e := fn(httptest.NewRequest(http.MethodGet, "/x?id=4", nil), "alice", nil); e != nil || got != "alice:rec-4" {
			t.Fatalf("found record: %v %+v", got, e)
		}
	})
}
