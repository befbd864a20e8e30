package tests

import (
	"errors"
	"io"
	"os"
	"path"
	"slices"
	"strings"
	"testing"

	"go.yaml.in/yaml/v3"

	"github.com/nextcloud-mcp/nextcloud-mcp-server/config"
)

const kubeFile = "../examples/kubernetes/nextcloud-mcp-server.yaml"

// kubeObject is the part of a Kubernetes object the checks below read.
type kubeObject struct {
	Kind     string `yaml:"kind"`
	Metadata struct {
		Name string `yaml:"name"`
	} `yaml:"metadata"`
	StringData map[string]string `yaml:"stringData"`
	Data       map[string]string `yaml:"data"`
	Spec       struct {
		Replicas *int `yaml:"replicas"`
		Selector struct {
			MatchLabels map[string]string `yaml:"matchLabels"`
		} `yaml:"selector"`
		Template struct {
			Metadata struct {
				Labels map[string]string `yaml:"labels"`
			} `yaml:"metadata"`
			Spec struct {
				Containers []struct {
					Args  []string `yaml:"args"`
					Ports []struct {
						Name          string `yaml:"name"`
						ContainerPort int    `yaml:"containerPort"`
					} `yaml:"ports"`
					EnvFrom []struct {
						ConfigMapRef struct {
							Name string `yaml:"name"`
						} `yaml:"configMapRef"`
					} `yaml:"envFrom"`
					Env []struct {
						Name  string `yaml:"name"`
						Value string `yaml:"value"`
					} `yaml:"env"`
					VolumeMounts []struct {
						Name      string `yaml:"name"`
						MountPath string `yaml:"mountPath"`
					} `yaml:"volumeMounts"`
					ReadinessProbe *kubeProbe `yaml:"readinessProbe"`
					LivenessProbe  *kubeProbe `yaml:"livenessProbe"`
				} `yaml:"containers"`
				Volumes []struct {
					Name   string `yaml:"name"`
					Secret struct {
						SecretName string `yaml:"secretName"`
					} `yaml:"secret"`
				} `yaml:"volumes"`
			} `yaml:"spec"`
		} `yaml:"template"`
		// Service
		ServiceSelector map[string]string `yaml:"-"`
		Ports           []struct {
			TargetPort string `yaml:"targetPort"`
		} `yaml:"ports"`
	} `yaml:"spec"`
}

type kubeProbe struct {
	Exec struct {
		Command []string `yaml:"command"`
	} `yaml:"exec"`
}

func readKube(t *testing.T) map[string]kubeObject {
	t.Helper()
	f, err := os.Open(kubeFile)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	dec := yaml.NewDecoder(f)
	out := map[string]kubeObject{}
	for {
		var node yaml.Node
		err := dec.Decode(&node)
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			t.Fatalf("%s is not valid YAML: %v", kubeFile, err)
		}
		var o kubeObject
		if err := node.Decode(&o); err != nil {
			t.Fatalf("%s: %v", kubeFile, err)
		}
		var raw struct {
			Spec map[string]any `yaml:"spec"`
		}
		if err := node.Decode(&raw); err != nil {
			t.Fatal(err)
		}
		if o.Kind == "Service" {
			if sel, ok := raw.Spec["selector"].(map[string]any); ok {
				o.Spec.ServiceSelector = map[string]string{}
				for k, v := range sel {
					o.Spec.ServiceSelector[k], _ = v.(string)
				}
			}
		}
		if _, dup := out[o.Kind]; dup {
			t.Fatalf("two objects of kind %s; the checks expect one", o.Kind)
		}
		out[o.Kind] = o
	}
	return out
}

// TestKubernetesExample checks the example's objects fit together: several
// replicas, a Service selecting their pods and targeting their port, the
// secrets mounted from the Secret and named by *_FILE settings that exist,
// PostgreSQL as the store, every setting a documented one, and readiness
// and liveness probes on the health endpoints.
func TestKubernetesExample(t *testing.T) {
	objs := readKube(t)
	for _, k := range []string{"Secret", "ConfigMap", "Deployment", "Service"} {
		if _, ok := objs[k]; !ok {
			t.Fatalf("no %s in %s", k, kubeFile)
		}
	}
	dep, svc, sec, cm := objs["Deployment"], objs["Service"], objs["Secret"], objs["ConfigMap"]
	if dep.Spec.Replicas == nil || *dep.Spec.Replicas < 2 {
		t.Errorf("the Deployment should run several replicas, has %v", dep.Spec.Replicas)
	}
	labels := dep.Spec.Template.Metadata.Labels
	for k, v := range dep.Spec.Selector.MatchLabels {
		if labels[k] != v {
			t.Errorf("Deployment selector %s=%s does not match the pod labels %v", k, v, labels)
		}
	}
	if len(svc.Spec.ServiceSelector) == 0 {
		t.Error("the Service selects no pods")
	}
	for k, v := range svc.Spec.ServiceSelector {
		if labels[k] != v {
			t.Errorf("Service selector %s=%s does not match the pod labels %v", k, v, labels)
		}
	}
	if len(dep.Spec.Template.Spec.Containers) != 1 {
		t.Fatalf("want one container, have %d", len(dep.Spec.Template.Spec.Containers))
	}
	c := dep.Spec.Template.Spec.Containers[0]
	var portNames []string
	for _, p := range c.Ports {
		portNames = append(portNames, p.Name)
	}
	for _, p := range svc.Spec.Ports {
		if !slices.Contains(portNames, p.TargetPort) {
			t.Errorf("Service targets port %q, the container has %v", p.TargetPort, portNames)
		}
	}

	documented := map[string]bool{}
	for _, row := range config.Documented() {
		documented[row[0]] = true
	}
	settings := map[string]string{}
	for _, e := range c.EnvFrom {
		if e.ConfigMapRef.Name != cm.Metadata.Name {
			t.Errorf("envFrom names ConfigMap %q, the example's is %q", e.ConfigMapRef.Name, cm.Metadata.Name)
		}
	}
	for k, v := range cm.Data {
		settings[k] = v
	}
	for _, e := range c.Env {
		settings[e.Name] = e.Value
	}
	for k := range settings {
		if !documented[k] {
			t.Errorf("setting %s is not one of the server's (config.Documented)", k)
		}
	}
	// Secrets come as files from the Secret's keys.
	mounts := map[string]string{}
	for _, m := range c.VolumeMounts {
		mounts[m.Name] = m.MountPath
	}
	secretDir := ""
	for _, v := range dep.Spec.Template.Spec.Volumes {
		if v.Secret.SecretName == sec.Metadata.Name {
			secretDir = mounts[v.Name]
		}
	}
	if secretDir == "" {
		t.Fatalf("the Secret %q is not mounted", sec.Metadata.Name)
	}
	for _, name := range []string{"TOKEN_ENCRYPTION_KEY", "OIDC_CLIENT_SECRET", "TOKEN_STORAGE_URL"} {
		if _, plain := settings[name]; plain {
			t.Errorf("%s is set as a plain value; use %s_FILE", name, name)
		}
		file := settings[name+"_FILE"]
		if path.Dir(file) != secretDir {
			t.Errorf("%s_FILE = %q, not a file of the mounted Secret (%s)", name, file, secretDir)
			continue
		}
		if _, ok := sec.StringData[path.Base(file)]; !ok {
			t.Errorf("%s_FILE names key %q, missing from the Secret", name, path.Base(file))
		}
	}
	if !strings.HasPrefix(sec.StringData["token-storage-url"], "postgres://") {
		t.Error("replicas need a shared store: the Secret's token-storage-url should be a postgres:// URL")
	}
	if settings["NEXTCLOUD_MCP_TRANSPORT"] != "http" {
		t.Errorf("NEXTCLOUD_MCP_TRANSPORT = %q; replicas serve streamable HTTP", settings["NEXTCLOUD_MCP_TRANSPORT"])
	}
	for name, p := range map[string]*kubeProbe{"readiness": c.ReadinessProbe, "liveness": c.LivenessProbe} {
		want := map[string]string{"readiness": "/health/ready", "liveness": "/health/live"}[name]
		if p == nil || len(p.Exec.Command) < 2 || !strings.HasSuffix(p.Exec.Command[0], "/nextcloud-mcp-server") ||
			p.Exec.Command[1] != "healthcheck" || !slices.Contains(p.Exec.Command, want) {
			t.Errorf("%s probe %+v: want the healthcheck subcommand on %s", name, p, want)
		}
	}
}
