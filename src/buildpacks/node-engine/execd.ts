// exec.d programs of the node layer (CNB exec.d: run by the launcher before the app, they write
// `NAME = "value"` TOML to fd 3). They run on the run image, which has no Node.js, so they are
// POSIX sh scripts: they need a run image with /bin/sh (the `base` flavor), which is why node-engine
// writes them only when asked (BP_NODE_OPTIMIZE_MEMORY, BP_DEBUG_ENABLED), never on a `tiny` image
// by default.

/** `toml NAME VALUE` writes `NAME = "VALUE"` to fd 3, escaping `\`, `"` and newlines. */
const TOML_FUNCTION = `nl='
'
toml() {
  v=$2 out=
  while [ -n "$v" ]; do
    rest=\${v#?}
    c=\${v%"$rest"}
    v=$rest
    case $c in
      \\\\ | \\") out="$out\\\\$c" ;;
      "$nl") out="$out\\\\n" ;;
      *) out="$out$c" ;;
    esac
  done
  printf '%s = "%s"\\n' "$1" "$out" >&3
}`;

/**
 * `0-optimize-memory`: reads the container's memory limit (MEMORY_AVAILABLE in bytes when set,
 * else cgroup v2 `memory.max`, else cgroup v1 `memory/memory.limit_in_bytes`; "max" or an
 * absurdly large v1 value mean none), exports MEMORY_AVAILABLE in MiB, and adds
 * `--max-old-space-size=<75% of it>` to NODE_OPTIONS unless NODE_OPTIONS already sets a heap size.
 * `PAKETO_CGROUP_ROOT` (default /sys/fs/cgroup) exists for tests.
 */
export const OPTIMIZE_MEMORY = `#!/bin/sh
# paketo-buildpacks/node-engine (BP_NODE_OPTIMIZE_MEMORY=true): V8's heap limit from the container's
# memory limit. Needs /bin/sh on the run image.
set -u
${TOML_FUNCTION}
cg=\${PAKETO_CGROUP_ROOT:-/sys/fs/cgroup}
limit=\${MEMORY_AVAILABLE:-}
if [ -z "$limit" ]; then
  if [ -e "$cg/cgroup.controllers" ]; then f="$cg/memory.max"; else f="$cg/memory/memory.limit_in_bytes"; fi
  if [ -r "$f" ]; then read -r limit < "$f" || limit=; fi
fi
case $limit in
  '' | *[!0-9]*) exit 0 ;;
esac
# cgroup v1 reports "no limit" as a number near 2^63
[ \${#limit} -le 16 ] || exit 0
mib=$((limit / 1048576))
[ "$mib" -gt 0 ] || exit 0
toml MEMORY_AVAILABLE "$mib"
opts=\${NODE_OPTIONS:-}
case $opts in
  *max-old-space-size* | *max_old_space_size*) exit 0 ;;
esac
heap=$((mib * 75 / 100))
[ "$heap" -gt 0 ] || exit 0
toml NODE_OPTIONS "\${opts:+$opts }--max-old-space-size=$heap"
`;

/**
 * `1-inspector`: with BPL_DEBUG_ENABLED=true at launch, adds `--inspect` to NODE_OPTIONS
 * (`--inspect=127.0.0.1:<BPL_DEBUG_PORT>` when a port is given), unless NODE_OPTIONS already has one.
 */
export const INSPECTOR = `#!/bin/sh
# paketo-buildpacks/node-engine (BP_DEBUG_ENABLED=true): BPL_DEBUG_ENABLED=true at launch turns on
# the Node.js inspector. Needs /bin/sh on the run image.
set -u
${TOML_FUNCTION}
[ "\${BPL_DEBUG_ENABLED:-}" = true ] || exit 0
opts=\${NODE_OPTIONS:-}
case $opts in
  *--inspect*) exit 0 ;;
esac
flag=--inspect
[ -z "\${BPL_DEBUG_PORT:-}" ] || flag="--inspect=127.0.0.1:$BPL_DEBUG_PORT"
toml NODE_OPTIONS "\${opts:+$opts }$flag"
`;
