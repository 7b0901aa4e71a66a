/**
 * One streaming session, independent of the wire protocol: text arrives in pieces, each
 * complete unit (sentence, schedule chunk or flush) is synthesised as soon as it exists,
 * a bounded number ahead of the one being sent, and audio leaves strictly in order.
 * Cancel (barge-in) stops sending at once and aborts queued and running synthesis.
 *
 * The parts: each unit is an utterance (utterance.ts) with its own short trace
 * (utterance-trace.ts); its chunks are read as aligned frames (utterance-frames.ts) and
 * leave through the frame sender (frame-sender.ts), which waits out backpressure. What a
 * session is built from is stream-session-options.ts. This file is the queue and its ordering.
 */
import type { SessionProbe } from '../telemetry/session-metrics.ts'
import { FrameSender, type FrameAudio } from './frame-sender.ts'
import { SessionMeter } from './session-meter.ts'
import type { StreamSessionOptions } from './stream-session-options.ts'
import { TextBuffer } from './text-buffer.ts'
import { UtteranceFrames } from './utterance-frames.ts'
import { Utterance, type UtteranceSetup } from './utterance.ts'

export type { StreamSessionOptions } from './stream-session-options.ts'

/** How much of the text before an utterance keys it, for engines that condition on it. */
const MAX_CONTEXT_CHARS = 2000

export class QueueFullError extends Error {
  override readonly name = 'QueueFullError'
}

/**
 * @example
 * const session = new StreamSession({ speech, voice, speed: 1, format, transport, tracer, parent, vendor: 'tts-edge', route, alignment: true, onError })
 * session.text('Hello there. How')
 * await session.finish()
 */
export class StreamSession implements SessionProbe {
  readonly #o: StreamSessionOptions
  readonly #buffer: TextBuffer
  readonly #sender: FrameSender
  readonly #setup: UtteranceSetup
  #queue: Utterance[] = []
  #generation = 0
  #sending = false
  #idleWaiters: (() => void)[] = []
  #closed = false
  readonly #meter: SessionMeter
  /** The reader of the unit being sent, for the frames it has not read yet. */
  #frames: UtteranceFrames | undefined
  // Engines that hold a connection per session (ElevenLabs stream-input upstreams) close it at our end.
  #ended: (() => void)[] = []
  /** The text of this session's units so far (since the last cancel): what an upstream link has heard. */
  #spoken = ''

  constructor(options: StreamSessionOptions) {
    this.#o = options
    this.#buffer = new TextBuffer({
      ...(options.chunkLengthSchedule && { chunkLengthSchedule: options.chunkLengthSchedule }),
      ...(options.markup && { mask: options.markup.mask }),
    })
    const { transport, metrics, vendor, route, speech, voice, speed, format, model, params, retention, alignment, tracer, parent, onUtterance } = options
    this.#sender = new FrameSender({ transport, ...(metrics && { metrics }), vendor, route })
    const session = { onEnd: (fn: () => void) => void this.#ended.push(fn) }
    this.#setup = { speech, voice, speed, format, model: model ?? 'tts-edge', params: params ?? {}, retention, alignment, tracer, parent, route, session, ...(onUtterance && { onSettled: onUtterance }) }
    this.#meter = new SessionMeter(metrics, this, speech.modelOf(voice), vendor)
  }

  /** Pieces of text waiting for their audio to be sent, the one being sent included (read at scrape time). */
  get queuedUnits(): number {
    return this.#queue.length
  }

  /** Audio pieces synthesised and not yet sent (read at scrape time). */
  get pendingFrames(): number {
    let pieces = 0
    for (const unit of this.#queue) pieces += unit.pieces.length
    return Math.max(0, pieces - (this.#frames?.read ?? 0))
  }

  /** Sequence number of the last frame sent, -1 before the first. */
  get lastSeq(): number {
    return this.#sender.lastSeq
  }

  get framesSent(): number {
    return this.#sender.framesSent
  }

  get framesDropped(): number {
    return this.#sender.framesDropped
  }

  get backpressureWaits(): number {
    return this.#sender.backpressureWaits
  }

  /** Adds text; complete units start synthesising at once. Throws QueueFullError past the bound. */
  text(text: string): void {
    this.#o.markup?.received(text)
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
    this.#o.markup?.reset()
    // What comes next starts afresh (an upstream link is closed by the cancel too).
    this.#spoken = ''
    for (const unit of this.#queue) unit.cancel()
    this.#queue = []
    this.#sender.expectFirstAudio()
    this.#settleIdle()
    this.#meter.bargeIn(this.#o.parent, (performance.now() - started) / 1000)
    return this.lastSeq
  }

  /** Stops everything without sending more (client gone, protocol error, shutdown). */
  close(): void {
    this.#meter.closed()
    this.#closed = true
    this.cancel()
    for (const fn of this.#ended.splice(0)) fn()
  }

  #enqueue(texts: string[]): void {
    if (this.#closed) return
    const max = this.#o.maxQueuedUnits ?? 64
    for (const text of texts) {
      if (this.#queue.length >= max) throw new QueueFullError(`more than ${max} pieces of text waiting for audio`)
      // Malformed markup throws here, before the unit is queued: the protocol reports where.
      const prepare = this.#o.markup?.prepare(text)
      this.#queue.push(new Utterance(text, this.#setup, this.#spoken.slice(-MAX_CONTEXT_CHARS), prepare))
      this.#spoken = (this.#spoken + text).slice(-MAX_CONTEXT_CHARS)
    }
    this.#startAhead()
    if (!this.#sending && this.#queue.length > 0) void this.#sendLoop()
  }

  #startAhead(): void {
    const ahead = (this.#o.maxAhead ?? 2) + 1
    for (const unit of this.#queue.slice(0, ahead)) unit.start()
  }

  async #sendLoop(): Promise<void> {
    this.#sending = true
    const generation = this.#generation
    try {
      while (this.#queue.length > 0 && generation === this.#generation) {
        const unit = this.#queue[0]!
        unit.start()
        const ok = await this.#sendUnit(unit, generation)
        if (generation !== this.#generation) return
        this.#queue.shift()
        this.#frames = undefined
        unit.end(ok ? 'sent' : 'failed')
        if (!ok) return
        this.#startAhead()
      }
    } finally {
      this.#sending = false
      if (generation !== this.#generation && this.#queue.length > 0) void this.#sendLoop()
      else this.#settleIdle()
    }
  }

  /** Sends one unit's audio in order as it arrives; false when synthesis failed. */
  async #sendUnit(unit: Utterance, generation: number): Promise<boolean> {
    // An utterance after audio already sent followed some whitespace in the client's text.
    const frames = new UtteranceFrames(unit, this.#o.alignment, this.#sender.lastSeq >= 0 ? ' ' : '')
    this.#frames = frames
    while (true) {
      if (generation !== this.#generation) return true
      const frame = frames.next()
      if (frame === 'end') break
      if (frame === 'wait') {
        await unit.arrival()
        continue
      }
      if (!(await this.#send(frame, unit, generation))) return true
    }
    if (unit.error) {
      // Before onError: the protocol's close cancels what is queued, this unit included.
      unit.end('failed')
      this.#o.onError(unit.error)
      return false
    }
    return true
  }

  async #send(frame: FrameAudio, unit: Utterance, generation: number): Promise<boolean> {
    if (generation !== this.#generation || this.#closed) return false
    const started = performance.now()
    const drained = this.#sender.send(frame, unit)
    if (drained) await drained
    this.#meter.frameSent((performance.now() - started) / 1000)
    return true
  }

  #settleIdle(): void {
    if (this.#sending && this.#queue.length > 0) return
    const waiters = this.#idleWaiters
    this.#idleWaiters = []
    for (const resolve of waiters) resolve()
  }
}
