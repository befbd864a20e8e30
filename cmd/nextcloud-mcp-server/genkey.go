package main

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"fmt"
	"io"

	"github.com/nextcloud-mcp/nextcloud-mcp-server/config"
)

// genKeyCommand prints a new key in the form of Python's
// Fernet.generate_key(): 32 random bytes, URL-safe base64.
func genKeyCommand(_ context.Context, _ []string, _ config.Getenv, stdout, stderr io.Writer) int {
	var k [32]byte
	if _, err := rand.Read(k[:]); err != nil {
		fmt.Fprintln(stderr, "nextcloud-mcp-server: no randomness for a key:", err)
		return 1
	}
	fmt.Fprintln(stdout, base64.URLEncoding.EncodeToString(k[:]))
	return 0
}
