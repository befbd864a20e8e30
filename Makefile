# nextcloud-mcp-server. Needs Go and gcc (cgo for SQLite).
# The sqlite_fts5 build tag turns on SQLite's FTS5 full-text index in
# github.com/mattn/go-sqlite3; every target builds with it.
GO          ?= go
TAGS        ?= sqlite_fts5
BIN         ?= bin/nextcloud-mcp-server
STATICCHECK ?= honnef.co/go/tools/cmd/staticcheck@v0.8.2
VERSION     ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo dev)
LDFLAGS     := -s -w -X main.version=$(VERSION)
export CGO_ENABLED := 1

.PHONY: build run test lint bench bench-peers fuzz load clean keycloak keycloak-stop mutate

build:
	$(GO) build -tags $(TAGS) -ldflags '$(LDFLAGS)' -o $(BIN) ./cmd/nextcloud-mcp-server

## run: start the server with the settings in the environment (see README).
run:
	$(GO) run -tags $(TAGS) -ldflags '$(LDFLAGS)' ./cmd/nextcloud-mcp-server $(ARGS)

## test: vet and every test with the race detector (unit, integration against the in-process
## Nextcloud and OpenID Provider, the realm export and compose checks, and tests/e2ekc against a
## real Keycloak that scripts/keycloak.sh downloads with Maven and starts; needs Java 17+).
test:
	$(GO) vet -tags $(TAGS) ./...
	$(GO) test -race -tags $(TAGS) -count=1 -timeout 30m ./...

lint:
	@out=$$(gofmt -l .); if [ -n "$$out" ]; then echo "gofmt needed on:"; echo "$$out"; exit 1; fi
	$(GO) vet -tags $(TAGS) ./...
	$(GO) run $(STATICCHECK) -tags $(TAGS) ./...

## mutate: plant one small bug at a time in the security code (tests/mutate) and
## check the tests catch it; fails below MUTATE_MIN percent. Not part of test.
## MUTATE_MAX mutants are drawn from each of oauth/, storage/, ratelimit/ and
## nextcloud/ (seeded, so a run repeats); about 30 minutes on 2 idle cores.
MUTATE_SCOPE ?= oauth/,storage/,ratelimit/,nextcloud/inside.go,nextcloud/caldav.go:CalDAV.Object|CalDAV.findByUID|PickCalendar|calendarOf,nextcloud/davobject.go:objectByID,nextcloud/davcollections.go:pickCollection,nextcloud/webdav.go:CleanPath|CleanFilePath|davRelHref|Client.davFilesPath
MUTATE_MAX   ?= 50
MUTATE_SEED  ?= 1
MUTATE_JOBS  ?= 1
MUTATE_MIN   ?= 90
mutate:
	nice -n 19 $(GO) run ./tests/mutate -tags $(TAGS) -scope '$(MUTATE_SCOPE)' \
		-max $(MUTATE_MAX) -per-dir -seed $(MUTATE_SEED) -j $(MUTATE_JOBS) -min $(MUTATE_MIN)

bench:
	$(GO) test -tags $(TAGS) -run '^$$' -bench . -benchmem ./...

## bench-peers: this server side by side with the Python reference server (PyPI) and, where npm is,
## the TypeScript caldav-mcp (both pinned; scripts/peers.sh installs them into .cache/peers) over
## stdio against the same seeded test Nextcloud; prints a Markdown table with ratios. Not part of
## `make test`. PEERS_ARGS: e.g. -rounds 9 -calls 10.
bench-peers: build
	scripts/peers.sh
	$(GO) run -tags $(TAGS) ./tests/peers -ours $(BIN) $(PEERS_ARGS)

## keycloak: start a real Keycloak (scripts/keycloak.sh, cached in .cache/keycloak) with the
## project's realm and the impersonation set-up, for manual use; keycloak-stop stops it.
keycloak:
	scripts/keycloak.sh start
	@. .cache/keycloak/run/state.env && \
	KEYCLOAK_ADMIN_PASSWORD=$$KEYCLOAK_ADMIN_PASSWORD $(GO) run ./cmd/keycloak-setup -url $$KEYCLOAK_URL -admin $$KEYCLOAK_ADMIN \
		-users carol:carol-dev-password,dave:dave-dev-password && \
	echo "Keycloak: $$KEYCLOAK_URL (admin console $$KEYCLOAK_URL/admin, $$KEYCLOAK_ADMIN / $$KEYCLOAK_ADMIN_PASSWORD)" && \
	echo "issuer:   $$KEYCLOAK_URL/realms/nextcloud-mcp (users alice, bob, carol, dave; password <user>-dev-password)" && \
	echo "reuse it in tests: KCTEST_STATE_DIR=$$PWD/.cache/keycloak/run"

keycloak-stop:
	scripts/keycloak.sh stop

clean:
	rm -rf bin
