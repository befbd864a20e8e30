package tests

import (
	"bytes"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/nextcloud-mcp/nextcloud-mcp-server/keycloak/kcadmin"
	"github.com/nextcloud-mcp/nextcloud-mcp-server/tests/testutil"
)

const composeFile = "../docker-compose.yml"

func readCompose(t *testing.T) string {
	t.Helper()
	b, err := os.ReadFile(composeFile)
	if err != nil {
		t.Fatalf("read %s: %v", composeFile, err)
	}
	return string(b)
}

// Paths the compose file mounts or builds from must exist, and hook scripts
// must be executable (the Nextcloud image skips them otherwise).
func TestComposeReferencedFilesExist(t *testing.T) {
	c := readCompose(t)
	paths := regexp.MustCompile(`\./[A-Za-z0-9_./-]+`).FindAllString(c, -1)
	if len(paths) == 0 {
		t.Fatal("no ./ paths found in the compose file; the pattern above is out of date")
	}
	for _, dockerfile := range regexp.MustCompile(`(?m)^\s*dockerfile:\s*(\S+)`).FindAllStringSubmatch(c, -1) {
		paths = append(paths, "./"+dockerfile[1])
	}
	for _, p := range paths {
		p = strings.TrimRight(p, ".:")
		fi, err := os.Stat(filepath.Join("..", p))
		if err != nil {
			t.Errorf("docker-compose.yml refers to %s: %v", p, err)
			continue
		}
		if strings.Contains(p, "docker-entrypoint-hooks.d") || strings.Contains(p, "/hooks/") {
			checkHooks(t, filepath.Join("..", p), fi)
		}
	}
}

func checkHooks(t *testing.T, path string, fi os.FileInfo) {
	t.Helper()
	files := []string{path}
	if fi.IsDir() {
		matches, _ := filepath.Glob(filepath.Join(path, "*.sh"))
		if len(matches) == 0 {
			t.Errorf("hook directory %s holds no *.sh script", path)
		}
		files = matches
	}
	for _, f := range files {
		st, err := os.Stat(f)
		if err != nil {
			t.Errorf("hook %s: %v", f, err)
			continue
		}
		if st.Mode().Perm()&0o111 == 0 {
			t.Errorf("hook %s is not executable: the Nextcloud image skips it (chmod +x, and commit the mode)", f)
		}
		b, _ := os.ReadFile(f)
		if !bytes.HasPrefix(b, []byte("#!")) {
			t.Errorf("hook %s has no #! line", f)
		}
	}
}

// The secrets and realm name the compose file passes to Nextcloud and the
// MCP server must be the ones the realm export defines.
func TestComposeMatchesRealm(t *testing.T) {
	c := readCompose(t)
	var realm struct {
		Realm   string `json:"realm"`
		Clients []struct {
			ClientID string `json:"clientId"`
			Secret   string `json:"secret"`
		} `json:"clients"`
	}
	testutil.ReadJSON(t, "../keycloak/realm-export.json", &realm)
	secret := map[string]string{}
	for _, cl := range realm.Clients {
		secret[cl.ClientID] = cl.Secret
	}
	for env, client := range map[string]string{"NEXTCLOUD_OIDC_CLIENT_SECRET": "nextcloud", "MCP_OIDC_CLIENT_SECRET": "mcp-server"} {
		m := regexp.MustCompile(`\$\{` + env + `:-([^}]*)\}`).FindStringSubmatch(c)
		if m == nil {
			t.Errorf("compose file has no ${%s:-default}", env)
			continue
		}
		if m[1] != secret[client] {
			t.Errorf("default of %s is not the secret of client %q in the realm export", env, client)
		}
	}
	for _, m := range regexp.MustCompile(`/realms/([A-Za-z0-9_-]+)`).FindAllStringSubmatch(c, -1) {
		if m[1] != realm.Realm {
			t.Errorf("compose file names realm %q, the export defines %q", m[1], realm.Realm)
		}
	}
	for _, want := range []string{"OIDC_CLIENT_ID: mcp-server", "OIDC_CLIENT_ID: nextcloud", "OIDC_AUDIENCE: mcp-server"} {
		if !strings.Contains(c, want) {
			t.Errorf("compose file lacks %q", want)
		}
	}
}

// docker compose config needs no engine, only the client and its compose
// plugin; where those are missing the test skips.
func TestDockerComposeConfig(t *testing.T) {
	docker, err := exec.LookPath("docker")
	if err != nil {
		t.Skip("docker client not installed: skipping `docker compose config` (the file checks above still ran)")
	}
	if out, err := exec.Command(docker, "compose", "version").CombinedOutput(); err != nil {
		t.Skipf("docker compose plugin not available (%s): skipping `docker compose config` (the file checks above still ran)", strings.TrimSpace(string(out)))
	}
	// Keep a developer's .env or shell from changing what is checked.
	env := []string{"PATH=" + os.Getenv("PATH"), "HOME=" + os.Getenv("HOME")}
	compose := func(args ...string) []byte {
		t.Helper()
		cmd := exec.Command(docker, append([]string{"compose", "--project-directory", "..", "-f", composeFile, "--env-file", os.DevNull}, args...)...)
		cmd.Env = env
		var stderr bytes.Buffer
		cmd.Stderr = &stderr
		out, err := cmd.Output()
		if err != nil {
			t.Fatalf("docker compose %s: %v\n%s", strings.Join(args, " "), err, stderr.String())
		}
		return out
	}
	compose("config", "-q")

	var cfg struct {
		Services map[string]struct {
			Restart     string `json:"restart"`
			Healthcheck *struct {
				Test    []string `json:"test"`
				Disable bool     `json:"disable"`
			} `json:"healthcheck"`
			DependsOn map[string]struct {
				Condition string `json:"condition"`
			} `json:"depends_on"`
			Ports []struct {
				HostIP    string `json:"host_ip"`
				Published string `json:"published"`
			} `json:"ports"`
		} `json:"services"`
	}
	if err := json.Unmarshal(compose("config", "--format", "json"), &cfg); err != nil {
		t.Fatalf("parse docker compose config output: %v", err)
	}
	if len(cfg.Services) == 0 {
		t.Fatal("docker compose config listed no services")
	}
	// One-shot services (restart "no", e.g. keycloak-setup) run to the end
	// instead of staying up: no health check, and those depending on them
	// wait for their successful end.
	oneShot := func(name string) bool { return cfg.Services[name].Restart == "no" }
	for name, s := range cfg.Services {
		if !oneShot(name) && (s.Healthcheck == nil || s.Healthcheck.Disable || len(s.Healthcheck.Test) == 0) {
			t.Errorf("service %s has no health check", name)
		}
		for dep, d := range s.DependsOn {
			want := "service_healthy"
			if oneShot(dep) {
				want = "service_completed_successfully"
			}
			if d.Condition != want {
				t.Errorf("service %s waits for %s with condition %q, want %s", name, dep, d.Condition, want)
			}
		}
		for _, p := range s.Ports {
			if p.HostIP != "127.0.0.1" {
				t.Errorf("service %s publishes port %s on %q, want 127.0.0.1 only", name, p.Published, p.HostIP)
			}
		}
	}
}

// The Claude Desktop example must stay valid JSON naming the variables the
// server reads in stdio mode.
func TestClaudeDesktopExample(t *testing.T) {
	b, err := os.ReadFile("../examples/claude_desktop_config.json")
	if err != nil {
		t.Fatal(err)
	}
	var cfg struct {
		MCPServers map[string]struct {
			Command string            `json:"command"`
			Args    []string          `json:"args"`
			Env     map[string]string `json:"env"`
		} `json:"mcpServers"`
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&cfg); err != nil {
		t.Fatalf("examples/claude_desktop_config.json: %v", err)
	}
	if len(cfg.MCPServers) == 0 {
		t.Fatal("no mcpServers entry")
	}
	for name, s := range cfg.MCPServers {
		if s.Command == "" || !strings.Contains(strings.Join(s.Args, " "), "stdio") {
			t.Errorf("server %s: command %q args %v; want the binary with --transport stdio", name, s.Command, s.Args)
		}
		for _, k := range []string{"NEXTCLOUD_HOST", "NEXTCLOUD_USERNAME", "NEXTCLOUD_PASSWORD"} {
			if s.Env[k] == "" {
				t.Errorf("server %s: env lacks %s", name, k)
			}
		}
	}
}

// The compose Keycloak runs with the flags impersonation needs, and the
// stack runs the same realm set-up as the end-to-end tests before the OAuth
// server starts; the image carries the set-up binary.
func TestComposeKeycloakImpersonation(t *testing.T) {
	c := readCompose(t)
	for _, want := range []string{
		`"` + kcadmin.V1Flags + `"`,
		`entrypoint: ["/usr/local/bin/keycloak-setup"]`,
		"keycloak-setup:\n        condition: service_completed_successfully",
	} {
		if !strings.Contains(c, want) {
			t.Errorf("docker-compose.yml lacks %q", want)
		}
	}
	d, err := os.ReadFile("../Dockerfile")
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"./cmd/keycloak-setup", "/usr/local/bin/keycloak-setup"} {
		if !strings.Contains(string(d), want) {
			t.Errorf("Dockerfile lacks %q", want)
		}
	}
}
