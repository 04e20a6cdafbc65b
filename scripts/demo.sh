#!/usr/bin/env bash
# The README's first command: installs what paketo needs, then runs the main job on the bundled
# example: creates the Debian 13 stack, a builder with an example buildpack, builds
# examples/hello-app into the local store, runs it with podman when podman is here, and copies it
# through every transport and back (the digest must not change).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
paketo() { node bin/paketo "$@"; }

echo "==> stack (Debian 13 packages, verified; cached after the first run)"
paketo stack create --update --lock "$work/stack.lock.toml" paketo/trixie
echo "==> builder"
paketo builder create paketo-example/builder --config examples/builder.toml
echo "==> build"
first="$(paketo build paketo-example/app --builder paketo-example/builder --path examples/hello-app --timings)"
paketo inspect paketo-example/app

if command -v podman >/dev/null; then
  echo "==> podman run"
  printf '[containers]\ndefault_ulimits = []\n[engine]\nruntime = "runc"\n' > "$work/containers.conf"
  paketo copy paketo-example/app "oci-archive:$work/app.tar" >/dev/null
  CONTAINERS_CONF="$work/containers.conf" podman --root "$work/podman" --runroot "$work/podman-run" \
    --storage-driver vfs run --rm "oci-archive:$work/app.tar" 2>/dev/null
fi

echo "==> round trip through every transport"
paketo copy paketo-example/app "oci:$work/layout:v1" >/dev/null
paketo copy "oci:$work/layout:v1" "oci-archive:$work/image.oci.tar:v1" >/dev/null
paketo copy "oci-archive:$work/image.oci.tar:v1" "docker-archive:$work/image.docker.tar:paketo-example:v1" >/dev/null
last="$(paketo copy "docker-archive:$work/image.docker.tar" paketo-example/app:roundtrip)"
if [ "$first" != "$last" ]; then echo "demo: digest changed in the round trip: $first -> $last" >&2; exit 1; fi
echo "demo: built $first; store -> oci -> oci-archive -> docker-archive -> store kept it"
