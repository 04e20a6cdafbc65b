#!/usr/bin/env bash
# Installs what paketo needs on a Debian machine (as root) and builds it.
#   scripts/setup.sh          runtime needs only
#   scripts/setup.sh --demo   plus podman and its runtime, to run the images built (scripts/demo.sh)
#   scripts/setup.sh --test   plus the real components the test suite drives (arm64 emulation included)
#   scripts/setup.sh [--demo|--test] --platform linux/arm64[,linux/amd64]
#                             plus user-mode emulation for each platform this machine cannot run natively
set -euo pipefail
cd "$(dirname "$0")/.."

need_node() {
  if ! command -v node >/dev/null; then
    echo "setup: Node.js >= 20.12 is required and was not found on PATH" >&2; exit 1
  fi
  node -e 'const [a,b]=process.versions.node.split(".").map(Number); process.exit(a>20||(a===20&&b>=12)?0:1)' || {
    echo "setup: Node.js >= 20.12 is required, found $(node --version)" >&2; exit 1; }
}

apt_install() {
  local missing=()
  for p in "$@"; do dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p"); done
  if [ ${#missing[@]} -gt 0 ]; then
    echo "setup: installing Debian packages: ${missing[*]}"
    local sudo=""; [ "$(id -u)" = 0 ] || sudo="sudo"
    $sudo apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "${missing[@]}" >/dev/null
  fi
}

need_node
# Runtime: bubblewrap runs buildpacks in a sandbox, and slirp4netns gives it a network of its own
# (outbound only: the host's loopback stays out of reach); gpgv and the keyring verify Debian archives;
# xz and zstd decompress Debian indexes and packages.
runtime_pkgs=(bubblewrap slirp4netns gpgv debian-archive-keyring ca-certificates xz-utils zstd)
# Running the images: podman with runc (crun refuses some hosts' cgroup layouts) and the id maps.
run_pkgs=(podman runc uidmap)
# Tests: a real registry, the tools that prove our images are accepted, a container runtime.
# redis-server, memcached: the PHP session handler tests keep sessions in a Redis and a memcached on 127.0.0.1.
test_pkgs=(docker-registry apache2-utils skopeo umoci "${run_pkgs[@]}" buildah python3 python3-venv redis-server memcached)

# Foreign platforms: qemu's user-mode emulators, registered with binfmt_misc with the F flag (Debian's
# qemu-user-static does), so programs of the build image run inside the sandbox (docs/multiarch.md).
host_arch() { case "$(uname -m)" in x86_64) echo amd64 ;; aarch64) echo arm64 ;; *) uname -m ;; esac; }
qemu_name() { case "$1" in amd64) echo x86_64 ;; arm64) echo aarch64 ;; riscv64) echo riscv64 ;; *) echo "" ;; esac; }
enable_emulation() {
  local sudo=""; [ "$(id -u)" = 0 ] || sudo="sudo"
  apt_install qemu-user-static binfmt-support
  if [ ! -e /proc/sys/fs/binfmt_misc/status ]; then
    $sudo mount -t binfmt_misc binfmt_misc /proc/sys/fs/binfmt_misc
  fi
  for arch in "$@"; do
    local q; q=$(qemu_name "$arch")
    if [ -z "$q" ]; then echo "setup: no emulator is known for $arch" >&2; exit 1; fi
    $sudo update-binfmts --enable "qemu-$q"
    grep -q '^flags: .*F' "/proc/sys/fs/binfmt_misc/qemu-$q" || {
      echo "setup: qemu-$q is registered without the F flag; the build sandbox cannot find the emulator" >&2; exit 1; }
    echo "setup: linux/$arch programs run here under qemu-$q"
  done
}

mode="" platforms=""
while [ $# -gt 0 ]; do
  case "$1" in
    --test|--demo) mode="$1" ;;
    --platform) platforms="${2:?--platform needs linux/ARCH[,linux/ARCH]}"; shift ;;
    --platform=*) platforms="${1#--platform=}" ;;
    *) echo "setup: unknown option $1 (--test, --demo, --platform linux/ARCH[,...])" >&2; exit 1 ;;
  esac
  shift
done
# The test suite builds arm64 images (src/e2e/multiarch.test.ts).
[ "$mode" = --test ] && platforms="${platforms:+$platforms,}linux/arm64"
case "$mode" in
  --test) apt_install "${runtime_pkgs[@]}" "${test_pkgs[@]}" ;;
  --demo) apt_install "${runtime_pkgs[@]}" "${run_pkgs[@]}" ;;
  *) apt_install "${runtime_pkgs[@]}" ;;
esac
foreign=()
IFS=, read -ra wanted <<<"$platforms"
for p in "${wanted[@]}"; do
  a="${p#linux/}"; a="${a%%/*}"
  [ -n "$a" ] && [ "$a" != "$(host_arch)" ] && [[ " ${foreign[*]} " != *" $a "* ]] && foreign+=("$a")
done
[ ${#foreign[@]} -gt 0 ] && enable_emulation "${foreign[@]}"

if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  npm ci --no-audit --no-fund --loglevel=error
fi
npm run --silent build
