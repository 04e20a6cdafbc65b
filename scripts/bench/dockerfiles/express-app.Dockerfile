# The peer for examples/express-app: npm with a lockfile, production dependencies only.
# Build args and the `ca` secret as in node-app.Dockerfile, plus NPM_URL / NPM_SHA512: the npm
# release paketo's npm-install buildpack picks, and NPM_REGISTRY: the configured registry.
ARG BUILD_IMAGE
ARG RUN_IMAGE

FROM ${BUILD_IMAGE} AS node
ARG NODE_URL
ARG NODE_SHA512
ARG NPM_URL
ARG NPM_SHA512
USER root
RUN --mount=type=secret,id=ca,target=/etc/ssl/certs/ca-certificates.crt set -eu; \
    curl -fsSL "$NODE_URL" -o /tmp/node.tgz; \
    echo "$NODE_SHA512  /tmp/node.tgz" | sha512sum -c --quiet -; \
    mkdir -p /opt/node /opt/npm; \
    tar -xzf /tmp/node.tgz -C /opt/node --strip-components=1 --no-same-owner; \
    curl -fsSL "$NPM_URL" -o /tmp/npm.tgz; \
    echo "$NPM_SHA512  /tmp/npm.tgz" | sha512sum -c --quiet -; \
    tar -xzf /tmp/npm.tgz -C /opt/npm --strip-components=1 --no-same-owner; \
    ln -s /opt/npm/bin/npm-cli.js /opt/node/bin/npm; \
    rm /tmp/node.tgz /tmp/npm.tgz
ARG NPM_REGISTRY
ENV PATH=/opt/node/bin:$PATH \
    npm_config_registry=$NPM_REGISTRY \
    npm_config_cafile=/etc/ssl/certs/ca-certificates.crt

# Dependencies first: this layer is rebuilt only when package.json or the lockfile change.
FROM node AS deps
WORKDIR /app
COPY package.json package-lock.json ./
RUN --mount=type=cache,target=/root/.npm \
    --mount=type=secret,id=ca,target=/etc/ssl/certs/ca-certificates.crt \
    npm ci --omit=dev --no-audit --no-fund

FROM ${RUN_IMAGE}
COPY --from=node /opt/node/bin/node /usr/local/bin/node
WORKDIR /workspace
COPY --from=deps /app/node_modules ./node_modules
COPY . .
ENV NODE_ENV=production PORT=8080
USER 1002:1000
CMD ["node", "server.js"]
