package nctest

import (
	"net/http"
	"testing"
)

// A Forms PATCH sets the keys it knows, refuses the fixed ones with 403
// and unknown ones with 400, naming the key.
func TestFormsPatchRefusesFixedAndUnknownKeys(t *testing.T) {
	title := ""
	set := func(kv params) func(string) bool {
		return func(k string) bool {
			if k != "title" {
				return false
			}
			title = kv.str(k)
			return true
		}
	}
	tests := []struct {
		name    string
		kv      params
		status  int
		msg     string
		wantSet string
	}{
		{"known key", params{"title": "T"}, 0, "", "T"},
		{"fixed key", params{"id": float64(3)}, http.StatusForbidden, "Not allowed to update id", ""},
		{"unknown key", params{"colour": "red"}, http.StatusBadRequest, "unknown question property colour", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			title = ""
			e := patch(tt.kv, "question", []string{"id", "formId"}, set(tt.kv))
			switch {
			case tt.status == 0 && e != nil:
				t.Fatalf("refused: %d %s", e.status, e.msg)
			case tt.status != 0 && (e == nil || e.status != tt.status || e.msg != tt.msg):
				t.Fatalf("got %+v, want %d %q", e, tt.status, tt.msg)
			}
			if title != tt.wantSet {
				t.Fatalf("title set to %q, want %q", title, tt.wantSet)
			}
		})
	}
}
