# The peer for examples/python-app, as Docker's Python guide writes it: requirements.txt first and
# `pip install` with pip's cache in a cache mount (packages downloaded and installed only when
# requirements.txt changes), then the source, gunicorn on $PORT. The guide starts from
# python:<version>-slim; here the build image's Debian python3 (the CPython paketo's cpython
# installs by default) makes a virtual environment, and the final stage is the run image plus that
# CPython (with the libraries the run image lacks) and the environment. Build args: BUILD_IMAGE /
# RUN_IMAGE = paketo's Debian 13 stack images; PIP_WHEEL_URL / PIP_WHEEL_SHA256 / PIP_WHEEL_NAME =
# the pip wheel paketo's pip buildpack picks, from the configured index, with its SHA-256 (the
# build image has python3 but no pip and no apt); PIP_INDEX_URL = the index pip on the machine is
# configured with. Secret `ca`: the machine's CA bundle, only while a step runs.
ARG BUILD_IMAGE
ARG RUN_IMAGE

FROM ${BUILD_IMAGE} AS python
USER root
ARG PIP_WHEEL_URL
ARG PIP_WHEEL_SHA256
ARG PIP_WHEEL_NAME
RUN --mount=type=secret,id=ca,target=/etc/ssl/certs/ca-certificates.crt set -eu; \
    curl -fsSL "$PIP_WHEEL_URL" -o "/tmp/$PIP_WHEEL_NAME"; \
    echo "$PIP_WHEEL_SHA256  /tmp/$PIP_WHEEL_NAME" | sha256sum -c --quiet -; \
    python3 --version; \
    python3 -m venv --without-pip /opt/venv; \
    /opt/venv/bin/python "/tmp/$PIP_WHEEL_NAME/pip" install --no-index --no-cache-dir --disable-pip-version-check -q "/tmp/$PIP_WHEEL_NAME"; \
    rm "/tmp/$PIP_WHEEL_NAME"
# CPython for the run image: the interpreter, its standard library, and the shared libraries it and
# its extension modules load that the run image does not have (glibc, libstdc++, OpenSSL and zlib
# are there: stacks/trixie.toml), under /usr (/lib is a link to usr/lib in both images).
RUN set -eu; \
    py=$(readlink -f /usr/bin/python3); \
    mkdir -p /runtime; \
    cp -a --parents /usr/bin/python3 "$py" "/usr/lib/$(basename "$py")" /runtime/; \
    for f in "$py" /usr/lib/"$(basename "$py")"/lib-dynload/*.so; do ldd "$f"; done \
      | awk '$2 == "=>" && $3 ~ /^\// { print $3 }' | sort -u \
      | grep -Ev '/(libc|libm|libpthread|libdl|librt|libutil|ld-linux[^/]*|libz|libssl|libcrypto|libstdc\+\+|libgcc_s|libatomic)\.so' \
      | while read -r lib; do \
          case "$lib" in /lib/*) lib="/usr$lib" ;; esac; \
          cp -a --parents "$lib" "$(readlink -f "$lib")" /runtime/; \
        done
ENV PATH=/opt/venv/bin:$PATH

FROM python AS build
WORKDIR /app
ARG PIP_INDEX_URL
COPY requirements.txt ./
RUN --mount=type=cache,target=/root/.cache/pip \
    --mount=type=secret,id=ca,target=/etc/ssl/certs/ca-certificates.crt \
    PIP_INDEX_URL="$PIP_INDEX_URL" PIP_CERT=/etc/ssl/certs/ca-certificates.crt PIP_DISABLE_PIP_VERSION_CHECK=1 \
    python -m pip install -r requirements.txt

FROM ${RUN_IMAGE}
COPY --from=python /runtime/ /
COPY --from=build /opt/venv /opt/venv
ENV PATH=/opt/venv/bin:$PATH PORT=8080
WORKDIR /workspace
COPY . .
USER 1002:1000
CMD gunicorn -b 0.0.0.0:$PORT app:app
