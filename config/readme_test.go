package config

import (
	"os"
	"strings"
	"testing"
)

// The README's configuration table must name every setting.
func TestREADMEDocumentsEverySetting(t *testing.T) {
	b, err := os.ReadFile("../README.md")
	if err != nil {
		t.Fatal(err)
	}
	for _, row := range Documented() {
		if !strings.Contains(string(b), "`"+row[0]+"`") {
			t.Errorf("README.md does not document %s", row[0])
		}
	}
}
