/**
 * The SERVER span, request metrics and summary log line for every HTTP request.
 *
 * Bun.serve has no auto-instrumentation, so this middleware is the whole story: it
 * continues an incoming `traceparent`, names the span after the matched route pattern,
 * and records status and duration in `finally` so failures count too, then decides whether
 * the request's trace is kept (telemetry/sampling.ts): the exemplar, the log line's
 * `trace_kept` and the `traceresponse` sampled flag all follow that decision. For streamed
 * bodies the handler sets `bodyDone` and everything completes when the last byte has left
 * (or the client went away).
 */
import { context, INVALID_SPAN_CONTEXT, isSpanContextValid, propagation, SpanKind, SpanStatusCode, trace, type Context as OtelContext, type Span, type Tracer } from '@opentelemetry/api'
import type { Context, MiddlewareHandler } from 'hono'
import { matchedRoutes } from 'hono/route'
import type { Logger } from 'pino'
import { afterBody, type AppEnv } from '../app-env.ts'
import { observeFor, type Metrics } from './metrics.ts'
import { writeSummaryLine } from './summary-line.ts'
import { keeperOf } from './sampling.ts'
import { unitOf, type WorkUnit } from './work-unit.ts'
import { RequestLog } from './request-log.ts'
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

/**
 * The context a request continues: the caller's trace context and baggage, extracted by the
 * process's propagator. Most requests carry neither (a caller that traces is the exception),
 * and without any of the propagator's headers its extract returns the context as it is: so
 * only a request with one of them pays for it.
 */
function callerContext(headers: Headers): OtelContext {
  const active = context.active()
  for (const field of propagation.fields()) {
    if (headers.has(field)) return propagation.extract(active, headers, headerGetter)
  }
  return active
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
      c.set('log', new RequestLog(logger))
      c.set('span', trace.wrapSpanContext(INVALID_SPAN_CONTEXT))
      return next()
    }
    const started = performance.now()
    const method = c.req.method
    const parent = callerContext(c.req.raw.headers)
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
    const keeper = keeperOf(tracer)
    const spanContext = keeper.begin(span, parent)
    const unit = unitOf(spanContext)!
    c.set('span', span)
    c.set('logFields', {})
    c.set('log', new RequestLog(logger, requestId))

    let settled = false
    const finish = () => {
      if (settled) return
      settled = true
      complete(c, span, unit, started, logger, metrics)
    }
    try {
      await context.with(spanContext, next)
    } finally {
      if (c.get('bodyDone')) {
        // The headers leave before the body ends: advertise the trace as sampled only when
        // it is already certain to be kept (a sampled caller, the ratio, a session).
        setTraceResponse(c, span, parent, keeper.keptAlready(unit))
        afterBody(c, finish)
      } else {
        finish()
        setTraceResponse(c, span, parent, unit.kept)
      }
    }
  }
}

/**
 * W3C `traceresponse`: the sampled flag says whether the trace will be in Tempo. With tracing
 * off (`OTEL_SDK_DISABLED`) the span is the caller's own context or all zeros: no trace of ours
 * to point at, so no header rather than an invalid one or the caller's own ids echoed back.
 */
function setTraceResponse(c: Context<AppEnv>, span: Span, parent: OtelContext, kept: boolean): void {
  const ids = span.spanContext()
  if (!isSpanContextValid(ids) || ids.spanId === trace.getSpanContext(parent)?.spanId) return
  c.res.headers.set('traceresponse', `00-${ids.traceId}-${ids.spanId}-${kept ? '01' : '00'}`)
}

function complete(
  c: Context<AppEnv>,
  span: Span,
  unit: WorkUnit,
  started: number,
  logger: Logger,
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
  // No context switch: the unit and span are at hand, and the summary line takes them directly.
  const ids = span.spanContext()
  if (metrics) observeFor(unit, ids, metrics.requestDuration, { route, method: c.req.method, status_code: String(status) }, seconds)
  // After the observations above (an exemplar slot due for renewal keeps the trace).
  const kept = unit.keeper.decide(unit, { error: status >= 500, seconds }) !== undefined
  // The request's own fields object, completed in place: nothing writes to it once the request is settled.
  const fields = c.get('logFields')
  fields.route = route
  fields.method = c.req.method
  fields.status = status
  fields.duration_ms = Math.round(seconds * 1e4) / 10
  fields.trace_kept = kept
  if (status >= 500) writeSummaryLine(logger, 'error', c.get('requestId'), ids, fields, 'request failed')
  else writeSummaryLine(logger, 'info', c.get('requestId'), ids, fields, 'request completed')
  span.end()
}
