// Command pulumi-resource-kubernetes serves the Kubernetes provider. Upstream's main embeds
// schema-embed.json and terraform-mapping-embed.json, which its build generates and the module
// zip lacks; scripts/cluster/cluster.js copies the zip's schema.json and terraform-mapping.json
// next to this file in a build folder outside the repo, and the schema's version is set here,
// as upstream's generator does.
package main

import (
	_ "embed"
	"encoding/json"
	"fmt"
	"os"

	"github.com/pulumi/pulumi-kubernetes/provider/v4/pkg/provider"
	"github.com/pulumi/pulumi-kubernetes/provider/v4/pkg/version"
)

//go:embed schema.json
var schema []byte

//go:embed terraform-mapping.json
var terraformMapping []byte

func main() {
	var spec map[string]json.RawMessage
	if err := json.Unmarshal(schema, &spec); err != nil {
		fmt.Fprintf(os.Stderr, "cannot read the embedded schema: %v\n", err)
		os.Exit(1)
	}
	v, err := json.Marshal(version.Version)
	if err != nil {
		fmt.Fprintf(os.Stderr, "cannot encode the version: %v\n", err)
		os.Exit(1)
	}
	spec["version"] = v
	versioned, err := json.Marshal(spec)
	if err != nil {
		fmt.Fprintf(os.Stderr, "cannot write the schema: %v\n", err)
		os.Exit(1)
	}
	provider.Serve("kubernetes", version.Version, versioned, terraformMapping)
}
