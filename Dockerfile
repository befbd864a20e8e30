# syntax=docker/dockerfile:1
#
# nextcloud-mcp-server image: cgo build (mattn/go-sqlite3 with FTS5), then a
# distroless runtime (glibc, CA certificates, no shell) as a non-root user.
# The build and runtime images must share a Debian release so the binary's
# glibc matches: bookworm builds for distroless base-debian12.
ARG GO_IMAGE=golang:1.26-bookworm
ARG RUNTIME_IMAGE=gcr.io/distroless/base-debian12:nonroot

FROM ${GO_IMAGE} AS build
WORKDIR /src
ENV CGO_ENABLED=1 GOFLAGS=-mod=readonly
COPY go.mod go.sum ./
RUN --mount=type=cache,target=/go/pkg/mod \
    go mod download
COPY . .
ARG VERSION=dev
RUN --mount=type=cache,target=/go/pkg/mod \
    --mount=type=cache,target=/root/.cache/go-build \
    go build -tags sqlite_fts5 -trimpath \
        -ldflags "-s -w -X main.version=${VERSION}" \
        -o /out/nextcloud-mcp-server ./cmd/nextcloud-mcp-server \
    && CGO_ENABLED=0 go build -trimpath -ldflags "-s -w" -o /out/keycloak-setup ./cmd/keycloak-setup \
    && mkdir -p /out/data

FROM ${RUNTIME_IMAGE}
# 65532 is distroless's "nonroot" user. /data is created owned by it, so a
# fresh named volume mounted there inherits that ownership and is writable.
COPY --from=build --chown=65532:65532 /out/data /data
COPY --from=build /out/nextcloud-mcp-server /usr/local/bin/nextcloud-mcp-server
# The compose stack's one-shot Keycloak realm set-up (cmd/keycloak-setup).
COPY --from=build /out/keycloak-setup /usr/local/bin/keycloak-setup
USER 65532:65532
WORKDIR /data
VOLUME ["/data"]
# Container defaults: listen on all interfaces (the port is published by
# Docker) and keep the token database on the volume. The transport stays the
# binary's default (stdio) unless set: `docker run -i` works for MCP clients,
# docker-compose.yml sets http.
ENV NEXTCLOUD_MCP_LISTEN=0.0.0.0:8000 \
    TOKEN_STORAGE_DB=/data/tokens.db
EXPOSE 8000
ENTRYPOINT ["/usr/local/bin/nextcloud-mcp-server"]
