// Package tests checks the development stack's files (docker-compose.yml,
// Dockerfile, hooks, realm export) for consistency. The in-process test
// servers live in the subpackages.
package tests
