#!/usr/bin/env bash
# The README's first command: installs what paketo needs, then runs the main job on the bundled
# example: the example becomes an image in the local store, which is copied through every
# transport and back; the digests must match at every step.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
export PAKETO_STORE="${PAKETO_STORE:-$work/store}"
paketo() { node bin/paketo "$@"; }

node scripts/example-image.mjs examples/static-site paketo-example:latest
first="$(paketo copy paketo-example:latest "oci:$work/layout:v1")"
paketo copy "oci:$work/layout:v1" "oci-archive:$work/image.oci.tar:v1" >/dev/null
paketo copy "oci-archive:$work/image.oci.tar:v1" "docker-archive:$work/image.docker.tar:paketo-example:v1" >/dev/null
last="$(paketo copy "docker-archive:$work/image.docker.tar" paketo-example:roundtrip)"
paketo inspect paketo-example:roundtrip
paketo images
if [ "$first" != "$last" ]; then echo "demo: digest changed in the round trip: $first -> $last" >&2; exit 1; fi
echo "demo: store -> oci -> oci-archive -> docker-archive -> store kept digest $last"
