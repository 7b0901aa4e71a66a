/**
 * Configuration from environment variables (docs/configuration.md lists every variable;
 * test/docs-config.test.ts keeps that page and this schema equal).
 *
 * `loadConfig` is pure: it reads only the object it is given, never exits, and reports
 * every bad key at once so an operator fixes them in one go. Only `main.ts` exits.
 */
import { availableParallelism } from 'node:os'
import { z } from 'zod'
import { ESPEAK_VARIANTS } from './tts/engines/espeak/espeak-settings.ts'

const bool = z
  .enum(['true', 'false', '1', '0', 'yes', 'no', 'on', 'off', ''])
  .transform((v) => ['true', '1', 'yes', 'on'].includes(v))

const int = (min: number, max: number) => z.coerce.number().int().min(min).max(max)

const url = z.url({ protocol: /^(https?|redis|rediss)$/ })

const csv = z.string().transform((v) =>
  v
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean),
)

// OTEL_EXPORTER_OTLP_HEADERS: "k=v,k2=v2" with percent-encoded values (OTel spec).
const otlpHeaders = z.string().transform((v, ctx) => {
  const headers: Record<string, string> = {}
  for (const pair of v.split(',').filter((p) => p.trim())) {
    const eq = pair.indexOf('=')
    if (eq <= 0) {
      ctx.addIssue({ code: 'custom', message: `expected key=value, got "${pair.trim()}"` })
      return z.NEVER
    }
    headers[pair.slice(0, eq).trim()] = decodeURIComponent(pair.slice(eq + 1).trim())
  }
  return headers
})

// OTLP over HTTP only: protobuf bodies (the OTel spec's default) or JSON.
const otlpProtocol = z.enum(['http/protobuf', 'http/json'], {
  error: 'expected http/protobuf or http/json (OTLP over gRPC is not built in)',
})

const schema = z.object({
  PORT: int(0, 65535).default(8080),
  HOST: z.string().min(1).default('0.0.0.0'),
  TTS_ENGINE: z.enum(ESPEAK_VARIANTS).default('espeak'),
  TTS_CACHE_DIR: z.string().min(1).default('.cache/tts'),
  // Durable state that is not a cache (pronunciation dictionaries, usage ledger): one SQLite
  // file per feature in this directory, created on first use.
  TTS_DATA_DIR: z.string().min(1).default('.data'),
  // Pronunciation dictionaries: rules per dictionary, dictionaries per API key, largest PLS upload.
  TTS_DICT_MAX_RULES: int(1, 100_000).default(5000),
  TTS_DICT_MAX_PER_KEY: int(1, 100_000).default(100),
  TTS_DICT_MAX_FILE_BYTES: int(1024, 64 * 1024 * 1024).default(1024 * 1024),
  // Text clean-up when a request does not say (apply_text_normalization): auto = markdown and emoji
  // always removed, numbers and the like said as words for engines that do not do it themselves.
  TTS_TEXT_NORMALIZATION: z.enum(['auto', 'on', 'off']).default('auto'),
  // Upstream engines, default and fallback (YAML or JSON, docs/gateway.md); unset: one espeak engine.
  TTS_ENGINES_FILE: z.string().min(1).optional(),
  TTS_CACHE_MAX_BYTES: int(0, Number.MAX_SAFE_INTEGER).default(512 * 1024 * 1024),
  // A memory tier in front of the disk: hits skip the file read and the checksum. 0: none.
  TTS_CACHE_MEMORY_BYTES: int(0, Number.MAX_SAFE_INTEGER).default(64 * 1024 * 1024),
  TTS_CACHE_TTL_SECONDS: int(0, 365 * 24 * 3600).default(7 * 24 * 3600),
  TTS_REDIS_URL: url.optional(),
  // With Redis: expiry of the lease that makes one replica synthesise a text while the
  // others wait for its audio; a crashed holder blocks the others this long at most. 0: off.
  TTS_FLEET_LEASE_MS: int(0, 600_000).default(5000),
  TTS_API_KEYS: csv.optional(),
  // API keys with ids, limits, budgets and allowed engines (YAML or JSON, keys stored as
  // sha256:<hex>); reloaded on SIGHUP and when the file changes. Works beside TTS_API_KEYS.
  TTS_KEYS_FILE: z.string().min(1).optional(),
  // Reads every key's usage (OpenAI's /v1/organization/usage/audio_speeches, ElevenLabs'
  // character-stats for all keys); as plain text or as sha256:<hex> of the key.
  TTS_ADMIN_KEY: z.string().min(16, 'use at least 16 characters').max(500).optional(),
  // Usage is flushed (SQLite in TTS_DATA_DIR, then Redis when set) this often and as soon as
  // this many events wait: a killed process loses at most that unflushed batch.
  TTS_USAGE_FLUSH_MS: int(10, 600_000).default(1000),
  TTS_USAGE_FLUSH_EVENTS: int(1, 1_000_000).default(1000),
  // With Redis: days the shared ledger keeps each day's usage.
  TTS_USAGE_RETENTION_DAYS: int(1, 3650).default(400),
  // One core is left to the event loop: with every core synthesising, the OS would starve
  // the thread that answers cache hits and health checks.
  TTS_MAX_CONCURRENCY: int(1, 256).default(Math.max(1, availableParallelism() - 1)),
  TTS_MAX_QUEUE: int(0, 100_000).default(64),
  TTS_JOB_TIMEOUT_MS: int(100, 600_000).default(30_000),
  TTS_ENGINE_NICE: int(0, 19).default(10),
  // Threads that transcode upstream PCM (Opus, AAC, ...) for the gateway, started with the
  // first such stream; 0 encodes on the event loop as before (stalls other requests).
  TTS_ENCODE_WORKERS: int(0, 64).default(2),
  // Integrated loudness (LUFS, BS.1770) every utterance is brought to; unset: measured, not changed.
  TTS_LOUDNESS_TARGET_LUFS: z.coerce.number().min(-40).max(-5).optional(),
  TTS_MAX_INPUT_CHARS: int(1, 100_000).default(4096),
  TTS_MAX_BODY_BYTES: int(1024, 64 * 1024 * 1024).default(64 * 1024),
  TTS_BODY_TIMEOUT_MS: int(100, 600_000).default(10_000),
  // Bun closes a connection with no bytes in either direction for this long (slow headers, stalled readers).
  TTS_HTTP_IDLE_TIMEOUT_SECONDS: int(1, 255).default(30),
  TTS_WS_MAX_SESSION_SECONDS: int(1, 86_400).default(3600),
  // Telemetry flush at shutdown gets this long: a collector that is down would otherwise
  // hold the exit for the exporter's whole retry schedule.
  TTS_SHUTDOWN_FLUSH_MS: int(0, 60_000).default(3000),
  // After SIGTERM, /readyz fails at once but new requests are still served this long: a load
  // balancer (or Kubernetes' endpoint removal) needs a few health checks to stop sending.
  TTS_SHUTDOWN_DRAIN_MS: int(0, 600_000).default(5000),
  // In-flight requests and streaming sessions get this long to finish after the drain window.
  TTS_SHUTDOWN_GRACE_MS: int(0, 600_000).default(10_000),
  TTS_LOG_TEXT: bool.default(false),
  // Texts matching this regular expression (e.g. digit runs of phone and card numbers) are never
  // cached in any tier, nor their text logged. Compiled here so a bad pattern stops the start.
  TTS_CACHE_SKIP_PATTERN: z
    .string()
    .max(1000)
    .transform((source, ctx) => {
      try {
        return new RegExp(source)
      } catch (err) {
        ctx.addIssue({ code: 'custom', message: `not a valid regular expression: ${(err as Error).message}` })
        return z.NEVER
      }
    })
    .optional(),
  TTS_WS_MAX_MESSAGE_BYTES: int(1024, 16 * 1024 * 1024).default(64 * 1024),
  TTS_WS_IDLE_TIMEOUT_SECONDS: int(1, 3600).default(60),
  TTS_WS_MAX_CONTEXTS: int(1, 100).default(5),
  TTS_TRACE_URL_TEMPLATE: z.string().max(2000).optional(),
  TTS_WS_MAX_SESSIONS: int(1, 100_000).default(1000),
  // Per-API-key limits (only with TTS_API_KEYS); 0 means unlimited.
  TTS_KEY_MAX_CONCURRENCY: int(0, 100_000).default(0),
  TTS_KEY_CHARS_PER_MINUTE: int(0, 100_000_000).default(0),
  TTS_METRICS_ENABLED: bool.default(true),
  TTS_METRICS_TOKEN: z.string().min(16, 'use at least 16 characters').max(500).optional(),
  TTS_METRICS_PORT: int(1, 65535).optional(),
  TTS_CORS_ORIGINS: csv.optional(),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  OTEL_SDK_DISABLED: bool.default(false),
  OTEL_SERVICE_NAME: z.string().min(1).default('tts-edge'),
  OTEL_RESOURCE_ATTRIBUTES: z.string().default(''),
  OTEL_EXPORTER_OTLP_ENDPOINT: url.default('http://localhost:4318'),
  OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: url.optional(),
  OTEL_EXPORTER_OTLP_LOGS_ENDPOINT: url.optional(),
  OTEL_EXPORTER_OTLP_HEADERS: otlpHeaders.default({}),
  OTEL_EXPORTER_OTLP_TIMEOUT: int(1, 600_000).default(10_000),
  // OTLP/HTTP with protobuf (the OTel spec's default) or JSON bodies; a signal's own variable wins.
  // gRPC is not built in: saying so beats silently sending something else.
  OTEL_EXPORTER_OTLP_PROTOCOL: otlpProtocol.default('http/protobuf'),
  OTEL_EXPORTER_OTLP_TRACES_PROTOCOL: otlpProtocol.optional(),
  OTEL_EXPORTER_OTLP_LOGS_PROTOCOL: otlpProtocol.optional(),
  OTEL_TRACES_EXPORTER: z.enum(['otlp', 'none']).default('otlp'),
  OTEL_LOGS_EXPORTER: z.enum(['otlp', 'none']).default('otlp'),
  // Where each log line goes, written once: `both` (stdout and OTLP), `otlp` only (the collector
  // gets it, stdout stays quiet), `stdout` only (a collector that reads container logs ships it).
  TTS_LOG_EXPORT: z.enum(['both', 'otlp', 'stdout']).default('both'),
  OTEL_TRACES_SAMPLER: z
    .enum([
      'always_on',
      'always_off',
      'traceidratio',
      'parentbased_always_on',
      'parentbased_always_off',
      'parentbased_traceidratio',
    ])
    .default('parentbased_always_on'),
  OTEL_TRACES_SAMPLER_ARG: z.coerce.number().min(0).max(1).optional(),
  // The service keeps or drops each trace at the end of its request/utterance (telemetry/sampling.ts):
  // errors, requests slower than this, the exemplars' traces and this share of the rest are kept.
  TTS_TRACE_KEEP_RATIO: z.coerce.number().min(0).max(1).default(0.1),
  TTS_TRACE_KEEP_SLOW_MS: int(0, 3_600_000).default(1000),
  // A histogram bucket's exemplar (and the trace kept for it) is renewed at most this often.
  TTS_EXEMPLAR_INTERVAL_SECONDS: int(0, 86_400).default(15),
  OTEL_BSP_MAX_QUEUE_SIZE: int(1, 1_000_000).default(2048),
  OTEL_BSP_MAX_EXPORT_BATCH_SIZE: int(1, 100_000).default(512),
  OTEL_BSP_SCHEDULE_DELAY: int(0, 600_000).default(5000),
  OTEL_BLRP_MAX_QUEUE_SIZE: int(1, 1_000_000).default(2048),
  OTEL_BLRP_SCHEDULE_DELAY: int(0, 600_000).default(1000),
})

export type Config = z.infer<typeof schema>

/**
 * Every environment variable `loadConfig` reads, in schema order (docs/configuration.md
 * lists each one; a test keeps the two equal).
 *
 * @example
 * CONFIG_VARIABLES.includes('PORT') // true
 */
export const CONFIG_VARIABLES: readonly string[] = Object.keys(schema.shape)

/** Thrown by {@link loadConfig} with every invalid key listed. */
export class ConfigError extends Error {
  override readonly name = 'ConfigError'
  constructor(readonly problems: string[]) {
    super(`invalid configuration:\n  ${problems.join('\n  ')}`)
  }
}

/**
 * Validates `env` and returns typed settings with defaults applied.
 * Empty strings count as unset, as most shells and compose files produce them.
 *
 * @example
 * const config = loadConfig(process.env)
 * config.PORT // 8080 unless PORT is set
 */
export function loadConfig(env: Record<string, string | undefined>): Config {
  const present: Record<string, string> = {}
  for (const key of CONFIG_VARIABLES) {
    const value = env[key]
    if (value !== undefined && value.trim() !== '') present[key] = value.trim()
  }
  const result = schema.safeParse(present)
  if (!result.success) {
    throw new ConfigError(
      result.error.issues.map((issue) => {
        const key = String(issue.path[0] ?? '?')
        return `${key}=${JSON.stringify(present[key] ?? '')}: ${issue.message}`
      }),
    )
  }
  return result.data
}

/** The body encoding a signal is exported with: its own OTEL_EXPORTER_OTLP_<SIGNAL>_PROTOCOL, else the general one. */
export function otlpSignalProtocol(config: Config, signal: 'traces' | 'logs'): 'http/protobuf' | 'http/json' {
  const specific = signal === 'traces' ? config.OTEL_EXPORTER_OTLP_TRACES_PROTOCOL : config.OTEL_EXPORTER_OTLP_LOGS_PROTOCOL
  return specific ?? config.OTEL_EXPORTER_OTLP_PROTOCOL
}

/** The endpoint a signal is exported to, per the OTLP exporter spec's env rules. */
export function otlpSignalUrl(config: Config, signal: 'traces' | 'logs'): string {
  const specific = signal === 'traces' ? config.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT : config.OTEL_EXPORTER_OTLP_LOGS_ENDPOINT
  if (specific) return specific
  return `${config.OTEL_EXPORTER_OTLP_ENDPOINT.replace(/\/+$/, '')}/v1/${signal}`
}
