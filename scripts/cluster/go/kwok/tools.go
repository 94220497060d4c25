//go:build tools

// Package tools pins kwok's main package so that `go build` can build it from this module.
package tools

import _ "sigs.k8s.io/kwok/cmd/kwok"
