# syntax=docker/dockerfile:1
# Multi-stage: build with dev dependencies, run with production ones only, as a non-root user.
# Debian trixie: its postgresql-client is 17, whose pg_dump/pg_restore handle servers up to 17 (16, 15, …
# back to 9.2). Bookworm's is 15 and cannot dump a 16 or 17 server. See docs/decisions/0025.
FROM node:24-trixie-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
RUN npm run build

FROM node:24-trixie-slim AS runtime
ENV NODE_ENV=production
WORKDIR /app
# pg_dump/pg_restore for postgres backups; the client major must be ≥ the server's (the bot checks
# before each dump). The build fails here if the base ever ships a client older than 17.
RUN apt-get update && apt-get install -y --no-install-recommends postgresql-client ca-certificates \
    && rm -rf /var/lib/apt/lists/* \
    && pg_dump --version | grep -Eq '\(PostgreSQL\) (1[7-9]|[2-9][0-9])' \
    && mkdir -p /var/backups && chown node:node /var/backups
COPY package.json package-lock.json ./
RUN npm ci --omit=dev && npm cache clean --force
COPY --from=build /app/dist ./dist
COPY config ./config
COPY manifest.yml ./
USER node
# Where the catalog's postgres backups `dir` should point (e.g. /var/backups/ledger): mount a persistent
# volume here; it must be writable by uid 1000 (deploy/ sets fsGroup 1000 for that).
VOLUME ["/var/backups"]
EXPOSE 3000
HEALTHCHECK --interval=15s --timeout=3s --start-period=20s --retries=3 \
  CMD node -e "fetch('http://127.0.0.1:'+(process.env.PORT||3000)+'/healthz').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"
# SIGTERM reaches node directly (exec form): running jobs get SHUTDOWN_TIMEOUT_MS to reach a safe point.
CMD ["node", "dist/main.js"]
