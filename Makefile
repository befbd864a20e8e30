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

.PHONY: build run test lint bench fuzz load clean mutate

build:
	$(GO) build -tags $(TAGS) -ldflags '$(LDFLAGS)' -o $(BIN) ./cmd/nextcloud-mcp-server

## run: start the server with the settings in the environment (see README).
run:
	$(GO) run -tags $(TAGS) -ldflags '$(LDFLAGS)' ./cmd/nextcloud-mcp-server $(ARGS)

## test: vet and every test with the race detector (unit, integration against the in-process
## Nextcloud and OpenID Provider, the realm export and compose checks).
test:
	$(GO) vet -tags $(TAGS) ./...
	$(GO) test -race -tags $(TAGS) -count=1 -timeout 30m ./...

lint:
	@out=$$(gofmt -l .); if [ -n "$$out" ]; then echo "gofmt needed on:"; echo "$$out"; exit 1; fi
	$(GO) vet -tags $(TAGS) ./...
	$(GO) run $(STATICCHECK) -tags $(TAGS) ./...

## mutate: plant one small bug at a time in the security code (tests/mutate) and
## check the tests catch it; fails below MUTATE_MIN percent. Not part of test.
## MUTATE_MAX mutants are drawn from each of oauth/, storage/ and nextcloud/
## (seeded, so a run repeats); about 30 minutes on 2 idle cores.
MUTATE_SCOPE ?= oauth/,storage/,nextcloud/caldav.go:CalDAV.Object|CalDAV.findByUID|PickCalendar|calendarOf,nextcloud/webdav.go:CleanPath|CleanFilePath|davRelHref|Client.davFilesPath
MUTATE_MAX   ?= 50
MUTATE_SEED  ?= 1
MUTATE_JOBS  ?= 1
MUTATE_MIN   ?= 90
mutate:
	nice -n 19 $(GO) run ./tests/mutate -tags $(TAGS) -scope '$(MUTATE_SCOPE)' \
		-max $(MUTATE_MAX) -per-dir -seed $(MUTATE_SEED) -j $(MUTATE_JOBS) -min $(MUTATE_MIN)

bench:
	$(GO) test -tags $(TAGS) -run '^$$' -bench . -benchmem ./...

clean:
	rm -rf bin
