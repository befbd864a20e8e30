package main

import (
	"context"
	"fmt"
	"io"

	"github.com/nextcloud-mcp/nextcloud-mcp-server/config"
	"github.com/nextcloud-mcp/nextcloud-mcp-server/storage"
)

// genKeyCommand prints a new key in the form of Python's
// Fernet.generate_key(), as "tokens generate-key" does.
func genKeyCommand(_ context.Context, _ []string, _ config.Getenv, stdout, stderr io.Writer) int {
	k, err := storage.GenerateKey()
	if err != nil {
		fmt.Fprintln(stderr, "nextcloud-mcp-server:", err)
		return 1
	}
	fmt.Fprintln(stdout, k)
	return 0
}
