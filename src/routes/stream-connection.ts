/**
 * What both streaming protocols share: the session's traces, the session metrics and log
 * lines, inactivity timeout, frame parsing errors, backpressure plumbing and an orderly
 * close. A protocol subclass only says how messages look on its wire.
 *
 * No span lives as long as a session (the collector decides on a trace a few seconds after
 * its first span arrives): the session span continues the upgrade request's trace and ends
 * once the socket is open; each utterance is its own trace (stream-session.ts) and the
 * close is another (`WS <route> close`, with the session's totals and its error), both
 * linked to the session span.
 */
import { context, SpanKind, SpanStatusCode, trace, type Attributes, type Context, type Span } from '@opentelemetry/api'
import type { ServerWebSocket } from 'bun'
import type { Logger } from 'pino'
import type { Departing } from '../lifecycle.ts'
import { observe } from '../telemetry/metrics.ts'
import { finishLinkedTrace, startLinkedTrace } from '../telemetry/linked-trace.ts'
import { unitOf } from '../telemetry/sampling.ts'
import { EngineBusyError, EngineUnavailableError } from '../tts/engine.ts'
import { UpstreamsDownError } from '../tts/engines/upstream/upstream-error.ts'
import type { AudioFrame, SendResult } from '../tts/frame-sender.ts'
import { QueueFullError, StreamSession } from '../tts/stream-session.ts'
import { BufferOverflowError } from '../tts/text-buffer.ts'
import { keyId } from './key-limits.ts'
import { ProtocolError, type ConnectionContext, type SessionSetup, type StreamDeps } from './stream-context.ts'
import { sendResult, type WsConnection, type WsData } from './websocket.ts'

export abstract class StreamConnection implements WsConnection, Departing {
  protected abstract readonly vendor: 'elevenlabs' | 'tts-edge'
  protected abstract readonly route: string
  protected ws: ServerWebSocket<WsData> | undefined
  /** The session of single-session protocols. */
  protected session: StreamSession | undefined
  /** Every session this connection opened (several for multi-context protocols). */
  protected readonly sessions = new Set<StreamSession>()
  protected readonly sessionId = crypto.randomUUID()
  protected readonly log: Logger
  /** The session span: short, ended once the socket is open; utterances and the close link to it. */
  protected span!: Span
  #spanContext!: Context
  /** What the close span reports: session attributes and events, bounded. */
  #attributes: Attributes = {}
  #events: { name: string; attributes: Attributes; time: number }[] = []
  #problem: ProtocolError | undefined
  #started = 0
  #idleTimer: ReturnType<typeof setTimeout> | undefined
  #lifetimeTimer: ReturnType<typeof setTimeout> | undefined
  #idleSeconds: number
  #drainWaiters: (() => void)[] = []
  #closed = false
  #errored = false
  #goingAway = false
  #keyId: string | undefined
  #releaseKey: (() => void) | undefined
  #onClosed: (() => void)[] = []

  constructor(
    protected readonly deps: StreamDeps,
    protected readonly ctx: ConnectionContext,
  ) {
    this.log = context.with(ctx.parent, () => deps.logger.child({ request_id: ctx.requestId, session_id: this.sessionId }))
    this.#idleSeconds = deps.idleTimeoutSeconds
  }

  /** Handles one parsed client message. Throw ProtocolError for bad input. */
  protected abstract handle(message: unknown): void | Promise<void>
  /** Sends one audio frame in the protocol's framing; returns Bun's raw send status. */
  protected abstract sendFrame(frame: AudioFrame): number
  /** The protocol's error message for `err`. */
  protected abstract errorMessage(err: ProtocolError): string

  open(ws: ServerWebSocket<WsData>): void {
    this.ws = ws
    this.#started = performance.now()
    this.span = this.deps.tracer.startSpan(
      `WS ${this.route}`,
      { kind: SpanKind.SERVER, attributes: { 'http.route': this.route, 'request.id': this.ctx.requestId, 'tts.session.id': this.sessionId } },
      this.ctx.parent,
    )
    this.#spanContext = trace.setSpan(this.ctx.parent, this.span)
    const m = this.deps.metrics
    m?.streamingCreated.inc({ vendor: this.vendor })
    m?.streamingActive.inc({ vendor: this.vendor })
    m?.websocketConnections.inc()
    const upgrade = unitOf(this.ctx.parent)
    const kept = upgrade ? upgrade.keeper.keptAlready(upgrade) : false
    this.#withContext(() => this.log.info({ route: this.route, trace_kept: kept }, 'session started'))
    this.span.end()
    this.#armIdleTimer()
    this.#lifetimeTimer = setTimeout(
      () => this.fail(new ProtocolError('session_too_long', `Sessions last at most ${this.deps.maxSessionSeconds} s: reconnect to go on.`)),
      this.deps.maxSessionSeconds * 1000,
    )
    if (this.deps.lifecycle.sessions.size >= this.deps.maxSessions) {
      return this.fail(new ProtocolError('too_many_sessions', `The server has ${this.deps.maxSessions} sessions open; reconnect shortly.`, 1013))
    }
    this.deps.lifecycle.sessions.add(this)
    if (this.ctx.key) this.useKey(this.ctx.key)
  }

  /** Puts the session under its API key's limits (one concurrency slot, characters per minute). */
  protected useKey(key: string): void {
    if (!this.deps.keyLimits || this.#keyId) return
    const id = keyId(key)
    try {
      this.#releaseKey = this.deps.keyLimits.acquire(id)
    } catch (err) {
      throw new ProtocolError('too_many_concurrent_requests', err instanceof Error ? err.message : 'Too many sessions for this key.', 1013)
    }
    this.#keyId = id
  }

  /** Spends the key's character budget for text about to be spoken; past it, a 1008 error. */
  protected chargeText(text: string): void {
    if (!this.deps.keyLimits || !this.#keyId) return
    try {
      this.deps.keyLimits.charge(this.#keyId, text.length)
    } catch (err) {
      throw new ProtocolError('rate_limit_exceeded', err instanceof Error ? err.message : 'Character budget exceeded.')
    }
  }

  /**
   * Shutdown: take no more text, let the queued audio go out, then close with 1012
   * (service restart): the client should reconnect, and a load balancer sends it elsewhere.
   */
  async goAway(deadline: Promise<void>): Promise<void> {
    if (this.#closed) return
    this.#goingAway = true
    this.event('going_away')
    const closed = new Promise<void>((resolve) => this.#onClosed.push(resolve))
    await Promise.race([Promise.all([...this.sessions].map((s) => s.idle())), deadline])
    this.ws?.close(1012, 'service restart: reconnect')
    await closed
  }

  message(_ws: ServerWebSocket<WsData>, raw: string | Buffer): void {
    // While going away, what was already accepted is spoken; new input is not taken.
    if (this.#closed || this.#goingAway) return
    this.#armIdleTimer()
    this.deps.metrics?.streamingMessages.inc({ vendor: this.vendor })
    if (typeof raw !== 'string') return this.fail(new ProtocolError('binary_not_supported', 'Binary frames are not accepted: send JSON text messages.', 1003))
    let parsed: unknown
    try {
      parsed = JSON.parse(raw)
    } catch {
      return this.fail(new ProtocolError('invalid_json', 'Messages must be JSON text.'))
    }
    this.#withContext(() => {
      try {
        const done = this.handle(parsed)
        if (done instanceof Promise) done.catch((err: unknown) => this.fail(err))
      } catch (err) {
        this.fail(err)
      }
    })
  }

  close(_ws: ServerWebSocket<WsData>, code: number, reason: string): void {
    if (this.#closed) return
    this.#closed = true
    clearTimeout(this.#idleTimer)
    clearTimeout(this.#lifetimeTimer)
    for (const session of this.sessions) session.close()
    this.#releaseDrainWaiters()
    const seconds = (performance.now() - this.#started) / 1000
    const m = this.deps.metrics
    m?.streamingEnded.inc({ vendor: this.vendor })
    m?.streamingActive.dec({ vendor: this.vendor })
    m?.websocketConnections.dec()
    const sessions = [...this.sessions]
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
      if (m) observe(m.streamingDuration, { vendor: this.vendor }, seconds)
      // The session's length is not slowness: only an error, an exemplar or the share keep the close.
      const kept = finishLinkedTrace(closing, { error: this.#problem !== undefined, seconds: 0 })
      this.log.info(
        { route: this.route, close_code: code, close_reason: reason.slice(0, 120), duration_ms: Math.round(seconds * 1000), frames_sent: framesSent, frames_dropped: framesDropped, trace_kept: kept },
        'session ended',
      )
    })
    this.#releaseKey?.()
    this.deps.lifecycle.sessions.delete(this)
    for (const resolve of this.#onClosed) resolve()
  }

  /** The close's own short trace, linked to the session span, carrying the session's totals, events and error. */
  #closeTrace(totals: Attributes): Context {
    const closing = startLinkedTrace(this.deps.tracer, `WS ${this.route} close`, this.#spanContext ?? this.ctx.parent, {
      'http.route': this.route,
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

  drain(): void {
    this.#releaseDrainWaiters()
  }

  /** Starts the session pipeline once the protocol knows voice, format and options. */
  protected startSession(options: SessionSetup): StreamSession {
    this.session = this.createSession(options, (frame) => this.sendFrame(frame))
    return this.session
  }

  /** A session whose frames go out through `send` (multi-context protocols tag them). */
  protected createSession(options: SessionSetup, send: (frame: AudioFrame) => number): StreamSession {
    const { voice } = options
    Object.assign(this.#attributes, { 'tts.voice': voice.id, 'tts.language': voice.language, 'tts.gender': voice.gender, 'tts.format': options.format.name })
    this.deps.metrics?.streamingLanguage.inc({ language: voice.language, gender: voice.gender })
    const session = new StreamSession({
      ...options,
      engine: this.deps.engine,
      tracer: this.deps.tracer,
      parent: this.#spanContext,
      ...(this.deps.metrics && { metrics: this.deps.metrics }),
      vendor: this.vendor,
      route: this.route,
      transport: {
        sendAudio: (frame) => this.#send(() => send(frame)),
        drained: () => (this.#closed ? Promise.resolve() : new Promise((resolve) => this.#drainWaiters.push(resolve))),
      },
      onError: (err) => this.fail(err),
    })
    this.sessions.add(session)
    return session
  }

  /** Sends a JSON text message unless the socket is gone. */
  protected sendJson(message: unknown): SendResult {
    return this.#send(() => this.ws?.send(JSON.stringify(message)) ?? 0)
  }

  /** Records a session event (flush, cancel, ...) for the close span; the first 128 of a session. */
  protected event(name: string, attributes: Record<string, number | string> = {}): void {
    if (this.#events.length < 128) this.#events.push({ name, attributes, time: Date.now() })
  }

  /** Reports `err` in the protocol's shape and closes the socket. */
  protected fail(err: unknown): void {
    if (this.#closed || this.#errored) return
    this.#errored = true
    const problem = protocolErrorOf(err)
    this.#problem = problem
    this.deps.metrics?.streamingErrors.inc({ vendor: this.vendor })
    this.#withContext(() => this.log.warn({ route: this.route, error_code: problem.code, close_code: problem.closeCode, ...(!(err instanceof ProtocolError) && { err }) }, 'session error'))
    for (const session of this.sessions) session.close()
    this.ws?.send(this.errorMessage(problem))
    this.ws?.close(problem.closeCode, problem.message.slice(0, 120))
  }

  /** Orderly end: closes with 1000 after the protocol's final message. */
  protected end(finalMessage?: unknown): void {
    if (finalMessage !== undefined) this.sendJson(finalMessage)
    this.ws?.close(1000, 'done')
  }

  #send(send: () => number): SendResult {
    if (this.#closed) return 'dropped'
    return sendResult(send())
  }

  #armIdleTimer(): void {
    clearTimeout(this.#idleTimer)
    this.#idleTimer = setTimeout(
      () => this.fail(new ProtocolError('input_timeout_exceeded', `No message for ${this.#idleSeconds} s: closing.`)),
      this.#idleSeconds * 1000,
    )
  }

  /** Changes the inactivity timeout (ElevenLabs' `inactivity_timeout` query parameter). */
  protected setIdleTimeout(seconds: number): void {
    this.#idleSeconds = seconds
    this.#armIdleTimer()
  }

  #releaseDrainWaiters(): void {
    const waiters = this.#drainWaiters
    this.#drainWaiters = []
    for (const resolve of waiters) resolve()
  }

  #withContext<T>(fn: () => T): T {
    return context.with(this.#spanContext ?? this.ctx.parent, fn)
  }
}

/** How a failure reaches the client: its own ProtocolError, or the one a known failure maps to. */
function protocolErrorOf(err: unknown): ProtocolError {
  if (err instanceof ProtocolError) return err
  // Too much text waiting is the client's doing, wherever in a protocol it happened.
  if (err instanceof QueueFullError || err instanceof BufferOverflowError) return new ProtocolError('too_much_text', err.message)
  if (err instanceof EngineBusyError) return new ProtocolError('server_busy', 'The speech engine is at capacity; reconnect shortly.', 1013)
  // Every engine down before any audio: "try again later", as HTTP's 503 + Retry-After.
  if (err instanceof UpstreamsDownError) return new ProtocolError('engine_unavailable', err.message, 1013)
  if (err instanceof EngineUnavailableError) return new ProtocolError('engine_unavailable', 'The speech engine failed; reconnect shortly.', 1011)
  return new ProtocolError('internal_error', 'The session failed; please reconnect.', 1011)
}
