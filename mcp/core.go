package mcp

import (
	"context"
	"encoding/json"

	mcpgo "github.com/mark3labs/mcp-go/mcp"

	"github.com/nextcloud-mcp/nextcloud-mcp-server/nextcloud"
)

// CoreToolset offers server-wide information: capabilities and whoami.
func CoreToolset(env *Env) Toolset {
	return Toolset{
		Name:        "core",
		Description: "Nextcloud server information",
		Tools: []Tool{
			capabilities(env),
		},
		Resources: []Resource{{
			Resource: mcpgo.NewResource("nextcloud://capabilities", "Nextcloud capabilities",
				mcpgo.WithResourceDescription("The Nextcloud server's version and app capabilities"),
				mcpgo.WithMIMEType("application/json")),
			Handler: func(ctx context.Context, nc *nextcloud.Client, req mcpgo.ReadResourceRequest) ([]mcpgo.ResourceContents, error) {
				caps, err := nc.Capabilities(ctx)
				if err != nil {
					return nil, err
				}
				b, err := json.Marshal(caps)
				if err != nil {
					return nil, err
				}
				return []mcpgo.ResourceContents{mcpgo.TextResourceContents{URI: req.Params.URI, MIMEType: "application/json", Text: string(b)}}, nil
			},
		}},
	}
}

type capabilitiesIn struct{}

type capabilitiesOut struct {
	Version      string                     `json:"version" jsonschema:"Nextcloud version"`
	User         string                     `json:"user" jsonschema:"the Nextcloud user id the server acts as"`
	Capabilities map[string]json.RawMessage `json:"capabilities" jsonschema:"capabilities by app"`
}

func (o capabilitiesOut) Summary() string {
	return "Nextcloud " + o.Version + ", acting as " + o.User
}

// capabilities is nc_capabilities (nextcloud capabilities).
func capabilities(env *Env) Tool {
	return NewTool(Spec{
		Name: "nc_capabilities", Title: "Nextcloud capabilities",
		Description: "Show the Nextcloud version, the signed-in user id and the capabilities of installed apps.",
		Scope:       "", Kind: Read,
	},
		func(ctx context.Context, nc *nextcloud.Client, _ capabilitiesIn) (capabilitiesOut, error) {
			caps, err := nc.Capabilities(ctx)
			if err != nil {
				return capabilitiesOut{}, err
			}
			return capabilitiesOut{Version: caps.Version.String, User: nc.User(), Capabilities: caps.Capabilities}, nil
		})
}
