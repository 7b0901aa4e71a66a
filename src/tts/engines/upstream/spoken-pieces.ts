/**
 * A rendered document spoken by an upstream that reads plain text (markup/render-text.ts):
 * one request per text piece, each answered in raw 16-bit PCM, and our own exact silence for
 * each pause between them, as one stream of PCM pieces. Each text piece starts with a
 * sentence boundary in the client's offsets, at the sample where its audio starts.
 */
import type { RenderedPiece } from '../../../markup/rendered.ts'
import type { UpstreamPiece } from './upstream-audio.ts'

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
  let bytes = 0
  for (const piece of pieces) {
    if (piece.type === 'silence') {
      const silence = new Uint8Array(Math.round((piece.ms * sampleRate) / 1000) * 2)
      bytes += silence.byteLength
      if (silence.byteLength > 0) yield { bytes: silence }
      continue
    }
    const span = piece.text.spanToSource(0, piece.text.text.length)
    let boundary: UpstreamPiece['boundaries'] = [{ textOffset: span.start, textLength: span.end - span.start, sampleOffset: bytes >> 1, kind: 'sentence' }]
    for await (const chunk of await speak(piece.text.text)) {
      bytes += chunk.byteLength
      yield { bytes: chunk, ...(boundary && { boundaries: boundary }) }
      boundary = undefined
    }
    // A piece that ended mid-sample (a broken upstream) must not shift the samples after it.
    if (bytes & 1) {
      bytes++
      yield { bytes: new Uint8Array(1) }
    }
  }
}
