// The exec.d helper that trusts ca-certificates bindings given only when the container starts
// (Paketo's ca-cert-helper). The run image has no Node.js, so it is a POSIX sh script: it needs
// /bin/sh and coreutils (mktemp, tr, cat, ln), and uses openssl, when the image has it, to check
// each certificate and make the CApath hash links. A tiny run image has no shell, so the helper
// is only added on request (BP_ENABLE_RUNTIME_CERT_BINDING=true).
//
// At launch it reads $SERVICE_BINDING_ROOT (or $CNB_BINDINGS), splits every file of every binding
// of type ca-certificates into one PEM per certificate in a fresh temporary directory, and writes
// to fd 3 (CNB exec.d):
//   SSL_CERT_DIR        = $SSL_CERT_DIR:<tmp>/certs  (OpenSSL CApath; hash links when openssl is there)
//   SSL_CERT_FILE       = <tmp>/ca-certificates.crt  ($SSL_CERT_FILE or the system bundle, plus these)
//   NODE_EXTRA_CA_CERTS = <tmp>/extra-ca-certificates.crt  ($NODE_EXTRA_CA_CERTS, plus these)
// A damaged file stops the launch with a message naming the binding and file.

export const HELPER_NAME = "ca-certificates-helper";

export const HELPER_SCRIPT = `#!/bin/sh
# ${HELPER_NAME} (exec.d, written by the paketo-buildpacks/ca-certificates buildpack)
set -eu
me=${HELPER_NAME}
root=\${SERVICE_BINDING_ROOT:-\${CNB_BINDINGS:-}}
[ -n "$root" ] && [ -d "$root" ] || exit 0

fail() { printf '%s: %s\\n' "$me" "$*" >&2; exit 1; }
cr=$(printf '\\r')
has_openssl=no
if command -v openssl >/dev/null 2>&1; then has_openssl=yes; fi
dir=
n=0

# split_certs FILE WHERE: one PEM per certificate of FILE into $dir/certs
split_certs() {
  inside=0
  count=0
  lineno=0
  out=
  while IFS= read -r line || [ -n "$line" ]; do
    lineno=$((lineno + 1))
    line=\${line%"$cr"}
    case $line in
      "-----BEGIN CERTIFICATE-----")
        [ "$inside" = 0 ] || fail "$2: line $lineno: a certificate starts inside another"
        inside=1
        count=$((count + 1))
        n=$((n + 1))
        out="$dir/certs/$n.pem"
        printf '%s\\n' "$line" > "$out" ;;
      "-----END CERTIFICATE-----")
        [ "$inside" = 1 ] || fail "$2: line $lineno: an END line without a BEGIN"
        printf '%s\\n' "$line" >> "$out"
        inside=0
        if [ "$has_openssl" = yes ]; then
          openssl x509 -noout -in "$out" 2>/dev/null || fail "$2: line $lineno: not an X.509 certificate"
        fi ;;
      "-----BEGIN "*)
        fail "$2: line $lineno: only certificates can be trusted, not $line" ;;
      *)
        if [ "$inside" = 1 ]; then
          case $line in *[!A-Za-z0-9+/=\\ ]*) fail "$2: line $lineno: the certificate's base64 is damaged" ;; esac
          printf '%s\\n' "$line" >> "$out"
        fi ;;
    esac
  done < "$1"
  [ "$inside" = 0 ] || fail "$2: a certificate is not closed (no -----END CERTIFICATE-----)"
  [ "$count" -gt 0 ] || fail "$2: no PEM certificate in it"
}

for b in "$root"/*/; do
  b=\${b%/}
  [ -f "$b/type" ] || continue
  [ "$(tr -d ' \\t\\r\\n' < "$b/type" | tr 'A-Z' 'a-z')" = ca-certificates ] || continue
  for f in "$b"/*; do
    [ -f "$f" ] || continue
    case \${f##*/} in type|provider) continue ;; esac
    if [ -z "$dir" ]; then
      dir=$(mktemp -d "\${TMPDIR:-/tmp}/ca-certificates.XXXXXX") || fail "cannot create a directory for the certificates (is \${TMPDIR:-/tmp} writable?)"
      mkdir "$dir/certs"
    fi
    split_certs "$f" "binding \${b##*/}: \${f##*/}"
  done
done
[ "$n" -gt 0 ] || exit 0

if [ "$has_openssl" = yes ]; then
  for c in "$dir"/certs/*.pem; do
    h=$(openssl x509 -noout -subject_hash -in "$c")
    i=0
    while [ -e "$dir/certs/$h.$i" ]; do i=$((i + 1)); done
    ln -s "\${c##*/}" "$dir/certs/$h.$i"
  done
fi

system=\${SSL_CERT_FILE:-/etc/ssl/certs/ca-certificates.crt}
{ if [ -r "$system" ]; then cat "$system"; echo; fi; cat "$dir"/certs/*.pem; } > "$dir/ca-certificates.crt"
{ if [ -n "\${NODE_EXTRA_CA_CERTS:-}" ] && [ -r "$NODE_EXTRA_CA_CERTS" ]; then cat "$NODE_EXTRA_CA_CERTS"; echo; fi; cat "$dir"/certs/*.pem; } > "$dir/extra-ca-certificates.crt"

toml() { printf '%s = "%s"\\n' "$1" "$(printf '%s' "$2" | sed 's/\\\\/\\\\\\\\/g; s/"/\\\\"/g')" >&3; }
toml SSL_CERT_DIR "\${SSL_CERT_DIR:+$SSL_CERT_DIR:}$dir/certs"
toml SSL_CERT_FILE "$dir/ca-certificates.crt"
toml NODE_EXTRA_CA_CERTS "$dir/extra-ca-certificates.crt"
printf '%s: added %s CA certificate(s) from bindings to the trust store\\n' "$me" "$n"
`;
