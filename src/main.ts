/**
 * Composition root: the only module that reads the environment, does I/O at start,
 * listens on a port and exits. Everything else receives its dependencies.
 */
import { createApp } from './app.ts'
import { routeHostless } from './hostless-requests.ts'
import { Lifecycle } from './lifecycle.ts'
import type { KeySource } from './keys/key-ring.ts'
import { voiceEngine } from './keys/key-access.ts'
import { openKeys } from './keys/open-keys.ts'
import { openMetering, type OpenedMetering } from './usage/open-metering.ts'
import { KeyLimits } from './routes/key-limits.ts'
import { metricsRoutes } from './routes/metrics.ts'
import { createWebsocketHandler } from './routes/websocket.ts'
import type { AudioCache, CacheOp } from './cache/cache.ts'
import { FleetLease } from './cache/fleet-lease.ts'
import { openAudioCache } from './cache/open-cache.ts'
import { ConfigError, loadConfig, type Config } from './config.ts'
import { createLogShipper } from './telemetry/log-shipping.ts'
import { createLogger, flushLogger } from './telemetry/logger.ts'
import { initialiseEngineSeries } from './telemetry/initial-series.ts'
import { createMetrics, openMetricsRegistry, recordTargetInfo, type Metrics } from './telemetry/metrics.ts'
import { instanceId } from './telemetry/resource.ts'
import { createTracing } from './telemetry/tracing.ts'
import { openDictionaries } from './pronunciation/open-dictionaries.ts'
import type { Engine } from './tts/engine.ts'
import { SpeechService } from './tts/speech-service.ts'
import { version } from './version.ts'
import { buildRouter, needsEncoders } from './tts/engines/build-router.ts'
import { StitchingIds } from './tts/params/stitching-ids.ts'
import { EncodePool } from './tts/encoding/encode-pool.ts'
import { IMPLICIT_ENGINES, parseEnginesFile, type EnginesFile } from './tts/engines/engines-file.ts'

// Open transcodes allowed per encode worker: a stream holds only its encoder state there.
const ENCODE_STREAMS_PER_WORKER = 256

let config: Config
try {
  config = loadConfig(process.env)
} catch (err) {
  if (!(err instanceof ConfigError)) throw err
  console.error(err.message)
  process.exit(78) // EX_CONFIG
}

// Metrics first: telemetry reports what it drops into them. Gauges read the engine and
// cache at scrape time, once those exist.
let engineRef: Engine | undefined
// The configured engines behind engineRef (the router's, or the lone engine).
let configuredEngines: readonly Pick<Engine, 'name' | 'voices'>[] = []
let cache: AudioCache | undefined
let fleet: FleetLease | undefined
let usage: OpenedMetering | undefined
let keys: KeySource | undefined
const metrics: Metrics | undefined = config.TTS_METRICS_ENABLED
  ? createMetrics(openMetricsRegistry(), {
      queueDepth: () => engineRef?.stats().queued ?? 0,
      workersBusy: () => engineRef?.stats().busy ?? 0,
      workers: () => engineRef?.stats() ?? { busy: 0, workers: 0 },
      voices: () => configuredEngines.map((e) => [e.name, e.voices().length] as const),
      cacheBytes: () => cache?.bytes() ?? 0,
      fleetWaiting: () => fleet?.waiting ?? 0,
      usageUnflushed: () => (usage ? usage.metering.ledger.unflushed + usage.metering.ledger.unshared : 0),
      keyBudgets: async () => (usage && keys ? usage.budgetRatios(keys.ring.keys()) : []),
    })
  : undefined
const onTelemetryDropped = (signal: 'traces' | 'logs', count: number) => metrics?.telemetryDropped.inc({ signal }, count)

const tracing = createTracing(config, undefined, onTelemetryDropped)
const shipper = createLogShipper(config, undefined, onTelemetryDropped)
const instance = instanceId(config)
const logger = createLogger({
  level: config.LOG_LEVEL,
  service: config.OTEL_SERVICE_NAME,
  version,
  instance,
  ...(shipper && { shipper }),
  requestLinesToDestination: config.TTS_LOG_EXPORT !== 'otlp',
})
// Lines must reach somebody: with OTLP log export off, request lines stay on stdout.
if (config.TTS_LOG_EXPORT === 'otlp' && !shipper) logger.warn('TTS_LOG_EXPORT=otlp, but OTLP log export is off (OTEL_SDK_DISABLED or OTEL_LOGS_EXPORTER=none): request lines stay on stdout')
if (metrics) recordTargetInfo(metrics.registry, { service_name: config.OTEL_SERVICE_NAME, service_instance_id: instance, service_version: version })

// Without an engines file, espeak alone, exactly as before engine files (TTS_ENGINE's build).
const enginesFile = config.TTS_ENGINES_FILE ? await readEnginesFile(config.TTS_ENGINES_FILE) : IMPLICIT_ENGINES
// PCM that arrives on the event loop is transcoded off it, in threads started only when an engine needs them.
const encodePool =
  needsEncoders(enginesFile) && config.TTS_ENCODE_WORKERS > 0
    ? new EncodePool({
        workers: config.TTS_ENCODE_WORKERS,
        maxStreams: config.TTS_ENCODE_WORKERS * ENCODE_STREAMS_PER_WORKER,
        nice: config.TTS_ENGINE_NICE,
        jobTimeoutMs: config.TTS_JOB_TIMEOUT_MS,
        onOpen: () => metrics?.transcodes.inc({ thread: 'worker' }),
        onLoudness: (engine, result) => metrics?.loudness.record(engine, result),
        ...(config.TTS_LOUDNESS_TARGET_LUFS !== undefined && { loudnessTargetLufs: config.TTS_LOUDNESS_TARGET_LUFS }),
      })
    : undefined
// One router in front of every configured engine.
// Which engine made each generation handed out, so stitching ids reach only the engine that knows them.
const stitching = new StitchingIds()
const router = buildOrExit(() =>
  buildRouter(enginesFile, {
    stitching,
    tracer: tracing.tracer,
    logger,
    pool: {
      workers: config.TTS_MAX_CONCURRENCY,
      maxQueue: config.TTS_MAX_QUEUE,
      jobTimeoutMs: config.TTS_JOB_TIMEOUT_MS,
      nice: config.TTS_ENGINE_NICE,
      ...(config.TTS_LOUDNESS_TARGET_LUFS !== undefined && { loudnessTargetLufs: config.TTS_LOUDNESS_TARGET_LUFS }),
    },
    espeakVariant: config.TTS_ENGINE,
    ...(metrics && { metrics }),
    ...(encodePool && { encoders: encodePool }),
  }),
)
const engine: Engine = router
engineRef = engine
configuredEngines = router.engines
if (metrics) initialiseEngineSeries(metrics, configuredEngines.map((e) => e.name))
// Keys files and usage name engines as the engines file does (`espeak` without one).
const engineNames = enginesFile.engines.map((e) => e.name)
const opened = await exitOnConfigError(
  openKeys({ ...(config.TTS_KEYS_FILE && { file: config.TTS_KEYS_FILE }), ...(config.TTS_API_KEYS && { plain: config.TTS_API_KEYS }), engines: engineNames, voicesNameEngines: !enginesFile.implicit, logger }),
)
keys = opened.keys
const keysReloader = opened.reloader
const onError = (op: CacheOp, err: unknown) => {
  metrics?.cacheErrors.inc({ op })
  logger.warn({ err, op }, 'cache operation failed')
}
const audioCache: AudioCache = await openAudioCache({
  dir: config.TTS_CACHE_DIR,
  maxBytes: config.TTS_CACHE_MAX_BYTES,
  memoryBytes: config.TTS_CACHE_MEMORY_BYTES,
  ...(config.TTS_REDIS_URL && { redisUrl: config.TTS_REDIS_URL }),
  redisTtlSeconds: config.TTS_CACHE_TTL_SECONDS,
  onError,
})
cache = audioCache
// Replicas sharing Redis synthesise each text once between them (without Redis, once per process).
fleet =
  config.TTS_REDIS_URL && config.TTS_FLEET_LEASE_MS > 0
    ? new FleetLease({
        url: config.TTS_REDIS_URL,
        ttlMs: config.TTS_FLEET_LEASE_MS,
        maxWaitMs: config.TTS_JOB_TIMEOUT_MS + config.TTS_FLEET_LEASE_MS,
        onOutcome: (outcome) => metrics?.fleetLease.inc({ outcome }),
        onError: (err) => onError('get', err),
      })
    : undefined

const keyLimits = keys && new KeyLimits({ maxConcurrent: config.TTS_KEY_MAX_CONCURRENCY, charsPerMinute: config.TTS_KEY_CHARS_PER_MINUTE })
usage = openOrExit(() => openMetering({
  dataDir: config.TTS_DATA_DIR,
  ...(config.TTS_REDIS_URL && { redisUrl: config.TTS_REDIS_URL }),
  flushMs: config.TTS_USAGE_FLUSH_MS,
  flushEvents: config.TTS_USAGE_FLUSH_EVENTS,
  retentionDays: config.TTS_USAGE_RETENTION_DAYS,
  prices: new Map(enginesFile.engines.map((e) => [e.name, e.price_per_million_characters ?? 0])),
  engineOf: (voice) => voiceEngine(voice.id, engineNames, enginesFile.default),
  ...(keyLimits && { chargeRate: (key, chars) => keyLimits.charge(key, chars) }),
  ...(metrics && { metrics }),
  logger,
}))

const lifecycle = new Lifecycle()
const dictionaries = openDictionaries(config)
const speech = new SpeechService({
  engine,
  cache: audioCache,
  tracer: tracing.tracer,
  logger,
  ...(metrics && { metrics }),
  ...(fleet && { fleet }),
  ...(config.TTS_CACHE_SKIP_PATTERN && { skipPattern: config.TTS_CACHE_SKIP_PATTERN }),
  dictionaries,
  textNormalization: config.TTS_TEXT_NORMALIZATION,
})
const app = createApp({
  speech,
  engine,
  voices: () => engine.voices(),
  resolveVoice: router.resolveVoice,
  stitching,
  tracer: tracing.tracer,
  logger,
  ...(metrics && { metrics }),
  readiness: { accepting: () => !lifecycle.draining, engine: () => engine.stats().ready, cache: () => audioCache.writable() },
  lifecycle,
  ...(keys && { keys }),
  maxInputChars: config.TTS_MAX_INPUT_CHARS,
  maxBodyBytes: config.TTS_MAX_BODY_BYTES,
  ...(config.TTS_METRICS_TOKEN && { metricsToken: config.TTS_METRICS_TOKEN }),
  metricsOnMainPort: config.TTS_METRICS_PORT === undefined,
  ...(config.TTS_CORS_ORIGINS && { corsOrigins: config.TTS_CORS_ORIGINS }),
  bodyTimeoutMs: config.TTS_BODY_TIMEOUT_MS,
  maxStreamSeconds: config.TTS_WS_MAX_SESSION_SECONDS,
  logText: config.TTS_LOG_TEXT,
  ...(config.TTS_CACHE_SKIP_PATTERN && { cacheSkipPattern: config.TTS_CACHE_SKIP_PATTERN }),
  streamIdleTimeoutSeconds: config.TTS_WS_IDLE_TIMEOUT_SECONDS,
  maxStreamContexts: config.TTS_WS_MAX_CONTEXTS,
  ...(config.TTS_TRACE_URL_TEMPLATE && { traceUrlTemplate: config.TTS_TRACE_URL_TEMPLATE }),
  maxStreamSessions: config.TTS_WS_MAX_SESSIONS,
  dictionaries,
  maxDictionaryFileBytes: config.TTS_DICT_MAX_FILE_BYTES,
  textNormalization: config.TTS_TEXT_NORMALIZATION,
  ...(keyLimits && { keyLimits }),
  metering: usage.metering,
  ...(config.TTS_ADMIN_KEY && { adminKey: config.TTS_ADMIN_KEY }),
})

const warmupStarted = performance.now()
await Promise.all([engine.warmup(), encodePool?.warmup()]).catch((err: unknown) => {
  // An engine whose workers cannot start (a model its runtime refuses, a native library that does not load).
  logger.fatal({ err }, 'engine failed to start')
  console.error(`engine failed to start: ${err instanceof Error ? err.message : String(err)}`)
  process.exit(69) // EX_UNAVAILABLE
})
logger.info({ engine: engine.name, workers: engine.stats().workers, encode_workers: encodePool?.workers ?? 0, warmup_ms: Math.round(performance.now() - warmupStarted) }, 'engine ready')

const server = Bun.serve({
  port: config.PORT,
  hostname: config.HOST,
  fetch: routeHostless(app.fetch),
  websocket: createWebsocketHandler({ maxMessageBytes: config.TTS_WS_MAX_MESSAGE_BYTES }),
  // Synthesis answers within a sentence's time, so a connection idle this long is stuck or hostile.
  idleTimeout: config.TTS_HTTP_IDLE_TIMEOUT_SECONDS,
})
// /metrics on its own port keeps it off the public listener (bind that port to the internal network).
const metricsServer =
  metrics && config.TTS_METRICS_PORT !== undefined
    ? Bun.serve({
        port: config.TTS_METRICS_PORT,
        hostname: config.HOST,
        fetch: routeHostless(metricsRoutes(metrics.registry, { ...(config.TTS_METRICS_TOKEN && { token: config.TTS_METRICS_TOKEN }) }).fetch),
      })
    : undefined
logger.info({ url: server.url.href, cache: audioCache.kind, ...(metricsServer && { metrics_url: `${metricsServer.url.href}metrics` }) }, 'tts-edge listening')

let stopping = false
/**
 * SIGTERM: readiness fails at once while the listener keeps serving for the drain window
 * (load balancers take a few checks to stop sending), then stop accepting and let in-flight
 * requests and sessions finish within the grace period, then flush spans and logs within a
 * deadline (a collector that is down must not hold the exit hostage), then exit 0.
 */
async function shutdown(signal: string): Promise<void> {
  if (stopping) return
  stopping = true
  const started = performance.now()
  lifecycle.startDraining()
  // Ctrl-C (SIGINT) is a person at a terminal, not an orchestrator: no balancer to wait for.
  const drainMs = signal === 'SIGTERM' ? config.TTS_SHUTDOWN_DRAIN_MS : 0
  logger.info({ signal, inflight: lifecycle.inflight, sessions: lifecycle.sessions.size, drain_ms: drainMs }, 'shutting down')
  if (drainMs > 0) await new Promise((resolve) => setTimeout(resolve, drainMs))
  const stopAccepting = server.stop(false)
  logger.info({ inflight: lifecycle.inflight, sessions: lifecycle.sessions.size }, 'drain window over: no new connections')
  // In-flight requests finish; sessions send their queued audio, then close 1012.
  const left = await lifecycle.drain(config.TTS_SHUTDOWN_GRACE_MS)
  if (left.requests || left.sessions) logger.warn(left, 'grace period over: closing what is still open')
  server.stop(true)
  metricsServer?.stop(true)
  await stopAccepting
  await engine.close()
  await encodePool?.close()
  await audioCache.close()
  keysReloader?.close()
  await usage?.close()
  fleet?.close()
  dictionaries.close()
  const flushed = await settleWithin(Promise.all([tracing.shutdown(), shipper?.shutdown()]), config.TTS_SHUTDOWN_FLUSH_MS)
  logger.info({ duration_ms: Math.round(performance.now() - started), telemetry_flushed: flushed }, 'stopped')
  await flushLogger(logger)
  process.exit(0)
}
// A bug that escapes a request must not take every other request down with it.
process.on('unhandledRejection', (err) => {
  metrics?.errors.inc({ type: 'internal' })
  logger.error({ err }, 'unhandled rejection')
})
process.on('SIGTERM', () => void shutdown('SIGTERM'))
// SIGHUP re-reads the keys file (it is also watched); without one, SIGHUP keeps its default.
if (keysReloader) process.on('SIGHUP', () => void keysReloader.reload('SIGHUP'))
process.on('SIGINT', () => void shutdown('SIGINT'))

/** True when `promise` settled within `ms`. */
async function settleWithin(promise: Promise<unknown>, ms: number): Promise<boolean> {
  let timer: ReturnType<typeof setTimeout> | undefined
  const deadline = new Promise<false>((resolve) => (timer = setTimeout(() => resolve(false), ms)))
  const done = promise.then(
    () => true,
    () => true,
  )
  const result = await Promise.race([done, deadline])
  clearTimeout(timer)
  return result
}

/** Durable state that cannot be opened (TTS_DATA_DIR not writable) stops the start, saying where. */
function openOrExit<T>(open: () => T): T {
  try {
    return open()
  } catch (err) {
    console.error(`invalid configuration:\n  TTS_DATA_DIR=${JSON.stringify(config.TTS_DATA_DIR)}: cannot open the usage ledger: ${(err as Error).message}`)
    process.exit(78)
  }
}

/** A start-up file that is missing or invalid exits 78 like bad env, naming every problem. */
async function exitOnConfigError<T>(loading: Promise<T>): Promise<T> {
  try {
    return await loading
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err
    console.error(err.message)
    process.exit(78)
  }
}

/** Builds the engines; an entry its kind refuses at start (e.g. a model file that is missing) exits 78 like bad env. */
function buildOrExit<T>(build: () => T): T {
  try {
    return build()
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err
    // Without an engines file, the one engine is TTS_ENGINE's.
    const source = config.TTS_ENGINES_FILE ? `TTS_ENGINES_FILE (${config.TTS_ENGINES_FILE})` : `TTS_ENGINE=${config.TTS_ENGINE}`
    console.error(new ConfigError(err.problems.map((p) => `${source}: ${p}`)).message)
    process.exit(78)
  }
}

/** Reads and validates TTS_ENGINES_FILE; a missing or invalid file exits 78 like bad env. */
async function readEnginesFile(path: string): Promise<EnginesFile> {
  try {
    return parseEnginesFile(await Bun.file(path).text(), process.env, `TTS_ENGINES_FILE (${path})`)
  } catch (err) {
    console.error(err instanceof ConfigError ? err.message : `invalid configuration:\n  TTS_ENGINES_FILE=${JSON.stringify(path)}: cannot read: ${(err as Error).message}`)
    process.exit(78)
  }
}
