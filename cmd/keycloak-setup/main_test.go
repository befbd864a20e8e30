package main

import (
	"strings"
	"testing"
)

func TestRunRefusesBadInput(t *testing.T) {
	t.Setenv("KCSETUP_TEST_PW", "")
	err := run([]string{"-admin-password-env", "KCSETUP_TEST_PW"})
	if err == nil || !strings.Contains(err.Error(), "KCSETUP_TEST_PW") {
		t.Fatalf("no password: %v", err)
	}
	t.Setenv("KCSETUP_TEST_PW", "x")
	err = run([]string{"-admin-password-env", "KCSETUP_TEST_PW", "-users", "carol:s3cr3t,dave"})
	if err == nil || !strings.Contains(err.Error(), `"dave" is not user:password`) {
		t.Fatalf("bad -users: %v", err)
	}
	if strings.Contains(err.Error(), "s3cr3t") {
		t.Fatalf("the error shows a password: %v", err)
	}
}
