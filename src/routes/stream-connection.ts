/**
 * What both streaming protocols share: the connection's life from open to close (message
 * parsing and its errors, API-key limits, shutdown's go-away, an orderly end) around the
 * session pipelines it starts. A protocol subclass only says how messages look on its wire.
 *
 * The parts: its spans, metrics and log lines (session-telemetry.ts), its inactivity and
 * lifetime clocks (session-timers.ts), what leaves the socket and waits on backpressure
 * (socket-outbox.ts), and how a failure becomes a protocol error (protocol-error-of.ts).
 */
import type { Span } from '@opentelemetry/api'
import type { ServerWebSocket } from 'bun'
import type { Logger } from 'pino'
import type { Departing } from '../lifecycle.ts'
import type { AudioFrame, SendResult } from '../tts/frame-sender.ts'
import { resolveParams } from '../tts/params/resolve-params.ts'
import { HONOURS_NOTHING, withSpeechParams } from '../tts/params/voice-params.ts'
import { StreamSession } from '../tts/stream-session.ts'
import { ApiError } from '../errors.ts'
import type { ApiKey } from '../keys/keys-file.ts'
import { QuotaExceededError } from '../usage/budgets.ts'
import { SessionUsage, type UtteranceUsage } from '../usage/session-usage.ts'
import { protocolErrorOf } from './protocol-error-of.ts'
import { sessionMarkup } from './session-markup.ts'
import { SessionTelemetry } from './session-telemetry.ts'
import { SessionTimers } from './session-timers.ts'
import { SocketOutbox } from './socket-outbox.ts'
import { ProtocolError, type ConnectionContext, type SessionSetup, type StreamDeps } from './stream-context.ts'
import type { WsConnection, WsData } from './websocket.ts'

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
  readonly #telemetry: SessionTelemetry
  readonly #timers: SessionTimers
  readonly #outbox = new SocketOutbox()
  #closed = false
  #errored = false
  #goingAway = false
  #key: ApiKey | undefined
  #releaseKey: (() => void) | undefined
  #onClosed: (() => void)[] = []
  #usage: SessionUsage | undefined
  /** A message whose admission waits on Redis: later messages queue behind it, in order. */
  #pending: Promise<void> | undefined

  constructor(
    protected readonly deps: StreamDeps,
    protected readonly ctx: ConnectionContext,
  ) {
    this.#telemetry = new SessionTelemetry(deps, ctx, this.sessionId)
    this.log = this.#telemetry.log
    this.#timers = new SessionTimers(deps.idleTimeoutSeconds, (err) => this.fail(err))
  }

  /** Handles one parsed client message. Throw ProtocolError for bad input. */
  protected abstract handle(message: unknown): void | Promise<void>
  /** Sends one audio frame in the protocol's framing; returns Bun's raw send status. */
  protected abstract sendFrame(frame: AudioFrame): number
  /** The protocol's error message for `err`. */
  protected abstract errorMessage(err: ProtocolError): string

  /** The session span: short, ended once the socket is open; utterances and the close link to it. */
  protected get span(): Span {
    return this.#telemetry.span
  }

  open(ws: ServerWebSocket<WsData>): void {
    this.ws = ws
    this.#telemetry.opened(this.vendor, this.route)
    this.#timers.start(this.deps.maxSessionSeconds)
    if (this.deps.lifecycle.sessions.size >= this.deps.maxSessions) {
      return this.fail(new ProtocolError('too_many_sessions', `The server has ${this.deps.maxSessions} sessions open; reconnect shortly.`, 1013))
    }
    this.deps.lifecycle.sessions.add(this)
    if (this.ctx.apiKey) this.useKey(this.ctx.apiKey)
  }

  /** The session's API key, once one was presented. */
  protected get apiKey(): ApiKey | undefined {
    return this.#key
  }

  /** Puts the session under its API key's limits (one concurrency slot, characters per minute). */
  protected useKey(key: ApiKey): void {
    if (this.#key) return
    if (this.deps.keyLimits) {
      try {
        this.#releaseKey = this.deps.keyLimits.acquire(key)
      } catch (err) {
        throw new ProtocolError('too_many_concurrent_requests', err instanceof Error ? err.message : 'Too many sessions for this key.', 1013)
      }
    }
    this.#key = key
    this.#telemetry.keyed(key.id)
  }

  /**
   * Admits text about to be spoken against the key's rate and budget, then runs `speak`.
   * Past the rate: a 1008 error at once. Past the budget: no more text is taken, what was
   * admitted is spoken, then the socket closes 1008 `quota_exceeded`.
   */
  protected admitText(text: string, speak: () => void): void | Promise<void> {
    let admitted: void | Promise<void>
    try {
      admitted = this.#usage?.take(text)
    } catch (err) {
      return this.#refuse(err)
    }
    if (!(admitted instanceof Promise)) return speak()
    return admitted.then(speak, (err: unknown) => this.#refuse(err))
  }

  #refuse(err: unknown): void {
    if (err instanceof QuotaExceededError) {
      this.#goingAway = true
      void Promise.all([...this.sessions].map((s) => s.idle())).then(() => this.fail(new ProtocolError('quota_exceeded', err.message)))
      return
    }
    if (err instanceof ApiError && err.code === 'rate_limit_exceeded') throw new ProtocolError('rate_limit_exceeded', err.message)
    throw err
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
    this.#timers.touch()
    this.#telemetry.message()
    if (typeof raw !== 'string') return this.fail(new ProtocolError('binary_not_supported', 'Binary frames are not accepted: send JSON text messages.', 1003))
    let parsed: unknown
    try {
      parsed = JSON.parse(raw)
    } catch {
      return this.fail(new ProtocolError('invalid_json', 'Messages must be JSON text.'))
    }
    if (this.#pending) {
      const after = this.#pending.then(() => this.#handle(parsed))
      this.#track(after)
      return
    }
    this.#handle(parsed)
  }

  /** Handles one message; one whose admission waits on Redis holds the ones after it. */
  #handle(parsed: unknown): void {
    if (this.#closed || this.#errored || this.#goingAway) return
    this.#telemetry.withContext(() => {
      try {
        const done = this.handle(parsed)
        if (done instanceof Promise) this.#track(done.catch((err: unknown) => this.fail(err)))
      } catch (err) {
        this.fail(err)
      }
    })
  }

  #track(work: Promise<void>): void {
    this.#pending = work
    void work.finally(() => {
      if (this.#pending === work) this.#pending = undefined
    })
  }

  close(_ws: ServerWebSocket<WsData>, code: number, reason: string): void {
    if (this.#closed) return
    this.#closed = true
    this.#timers.stop()
    for (const session of this.sessions) session.close()
    this.#outbox.close()
    this.#telemetry.closed(code, reason, [...this.sessions])
    this.#usage?.close()
    this.#releaseKey?.()
    this.deps.lifecycle.sessions.delete(this)
    for (const resolve of this.#onClosed) resolve()
  }

  drain(): void {
    this.#timers.touch()
    this.#outbox.drain()
  }

  /** Starts the session pipeline once the protocol knows voice, format and options. */
  protected startSession(options: SessionSetup): StreamSession {
    this.session = this.createSession(options, (frame) => this.sendFrame(frame))
    return this.session
  }

  /** A session whose frames go out through `send` (multi-context protocols tag them). */
  protected createSession(options: SessionSetup, send: (frame: AudioFrame) => number): StreamSession {
    if (this.deps.metering && !this.#usage) {
      try {
        this.#usage = new SessionUsage(this.deps.metering, this.#key, options.voice, options.model)
      } catch (err) {
        throw new ProtocolError(err instanceof ApiError ? err.code : 'forbidden', err instanceof Error ? err.message : 'Not allowed.')
      }
    }
    const usage = this.#usage
    const { honoured, ignored } = resolveParams(options.params, withSpeechParams(this.deps.engine.params?.(options.voice) ?? HONOURS_NOTHING))
    this.#telemetry.sessionStarted(options.voice, options.format, { ignored, retention: options.retention })
    const session = new StreamSession({
      ...options,
      params: honoured,
      markup: sessionMarkup(this.deps, options, this.#key?.id ?? '', (err) => this.fail(err)),
      speech: this.deps.speech,
      tracer: this.deps.tracer,
      parent: this.#telemetry.context,
      ...(this.deps.metrics && { metrics: this.deps.metrics }),
      vendor: this.vendor,
      route: this.route,
      // Audio handed to the socket is activity: a client playing out a long queue is not idle.
      transport: this.#outbox.transport((frame) => {
        this.#timers.touch()
        return send(frame)
      }),
      onError: (err) => this.fail(err),
      ...(usage && { onUtterance: (u: UtteranceUsage) => usage.utterance(u) }),
    })
    this.sessions.add(session)
    return session
  }

  /** Sends a JSON text message unless the socket is gone. */
  protected sendJson(message: unknown): SendResult {
    return this.#outbox.send(() => this.ws?.send(JSON.stringify(message)) ?? 0)
  }

  /** Records a session event (flush, cancel, ...) for the close span; the first 128 of a session. */
  protected event(name: string, attributes: Record<string, number | string> = {}): void {
    this.#telemetry.event(name, attributes)
  }

  /** Reports `err` in the protocol's shape and closes the socket. */
  protected fail(err: unknown): void {
    if (this.#closed || this.#errored) return
    this.#errored = true
    const problem = protocolErrorOf(err)
    this.#telemetry.failed(problem, err)
    for (const session of this.sessions) session.close()
    this.ws?.send(this.errorMessage(problem))
    this.ws?.close(problem.closeCode, problem.message.slice(0, 120))
  }

  /** Orderly end: closes with 1000 after the protocol's final message. */
  protected end(finalMessage?: unknown): void {
    if (finalMessage !== undefined) this.sendJson(finalMessage)
    this.ws?.close(1000, 'done')
  }

  /** Changes the inactivity timeout (ElevenLabs' `inactivity_timeout` query parameter). */
  protected setIdleTimeout(seconds: number): void {
    this.#timers.setIdleTimeout(seconds)
  }
}
