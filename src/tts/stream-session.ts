/**
 * One streaming session, independent of the wire protocol: text arrives in pieces, each
 * complete unit (sentence, schedule chunk or flush) is synthesised as soon as it exists,
 * a bounded number ahead of the one being sent, and audio leaves strictly in order.
 * Cancel (barge-in) stops sending at once and aborts queued and running synthesis.
 * The transport reports backpressure; the sender then waits for it to drain, so a slow
 * reader holds back synthesis instead of growing memory.
 *
 * Each unit is an utterance with its own short trace (`tts.utterance`, linked to the
 * session span, parent of its `tts.synthesize`), kept or dropped when its audio has left,
 * was cancelled or failed: a session's spans never outlive the collector's decision wait.
 */
import { context, SpanStatusCode, trace, type Context, type Span, type Tracer } from '@opentelemetry/api'
import type { AudioFormatSpec } from '../audio/formats.ts'
import { observe, type Metrics } from '../telemetry/metrics.ts'
import { finishLinkedTrace, startLinkedTrace } from '../telemetry/linked-trace.ts'
import { recordError } from '../telemetry/tracing.ts'
import { alignChunk, type CharAlignment } from './alignment.ts'
import type { Engine, PcmChunk, Voice } from './engine.ts'
import { countWords } from './text.ts'
import { TextBuffer } from './text-buffer.ts'

export type SendResult = 'sent' | 'backpressure' | 'dropped'

export interface AudioFrame {
  /** 0, 1, 2, ... across the whole session. */
  seq: number
  bytes: Uint8Array
  /** Characters this frame speaks (chunk-relative times), when alignment was asked for. */
  alignment?: CharAlignment
}

export interface SessionTransport {
  sendAudio(frame: AudioFrame): SendResult
  /** Resolves when the transport can take more after a 'backpressure'. */
  drained(): Promise<void>
}

export interface StreamSessionOptions {
  engine: Engine
  voice: Voice
  speed: number
  format: AudioFormatSpec
  transport: SessionTransport
  tracer: Tracer
  /** The session span's context: each utterance's trace links to it. */
  parent: Context
  metrics?: Metrics
  vendor: 'elevenlabs' | 'tts-edge'
  route: string
  alignment: boolean
  chunkLengthSchedule?: readonly number[]
  /** Units synthesised ahead of the one being sent. */
  maxAhead?: number
  /** Units allowed to wait; more text than this without the audio going out is refused. */
  maxQueuedUnits?: number
  /** Called once when synthesis fails (engine busy, crashed): the protocol reports and closes. */
  onError: (err: unknown) => void
}

interface Unit {
  text: string
  queuedAt: number
  /** The utterance's root span and unit of work, in context. */
  trace: Context
  ended: boolean
  controller: AbortController
  chunks: PcmChunk[]
  done: boolean
  error?: unknown
  started: boolean
  wake?: () => void
}

export class QueueFullError extends Error {
  override readonly name = 'QueueFullError'
}

/**
 * @example
 * const session = new StreamSession({ engine, voice, speed: 1, format, transport, tracer, parent, vendor: 'tts-edge', route, alignment: true, onError })
 * session.text('Hello there. How')
 * await session.finish()
 */
export class StreamSession {
  readonly #o: StreamSessionOptions
  readonly #buffer: TextBuffer
  #queue: Unit[] = []
  #seq = 0
  #generation = 0
  #sending = false
  #idleWaiters: (() => void)[] = []
  #closed = false
  #awaitingFirstAudio = true
  // Engines that hold a connection per session (ElevenLabs stream-input upstreams) close it at our end.
  #ended: (() => void)[] = []
  readonly #session = { onEnd: (fn: () => void) => void this.#ended.push(fn) }
  framesSent = 0
  framesDropped = 0
  backpressureWaits = 0

  constructor(options: StreamSessionOptions) {
    this.#o = options
    this.#buffer = new TextBuffer(options.chunkLengthSchedule ? { chunkLengthSchedule: options.chunkLengthSchedule } : {})
  }

  /** Sequence number of the last frame sent, -1 before the first. */
  get lastSeq(): number {
    return this.#seq - 1
  }

  /** Adds text; complete units start synthesising at once. Throws QueueFullError past the bound. */
  text(text: string): void {
    this.#enqueue(this.#buffer.push(text))
  }

  /** Releases complete sentences now, ahead of the chunk length schedule. */
  trigger(): void {
    this.#enqueue(this.#buffer.takeSentences())
  }

  /** Synthesises whatever is buffered, even mid-sentence. */
  flush(): void {
    this.#enqueue(this.#buffer.flush())
  }

  /** Resolves when every unit queued so far has been sent (or dropped by a cancel). */
  idle(): Promise<void> {
    if (this.#queue.length === 0 && !this.#sending) return Promise.resolve()
    return new Promise((resolve) => this.#idleWaiters.push(resolve))
  }

  /** Flush, then wait until all audio has left. */
  async finish(): Promise<void> {
    this.flush()
    await this.idle()
  }

  /**
   * Barge-in: nothing more is sent from the moment this returns; queued and running
   * synthesis is aborted; buffered text is dropped. Returns the last sequence number sent.
   */
  cancel(): number {
    const started = performance.now()
    this.#generation++
    this.#buffer.clear()
    for (const unit of this.#queue) {
      unit.controller.abort(new DOMException('cancelled', 'AbortError'))
      this.#endUnit(unit, 'cancelled')
    }
    this.#queue = []
    this.#awaitingFirstAudio = true
    this.#settleIdle()
    const metrics = this.#o.metrics
    if (metrics) context.with(this.#o.parent, () => observe(metrics.bargeInLatency, { vendor: this.#o.vendor }, (performance.now() - started) / 1000))
    return this.lastSeq
  }

  /** Stops everything without sending more (client gone, protocol error, shutdown). */
  close(): void {
    this.#closed = true
    this.cancel()
    for (const fn of this.#ended.splice(0)) fn()
  }

  #enqueue(texts: string[]): void {
    if (this.#closed) return
    const max = this.#o.maxQueuedUnits ?? 64
    for (const text of texts) {
      if (this.#queue.length >= max) throw new QueueFullError(`more than ${max} pieces of text waiting for audio`)
      this.#queue.push({ text, queuedAt: performance.now(), trace: this.#utterance(text), ended: false, controller: new AbortController(), chunks: [], done: false, started: false })
    }
    this.#startAhead()
    if (!this.#sending && this.#queue.length > 0) void this.#sendLoop()
  }

  #utterance(text: string): Context {
    const { tracer, parent, voice, format, route } = this.#o
    return startLinkedTrace(tracer, 'tts.utterance', parent, { 'http.route': route, 'tts.voice': voice.id, 'tts.language': voice.language, 'tts.format': format.name, 'tts.characters': text.length })
  }

  /** Ends the utterance's trace once: kept if it failed, was slow, renewed an exemplar, or by share. */
  #endUnit(unit: Unit, outcome: 'sent' | 'cancelled' | 'failed'): void {
    if (unit.ended) return
    unit.ended = true
    const span = trace.getSpan(unit.trace)!
    if (outcome === 'cancelled') span.setAttribute('tts.cancelled', true)
    if (outcome === 'failed') {
      if (unit.error) recordError(span, unit.error)
      else span.setStatus({ code: SpanStatusCode.ERROR })
    }
    finishLinkedTrace(unit.trace, { error: outcome === 'failed', seconds: (performance.now() - unit.queuedAt) / 1000 })
  }

  #startAhead(): void {
    const ahead = (this.#o.maxAhead ?? 2) + 1
    for (const unit of this.#queue.slice(0, ahead)) if (!unit.started) this.#synthesize(unit)
  }

  #synthesize(unit: Unit): void {
    unit.started = true
    const { engine, voice, speed, format, tracer } = this.#o
    const parent = unit.trace
    const span: Span = tracer.startSpan(
      'tts.synthesize',
      {
        attributes: {
          'tts.voice': voice.id,
          'tts.language': voice.language,
          'tts.gender': voice.gender,
          'tts.format': format.name,
          'tts.characters': unit.text.length,
          'tts.words': countWords(unit.text),
        },
      },
      parent,
    )
    void context.with(trace.setSpan(parent, span), async () => {
      let samples = 0
      let rate = 1
      try {
        for await (const chunk of engine.synthesize(unit.text, voice, { speed, format, alignment: this.#o.alignment, session: this.#session }, unit.controller.signal)) {
          samples += chunk.sampleCount ?? chunk.samples.length
          rate = chunk.sampleRate
          unit.chunks.push(chunk)
          unit.wake?.()
        }
        span.setAttribute('tts.audio.duration_s', samples / rate)
      } catch (err) {
        if (!unit.controller.signal.aborted) {
          unit.error = err
          recordError(span, err)
        } else {
          span.setAttribute('tts.cancelled', true)
        }
      } finally {
        unit.done = true
        unit.wake?.()
        span.end()
      }
    })
  }

  async #sendLoop(): Promise<void> {
    this.#sending = true
    const generation = this.#generation
    try {
      while (this.#queue.length > 0 && generation === this.#generation) {
        const unit = this.#queue[0]!
        if (!unit.started) this.#synthesize(unit)
        const ok = await this.#sendUnit(unit, generation)
        if (generation !== this.#generation) return
        this.#queue.shift()
        this.#endUnit(unit, ok ? 'sent' : 'failed')
        if (!ok) return
        this.#startAhead()
      }
    } finally {
      this.#sending = false
      if (generation !== this.#generation && this.#queue.length > 0) void this.#sendLoop()
      else this.#settleIdle()
    }
  }

  /**
   * Sends one unit's audio in order as it arrives; false when synthesis failed. Each chunk
   * waits for the next one (or the end) so its alignment knows where its last word ends.
   */
  async #sendUnit(unit: Unit, generation: number): Promise<boolean> {
    let index = 0
    let start = 0 // samples of this unit already sent
    let textFrom = 0
    while (true) {
      if (generation !== this.#generation) return true
      const chunk = unit.chunks[index]
      const lookahead = unit.chunks[index + 1]
      if (!chunk || (!lookahead && !unit.done)) {
        if (!chunk && unit.done) break
        await new Promise<void>((resolve) => (unit.wake = resolve))
        unit.wake = undefined
        continue
      }
      index++
      const count = chunk.sampleCount ?? chunk.samples.length
      const bytes = chunk.encoded ?? new Uint8Array(chunk.samples.buffer, chunk.samples.byteOffset, chunk.samples.byteLength)
      const final = unit.done && unit.chunks.slice(index).every((c) => (c.encoded?.byteLength ?? c.samples.byteLength) === 0)
      if (bytes.byteLength === 0) continue
      const frame: AudioFrame = { seq: this.#seq, bytes }
      if (this.#o.alignment) {
        const boundaries = unit.chunks.slice(0, index + 1).flatMap((c) => c.boundaries ?? [])
        const aligned = alignChunk({ text: unit.text, boundaries, sampleRate: chunk.sampleRate, chunkStart: start, chunkEnd: start + count, fromText: textFrom, final })
        frame.alignment = aligned.alignment
        textFrom = aligned.textEnd
      }
      start += count
      if (!(await this.#send(frame, unit, generation))) return true
    }
    if (unit.error) {
      // Before onError: the protocol's close cancels what is queued, this unit included.
      this.#endUnit(unit, 'failed')
      this.#o.onError(unit.error)
      return false
    }
    return true
  }

  async #send(frame: AudioFrame, unit: Unit, generation: number): Promise<boolean> {
    if (generation !== this.#generation || this.#closed) return false
    const result = this.#o.transport.sendAudio(frame)
    this.#seq++
    const metrics = this.#o.metrics
    if (result === 'dropped') {
      this.framesDropped++
      metrics?.framesDropped.inc({ vendor: this.#o.vendor })
      return true
    }
    this.framesSent++
    metrics?.framesSent.inc({ vendor: this.#o.vendor })
    if (this.#awaitingFirstAudio) {
      this.#awaitingFirstAudio = false
      if (metrics) context.with(unit.trace, () => observe(metrics.firstAudioLatency, { route: this.#o.route }, (performance.now() - unit.queuedAt) / 1000))
    }
    if (result === 'backpressure') {
      // The socket's buffer is full: stop here, which also stops synthesising ahead.
      metrics?.streamBackpressure.inc({ vendor: this.#o.vendor })
      this.backpressureWaits++
      await this.#o.transport.drained()
    }
    return true
  }

  #settleIdle(): void {
    if (this.#sending && this.#queue.length > 0) return
    const waiters = this.#idleWaiters
    this.#idleWaiters = []
    for (const resolve of waiters) resolve()
  }
}
