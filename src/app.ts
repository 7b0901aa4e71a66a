/**
 * createApp(deps): the Hono app, built from its dependencies with no I/O and no env
 * reads, so tests build it exactly as main.ts does.
 *
 * Middleware order matters: correlation first (every later line knows the request id),
 * then telemetry (the span wraps everything else, errors included), then the error style,
 * body limit and auth that may reject the request.
 */
import type { Tracer } from '@opentelemetry/api'
import { Hono, type Context, type MiddlewareHandler } from 'hono'
import { every } from 'hono/combine'
import { cors } from 'hono/cors'
import type { Logger } from 'pino'
import type { AppEnv } from './app-env.ts'
import { Lifecycle } from './lifecycle.ts'
import { ApiError, errorResponse, toApiError, type ApiStyle } from './errors.ts'
import { KeyRing, KeySource } from './keys/key-ring.ts'
import { apiKeyAuth, identifyKey } from './routes/api-key-auth.ts'
import type { Metering } from './usage/metering.ts'
import { usageMeter } from './usage/request-usage.ts'
import { boundedBody } from './routes/bounded-body.ts'
import { keyLimits, type KeyLimits } from './routes/key-limits.ts'
import { docsRoutes } from './routes/docs.ts'
import { elevenlabsUsageRoutes } from './routes/elevenlabs-usage.ts'
import { openaiUsageRoutes } from './routes/openai-usage.ts'
import { elevenlabsRoutes } from './routes/elevenlabs.ts'
import { healthRoutes, type ReadinessChecks } from './routes/health.ts'
import { metricsRoutes } from './routes/metrics.ts'
import { modelsRoutes } from './routes/models.ts'
import { openaiRoutes } from './routes/openai.ts'
import { pronunciationDictionaryRoutes } from './routes/pronunciation-dictionaries.ts'
import { pronunciationRuleRoutes } from './routes/pronunciation-rules.ts'
import type { Dictionaries } from './pronunciation/dictionaries.ts'
import type { TextNormalization } from './text-cleanup/clean-up.ts'
import { correlation } from './telemetry/correlation.ts'
import { httpTelemetry } from './telemetry/http-telemetry.ts'
import type { Metrics } from './telemetry/metrics.ts'
import { elevenlabsMultiStreamInputRoutes } from './routes/elevenlabs-multi-stream-input.ts'
import { elevenlabsStreamInputRoutes } from './routes/elevenlabs-stream-input.ts'
import { elevenlabsTimestampRoutes } from './routes/elevenlabs-timestamps.ts'
import { streamRoutes } from './routes/stream.ts'
import { webRoutes } from './routes/web.ts'
import type { Engine, Voice } from './tts/engine.ts'
import type { StitchingIds } from './tts/params/stitching-ids.ts'
import type { SpeechService } from './tts/speech-service.ts'

export interface AppDeps {
  speech: SpeechService
  /** Streaming sessions synthesise sentence by sentence on it directly. */
  engine: Engine
  voices: () => readonly Voice[]
  resolveVoice: (nameOrId: string) => Voice | undefined
  tracer: Tracer
  logger: Logger
  /** Absent when metrics are switched off (TTS_METRICS_ENABLED=false). */
  metrics?: Metrics
  /** Bearer token /metrics requires (TTS_METRICS_TOKEN). */
  metricsToken?: string
  /** False when /metrics is served on its own port instead (TTS_METRICS_PORT). */
  metricsOnMainPort?: boolean
  /** Origins allowed to call the API from a browser (TTS_CORS_ORIGINS); none by default. */
  corsOrigins?: readonly string[]
  readiness: ReadinessChecks
  /** The API keys in force (keys file and TTS_API_KEYS), reloadable; unset: auth off. */
  keys?: KeySource
  /** Plain keys, for callers without a KeySource (tests): the same as TTS_API_KEYS. */
  apiKeys?: readonly string[]
  maxInputChars: number
  maxBodyBytes: number
  /** A request body must have arrived whole within this long (408 otherwise). */
  bodyTimeoutMs?: number
  logText: boolean
  /** TTS_CACHE_SKIP_PATTERN: texts matching it are never cached, nor logged. */
  cacheSkipPattern?: RegExp
  /** Which engine made each generation handed out (ElevenLabs routes record theirs). */
  stitching?: StitchingIds
  /** Inactivity before a /v1/stream session is closed, seconds. */
  streamIdleTimeoutSeconds: number
  /** Contexts one multi-stream-input socket may hold open. */
  maxStreamContexts: number
  /** Per-API-key concurrency and characters per minute (only when keys are configured). */
  keyLimits?: KeyLimits
  /** Usage accounting and budgets (usage/): every speech request and utterance is recorded. */
  metering?: Metering
  /** TTS_ADMIN_KEY: reads every key's usage. */
  adminKey?: string
  /** Streaming sessions open at once across the server (default 1000); one more is refused with 1013. */
  maxStreamSessions?: number
  /** Longest a streaming session may last, seconds. */
  maxStreamSeconds?: number
  /** Draining state, in-flight requests and open sessions, for graceful shutdown. */
  lifecycle?: Lifecycle
  /** Playground trace links (TTS_TRACE_URL_TEMPLATE, `{traceId}` replaced); unset: no link. */
  traceUrlTemplate?: string
  /** Pronunciation dictionaries (their routes are mounted only with them). */
  dictionaries?: Dictionaries
  /** Largest body the dictionary routes accept (a PLS upload), bytes (TTS_DICT_MAX_FILE_BYTES). */
  maxDictionaryFileBytes?: number
  /** `apply_text_normalization` when a request or session does not say (TTS_TEXT_NORMALIZATION). */
  textNormalization?: TextNormalization
}

// Paths that belong to ElevenLabs' API family and answer in its error shape.
const ELEVENLABS_PATH = /^\/v1\/(text-to-speech|voices|user|shared-voices|usage|pronunciation-dictionaries)(\/|$)/

/** Which error shape a request expects: by path, or by the ElevenLabs SDK's headers on shared paths. */
export function apiStyleOf(c: Context): ApiStyle {
  if (ELEVENLABS_PATH.test(c.req.path)) return 'elevenlabs'
  const headers = c.req.raw.headers
  if (headers.get('xi-api-key') || headers.get('x-fern-sdk-name')) return 'elevenlabs'
  return 'openai'
}

/**
 * @example
 * const app = createApp({ speech, voices, resolveVoice, tracer, logger, metrics, readiness, maxInputChars: 4096, maxBodyBytes: 65536, logText: false })
 * Bun.serve({ fetch: app.fetch })
 */
export function createApp(deps: AppDeps): Hono<AppEnv> {
  const app = new Hono<AppEnv>()

  // Without one from main (tests), a private lifecycle still counts sessions for the limit.
  const lifecycle = deps.lifecycle ?? new Lifecycle()
  app.use(correlation())
  app.use(lifecycle.track())
  app.use(httpTelemetry({ tracer: deps.tracer, logger: deps.logger, ...(deps.metrics && { metrics: deps.metrics }) }))
  if (deps.corsOrigins?.length) {
    const origins = [...deps.corsOrigins]
    app.use(
      '/v1/*',
      cors({
        origin: origins.includes('*') ? '*' : origins,
        allowHeaders: ['content-type', 'authorization', 'xi-api-key', 'x-request-id', 'traceparent', 'tracestate', 'baggage'],
        exposeHeaders: ['x-request-id', 'traceresponse', 'server-timing', 'x-cache', 'retry-after', 'x-tts-engine', 'x-tts-ignored', 'request-id', 'character-cost'],
        maxAge: 600,
      }),
    )
  }
  const body = boundedBody({ maxBytes: deps.maxBodyBytes, timeoutMs: deps.bodyTimeoutMs })
  // A PLS upload may be larger than any speech request: the dictionary routes have their own limit.
  const dictionaryBody = boundedBody({ maxBytes: deps.maxDictionaryFileBytes ?? 1024 * 1024, timeoutMs: deps.bodyTimeoutMs })
  // The error style of every request, and the bounded body of the API's (`/v1/*`): one layer,
  // not two, since the hit path pays a dispatch for each. Not async: hands back next()'s promise.
  app.use(function apiStyleAndBody(c, next) {
    c.set('apiStyle', apiStyleOf(c))
    const path = c.req.path
    if (!path.startsWith('/v1/') && path !== '/v1') return next()
    return path.startsWith('/v1/pronunciation-dictionaries') ? dictionaryBody(c, next) : body(c, next)
  })
  const keys = deps.keys ?? (deps.apiKeys?.length ? new KeySource(KeyRing.from({ plain: deps.apiKeys })) : undefined)
  // Auth and per-key limits only with keys, usage whenever it is metered (under `anonymous`
  // without keys): the fewer middleware, the cheaper the hit path.
  const speechChain: MiddlewareHandler<AppEnv>[] = [
    ...(keys ? [apiKeyAuth(keys), keyLimits(deps.keyLimits)] : []),
    ...(deps.metering ? [usageMeter(deps.metering)] : []),
  ]
  if (keys) {
    // A dictionary belongs to the key that made it: the key id is the owner.
    const dictionaryAuth = apiKeyAuth(keys)
    app.use('/v1/pronunciation-dictionaries', dictionaryAuth)
    app.use('/v1/pronunciation-dictionaries/*', dictionaryAuth)
    // The voice list is public; a key that presents itself sees the voices it may use.
    const identify = identifyKey(keys)
    app.use('/v1/voices', identify)
    app.use('/v1/voices/*', identify)
  }
  if (speechChain.length) {
    // One middleware (no keys) needs no combinator around it: the hit path pays for every layer.
    const speechGate: MiddlewareHandler<AppEnv> = speechChain.length === 1 ? speechChain[0]! : every(...speechChain)
    app.use('/v1/audio/speech', speechGate)
    app.use('/v1/text-to-speech/*', function speechAuth(c, next) {
      // stream-input may carry its key in the first WebSocket message, where browsers must;
      // its sessions apply the same checks, limits and metering themselves.
      if (c.req.path.endsWith('stream-input')) return next()
      return speechGate(c, next)
    })
  }

  const routeDeps = {
    speech: deps.speech,
    voices: deps.voices,
    resolveVoice: deps.resolveVoice,
    maxInputChars: deps.maxInputChars,
    logText: deps.logText,
    ...(deps.cacheSkipPattern && { cacheSkipPattern: deps.cacheSkipPattern }),
    ...(deps.stitching && { stitching: deps.stitching }),
    ...(deps.metrics && { metrics: deps.metrics }),
    ...(deps.metering && { engineOf: deps.metering.engineOf }),
  }
  app.route('/', openaiRoutes(routeDeps))
  app.route('/', elevenlabsRoutes(routeDeps))
  app.route('/', elevenlabsTimestampRoutes(routeDeps))
  const streamDeps = {
    engine: deps.engine,
    speech: deps.speech,
    tracer: deps.tracer,
    logger: deps.logger,
    ...(deps.metrics && { metrics: deps.metrics }),
    resolveVoice: deps.resolveVoice,
    authRequired: keys !== undefined,
    findKey: (presented: string | undefined) => keys?.ring.find(presented),
    idleTimeoutSeconds: deps.streamIdleTimeoutSeconds,
    lifecycle,
    maxSessions: deps.maxStreamSessions ?? 1000,
    maxSessionSeconds: deps.maxStreamSeconds ?? 3600,
    ...(deps.keyLimits && { keyLimits: deps.keyLimits }),
    ...(deps.dictionaries && { dictionaries: deps.dictionaries }),
    ...(deps.textNormalization && { textNormalization: deps.textNormalization }),
    ...(deps.metering && { metering: deps.metering }),
  }
  app.route('/', streamRoutes(streamDeps))
  app.route('/', elevenlabsStreamInputRoutes(streamDeps))
  app.route('/', elevenlabsMultiStreamInputRoutes(streamDeps, { maxContexts: deps.maxStreamContexts }))
  if (deps.dictionaries) {
    app.route('/', pronunciationDictionaryRoutes({ dictionaries: deps.dictionaries }))
    app.route('/', pronunciationRuleRoutes({ dictionaries: deps.dictionaries }))
  }
  if (deps.metering) {
    const access = { ...(keys && { keys }), ...(deps.adminKey && { adminKey: deps.adminKey }) }
    app.route('/', elevenlabsUsageRoutes(deps.metering, access))
    app.route('/', openaiUsageRoutes(deps.metering, access))
  }
  app.route('/', modelsRoutes())
  app.route('/', docsRoutes())
  app.route('/', webRoutes({ ...(deps.traceUrlTemplate && { traceUrlTemplate: deps.traceUrlTemplate }) }))
  app.route('/', healthRoutes(deps.readiness))
  if (deps.metrics && deps.metricsOnMainPort !== false) {
    app.route('/', metricsRoutes(deps.metrics.registry, { ...(deps.metricsToken && { token: deps.metricsToken }) }))
  }

  app.notFound((c) =>
    errorResponse(
      new ApiError({
        status: 404,
        kind: 'not_found',
        code: 'not_found',
        message: `No route for ${c.req.method} ${c.req.path.slice(0, 200)}.`,
      }),
      c.get('apiStyle') ?? apiStyleOf(c),
    ),
  )

  app.onError((err, c) => {
    const apiError = toApiError(err)
    if (apiError.kind === 'internal' && c.req.raw.signal.aborted) {
      // The client hung up before its first byte (while queued or synthesising): Bun aborted the
      // request's signal and the work waiting on it threw that abort. Nobody reads this answer and
      // it is no failure of ours, so no 5xx: nginx's 499 "client closed request", for logs and metrics.
      c.get('span')?.setAttribute('tts.client.disconnected', true)
      if (c.get('logFields')) c.get('logFields').client_disconnected = true
      return new Response(null, { status: 499 })
    }
    c.set('error', err)
    deps.metrics?.errors.inc({ type: apiError.kind })
    if (apiError.status >= 500) c.get('log')?.error({ err }, 'request error')
    return errorResponse(apiError, c.get('apiStyle') ?? apiStyleOf(c))
  })

  return app
}
