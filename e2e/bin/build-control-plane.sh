#!/usr/bin/env bash
# Builds the real Kubernetes control plane used by Baton's tier-2 tests: kube-apiserver,
# kube-controller-manager and kubectl from the k8s.io/kubernetes Go module, and etcd from its
# own Go module. Binaries land in a cache outside the repository, laid out the way
# io.fabric8:kube-api-test expects:  $BATON_KUBE_CACHE/k8s/<version>-linux-<arch>/
#
# Idempotent: when every binary is already present it prints the directory and exits.
# No binary is downloaded; only Go modules are fetched (through the Go module proxy).
set -euo pipefail

K8S_VERSION="${BATON_K8S_VERSION:-1.34.4}"
ETCD_VERSION="${BATON_ETCD_VERSION:-3.6.16}"
CACHE="${BATON_KUBE_CACHE:-$HOME/.cache/baton/kube}"
ARCH="$(go env GOARCH)"
OUT="$CACHE/k8s/${K8S_VERSION}-linux-${ARCH}"
BINARIES=(kube-apiserver kube-controller-manager kubectl etcd)

present() {
  for b in "${BINARIES[@]}"; do [ -x "$OUT/$b" ] || return 1; done
}

if present; then
  echo "control plane ${K8S_VERSION} (etcd ${ETCD_VERSION}) present in $OUT"
  exit 0
fi

command -v go >/dev/null || { echo "go is required to build the control plane" >&2; exit 1; }
export GOTOOLCHAIN=local CGO_ENABLED=0 GOFLAGS=-mod=mod
WORK="$CACHE/build/k8s-${K8S_VERSION}"
mkdir -p "$OUT" "$WORK"
start=$(date +%s)

# k8s.io/kubernetes pins its staging modules at v0.0.0 with local replaces, so it cannot be
# built with `go install`. A wrapper module requires it and points every staging module at its
# published v0.<minor>.<patch> tag instead. The staging list is read from the tag's own go.mod.
if [ ! -x "$OUT/kube-apiserver" ] || [ ! -x "$OUT/kube-controller-manager" ] || [ ! -x "$OUT/kubectl" ]; then
  staging_version="v0.${K8S_VERSION#1.}"
  (
    cd "$WORK"
    modfile="$(go env GOMODCACHE)/cache/download/k8s.io/kubernetes/@v/v${K8S_VERSION}.mod"
    if [ ! -f "$modfile" ]; then
      go mod download -json "k8s.io/kubernetes@v${K8S_VERSION}" >/dev/null
    fi
    {
      echo "module baton.dev/e2e/kube-build"
      echo
      echo "go 1.24.0"
      echo
      echo "require k8s.io/kubernetes v${K8S_VERSION}"
      echo
      grep -oE '^\s*k8s\.io/[a-z0-9-]+ => \./staging/src/k8s\.io/[a-z0-9-]+' "$modfile" \
        | awk -v v="$staging_version" '{print "replace " $1 " => " $1 " " v}'
    } > go.mod
    cat > tools.go <<'GO'
//go:build tools

package tools

import (
	_ "k8s.io/kubernetes/cmd/kube-apiserver"
	_ "k8s.io/kubernetes/cmd/kube-controller-manager"
	_ "k8s.io/kubernetes/cmd/kubectl"
)
GO
    go mod tidy -e >/dev/null 2>&1 || true
    ldflags="-s -w -X k8s.io/component-base/version.gitVersion=v${K8S_VERSION} \
      -X k8s.io/component-base/version.gitMajor=1 \
      -X k8s.io/component-base/version.gitMinor=${K8S_VERSION#1.} \
      -X k8s.io/client-go/pkg/version.gitVersion=v${K8S_VERSION}"
    for cmd in kube-apiserver kube-controller-manager kubectl; do
      if [ ! -x "$OUT/$cmd" ]; then
        echo "building $cmd v${K8S_VERSION} ..."
        go build -trimpath -ldflags "$ldflags" -o "$OUT/$cmd.tmp" "k8s.io/kubernetes/cmd/$cmd"
        mv "$OUT/$cmd.tmp" "$OUT/$cmd"
      fi
    done
  )
fi

# etcd gets a wrapper module of its own: its go.mod uses relative replaces, and its
# OpenTelemetry versions clash with Kubernetes'.
if [ ! -x "$OUT/etcd" ]; then
  ETCD_WORK="$CACHE/build/etcd-${ETCD_VERSION}"
  mkdir -p "$ETCD_WORK"
  (
    cd "$ETCD_WORK"
    cat > go.mod <<MOD
module baton.dev/e2e/etcd-build

go 1.26.0

require go.etcd.io/etcd/server/v3 v${ETCD_VERSION}
MOD
    cat > tools.go <<'GO'
//go:build tools

package tools

import _ "go.etcd.io/etcd/server/v3"
GO
    go mod tidy -e >/dev/null 2>&1 || true
    echo "building etcd v${ETCD_VERSION} ..."
    go build -trimpath -ldflags "-s -w" -o "$OUT/etcd.tmp" go.etcd.io/etcd/server/v3
    mv "$OUT/etcd.tmp" "$OUT/etcd"
  )
fi

present
echo "control plane ${K8S_VERSION} (etcd ${ETCD_VERSION}) built into $OUT in $(( $(date +%s) - start ))s"
