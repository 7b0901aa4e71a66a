/**
 * The sending end of a streaming session: numbers its audio frames, hands them to the
 * transport, counts what was sent and dropped, and measures the time to first audio. The
 * transport reports backpressure; the caller then waits for it to drain, so a slow reader
 * holds back synthesis instead of growing memory.
 */
import { context, type Context } from '@opentelemetry/api'
import { observe, type Metrics } from '../telemetry/metrics.ts'
import type { CharAlignment } from './alignment.ts'

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

/** A frame before the sender numbers it. */
export type FrameAudio = Omit<AudioFrame, 'seq'>

/** The utterance a frame speaks: first-audio latency is observed in its trace, from when its text was queued. */
export interface FrameOrigin {
  trace: Context
  queuedAt: number
}

export interface FrameSenderOptions {
  transport: SessionTransport
  metrics?: Metrics
  vendor: 'elevenlabs' | 'tts-edge'
  route: string
}

/**
 * @example
 * const sender = new FrameSender({ transport, metrics, vendor: 'tts-edge', route: '/v1/stream' })
 * const drained = sender.send({ bytes }, utterance)
 * if (drained) await drained
 */
export class FrameSender {
  readonly #o: FrameSenderOptions
  #seq = 0
  #awaitingFirstAudio = true
  framesSent = 0
  framesDropped = 0
  backpressureWaits = 0

  constructor(options: FrameSenderOptions) {
    this.#o = options
  }

  /** Sequence number of the last frame sent, -1 before the first. */
  get lastSeq(): number {
    return this.#seq - 1
  }

  /** After a barge-in: the next audio sent is first audio again. */
  expectFirstAudio(): void {
    this.#awaitingFirstAudio = true
  }

  /**
   * Sends `audio` as the next frame. On backpressure, returns the promise to wait for before
   * sending more; a dropped frame keeps its sequence number (the client sees the gap).
   */
  send(audio: FrameAudio, origin: FrameOrigin): Promise<void> | undefined {
    const result = this.#o.transport.sendAudio({ seq: this.#seq, ...audio })
    this.#seq++
    const metrics = this.#o.metrics
    if (result === 'dropped') {
      this.framesDropped++
      metrics?.framesDropped.inc({ vendor: this.#o.vendor })
      return undefined
    }
    this.framesSent++
    metrics?.framesSent.inc({ vendor: this.#o.vendor })
    if (this.#awaitingFirstAudio) {
      this.#awaitingFirstAudio = false
      if (metrics) context.with(origin.trace, () => observe(metrics.firstAudioLatency, { route: this.#o.route }, (performance.now() - origin.queuedAt) / 1000))
    }
    if (result !== 'backpressure') return undefined
    // The socket's buffer is full: stop here, which also stops synthesising ahead.
    metrics?.streamBackpressure.inc({ vendor: this.#o.vendor })
    this.backpressureWaits++
    return this.#o.transport.drained()
  }
}
