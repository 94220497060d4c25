#!/usr/bin/env bash
# Builds what the cluster test tier (test/cluster) runs, from the Go module proxy, into a cache
# outside the repo: etcd, kube-apiserver/controller-manager/scheduler, kwok, the Gateway API
# CRDs and the Pulumi Kubernetes provider plugin. Reuses what is there. Needs the Pulumi CLI
# (bash scripts/ensure-pulumi.sh) to install the plugin. See scripts/cluster/cluster.js and
# docs/toolchain.md, "A real Kubernetes API (cluster tier)".
set -euo pipefail
exec node "$(dirname "$0")/cluster/cluster.js" ensure
