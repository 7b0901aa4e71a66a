# tts-edge container image, built by compose.yaml (service tts-edge) or `docker build .`.
#
# Base: the official Bun image, pinned to the Bun version in package.json (1.4.5).
# - `libespeak-ng1` is installed so the native engine (espeak-native, libespeak-ng through
#   bun:ffi) is picked automatically; the espeak-ng WASM engine stays the fallback.
# - Runs `bun src/main.ts` as the image's non-root `bun` user (uid 1000).
# - HEALTHCHECK probes GET /healthz with Bun's fetch (the slim image has no curl/wget).

# ---- dependencies (production only) -------------------------------------------------------
FROM oven/bun:1.4.5 AS deps
WORKDIR /app
COPY package.json package-lock.json bunfig.toml ./
# package-lock.json is the lockfile of record; bun reads it when no bun.lock exists.
RUN bun install --production --ignore-scripts

# ---- runtime --------------------------------------------------------------------------------
FROM oven/bun:1.4.5-slim AS runtime
RUN apt-get update \
 && apt-get install -y --no-install-recommends libespeak-ng1 ca-certificates \
 && rm -rf /var/lib/apt/lists/*

WORKDIR /app
ENV NODE_ENV=production \
    PORT=8080 \
    HOST=0.0.0.0 \
    TTS_CACHE_DIR=/var/cache/tts-edge \
    TTS_DATA_DIR=/var/lib/tts-edge \
    OTEL_SERVICE_NAME=tts-edge

COPY --from=deps --chown=bun:bun /app/node_modules ./node_modules
COPY --chown=bun:bun package.json bunfig.toml tsconfig.json ./
COPY --chown=bun:bun src ./src

# The cache may be lost; /var/lib/tts-edge (usage ledger, dictionaries: TTS_DATA_DIR) should be kept.
RUN mkdir -p /var/cache/tts-edge /var/lib/tts-edge && chown bun:bun /var/cache/tts-edge /var/lib/tts-edge
VOLUME ["/var/cache/tts-edge", "/var/lib/tts-edge"]

USER bun
EXPOSE 8080

HEALTHCHECK --interval=15s --timeout=3s --start-period=20s --retries=3 \
  CMD ["bun", "-e", "fetch('http://127.0.0.1:' + (process.env.PORT || '8080') + '/healthz').then(r => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]

CMD ["bun", "src/main.ts"]
