/**
 * What a streaming connection reports: its spans, its session metrics and its log lines.
 *
 * No span lives as long as a session (the collector decides on a trace a few seconds after
 * its first span arrives): the session span continues the upgrade request's trace and ends
 * once the socket is open; each utterance is its own trace (src/tts/utterance-trace.ts) and
 * the close is another (`WS <route> close`, with the session's totals and its error), both
 * linked to the session span.
 */
import { context, SpanKind, SpanStatusCode, trace, type Attributes, type Context, type Span } from '@opentelemetry/api'
import type { Logger } from 'pino'
import type { AudioFormatSpec } from '../audio/formats.ts'
import { observe } from '../telemetry/metrics.ts'
import { finishLinkedTrace, startLinkedTrace } from '../telemetry/linked-trace.ts'
import { unitOf } from '../telemetry/work-unit.ts'
import type { Voice } from '../tts/engine.ts'
import type { Retention } from '../tts/speech-service.ts'
import type { StreamSession } from '../tts/stream-session.ts'
import { ProtocolError, type ConnectionContext, type StreamDeps } from './stream-context.ts'

/**
 * @example
 * const telemetry = new SessionTelemetry(deps, ctx, sessionId)
 * telemetry.opened('tts-edge', '/v1/stream')
 * telemetry.event('flush')
 * telemetry.closed(1000, 'done', [...sessions])
 */
export class SessionTelemetry {
  /** The connection's logger: request and session ids on every line. */
  readonly log: Logger
  /** The session span: short, ended once the socket is open; utterances and the close link to it. */
  span!: Span
  #spanContext: Context | undefined
  // Known from open on: a protocol subclass sets its vendor and route after this is built.
  #vendor!: 'elevenlabs' | 'tts-edge'
  #route!: string
  #started = 0
  /** What the close span reports: session attributes and events, bounded. */
  #attributes: Attributes = {}
  #events: { name: string; attributes: Attributes; time: number }[] = []
  #problem: ProtocolError | undefined
  #keyId: string | undefined

  constructor(
    private readonly deps: Pick<StreamDeps, 'tracer' | 'logger' | 'metrics'>,
    private readonly ctx: ConnectionContext,
    private readonly sessionId: string,
  ) {
    this.log = context.with(ctx.parent, () => deps.logger.child({ request_id: ctx.requestId, session_id: sessionId }))
  }

  /** The session span's context once the socket is open (the upgrade request's before). */
  get context(): Context {
    return this.#spanContext ?? this.ctx.parent
  }

  /** The socket is open: the session span (started and ended here), the session gauges, "session started". */
  opened(vendor: 'elevenlabs' | 'tts-edge', route: string): void {
    this.#vendor = vendor
    this.#route = route
    this.#started = performance.now()
    this.span = this.deps.tracer.startSpan(
      `WS ${route}`,
      { kind: SpanKind.SERVER, attributes: { 'http.route': route, 'request.id': this.ctx.requestId, 'tts.session.id': this.sessionId } },
      this.ctx.parent,
    )
    this.#spanContext = trace.setSpan(this.ctx.parent, this.span)
    const m = this.deps.metrics
    m?.streamingCreated.inc({ vendor })
    m?.streamingActive.inc({ vendor })
    m?.websocketConnections.inc()
    const upgrade = unitOf(this.ctx.parent)
    const kept = upgrade ? upgrade.keeper.keptAlready(upgrade) : false
    this.withContext(() => this.log.info({ route, trace_kept: kept }, 'session started'))
    this.span.end()
  }

  /** The session presented this API key (its id: never the key): on the close span and log line. */
  keyed(keyId: string): void {
    this.#keyId = keyId
    this.#attributes['tts.key.id'] = keyId
  }

  /** A client message arrived. */
  message(): void {
    this.deps.metrics?.streamingMessages.inc({ vendor: this.#vendor })
  }

  /**
   * A session (or context) began with this voice and format: counted, and reported by the close
   * span; parameters no engine honours, and a no-retention request, are said on a log line.
   */
  sessionStarted(voice: Voice, format: AudioFormatSpec, settings: { ignored: readonly string[]; retention: Retention }): void {
    Object.assign(this.#attributes, { 'tts.voice': voice.id, 'tts.language': voice.language, 'tts.gender': voice.gender, 'tts.format': format.name })
    this.deps.metrics?.streamingLanguage.inc({ language: voice.language, gender: voice.gender })
    if (settings.ignored.length || settings.retention) {
      this.withContext(() =>
        this.log.info({ route: this.#route, voice: voice.id, ...(settings.ignored.length && { ignored: settings.ignored }), ...(settings.retention && { retention: 'none' }) }, 'session settings'),
      )
    }
  }

  /** Records a session event (flush, cancel, ...) for the close span; the first 128 of a session. */
  event(name: string, attributes: Record<string, number | string> = {}): void {
    if (this.#events.length < 128) this.#events.push({ name, attributes, time: Date.now() })
  }

  /** The session fails with `problem` (caused by `err`): counted, logged, and the close trace is an error. */
  failed(problem: ProtocolError, err: unknown): void {
    this.#problem = problem
    this.deps.metrics?.streamingErrors.inc({ vendor: this.#vendor })
    this.withContext(() => this.log.warn({ route: this.#route, error_code: problem.code, close_code: problem.closeCode, ...(!(err instanceof ProtocolError) && { err }) }, 'session error'))
  }

  /** The socket closed: the session gauges and duration, the close trace with the sessions' totals, "session ended". */
  closed(code: number, reason: string, sessions: readonly StreamSession[]): void {
    const seconds = (performance.now() - this.#started) / 1000
    const m = this.deps.metrics
    m?.streamingEnded.inc({ vendor: this.#vendor })
    m?.streamingActive.dec({ vendor: this.#vendor })
    m?.websocketConnections.dec()
    const framesSent = sessions.reduce((n, s) => n + s.framesSent, 0)
    const framesDropped = sessions.reduce((n, s) => n + s.framesDropped, 0)
    const backpressureWaits = sessions.reduce((n, s) => n + s.backpressureWaits, 0)
    const closing = this.#closeTrace({
      'websocket.close.code': code,
      'tts.session.duration_s': seconds,
      'tts.frames.sent': framesSent,
      'tts.frames.dropped': framesDropped,
      'tts.backpressure.waits': backpressureWaits,
    })
    context.with(closing, () => {
      if (m) observe(m.streamingDuration, { vendor: this.#vendor }, seconds)
      // The session's length is not slowness: only an error, an exemplar or the share keep the close.
      const kept = finishLinkedTrace(closing, { error: this.#problem !== undefined, seconds: 0 })
      this.log.info(
        { route: this.#route, ...(this.#keyId && { key_id: this.#keyId }), close_code: code, close_reason: reason.slice(0, 120), duration_ms: Math.round(seconds * 1000), frames_sent: framesSent, frames_dropped: framesDropped, trace_kept: kept },
        'session ended',
      )
    })
  }

  /** Runs `fn` in the session span's context, so its log lines and spans carry the session's trace. */
  withContext<T>(fn: () => T): T {
    return context.with(this.context, fn)
  }

  /** The close's own short trace, linked to the session span, carrying the session's totals, events and error. */
  #closeTrace(totals: Attributes): Context {
    const closing = startLinkedTrace(this.deps.tracer, `WS ${this.#route} close`, this.context, {
      'http.route': this.#route,
      'request.id': this.ctx.requestId,
      'tts.session.id': this.sessionId,
      ...this.#attributes,
      ...totals,
    })
    const span = trace.getSpan(closing)!
    for (const event of this.#events) span.addEvent(event.name, event.attributes, event.time)
    if (this.#problem) {
      span.setStatus({ code: SpanStatusCode.ERROR, message: this.#problem.code })
      span.setAttribute('error.type', this.#problem.code)
    }
    return closing
  }
}
