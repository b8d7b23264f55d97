# syntax=docker/dockerfile:1
# The gateway's production image: built from the lockfile, compiled, run as `node` with the
# production dependencies only. Guide: docs/deployment.md.
#
#   docker build --build-arg GATEWAY_COMMIT=$(git rev-parse HEAD) -t tenant-gateway .
#
# NODE_IMAGE lets a mirror or a locally made image of the same Node 20 on Debian bookworm stand in.
ARG NODE_IMAGE=node:20-bookworm-slim

# --- every dependency, for the build -------------------------------------------------------
FROM ${NODE_IMAGE} AS deps
WORKDIR /app
COPY package.json package-lock.json ./
# --ignore-scripts: the only install scripts are Prisma's engine download (not used: migrations
# run on the schema engine's WASM build, and `prisma generate` needs no engine,
# scripts/prisma-generate.sh), Scarf's telemetry, and esbuild's check of its platform package.
RUN npm ci --ignore-scripts --no-audit --no-fund

# --- compile: Prisma client and GraphQL documents generated, then tsc into dist/ -------------
FROM deps AS build
COPY . .
RUN npm run build

# --- production dependencies alone ------------------------------------------------------------
FROM ${NODE_IMAGE} AS prod-deps
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --ignore-scripts --no-audit --no-fund && npm cache clean --force

# --- runtime -------------------------------------------------------------------------------
FROM ${NODE_IMAGE} AS runtime
# pg_dump moves TenantsDB schemas an older gateway kept in its own database into the data plane
# at start (PG_DUMP, docs/data-plane.md); bookworm's is 15: use it with PostgreSQL 15 or older,
# or set PG_DUMP to a newer one.
RUN apt-get update \
  && apt-get install -y --no-install-recommends postgresql-client-15 \
  && rm -rf /var/lib/apt/lists/*
WORKDIR /app
ENV NODE_ENV=production \
    PORT=4000 \
    HOST=0.0.0.0 \
    TENANTSDB_PROXY_PORT=6432 \
    BACKUP_DIR=/var/lib/tenant-gateway/backups \
    SECRETS_KEY_FILE=/var/lib/tenant-gateway/secrets.key \
    DATABASE_URL=/var/lib/tenant-gateway/pglite
COPY --from=prod-deps --chown=root:root /app/node_modules ./node_modules
COPY --from=build --chown=root:root /app/dist ./dist
# Migrations are applied at start from prisma/ (src/gateway-db/schema-engine.ts finds it above dist/).
COPY --chown=root:root package.json ./
COPY --chown=root:root prisma/schema.prisma ./prisma/schema.prisma
COPY --chown=root:root prisma/migrations ./prisma/migrations
# The code is root's and read-only to the process; only its data directory is the process's.
RUN mkdir -p /var/lib/tenant-gateway/backups && chown -R node:node /var/lib/tenant-gateway
VOLUME ["/var/lib/tenant-gateway"]
ARG GATEWAY_COMMIT
ENV GATEWAY_COMMIT=${GATEWAY_COMMIT}
USER node
# 4000: HTTP (PORT); 6432: the TenantsDB database proxy (TENANTSDB_PROXY_PORT, not 5432, so it
# never collides with a PostgreSQL beside it).
EXPOSE 4000 6432
HEALTHCHECK --interval=15s --timeout=5s --start-period=60s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:'+(process.env.PORT||4000)+'/readyz').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"]
# The production start (package.json start:prod), without npm in between: SIGTERM reaches node.
CMD ["node", "--enable-source-maps", "dist/src/server.js"]
