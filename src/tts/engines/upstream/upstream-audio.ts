/**
 * An upstream's body as PcmChunks. Audio that already is the format asked for passes
 * through as `encoded` chunks the moment they arrive (the whole file rides on the last
 * chunk for the cache). Otherwise the upstream was asked for raw 16-bit PCM, which is
 * encoded chunk by chunk by `encoders` (the encode pool's workers in the service), so
 * every caller gets the same shape of chunks whichever engine spoke.
 */
import { concatBytes, EMPTY_BYTES } from '../../../audio/bytes.ts'
import type { AudioFormatSpec } from '../../../audio/formats.ts'
import { inProcessEncoders, type EncoderSource, type StreamEncoder, type StreamSpeaker } from '../../encoding/stream-encoder.ts'
import type { Boundary, PcmChunk } from '../../engine.ts'
import { UpstreamBody } from './upstream-body.ts'

const NO_SAMPLES = new Int16Array(0)

/** Audio, or the generic binary type some servers use; never HTML or JSON. */
export function isAudioType(contentType: string): boolean {
  const type = contentType.split(';')[0]!.trim().toLowerCase()
  return type.startsWith('audio/') || type === 'application/octet-stream'
}

/** Audio bytes as the upstream sent them, with the word timings it reported, if any. */
export interface UpstreamPiece {
  bytes: Uint8Array
  boundaries?: Boundary[]
}

export interface UpstreamAudioOptions {
  /** The format asked for by our caller (absent: raw samples wanted). */
  format?: AudioFormatSpec
  /** True when the upstream was asked for exactly `format`. */
  passthrough: boolean
  /** Rate of the upstream's audio (its PCM, or the passed-through format's). */
  sampleRate: number
  /** For the sentence boundary that covers the whole text (upstreams without timings); 0: the pieces bring their own. */
  textLength: number
  /** The upstream's `request-id`, stamped on the first chunk. */
  requestId?: string
  /** Where the PCM is encoded (default: on this thread). */
  encoders?: EncoderSource
  /** Aborts pending encoding work with the request. */
  signal?: AbortSignal
  /** Whose audio this is: the encoders measure its loudness under this engine's name. */
  speaker?: StreamSpeaker
}

const ON_THIS_THREAD = inProcessEncoders()

/**
 * An upstream's body: its raw bytes as they arrive (no timings), or pieces with timings. A
 * function opening it is called at the first read, so a caller can hand on `upstreamAudio`
 * itself instead of wrapping it in a generator of its own (one async layer less per chunk).
 */
export type UpstreamAudioSource = AsyncIterable<UpstreamPiece | Uint8Array>

/**
 * @example
 * for await (const chunk of upstreamAudio(async () => (await client.open(call)).chunks, { format, passthrough: true, sampleRate: 24000, textLength: 12 })) send(chunk.encoded!)
 */
export async function* upstreamAudio(opening: UpstreamAudioSource | (() => Promise<UpstreamAudioSource>), options: UpstreamAudioOptions): AsyncGenerator<PcmChunk> {
  const { format, passthrough, sampleRate } = options
  let first = true
  // The first chunk carries the utterance's sentence boundary and the upstream's request id;
  // every chunk carries the word timings the upstream reported with it.
  const extras = (timings: Boundary[] | undefined): Partial<PcmChunk> => {
    if (!first) return timings?.length ? { boundaries: timings } : {}
    first = false
    const sentence: Boundary[] = options.textLength > 0 ? [{ textOffset: 0, textLength: options.textLength, sampleOffset: 0, kind: 'sentence' }] : []
    const boundaries = timings?.length ? [...sentence, ...timings] : sentence
    return { ...(boundaries.length && { boundaries }), ...(options.requestId && { upstreamRequestId: options.requestId }) }
  }
  const body = typeof opening === 'function' ? await opening() : opening
  const sent: Uint8Array[] = []
  if (passthrough) {
    const raw = format?.container === 'pcm'
    if (body instanceof UpstreamBody && body.whole) {
      // An answer read whole is its own last chunk, the file riding on it: the flight ends as
      // it is pushed, so a reader can send it in one piece, as a cache hit is sent.
      const first = await body.next()
      await body.next()
      options.signal?.throwIfAborted()
      if (first.done) return
      const bytes = first.value
      yield { samples: NO_SAMPLES, sampleRate, encoded: bytes, sampleCount: raw ? bytes.byteLength >> 1 : 0, ...extras(undefined), whole: bytes, encodeMs: 0 }
      return
    }
    for await (const piece of body) {
      const bytes = bytesOf(piece)
      sent.push(bytes)
      yield { samples: NO_SAMPLES, sampleRate, encoded: bytes, sampleCount: raw ? bytes.byteLength >> 1 : 0, ...extras(timingsOf(piece)) }
    }
    options.signal?.throwIfAborted()
    yield { samples: NO_SAMPLES, sampleRate, encoded: EMPTY_BYTES, sampleCount: 0, whole: concatBytes(sent), encodeMs: 0 }
    return
  }
  const encoder: StreamEncoder | undefined = format ? await (options.encoders ?? ON_THIS_THREAD).open(format, sampleRate, options.signal, options.speaker) : undefined
  let ended = false
  try {
    let carry: number | undefined
    for await (const piece of body) {
      const timings = timingsOf(piece)
      const samples = toSamples(bytesOf(piece), carry)
      carry = samples.carry
      if (!encoder) {
        yield { samples: samples.samples, sampleRate, ...extras(timings) }
        continue
      }
      const count = samples.samples.length
      const encoded = await encoder.write(samples.samples)
      yield { samples: NO_SAMPLES, sampleRate, encoded, sampleCount: count, ...extras(timings) }
    }
    // A reader that aborted after the body's last piece ends with its reason, never as if all was well.
    options.signal?.throwIfAborted()
    if (!encoder) return
    const { tail, whole, encodeMs } = await encoder.end()
    ended = true
    yield { samples: NO_SAMPLES, sampleRate, encoded: tail, sampleCount: 0, whole, encodeMs }
  } finally {
    // Aborted, failed or abandoned by the reader: free the encoder's state.
    if (!ended) encoder?.close()
  }
}

const bytesOf = (piece: UpstreamPiece | Uint8Array): Uint8Array => (piece instanceof Uint8Array ? piece : piece.bytes)
const timingsOf = (piece: UpstreamPiece | Uint8Array): Boundary[] | undefined => (piece instanceof Uint8Array ? undefined : piece.boundaries)

/**
 * Little-endian 16-bit samples from bytes that may split a sample across chunks.
 *
 * @example
 * toSamples(new Uint8Array([1, 0, 2]), undefined) // { samples: Int16Array [1], carry: 2 }
 */
export function toSamples(bytes: Uint8Array, carry: number | undefined): { samples: Int16Array; carry: number | undefined } {
  const input = carry === undefined ? bytes : concatBytes([new Uint8Array([carry]), bytes])
  const count = input.byteLength >> 1
  const samples = new Int16Array(count)
  const view = new DataView(input.buffer, input.byteOffset, input.byteLength)
  for (let i = 0; i < count; i++) samples[i] = view.getInt16(i * 2, true)
  return { samples, carry: input.byteLength & 1 ? input[input.byteLength - 1] : undefined }
}
