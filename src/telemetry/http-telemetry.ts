/**
 * The SERVER span, request metrics and summary log line for every HTTP request.
 *
 * Bun.serve has no auto-instrumentation, so this middleware is the whole story: it
 * continues an incoming `traceparent`, names the span after the matched route pattern,
 * and records status, duration and exemplar in `finally` so failures count too. For
 * streamed bodies the handler sets `bodyDone` and everything completes when the last
 * byte has left (or the client went away).
 */
import { context, INVALID_SPAN_CONTEXT, propagation, SpanKind, SpanStatusCode, trace, type Span, type Tracer } from '@opentelemetry/api'
import type { Context, MiddlewareHandler } from 'hono'
import { matchedRoutes } from 'hono/route'
import type { Logger } from 'pino'
import { afterBody, type AppEnv } from '../app-env.ts'
import { observe, type Metrics } from './metrics.ts'
import { recordError } from './tracing.ts'

export interface HttpTelemetryOptions {
  tracer: Tracer
  logger: Logger
  metrics?: Metrics
  /** Paths that get no span, metric or log line (scrapes and probes would drown the signal). */
  quietPaths?: ReadonlySet<string>
}

const headerGetter = {
  keys: (carrier: Headers) => [...carrier.keys()],
  get: (carrier: Headers, key: string) => carrier.get(key) ?? undefined,
}

/** The matched route pattern, or `unmatched` so a scan of random paths adds no series. */
export function routeOf(c: Context): string {
  const last = matchedRoutes(c).at(-1)
  return last && last.method !== 'ALL' ? last.path : 'unmatched'
}

/**
 * @example
 * app.use(httpTelemetry({ tracer, logger, metrics }))
 */
export function httpTelemetry(options: HttpTelemetryOptions): MiddlewareHandler<AppEnv> {
  const { tracer, logger, metrics } = options
  const quiet = options.quietPaths ?? new Set(['/metrics', '/healthz', '/readyz'])

  return async function httpTelemetryMiddleware(c, next) {
    const requestId = c.get('requestId')
    if (quiet.has(c.req.path)) {
      c.set('log', logger)
      c.set('span', trace.wrapSpanContext(INVALID_SPAN_CONTEXT))
      return next()
    }
    const started = performance.now()
    const method = c.req.method
    const parent = propagation.extract(context.active(), c.req.raw.headers, headerGetter)
    const span = tracer.startSpan(
      method,
      {
        kind: SpanKind.SERVER,
        attributes: {
          'http.request.method': method,
          'url.path': c.req.path,
          'request.id': requestId,
        },
      },
      parent,
    )
    const spanContext = trace.setSpan(parent, span)
    c.set('span', span)
    c.set('logFields', {})
    c.set('log', context.with(spanContext, () => logger.child({ request_id: requestId })))

    let settled = false
    const finish = () => {
      if (settled) return
      settled = true
      complete(c, span, started, spanContext, metrics)
    }
    try {
      await context.with(spanContext, next)
      setTraceResponse(c, span)
    } finally {
      afterBody(c, finish)
    }
  }
}

function setTraceResponse(c: Context<AppEnv>, span: Span): void {
  const { traceId, spanId, traceFlags } = span.spanContext()
  if (traceId) c.res.headers.set('traceresponse', `00-${traceId}-${spanId}-${traceFlags.toString(16).padStart(2, '0')}`)
}

function complete(
  c: Context<AppEnv>,
  span: Span,
  started: number,
  spanContext: ReturnType<typeof trace.setSpan>,
  metrics: Metrics | undefined,
): void {
  const route = routeOf(c)
  const status = c.res.status
  const seconds = (performance.now() - started) / 1000
  span.updateName(`${c.req.method} ${route}`)
  span.setAttribute('http.route', route)
  span.setAttribute('http.response.status_code', status)
  const error = c.get('error')
  if (status >= 500) {
    if (error) recordError(span, error)
    else span.setStatus({ code: SpanStatusCode.ERROR })
  }
  context.with(spanContext, () => {
    if (metrics) {
      observe(metrics.requestDuration, { route, method: c.req.method, status_code: String(status) }, seconds)
    }
    const fields = { ...c.get('logFields'), route, method: c.req.method, status, duration_ms: Math.round(seconds * 1e4) / 10 }
    const log = c.get('log')
    if (status >= 500) log.error(fields, 'request failed')
    else log.info(fields, 'request completed')
  })
  span.end()
}
