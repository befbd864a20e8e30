package main

import (
	"bytes"
	"context"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
)

func TestHealthcheckCommand(t *testing.T) {
	var ready atomic.Bool
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch {
		case r.URL.Path == "/health/ready" && ready.Load():
			w.Write([]byte(`{"status":"ok"}`))
		case r.URL.Path == "/health/ready":
			http.Error(w, "nextcloud unreachable", http.StatusServiceUnavailable)
		case r.URL.Path == "/health/live":
			w.Write([]byte("ok"))
		default:
			http.NotFound(w, r)
		}
	}))
	defer srv.Close()
	listen := strings.TrimPrefix(srv.URL, "http://")
	_, port, _ := net.SplitHostPort(listen)

	// A closed port for the unreachable case.
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	closed := l.Addr().String()
	l.Close()

	tests := []struct {
		name       string
		args       []string
		env        map[string]string
		ready      bool
		want       int
		wantStderr string
	}{
		{name: "ready", env: map[string]string{"NEXTCLOUD_MCP_TRANSPORT": "http", "NEXTCLOUD_MCP_LISTEN": listen}, ready: true, want: 0},
		{name: "wildcard listen dials loopback", env: map[string]string{"NEXTCLOUD_MCP_TRANSPORT": "http", "NEXTCLOUD_MCP_LISTEN": "0.0.0.0:" + port}, ready: true, want: 0},
		{name: "not ready", env: map[string]string{"NEXTCLOUD_MCP_TRANSPORT": "http", "NEXTCLOUD_MCP_LISTEN": listen}, ready: false, want: 1, wantStderr: "503"},
		{name: "liveness path", args: []string{"-path", "/health/live"}, env: map[string]string{"NEXTCLOUD_MCP_TRANSPORT": "sse", "NEXTCLOUD_MCP_LISTEN": listen}, ready: false, want: 0},
		{name: "explicit url", args: []string{"-url", srv.URL + "/health/ready"}, ready: true, want: 0},
		{name: "stdio has no endpoint", env: map[string]string{"NEXTCLOUD_MCP_TRANSPORT": "stdio"}, want: 1, wantStderr: "stdio"},
		{name: "unreachable", env: map[string]string{"NEXTCLOUD_MCP_TRANSPORT": "http", "NEXTCLOUD_MCP_LISTEN": closed}, want: 1, wantStderr: "GET http://" + closed},
		{name: "bad listen", env: map[string]string{"NEXTCLOUD_MCP_TRANSPORT": "http", "NEXTCLOUD_MCP_LISTEN": "nonsense"}, want: 2, wantStderr: "not host:port"},
		{name: "bad flag", args: []string{"-nope"}, want: 2},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ready.Store(tt.ready)
			var stdout, stderr bytes.Buffer
			getenv := func(k string) string { return tt.env[k] }
			got := healthcheckCommand(context.Background(), tt.args, getenv, &stdout, &stderr)
			if got != tt.want {
				t.Fatalf("exit %d, want %d; stderr: %s", got, tt.want, stderr.String())
			}
			if tt.wantStderr != "" && !strings.Contains(stderr.String(), tt.wantStderr) {
				t.Errorf("stderr %q does not mention %q", stderr.String(), tt.wantStderr)
			}
		})
	}
}

func TestLoopbackAddr(t *testing.T) {
	tests := []struct{ in, want string }{
		{"", "127.0.0.1:8000"},
		{"0.0.0.0:8001", "127.0.0.1:8001"},
		{"[::]:8002", "127.0.0.1:8002"},
		{":8003", "127.0.0.1:8003"},
		{"10.1.2.3:8004", "10.1.2.3:8004"},
		{"[::1]:8005", "[::1]:8005"},
	}
	for _, tt := range tests {
		got, err := loopbackAddr(tt.in)
		if err != nil || got != tt.want {
			t.Errorf("loopbackAddr(%q) = %q, %v; want %q", tt.in, got, err, tt.want)
		}
	}
}
