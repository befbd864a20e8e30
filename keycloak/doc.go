// Package keycloak holds the development realm that docker-compose.yml
// imports. realm_test.go pins every setting the OAuth mode depends on, because
// Keycloak ignores most mistakes in an import (an unknown scope name is a
// warning, a misspelt field is dropped) and the failure shows up much later
// as a refused token exchange or a token without the right claim.
package keycloak
