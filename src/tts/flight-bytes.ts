/**
 * What a batch request reads of a flight: the pieces' bytes without the empty ones (an
 * encoder holding samples back), with the reader's outcome counted once in
 * `tts_speech_requests_total`: `created` when it got every byte, `error` when synthesis
 * failed (a client that hung up is no failure of ours). One object, no generator per step.
 */
import type { Metrics } from '../telemetry/metrics.ts'
import { DONE, PENDING, ReadySource, type Taken } from './ready-source.ts'
import type { SpeechPiece } from './speech-piece.ts'

/**
 * @example
 * const chunks = new FlightBytes(flight.broadcast.read(request.signal), metrics, request.signal)
 * for await (const bytes of chunks) send(bytes)
 */
export class FlightBytes extends ReadySource<Uint8Array> {
  #counted = false

  constructor(
    private readonly pieces: ReadySource<SpeechPiece>,
    private readonly metrics: Metrics | undefined,
    private readonly signal: AbortSignal | undefined,
  ) {
    super()
  }

  take(): Taken<Uint8Array> {
    try {
      for (;;) {
        const piece = this.pieces.take()
        if (piece === PENDING) return PENDING
        if (piece === DONE) {
          this.#count('created')
          return DONE
        }
        if (piece.bytes.byteLength > 0) return piece.bytes
      }
    } catch (err) {
      if (this.signal?.aborted) this.#counted = true
      else this.#count('error')
      throw err
    }
  }

  ready(): Promise<void> {
    return this.pieces.ready()
  }

  override atEnd(): boolean {
    return this.pieces.atEnd()
  }

  close(): void {
    // Left early: neither outcome is this reader's to count.
    this.#counted = true
    this.pieces.close()
  }

  #count(result: 'created' | 'error'): void {
    if (this.#counted) return
    this.#counted = true
    this.metrics?.speechRequests.inc({ result })
  }
}
