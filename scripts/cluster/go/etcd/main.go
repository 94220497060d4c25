// Command etcd runs the etcd server; the module's own main lives in a module the proxy builds
// only with local replaces, so this calls the server's entry point directly.
package main

import (
	"os"

	"go.etcd.io/etcd/server/v3/etcdmain"
)

func main() {
	etcdmain.Main(os.Args)
}
