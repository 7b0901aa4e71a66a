/**
 * Encoding off the event loop for engines that do not encode themselves (upstream PCM
 * transcoded to Opus, AAC, mp3 at another rate, ...): Opus runs at ~50x real time, so a
 * 10 s clip would hold the event loop for ~200 ms and stall every other request.
 *
 * A stream's encoder keeps state between chunks, so each stream is pinned to one worker
 * (the least loaded) for its life: every worker is a one-worker {@link WorkerPool}, whose
 * FIFO keeps a stream's chunks in order while many streams share the worker chunk by
 * chunk. A stream awaits each chunk before sending the next, so a worker's queue never
 * holds more than two jobs per stream; the bound that matters is `maxStreams`.
 * Workers start with `warmup` or the first stream, not before: an espeak-only service has none.
 */
import { concatBytes } from '../../audio/bytes.ts'
import type { AudioFormatSpec } from '../../audio/formats.ts'
import type { LoudnessResult } from '../../audio/loudness-stage.ts'
import { EngineBusyError, EngineUnavailableError } from '../engine.ts'
import { WorkerPool } from '../worker-pool.ts'
import type { EncodeOut, EncodeRequest } from './encode-job.ts'
import type { EncodedEnd, EncoderSource, StreamEncoder, StreamSpeaker } from './stream-encoder.ts'
import type { WorkerChunk } from './worker-chunk.ts'

export interface EncodePoolOptions {
  /** Worker threads (TTS_ENCODE_WORKERS). */
  workers: number
  /** Streams encoding at once across all workers; one more is refused with EngineBusyError. */
  maxStreams: number
  /** Nice steps below the event loop, as the engine workers (TTS_ENGINE_NICE). */
  nice?: number
  /** A job without progress for this long fails the stream (default 30 s). */
  jobTimeoutMs?: number
  /** Told once per stream opened (metrics). */
  onOpen?: () => void
  /** Normalise each stream to this integrated loudness (TTS_LOUDNESS_TARGET_LUFS). */
  loudnessTargetLufs?: number
  /** Told each measured stream's loudness, with the engine that made it. */
  onLoudness?: (engine: string, result: LoudnessResult) => void
}

/** The encoded bytes among a job's outputs, in order (a stream's held chunks may leave together). */
function encodedOf(outputs: EncodeOut[]): Uint8Array {
  const parts = outputs.filter((o): o is WorkerChunk => 'samples' in o && o.encoded !== undefined && o.whole === undefined).map((o) => o.encoded!)
  return parts.length === 1 ? parts[0]! : concatBytes(parts)
}

interface Lane {
  pool: WorkerPool<EncodeRequest, EncodeOut>
  streams: number
}

/**
 * @example
 * const encoders = new EncodePool({ workers: 2, maxStreams: 64, nice: 10 })
 * const enc = await encoders.open(format, 24000, signal)
 * send(await enc.write(samples))
 * const { tail, whole } = await enc.end()
 * await encoders.close()
 */
export class EncodePool implements EncoderSource {
  #lanes: Lane[] | undefined
  #open = 0
  #nextStream = 1
  #closed = false

  constructor(private readonly options: EncodePoolOptions) {}

  /** Streams open now. */
  get streams(): number {
    return this.#open
  }

  /** Worker threads started so far (none until the first stream). */
  get workers(): number {
    return this.#lanes?.length ?? 0
  }

  /**
   * Opus and AAC encoder states each started worker holds (freed by `end` or `close`).
   *
   * @example
   * expect(await encoders.encodersInUse()).toEqual([0, 0])
   */
  async encodersInUse(): Promise<number[]> {
    return Promise.all(
      (this.#lanes ?? []).map(async (lane) => {
        for await (const out of lane.pool.run({ op: 'in-use' })) if ('inUse' in out) return out.inUse
        return 0
      }),
    )
  }

  async open(format: AudioFormatSpec, sampleRate: number, signal?: AbortSignal, speaker?: StreamSpeaker): Promise<StreamEncoder> {
    signal?.throwIfAborted()
    if (this.#closed) throw new EngineUnavailableError('the encoder pool is shut down')
    if (this.#open >= this.options.maxStreams) throw new EngineBusyError(this.#open, this.options.maxStreams)
    const lane = this.#lanes_().reduce((a, b) => (b.streams < a.streams ? b : a))
    const stream = this.#nextStream++
    lane.streams++
    this.#open++
    let released = false
    const release = () => {
      if (released) return
      released = true
      lane.streams--
      this.#open--
    }
    const run = async (request: EncodeRequest, transfer: Transferable[] = []): Promise<EncodeOut[]> => {
      const out: EncodeOut[] = []
      try {
        for await (const chunk of lane.pool.run(request, { ...(signal && { signal }), transfer })) out.push(chunk)
      } catch (err) {
        // The worker's own failures (an encoder that broke, state lost to a crash) are the encoder
        // being unavailable (503), not a bug of the request; an abort stays the abort's reason.
        if (signal?.aborted || err instanceof EngineUnavailableError || err instanceof EngineBusyError) throw err
        throw new EngineUnavailableError(`encoding failed: ${(err as Error).message}`)
      }
      return out
    }
    const close = () => {
      if (released) return
      release()
      // Frees the worker's encoder; nobody waits for it, and a dead pool has nothing to free.
      void (async () => {
        for await (const _ of lane.pool.run({ op: 'close', stream })) void _
      })().catch(() => {})
    }
    try {
      const target = this.options.loudnessTargetLufs
      const loudness = speaker && { voiceKey: `${speaker.engine}|${speaker.voice}`, engineKey: speaker.engine, ...(target !== undefined && { targetLufs: target }) }
      await run({ op: 'open', stream, format, sampleRate, ...(loudness && { loudness }) })
    } catch (err) {
      close()
      throw err
    }
    this.options.onOpen?.()
    const onLoudness = this.options.onLoudness
    return {
      async write(samples) {
        // The samples are this stream's own: move them rather than copy.
        const outputs = await run({ op: 'write', stream, samples }, samples.byteOffset === 0 && samples.byteLength === samples.buffer.byteLength ? [samples.buffer as ArrayBuffer] : [])
        return encodedOf(outputs)
      },
      async end(): Promise<EncodedEnd> {
        const outputs = await run({ op: 'end', stream })
        release()
        const last = outputs.find((o): o is WorkerChunk => 'whole' in o && o.whole !== undefined)
        if (!last?.whole) throw new EngineUnavailableError('encoder ended without a file')
        const measured = outputs.find((o): o is { loudness: LoudnessResult } => 'loudness' in o)
        if (measured && speaker) onLoudness?.(speaker.engine, measured.loudness)
        // Chunks held for the loudness decision come out before the encoder's tail.
        return { tail: concatBytes([encodedOf(outputs), last.encoded ?? new Uint8Array(0)]), whole: last.whole, encodeMs: last.encodeMs ?? 0 }
      },
      close,
    }
  }

  /** Starts the workers now and resolves once their encoders are warm (else the first stream starts them). */
  async warmup(): Promise<void> {
    await Promise.all(this.#lanes_().map((lane) => lane.pool.warmup()))
  }

  /** Terminates the workers; streams still open fail with EngineUnavailableError. */
  async close(): Promise<void> {
    this.#closed = true
    await Promise.all((this.#lanes ?? []).map((lane) => lane.pool.close()))
  }

  #lanes_(): Lane[] {
    this.#lanes ??= Array.from({ length: Math.max(1, this.options.workers) }, () => ({
      pool: new WorkerPool<EncodeRequest, EncodeOut>({
        url: new URL('./encode.worker.ts', import.meta.url),
        size: 1,
        maxQueue: 2 * this.options.maxStreams + 2,
        ...(this.options.jobTimeoutMs !== undefined && { jobTimeoutMs: this.options.jobTimeoutMs }),
        nice: this.options.nice ?? 0,
      }),
      streams: 0,
    }))
    return this.#lanes
  }
}
