/**
 * An upstream's body as PcmChunks. Audio that already is the format asked for passes
 * through as `encoded` chunks the moment they arrive (the whole file rides on the last
 * chunk for the cache). Otherwise the upstream was asked for raw 16-bit PCM, which is
 * encoded here chunk by chunk, as the espeak workers do, so every caller gets the same
 * shape of chunks whichever engine spoke.
 */
import { concatBytes, EMPTY_BYTES } from '../../../audio/bytes.ts'
import { createEncoder, type AudioFormatSpec } from '../../../audio/formats.ts'
import type { PcmChunk } from '../../engine.ts'

const NO_SAMPLES = new Int16Array(0)

export interface UpstreamAudioOptions {
  /** The format asked for by our caller (absent: raw samples wanted). */
  format?: AudioFormatSpec
  /** True when the upstream was asked for exactly `format`. */
  passthrough: boolean
  /** Rate of the upstream's audio (its PCM, or the passed-through format's). */
  sampleRate: number
  /** For the single sentence boundary upstreams do not report themselves. */
  textLength: number
  /** The upstream's `request-id`, stamped on the first chunk. */
  requestId?: string
}

/**
 * @example
 * for await (const chunk of upstreamAudio(stream.chunks, { format, passthrough: true, sampleRate: 24000, textLength: 12 })) send(chunk.encoded!)
 */
export async function* upstreamAudio(body: AsyncIterable<Uint8Array>, options: UpstreamAudioOptions): AsyncGenerator<PcmChunk> {
  const { format, passthrough, sampleRate } = options
  let boundaries: PcmChunk['boundaries'] = [{ textOffset: 0, textLength: options.textLength, sampleOffset: 0, kind: 'sentence' }]
  // What only the first chunk carries: the utterance's one boundary and the upstream's request id.
  const takeBoundaries = () => {
    const b = boundaries
    boundaries = undefined
    return b ? { boundaries: b, ...(options.requestId && { upstreamRequestId: options.requestId }) } : {}
  }
  const sent: Uint8Array[] = []
  if (passthrough) {
    const raw = format?.container === 'pcm'
    for await (const bytes of body) {
      sent.push(bytes)
      yield { samples: NO_SAMPLES, sampleRate, encoded: bytes, sampleCount: raw ? bytes.byteLength >> 1 : 0, ...takeBoundaries() }
    }
    yield { samples: NO_SAMPLES, sampleRate, encoded: EMPTY_BYTES, sampleCount: 0, whole: concatBytes(sent), encodeMs: 0 }
    return
  }
  const encoder = format ? await createEncoder(format, sampleRate) : undefined
  let encodeMs = 0
  let carry: number | undefined
  for await (const bytes of body) {
    const samples = toSamples(bytes, carry)
    carry = samples.carry
    if (!encoder) {
      yield { samples: samples.samples, sampleRate, ...takeBoundaries() }
      continue
    }
    const t = performance.now()
    const encoded = encoder.write(samples.samples)
    encodeMs += performance.now() - t
    sent.push(encoded)
    yield { samples: NO_SAMPLES, sampleRate, encoded, sampleCount: samples.samples.length, ...takeBoundaries() }
  }
  if (!encoder) return
  const t = performance.now()
  const last = encoder.end()
  sent.push(last)
  const whole = encoder.finalize(concatBytes(sent))
  encodeMs += performance.now() - t
  yield { samples: NO_SAMPLES, sampleRate, encoded: last, sampleCount: 0, whole, encodeMs }
}

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
