/**
 * A rendered document spoken by an upstream that reads plain text (markup/render-text.ts):
 * one request per text piece, each answered in raw 16-bit PCM, and our own silence for each
 * pause between them, as one stream of PCM pieces. Each text piece starts with a sentence
 * boundary in the client's offsets, at the sample where its audio starts.
 *
 * A pause is exact: the quiet an upstream leaves at the end of the piece before it and the
 * start of the piece after it (its own end-of-text pause, hundreds of milliseconds for some)
 * is trimmed, so what the listener hears between the words is the pause that was asked for.
 */
import type { RenderedPiece } from '../../../markup/rendered.ts'
import type { UpstreamPiece } from './upstream-audio.ts'
import { toSamples } from './upstream-audio.ts'

/** Samples quieter than this (16-bit, about -54 dBFS) are the upstream's silence, not speech. */
export const QUIET = 64

const asBytes = (samples: Int16Array) => new Uint8Array(samples.buffer, samples.byteOffset, samples.byteLength)

/**
 * @example
 * const body = spokenPieces(renderText(doc).pieces, 24000, (input) => openPcm(input))
 * yield* upstreamAudio(body, { format, passthrough: false, sampleRate: 24000, textLength: 0 })
 */
export async function* spokenPieces(
  pieces: readonly RenderedPiece[],
  sampleRate: number,
  speak: (text: string) => Promise<AsyncIterable<Uint8Array>>,
): AsyncGenerator<UpstreamPiece> {
  let emitted = 0
  for (const [i, piece] of pieces.entries()) {
    if (piece.type === 'silence') {
      const silence = new Int16Array(Math.round((piece.ms * sampleRate) / 1000))
      emitted += silence.length
      if (silence.length > 0) yield { bytes: asBytes(silence) }
      continue
    }
    const span = piece.text.spanToSource(0, piece.text.text.length)
    let boundaries: UpstreamPiece['boundaries'] = [{ textOffset: span.start, textLength: span.end - span.start, sampleOffset: emitted, kind: 'sentence' }]
    const trimStart = pieces[i - 1]?.type === 'silence'
    const trimEnd = pieces[i + 1]?.type === 'silence'
    let started = !trimStart
    let held = new Int16Array(0) // a quiet run that may turn out to be the piece's tail
    let carry: number | undefined
    for await (const chunk of await speak(piece.text.text)) {
      const converted = toSamples(chunk, carry)
      carry = converted.carry
      let samples = converted.samples
      if (!started) {
        const first = samples.findIndex((x) => Math.abs(x) >= QUIET)
        if (first === -1) continue
        samples = samples.subarray(first)
        started = true
      }
      if (trimEnd) {
        // Hold back the quiet after the last loud sample: it is the tail unless more speech follows.
        const combined = concat(held, samples)
        let loud = combined.length
        while (loud > 0 && Math.abs(combined[loud - 1]!) < QUIET) loud--
        held = combined.slice(loud)
        samples = combined.subarray(0, loud)
      }
      if (samples.length === 0) continue
      emitted += samples.length
      yield { bytes: asBytes(samples.slice()), ...(boundaries && { boundaries }) }
      boundaries = undefined
    }
  }
}

function concat(a: Int16Array, b: Int16Array): Int16Array {
  if (a.length === 0) return b
  const out = new Int16Array(a.length + b.length)
  out.set(a)
  out.set(b, a.length)
  return out
}
