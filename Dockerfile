# syntax=docker/dockerfile:1
# Multi-stage: production dependencies, then the TypeScript build, then a slim runtime that holds
# only dist/, package.json and the production node_modules, running as the unprivileged `node` user.
ARG NODE_VERSION=22

FROM node:${NODE_VERSION}-bookworm-slim AS deps
WORKDIR /app
# better-sqlite3 is a native addon; the toolchain lets it build from source when no prebuilt fits.
RUN apt-get update \
 && apt-get install -y --no-install-recommends python3 make g++ \
 && rm -rf /var/lib/apt/lists/*
COPY package.json package-lock.json ./
# The client package is a workspace: npm ci needs its manifest (it has no dependencies of its own).
COPY packages/client/package.json ./packages/client/
RUN npm ci --omit=dev --no-audit --no-fund

FROM deps AS build
RUN npm ci --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
COPY plugins ./plugins
COPY routes ./routes
COPY packages/client ./packages/client
RUN npm run build

FROM node:${NODE_VERSION}-bookworm-slim AS release
# tini as PID 1 forwards SIGTERM to node, whose handler closes streams and the database in order.
RUN apt-get update \
 && apt-get install -y --no-install-recommends tini \
 && rm -rf /var/lib/apt/lists/* \
 && mkdir -p /data && chown node:node /data
WORKDIR /app
ENV NODE_ENV=production \
    HOST=0.0.0.0 \
    PORT=3000 \
    DATABASE_PATH=/data/bff.sqlite
COPY --from=deps --chown=node:node /app/node_modules ./node_modules
COPY --from=build --chown=node:node /app/dist ./dist
COPY --chown=node:node package.json openapi.yaml ./
# The demo page's static files, served as they are (resolved from the project root, not dist/).
COPY --chown=node:node src/web ./src/web
USER node
VOLUME ["/data"]
EXPOSE 3000
HEALTHCHECK --interval=15s --timeout=3s --start-period=10s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:' + (process.env.PORT || 3000) + '/healthz').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
ARG GIT_COMMIT_SHA=unknown
ARG VERSION=0.0.0
LABEL org.opencontainers.image.revision=$GIT_COMMIT_SHA \
      org.opencontainers.image.version=$VERSION \
      org.opencontainers.image.title="tomoviee-bff"
ENV GIT_COMMIT_SHA=$GIT_COMMIT_SHA
ENTRYPOINT ["/usr/bin/tini", "--"]
CMD ["node", "dist/src/server.js"]
