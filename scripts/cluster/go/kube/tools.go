//go:build tools

// Package tools pins the Kubernetes control-plane main packages so that `go build` can build
// them from this module with the versions in go.mod.
package tools

import (
	_ "k8s.io/kubernetes/cmd/kube-apiserver"
	_ "k8s.io/kubernetes/cmd/kube-controller-manager"
	_ "k8s.io/kubernetes/cmd/kube-scheduler"
)
