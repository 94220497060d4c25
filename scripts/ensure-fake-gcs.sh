#!/usr/bin/env bash
# Makes sure fake-gcs-server (a Google Cloud Storage emulator) is built for
# test/engine/store-gcs.test.ts. Builds the pinned release from the Go module proxy with
# `go install` into a cache OUTSIDE the repository (the module has no replace directives, so its
# own go.sum pins every dependency). Idempotent and instant when the binary is there; a cold build
# downloads the modules and compiles (75 s on 2 cores with empty Go caches). Prints the binary's path last.
#
#   FAKE_GCS_VERSION  the release to build       (default 1.56.1, the version the tests were written against)
#   FAKE_GCS_DIR      where the build is kept    (default ~/.cache/pulumi-progressive-delivery/fake-gcs)
set -euo pipefail

VERSION="${FAKE_GCS_VERSION:-1.56.1}"
ROOT="${FAKE_GCS_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/pulumi-progressive-delivery/fake-gcs}"
DIR="$ROOT/v$VERSION"
BIN="$DIR/bin/fake-gcs-server"

if [ -x "$BIN" ]; then
  echo "fake-gcs-server $VERSION: $BIN"
  exit 0
fi

if ! command -v go >/dev/null 2>&1; then
  echo "fake-gcs-server $VERSION is not built and Go is not installed to build it; install Go 1.26+ and run bash scripts/ensure-fake-gcs.sh" >&2
  exit 1
fi

echo "building fake-gcs-server $VERSION from the Go module proxy into $DIR (minutes when cold)" >&2
TMP="$DIR.tmp.$$"
rm -rf "$TMP"
mkdir -p "$TMP/bin"
trap 'rm -rf "$TMP"' EXIT
started=$(date +%s)
# Outside any module, so the repository's own files play no part; a line a minute while it builds.
(cd "$TMP" && CGO_ENABLED=0 GOBIN="$TMP/bin" GOFLAGS=-buildvcs=false \
  nice -n 10 go install -trimpath -ldflags "-s -w" "github.com/fsouza/fake-gcs-server@v$VERSION") &
pid=$!
n=0
while kill -0 "$pid" 2>/dev/null; do
  sleep 5
  n=$((n + 5))
  if [ $((n % 60)) -eq 0 ]; then echo "  still building ($((n / 60)) min)" >&2; fi
done
wait "$pid"
rm -rf "$DIR"
mv "$TMP" "$DIR"
trap - EXIT
echo "  built in $(($(date +%s) - started)) s" >&2
echo "fake-gcs-server $VERSION: $BIN"
