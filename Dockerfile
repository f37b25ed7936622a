# syntax=docker/dockerfile:1

# ---- build: compile TypeScript with the full dev toolchain
FROM node:20-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
RUN npm run build

# ---- runtime: production dependencies and the compiled output only
FROM node:20-slim AS runtime
ENV NODE_ENV=production
# Memory at fleet scale (README "Memory"): a small V8 young generation, and glibc malloc returning freed
# blocks to the OS instead of keeping the start-up peak (a fit allocates a few MB of short-lived arrays).
ENV NODE_OPTIONS=--max-semi-space-size=2 MALLOC_MMAP_THRESHOLD_=65536 MALLOC_TRIM_THRESHOLD_=131072
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund && npm cache clean --force
COPY --from=build /app/dist ./dist
COPY config.yaml ./config.yaml
# The image's `node` user (uid 1000) owns only the data directory: spool, dead letters, .lp files.
RUN mkdir -p /var/lib/anomalyd && chown node:node /var/lib/anomalyd
VOLUME ["/var/lib/anomalyd"]
USER node
EXPOSE 9464
# Liveness: /healthz answers 200 while the process runs (telemetry.metrics_port must stay 9464).
HEALTHCHECK --interval=30s --timeout=5s --start-period=60s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:9464/healthz').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
ENTRYPOINT ["node", "dist/src/cli/main.js", "monitor"]
