#!/usr/bin/env bash
# The README's first command: installs what paketo needs, then runs the main job on the bundled
# example: builds examples/express-app (Node.js + Express, with a lockfile) with the default
# builder, which paketo makes with its Debian 13 stack on first use, into the local store; runs
# the image with podman (installed by the set-up, with runc, as for the tests) and prints its
# HTTP answer; and copies the image through every transport and back (the digest must not change).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh --demo
work="$(mktemp -d)"
cid=""
cleanup() {
  if [ -n "$cid" ]; then pod rm -f -t 0 "$cid" >/dev/null 2>&1 || true; fi
  rm -rf "$work"
}
trap cleanup EXIT
paketo() { node bin/paketo "$@"; }
pod() { CONTAINERS_CONF="$work/containers.conf" podman --root "$work/podman" --runroot "$work/podman-run" --storage-driver overlay "$@"; }

echo "==> build examples/express-app (the default builder and the stack are made on first use)"
first="$(paketo build paketo-example/express-app --path examples/express-app --timings)"
paketo inspect paketo-example/express-app

echo "==> podman run, then GET /"
printf '[containers]\ndefault_ulimits = []\n[engine]\nruntime = "runc"\n' > "$work/containers.conf"
paketo copy paketo-example/express-app "oci-archive:$work/app.tar" >/dev/null
port="$(node -e 's=require("net").createServer().listen(0,"127.0.0.1",()=>{console.log(s.address().port);s.close()})')"
cid="$(pod run -d -p "127.0.0.1:$port:8080" -e PORT=8080 "oci-archive:$work/app.tar")"
# GET / until it answers (60 s at most), with Node's fetch: no curl needed.
if ! answer="$(node -e '
  const url = process.argv[1], end = Date.now() + 60000;
  (async () => {
    for (;;) {
      try { const r = await fetch(url); if (r.ok) { process.stdout.write(await r.text()); return; } } catch {}
      if (Date.now() > end) process.exit(1);
      await new Promise((d) => setTimeout(d, 250));
    }
  })();' "http://127.0.0.1:$port/")"; then
  echo "demo: the app did not answer on port $port" >&2; pod logs "$cid" >&2 || true; exit 1
fi
echo "HTTP GET / -> $answer"

echo "==> round trip through every transport"
paketo copy paketo-example/express-app "oci:$work/layout:v1" >/dev/null
paketo copy "oci:$work/layout:v1" "oci-archive:$work/image.oci.tar:v1" >/dev/null
paketo copy "oci-archive:$work/image.oci.tar:v1" "docker-archive:$work/image.docker.tar:paketo-example:v1" >/dev/null
last="$(paketo copy "docker-archive:$work/image.docker.tar" paketo-example/express-app:roundtrip)"
if [ "$first" != "$last" ]; then echo "demo: digest changed in the round trip: $first -> $last" >&2; exit 1; fi
echo "demo: built $first; store -> oci -> oci-archive -> docker-archive -> store kept it"
