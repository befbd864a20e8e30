package nextcloud_test

import (
	"net/http"
	"strings"
	"testing"

	"github.com/nextcloud-mcp/nextcloud-mcp-server/tests/nctest"
)

// ocsAppOff is a test Nextcloud that answers the OCS routes of app as a
// real one does when the app is off: 404 with the OCS "Invalid query"
// envelope, not an HTML page.
func ocsAppOff(t *testing.T, app string) *nctest.Server {
	s := nctest.New(t)
	s.SetFault(func(w http.ResponseWriter, r *http.Request) bool {
		if !strings.HasPrefix(r.URL.Path, "/ocs/v2.php/apps/"+app+"/") {
			return false
		}
		w.Header().Set("Content-Type", "application/json; charset=utf-8")
		w.WriteHeader(http.StatusNotFound)
		_, _ = w.Write([]byte(`{"ocs":{"meta":{"status":"failure","statuscode":404,"message":"Invalid query, please check the syntax. API specifications are here: http:\/\/www.freedesktop.org\/wiki\/Specifications\/open-collaboration-services."},"data":[]}}`))
		return true
	})
	return s
}
