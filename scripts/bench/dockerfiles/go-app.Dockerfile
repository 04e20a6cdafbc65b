# The peer for examples/go-app, as Docker's Go guide writes it: the module cache in a cache mount,
# go.mod and go.sum first (modules downloaded only when they change), then the source and
# `go build`, the binary alone on the run image. Build args: BUILD_IMAGE / RUN_IMAGE = paketo's
# Debian 13 stack images; GO_ZIP_URL / GO_ZIP_SHA256 / GO_MODULE_VERSION = the golang.org/toolchain
# zip paketo's go-dist picks, from the configured module proxy, with its SHA-256; GOPROXY = the
# machine's proxy. Secret `ca`: the machine's CA bundle, only while a step runs.
# GO_BUILD_CACHE=1 (--peer-gocache) also keeps the compile cache in a cache mount.
ARG BUILD_IMAGE
ARG RUN_IMAGE

FROM ${BUILD_IMAGE} AS go
ARG GO_ZIP_URL
ARG GO_ZIP_SHA256
ARG GO_MODULE_VERSION
USER root
RUN --mount=type=secret,id=ca,target=/etc/ssl/certs/ca-certificates.crt set -eu; \
    curl -fsSL "$GO_ZIP_URL" -o /tmp/go.zip; \
    echo "$GO_ZIP_SHA256  /tmp/go.zip" | sha256sum -c --quiet -; \
    cd /tmp && unzip -q go.zip; \
    mv "/tmp/golang.org/toolchain@${GO_MODULE_VERSION}" /usr/local/go; \
    chmod -R a+x /usr/local/go/bin /usr/local/go/pkg/tool; \
    rm -rf /tmp/go.zip /tmp/golang.org
ARG GOPROXY
ENV PATH=/usr/local/go/bin:$PATH GOTOOLCHAIN=local GOPROXY=$GOPROXY

FROM go AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN --mount=type=cache,target=/root/go/pkg/mod \
    --mount=type=secret,id=ca,target=/etc/ssl/certs/ca-certificates.crt \
    go mod download
COPY . .
ARG GO_BUILD_CACHE=0
RUN --mount=type=cache,target=/root/go/pkg/mod \
    --mount=type=cache,target=/root/.cache/go-build-mount \
    set -eu; \
    if [ "$GO_BUILD_CACHE" = 1 ]; then export GOCACHE=/root/.cache/go-build-mount; fi; \
    go build -o /out/app -buildmode=pie -trimpath .

FROM ${RUN_IMAGE}
COPY --from=build /out/app /usr/local/bin/app
WORKDIR /workspace
ENV PORT=8080
USER 1002:1000
CMD ["app"]
